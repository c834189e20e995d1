//! The host link's gateware (`ouro_hdl::link`) as generated Verilog in Verilator, against the
//! protocol module (`ouro_core::protocol`): frames it encodes go in as UART bit streams and
//! must come out of the receive buffer byte for byte, bad frames must be refused exactly where
//! its `Deframer` refuses them, and the transmitter's line, decoded here, must equal its
//! encoding. Every comparison has a negative test.

use ouro_core::protocol::{crc16, frame, Deframer, Request, Response, FLAG, MAX_PAYLOAD};
use ouro_testkit::rng::seeded;
use ouro_verilated::{require_verilator, BlockInfo, BlockModel};
use rand::Rng;
use std::path::Path;

mod link_support;

use link_support::{
    bytes, decode_line, expected, framed, messages, run_chain, wave, Char, Consumer, Event, CPB,
};

fn model(name: &str) -> Option<BlockModel> {
    if !require_verilator(name) {
        return None;
    }
    let b = BlockInfo::get(name).unwrap_or_else(|| panic!("no block {name}"));
    Some(b.model().expect("verilated block"))
}

fn chain() -> Option<BlockModel> {
    model("link_rx_chain")
}

// ---------------------------------------------------------------------------------------------
// UART receiver

/// Every byte value at 12 and at 7 clocks per bit, back to back, then a byte with a 0 stop
/// bit (one framing error, nothing delivered), a glitch shorter than half a bit (ignored), and
/// a byte after them.
#[test]
fn uart_rx_receives_every_byte_and_flags_framing_errors() {
    for (name, cpb) in [("link_uart_rx", 12.0), ("link_uart_rx_7", 7.0)] {
        let Some(mut m) = model(name) else { return };
        let all: Vec<u8> = (0..=255).collect();
        let mut chars = bytes(&all);
        chars.push(Char::Broken(0x55));
        chars.push(Char::Byte(0xA5));
        let mut line = wave(&chars, cpb, 3, |_| 0.0);
        // A glitch of cpb/2 - 2 cycles, in the idle time at the end.
        let at = line.len() - 2 * CPB;
        for l in &mut line[at..at + (cpb as usize / 2 - 2)] {
            *l = false;
        }
        let (mut got, mut errors) = (Vec::new(), 0);
        for (k, &level) in line.iter().chain([true; 40].iter()).enumerate() {
            m.set_bool("rx", level);
            m.tick();
            assert!(
                !(m.get_bool("valid") && m.get_bool("framing_error")),
                "cycle {k}"
            );
            if m.get_bool("valid") {
                got.push(m.get("data") as u8);
            }
            errors += usize::from(m.get_bool("framing_error"));
        }
        let mut want = all.clone();
        want.push(0xA5);
        assert_eq!(got, want, "{name}");
        assert_eq!(errors, 1, "{name}");
    }
}

/// The receiver works with the sender's bit time off by -3 % and +3 % (every byte value, back
/// to back, no idle time); at -10 % it must not (the negative test of the same check).
#[test]
fn uart_rx_tolerates_a_3_percent_rate_error() {
    let Some(mut m) = model("link_uart_rx") else {
        return;
    };
    let all: Vec<u8> = (0..=255).rev().chain(0..=255).collect();
    let mut run = |ratio: f64| {
        let line = wave(&bytes(&all), CPB as f64 * ratio, 5, |_| 0.0);
        let mut got = Vec::new();
        for &level in line.iter().chain([true; 40].iter()) {
            m.set_bool("rx", level);
            m.tick();
            if m.get_bool("valid") {
                got.push(m.get("data") as u8);
            }
        }
        got
    };
    for ratio in [0.97, 1.03, 1.0] {
        assert_eq!(run(ratio), all, "bit time x{ratio}");
    }
    assert_ne!(run(0.90), all, "a 10 % fast sender must break the receiver");
}

// ---------------------------------------------------------------------------------------------
// UART transmitter

/// Bytes sent through the transmitter, started as soon as `busy` is low (and with random
/// pauses), decode to themselves with every bit exactly 12 cycles; back to back, consecutive
/// start bits are exactly 120 cycles apart. A corrupted expectation is caught.
#[test]
fn uart_tx_sends_exact_8n1_characters() {
    let Some(mut m) = model("link_uart_tx") else {
        return;
    };
    let mut rng = seeded(0x11A7_0001);
    let data: Vec<u8> = (0..=255).chain((0..200).map(|_| rng.random())).collect();
    let mut line = Vec::new();
    let mut next = 0;
    let mut pause: u32 = 0;
    let mut back_to_back = Vec::new();
    assert!(m.get_bool("tx") && !m.get_bool("busy"), "idle at power-up");
    while next < data.len() || m.get_bool("busy") {
        let go = next < data.len() && !m.get_bool("busy") && pause == 0;
        m.set_bool("start", go);
        m.set("data", if go { u64::from(data[next]) } else { 0x5A });
        m.tick();
        line.push(m.get_bool("tx"));
        if go {
            back_to_back.push(rng.random_range(0..4) != 0);
            pause = if back_to_back[next] {
                0
            } else {
                rng.random_range(1..40)
            };
            next += 1;
        } else {
            pause = pause.saturating_sub(1);
        }
    }
    line.extend([true; 3 * CPB]);
    let (got, starts) = decode_line(&line, CPB).expect("a clean 8N1 line");
    assert_eq!(got, data);
    for i in 1..starts.len() {
        if back_to_back[i - 1] {
            assert_eq!(starts[i] - starts[i - 1], 10 * CPB, "gap before byte {i}");
        }
    }
    let mut wrong = data.clone();
    wrong[77] ^= 0x10;
    assert_ne!(got, wrong);
    // A corrupted line fails the strict decoder.
    let mut bad = line.clone();
    bad[starts[5] + 3 * CPB + 4] ^= true;
    assert!(decode_line(&bad, CPB).is_err());
}

// ---------------------------------------------------------------------------------------------
// CRC

/// The CRC block equals `protocol::crc16` on random messages fed one byte per cycle, with
/// idle cycles between bytes and `clear` together with the first byte half the time.
#[test]
fn crc16_equals_the_protocol_crc() {
    let Some(mut m) = model("link_crc16") else {
        return;
    };
    let mut rng = seeded(0xC3C1_0002);
    assert_eq!((m.get("crc_hi"), m.get("crc_lo")), (0xFF, 0xFF), "power-up");
    for case in 0..300 {
        let n = if case == 0 {
            9
        } else {
            rng.random_range(0..80)
        };
        let msg: Vec<u8> = if case == 0 {
            b"123456789".to_vec()
        } else {
            (0..n).map(|_| rng.random()).collect()
        };
        let together = !msg.is_empty() && rng.random();
        if !together {
            m.set_bool("clear", true);
            m.set_bool("enable", false);
            m.tick();
        }
        for (i, &b) in msg.iter().enumerate() {
            m.set_bool("clear", together && i == 0);
            m.set_bool("enable", true);
            m.set("data", u64::from(b));
            m.tick();
            m.set_bool("clear", false);
            m.set_bool("enable", false);
            m.set("data", u64::from(rng.random::<u8>()));
            for _ in 0..rng.random_range(0..3) {
                m.tick();
            }
        }
        let got = (m.get("crc_hi") << 8 | m.get("crc_lo")) as u16;
        assert_eq!(got, crc16(&msg), "case {case}: {msg:02x?}");
        assert_ne!(
            got,
            crc16(&msg) ^ 0x0100,
            "negative: a changed expectation differs"
        );
        if case == 0 {
            assert_eq!(got, 0x29B1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frame receiver, byte by byte

/// The frame receiver fed bytes directly (as fast as one per cycle) agrees with the
/// `Deframer` on random streams of good frames, frames with a changed, dropped or added byte,
/// bad escapes, framing errors, overlong frames and noise; every payload comes out byte-exact.
#[test]
fn frame_rx_agrees_with_the_deframer() {
    let Some(mut m) = model("link_frame_rx") else {
        return;
    };
    let mut rng = seeded(0xF4A3_0003);
    let mut chars: Vec<Char> = Vec::new();
    chars.extend(bytes(&[0x00, 0x7D, 0x5E])); // noise before the first flag: ignored
    for i in 0..400 {
        let n = match i % 50 {
            0 => MAX_PAYLOAD,
            1 => MAX_PAYLOAD + 1,
            2 => 0,
            _ => rng.random_range(1..40),
        };
        let payload: Vec<u8> = (0..n)
            .map(|_| match rng.random_range(0..4) {
                0 => FLAG,
                1 => 0x7D,
                _ => rng.random(),
            })
            .collect();
        let mut f = if n > MAX_PAYLOAD {
            let mut f = vec![FLAG];
            ouro_core::protocol::stuff_into(&payload, &mut f);
            ouro_core::protocol::stuff_into(&crc16(&payload).to_be_bytes(), &mut f);
            f.push(FLAG);
            f
        } else {
            frame(&payload).unwrap()
        };
        let len = f.len();
        let mut broken = None;
        match rng.random_range(0..10) {
            0 => f[rng.random_range(1..len - 1)] ^= rng.random_range(1..=255u8),
            1 => {
                f.remove(rng.random_range(1..len - 1));
            }
            2 => f.insert(rng.random_range(1..len - 1), rng.random()),
            3 => f.insert(rng.random_range(1..len - 1), 0x7D),
            4 => broken = Some(rng.random_range(1..len - 1)),
            5 => f.extend((0..rng.random_range(1..6)).map(|_| rng.random::<u8>())),
            _ => {}
        }
        for (k, &b) in f.iter().enumerate() {
            chars.push(if broken == Some(k) {
                Char::Broken(b)
            } else {
                Char::Byte(b)
            });
        }
    }
    let want = expected(&chars);
    assert!(want.iter().filter(|e| **e == Event::Bad).count() > 100);
    assert!(want.iter().filter(|e| matches!(e, Event::Frame(_))).count() > 200);
    let mut c = Consumer::new(false);
    let mut k = 0;
    while k < chars.len() || !c.idle() {
        // A new byte only when the buffer is free after a flag (no overruns in this test).
        let last_was_flag = k > 0 && matches!(chars[k - 1], Char::Byte(FLAG));
        let send = k < chars.len() && (!last_was_flag || c.idle()) && rng.random_range(0..3) != 0;
        m.set_bool("valid", false);
        m.set_bool("line_error", false);
        if send {
            match chars[k] {
                Char::Byte(b) => {
                    m.set("data", u64::from(b));
                    m.set_bool("valid", true);
                }
                Char::Broken(_) => m.set_bool("line_error", true),
            }
            k += 1;
        }
        c.before(&mut m);
        m.tick();
        c.after(&m);
    }
    for _ in 0..4 {
        m.set_bool("valid", false);
        c.before(&mut m);
        m.tick();
        c.after(&m);
    }
    assert_eq!(c.events.len(), want.len());
    for (i, (g, w)) in c.events.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "event {i}");
    }
}

// ---------------------------------------------------------------------------------------------
// Receive chain, from UART bit streams

/// One of every request and response, encoded by the protocol module, sent as UART bit
/// streams (each frame's characters back to back, a pause after each frame for the consumer
/// to read the largest): each comes out of the buffer byte-exact and decodes to the message.
/// A payload with every byte value (stuffing) too. Negative: one changed line byte makes that
/// frame bad and leaves the others intact.
#[test]
fn rx_chain_delivers_protocol_frames_byte_exact() {
    let Some(mut m) = chain() else { return };
    let mut payloads = messages();
    payloads.push((0..=255).chain((0..=255).rev()).collect());
    let chars = bytes(&framed(&payloads));
    let ends: Vec<usize> = payloads
        .iter()
        .scan(0, |n, p| {
            *n += frame(p).unwrap().len();
            Some(*n - 1)
        })
        .collect();
    let line = |chars: &[Char]| {
        wave(chars, CPB as f64, 10, |i| {
            if ends.contains(&i) {
                100.0
            } else {
                0.0
            }
        })
    };
    let got = run_chain(&mut m, &line(&chars), false);
    let want: Vec<Event> = payloads.iter().cloned().map(Event::Frame).collect();
    assert_eq!(got, want);
    for p in &payloads[..10] {
        Request::decode(p).expect("a request");
    }
    for p in &payloads[10..payloads.len() - 1] {
        Response::decode(p).expect("a response");
    }
    // Negative: one bit of the seventh frame's tag changed on the line.
    let mut bad = chars.clone();
    let at = ends[5] + 1 + 2;
    bad[at] = match bad[at] {
        Char::Byte(b) => Char::Byte(b ^ 0x08),
        c => c,
    };
    let got = run_chain(&mut m, &line(&bad), false);
    assert_ne!(got, want);
    assert_eq!(got[6], Event::Bad);
    assert_eq!(got[..6], want[..6]);
    assert_eq!(got[7..], want[7..]);
}

/// Bad frames are refused and the chain resynchronises: a corrupted CRC, an overlong frame
/// (1025 bytes), the largest frame (1024 bytes, accepted), a byte with a framing error, noise
/// between frames, a bad escape; the events equal the `Deframer`'s.
#[test]
fn rx_chain_refuses_bad_frames_and_resynchronises() {
    let Some(mut m) = chain() else { return };
    let good = |t: u8| Request::Status { tag: t }.encode().unwrap();
    let mut chars: Vec<Char> = bytes(&[0xAA, 0x7D]); // noise before the first flag
    chars.extend(bytes(&frame(&good(1)).unwrap()));
    let mut f = frame(&good(2)).unwrap();
    let n = f.len();
    f[n - 2] ^= 0x01; // the CRC's low byte
    chars.extend(bytes(&f));
    chars.extend(bytes(&frame(&good(3)).unwrap()));
    let long = vec![0x42; MAX_PAYLOAD + 1];
    let mut f = vec![FLAG];
    ouro_core::protocol::stuff_into(&long, &mut f);
    ouro_core::protocol::stuff_into(&crc16(&long).to_be_bytes(), &mut f);
    f.push(FLAG);
    chars.extend(bytes(&f));
    let largest: Vec<u8> = (0..MAX_PAYLOAD).map(|i| (i * 7) as u8).collect();
    chars.extend(bytes(&frame(&largest).unwrap()));
    chars.extend(bytes(&[FLAG; 30])); // idle flags while the consumer reads
    let mut f: Vec<Char> = bytes(&frame(&good(4)).unwrap());
    f[2] = match f[2] {
        Char::Byte(b) => Char::Broken(b),
        c => c,
    };
    chars.extend(f);
    chars.extend(bytes(&frame(&good(5)).unwrap()));
    chars.extend(bytes(&[0x13, 0x37, 0x00])); // noise between frames
    chars.extend(bytes(&frame(&good(6)).unwrap()));
    chars.extend(bytes(&[FLAG, 0x0A, 0x7D, 0x00, 0x01, FLAG])); // a bad escape
    chars.extend(bytes(&frame(&good(7)).unwrap()));
    let want = expected(&chars);
    let frames = |e: &[Event]| e.iter().filter(|e| matches!(e, Event::Frame(_))).count();
    assert_eq!(frames(&want), 6);
    assert_eq!(want.len(), 11);
    let line = wave(&chars, CPB as f64, 10, |_| 0.0);
    let got = run_chain(&mut m, &line, false);
    assert_eq!(got, want);
    assert_eq!(got[4], Event::Frame(largest));
}

/// While a payload is held, a frame arriving is dropped with `overrun` and the held payload
/// stays intact; after the release the next frame is received.
#[test]
fn rx_chain_drops_a_frame_while_the_buffer_is_held() {
    let Some(mut m) = chain() else { return };
    let a = Request::Fetch { tag: 1, max: 5 }.encode().unwrap();
    let b = Request::Fetch { tag: 2, max: 6 }.encode().unwrap();
    let line = wave(
        &bytes(&framed(&[a.clone(), b.clone()])),
        CPB as f64,
        10,
        |_| 0.0,
    );
    let mut c = Consumer::new(true);
    let feed = |m: &mut BlockModel, c: &mut Consumer, line: &[bool]| {
        for &level in line.iter().chain([true; 40 * CPB].iter()) {
            m.set_bool("rx", level);
            c.before(m);
            m.tick();
            c.after(m);
        }
    };
    feed(&mut m, &mut c, &line);
    assert_eq!(c.events, vec![Event::Frame(a.clone()), Event::Overrun]);
    assert!(m.get_bool("ready"));
    // The held payload is intact: read it again.
    let mut again = Vec::new();
    for i in 0..a.len() {
        m.set("rd_addr", i as u64);
        m.tick();
        again.push(m.get("rd_data") as u8);
    }
    assert_eq!(again, a);
    m.set_bool("release_buf", true);
    m.tick();
    m.set_bool("release_buf", false);
    assert!(!m.get_bool("ready"));
    let mut c = Consumer::new(false);
    let line = wave(&bytes(&frame(&b).unwrap()), CPB as f64, 10, |_| 0.0);
    feed(&mut m, &mut c, &line);
    assert_eq!(c.events, vec![Event::Frame(b)]);
}

/// Frames sent with the bit time off by -3 % and +3 % arrive intact.
#[test]
fn rx_chain_tolerates_a_3_percent_rate_error() {
    let Some(mut m) = chain() else { return };
    let payloads: Vec<Vec<u8>> = messages().into_iter().take(3).collect();
    let line_bytes = framed(&payloads);
    let want: Vec<Event> = payloads.iter().cloned().map(Event::Frame).collect();
    for ratio in [0.97, 1.03] {
        let line = wave(&bytes(&line_bytes), CPB as f64 * ratio, 7, |_| 0.0);
        assert_eq!(run_chain(&mut m, &line, false), want, "bit time x{ratio}");
    }
}

// ---------------------------------------------------------------------------------------------
// Frame transmitter

/// Payloads offered to the frame transmitter (with random stalls of `valid`) come out on its
/// line, decoded here, exactly as `protocol::frame` encodes them; with `valid` never stalled,
/// the characters of a frame are back to back. A corrupted expectation is caught.
#[test]
fn frame_tx_line_equals_the_protocol_encoding() {
    let Some(mut m) = model("link_frame_tx") else {
        return;
    };
    let mut rng = seeded(0xF7A0_0004);
    let mut payloads = messages();
    payloads.push((0..=255).collect());
    payloads.push(vec![FLAG]);
    payloads.push(vec![0x7D; 3]);
    for _ in 0..20 {
        let n = rng.random_range(1..60);
        payloads.push((0..n).map(|_| rng.random()).collect());
    }
    assert!(!m.get_bool("busy") && m.get_bool("tx"), "idle at power-up");
    let mut line = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let stall = i % 2 == 1;
        let mut k = 0;
        while k < p.len() {
            let offer = !stall || rng.random_range(0..4) != 0;
            m.set_bool("valid", offer);
            m.set("data", u64::from(p[k]));
            m.set_bool("last", k + 1 == p.len());
            let take = offer && m.get_bool("ready");
            m.tick();
            line.push(m.get_bool("tx"));
            if take {
                k += 1;
            }
        }
        m.set_bool("valid", false);
        m.set("data", 0);
        m.set_bool("last", false);
        while m.get_bool("busy") {
            m.tick();
            line.push(m.get_bool("tx"));
        }
        assert!(!m.get_bool("ready"));
    }
    line.extend([true; 3 * CPB]);
    let (got, starts) = decode_line(&line, CPB).expect("a clean 8N1 line");
    let want: Vec<u8> = framed(&payloads);
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    // Unstalled frames: every character right after the previous one.
    let mut at = 0;
    for (i, p) in payloads.iter().enumerate() {
        let n = frame(p).unwrap().len();
        if i % 2 == 0 {
            for j in at + 1..at + n {
                assert_eq!(starts[j] - starts[j - 1], 10 * CPB, "frame {i}, char {j}");
            }
        }
        at += n;
    }
    let mut wrong = want.clone();
    let n = wrong.len();
    wrong[n - 2] ^= 0x80;
    assert_ne!(got, wrong);
    // Through the protocol module's receiver, the payloads again.
    let back: Vec<_> = Deframer::new().feed(&got);
    let payloads_back: Vec<Vec<u8>> = back.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(payloads_back, payloads);
}

// ---------------------------------------------------------------------------------------------
// Lint

/// Every link block's generated Verilog is clean under `verilator --lint-only -Wall` with the
/// documented waivers (the negative test of the lint itself is in `tests/lint.rs`).
#[test]
fn link_blocks_are_lint_clean() {
    if !require_verilator("link lint") {
        return;
    }
    let names = [
        "link_uart_rx",
        "link_uart_rx_7",
        "link_uart_tx",
        "link_crc16",
        "link_frame_rx",
        "link_rx_chain",
        "link_frame_tx",
    ];
    for name in names {
        let b = BlockInfo::get(name).unwrap_or_else(|| panic!("no block {name}"));
        if let Err(report) =
            ouro_verilated::lint::lint(Path::new(b.verilog), &format!("ouro_blk_{name}"))
        {
            panic!("{name}: lint failed:\n{report}");
        }
    }
}
