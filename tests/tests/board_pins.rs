//! The whole board top in Verilator, driven at its pins (`ouro_verilated::TopSim`): the host
//! protocol through the UART pin, the DAC, ADC and multiplexers as part models that check their
//! datasheet timing, simulated cells behind them. Every mode programs cells exactly as the
//! transaction-level model does on a twin crossbar: the same records (cycle counts included)
//! and the same pulses, each with its duration and DAC code, in order.

use ouro_board::{Outcome, Record, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{
    Failure, Register, Request, Response, RunState, VERSION_MAJOR, VERSION_MINOR,
};
use ouro_core::Polarity;
use ouro_e2e::pins::*;
use ouro_sim::device::DeviceConfig;
use ouro_verilated::{require_verilator, TopSim, TOP_NOMINAL_BLOCK};
use std::time::Instant;

#[test]
fn every_mode_programs_cells_at_the_pins_as_the_model_does() {
    let board = BoardConfig::default_board();
    let Some(mut h) = host(&board, "realistic", 21) else {
        return;
    };
    let mut s = amplitudes(&board, "realistic");
    s.extend([(0x03, 24), (0x04, 2), (0x09, 1000), (0x0A, 2000), (0x0B, 3)]);
    // Neural loop.
    let recs = compare(&mut h, "realistic", 21, &s, &jobs(64, &board, 20));
    let ok = recs
        .iter()
        .filter(|r| r.outcome == Outcome::InTolerance)
        .count();
    assert!(ok >= 56, "{ok} of 64 in tolerance");
    assert!(recs.iter().any(|r| r.pulses >= 3), "the loop must iterate");
    // Neural one shot.
    s.push((0x01, 1));
    let recs = compare(&mut h, "realistic", 21, &s, &jobs(64, &board, 20));
    assert!(recs.iter().all(|r| r.pulses <= 1));
    // Fixed write and verify.
    s.extend([(0x01, 4), (0x05, 40), (0x03, 40)]);
    let recs = compare(&mut h, "realistic", 21, &s, &jobs(64, &board, 30));
    assert!(recs.iter().any(|r| r.pulses > 1));
    // Adaptive write and verify, with run-time limits.
    s.extend([(0x01, 5), (0x08, 16), (0x20, 2), (0x21, 3000)]);
    let recs = compare(&mut h, "realistic", 21, &s, &jobs(64, &board, 20));
    assert!(recs.iter().any(|r| r.outcome == Outcome::InTolerance));
    let (_, green) = h.sim.leds();
    assert!(green, "the green LED shows the connection");
}

/// A board built with input tables (the shipped `nominal` predictor, 2-16-16-1): its tables go
/// over the link with LOAD_TABLE into the table memory, the sequencer looks the reading's and
/// the target's words up there, and the cells are programmed at the pins as the model programs
/// them from the same tables. Negative: with the tables not loaded (all zero) the same cells are
/// programmed differently.
#[test]
fn a_board_with_input_tables_programs_cells_as_the_model_does() {
    if !require_verilator("board top with input tables") {
        return;
    }
    let board = BoardConfig::default_board();
    let q = ouro_testkit::configs::nominal_qpredictor();
    let sim = TopSim::of_block(TOP_NOMINAL_BLOCK, &board, crossbar(&board, "nominal", 41))
        .expect("verilated top");
    let mut h = Host { sim, tag: 0 };
    h.hello();
    let mut s = amplitudes(&board, "nominal");
    s.extend([(0x03, 24), (0x04, 2)]);
    let jobs = jobs(32, &board, 20);
    // Negative first: the model with its tables, the board without (its table memory is 0).
    let words = ouro_hdl::input_table_words(&q).unwrap();
    let mut with_tables = SequencerModel::new(&q, ouro_hdl::top::BOARD_LANES).unwrap();
    with_tables.load_table(0, &words).unwrap();
    let mut twin = h.sim.frontend().clone();
    let mut m = with_tables.clone();
    for &(id, v) in &s {
        m.write(id, v).unwrap();
    }
    let want: Vec<Record> = jobs.iter().map(|&j| m.program(&mut twin, j)).collect();
    let bare = SequencerModel::new(&q, ouro_hdl::top::BOARD_LANES).unwrap();
    let got = compare_with(&mut h, bare, "nominal", 41, &s, &jobs);
    assert_ne!(
        got, want,
        "a board without its tables must not program as one with them"
    );
    // Load the tables, 500 words a request, and program as the model does.
    for (k, chunk) in words.chunks(500).enumerate() {
        let tag = h.tag();
        let r = h.ask(Request::LoadTable {
            tag,
            start: (k * 500) as u16,
            words: chunk.to_vec(),
        });
        assert_eq!(r, Response::LoadTable { tag });
    }
    let recs = compare_with(&mut h, with_tables, "nominal", 41, &s, &jobs);
    let ok = recs
        .iter()
        .filter(|r| r.outcome == Outcome::InTolerance)
        .count();
    assert!(ok >= 28, "{ok} of 32 in tolerance");
}

#[test]
fn link_errors_get_their_answers_and_change_nothing() {
    let board = BoardConfig::default_board();
    if !require_verilator("board top at the pins") {
        return;
    }
    let sim = TopSim::new(&board, crossbar(&board, "realistic", 31)).expect("verilated top");
    let mut h = Host { sim, tag: 0 };
    // Before HELLO: only HELLO and IDENTIFY.
    assert_eq!(
        raw(&mut h, &[0x0A, 7]),
        failed(0x0A, 7, Failure::NoHandshake)
    );
    let q = ouro_nn::defaults::qpredictor();
    let want = ouro_hdl::top::build_of(&q, &board, ouro_hdl::top::BOARD_LANES).unwrap();
    match raw(&mut h, &[0x02, 8]) {
        Response::Identify { tag: 8, identity } => {
            assert_eq!(identity.rows, 32);
            assert_eq!(identity.lanes as usize, ouro_hdl::top::BOARD_LANES);
            let mut bytes = Response::Identify { tag: 8, identity }.encode().unwrap();
            bytes.drain(..3);
            assert_eq!(bytes, want.identity.to_vec());
        }
        r => panic!("IDENTIFY answered {r:?}"),
    }
    let mismatch = Failure::VersionMismatch {
        major: VERSION_MAJOR,
        minor: VERSION_MINOR,
    };
    assert_eq!(raw(&mut h, &[0x01, 9, 2, 0]), failed(0x01, 9, mismatch));
    assert_eq!(
        raw(&mut h, &[0x0A, 10]),
        failed(0x0A, 10, Failure::NoHandshake)
    );
    h.hello();
    // A bad CRC, noise, a one-byte payload: BAD_FRAME each.
    let mut f = ouro_core::protocol::frame(&[0x0A, 11]).unwrap();
    let n = f.len();
    f[n - 2] ^= 1;
    h.sim.send_raw(&f);
    assert_eq!(
        Response::decode(&h.sim.receive(ANSWER).unwrap().unwrap()).unwrap(),
        Response::BadFrame
    );
    assert_eq!(raw(&mut h, &[0x0A]), Response::BadFrame);
    // Unknown opcodes, wrong lengths, fields out of range.
    assert_eq!(
        raw(&mut h, &[0x33, 12]),
        failed(0x33, 12, Failure::UnknownOpcode)
    );
    assert_eq!(
        raw(&mut h, &[0x8A, 13]),
        failed(0x0A, 13, Failure::UnknownOpcode)
    );
    assert_eq!(
        raw(&mut h, &[0x0A, 14, 0]),
        failed(0x0A, 14, Failure::BadLength)
    );
    assert_eq!(
        raw(&mut h, &[0x03, 15]),
        failed(0x03, 15, Failure::BadLength)
    );
    assert_eq!(
        raw(&mut h, &[0x03, 16, 0x01, 1, 0, 0]),
        failed(0x03, 16, Failure::BadLength)
    );
    assert_eq!(
        raw(&mut h, &[0x05, 17, 0, 0]),
        failed(0x05, 17, Failure::BadLength)
    );
    // CONFIGURE: the first pair is good, the second is not; nothing is written.
    assert_eq!(
        raw(&mut h, &[0x03, 18, 0x01, 1, 0, 0, 0, 0x03, 0, 0, 0, 0]),
        failed(0x03, 18, Failure::BadArgument(1))
    );
    assert_eq!(
        raw(&mut h, &[0x03, 19, 0x02, 0, 0, 0, 0]),
        failed(0x03, 19, Failure::BadArgument(0))
    );
    assert_eq!(
        raw(&mut h, &[0x03, 20, 0x01, 2, 0, 0, 0]),
        failed(0x03, 20, Failure::BadArgument(0)),
        "this build does not run the probe modes"
    );
    assert_eq!(
        raw(&mut h, &[0x03, 21, 0x05, 0, 0, 0, 1]),
        failed(0x03, 21, Failure::BadArgument(0)),
        "24-bit durations"
    );
    assert_eq!(
        raw(&mut h, &[0x03, 22, 0x22, 0, 0x10, 0, 0]),
        failed(0x03, 22, Failure::BadArgument(0)),
        "input offsets below 2^12"
    );
    // LOAD_WEIGHTS beyond the build's banks, LOAD_TABLE beyond the table memory.
    let lw = |tag: u8, addr: u32| {
        let mut p = vec![0x04, tag];
        p.extend(addr.to_le_bytes());
        p.extend(7u32.to_le_bytes());
        p
    };
    assert_eq!(
        raw(&mut h, &lw(23, 0x3_0000)),
        failed(0x04, 23, Failure::BadArgument(0))
    );
    assert_eq!(
        raw(&mut h, &lw(24, 0x0_2000)),
        failed(0x04, 24, Failure::BadArgument(0))
    );
    assert_eq!(
        raw(&mut h, &lw(25, 0x10_0000)),
        failed(0x04, 25, Failure::BadArgument(0))
    );
    let mut lt = vec![0x05, 26];
    lt.extend(16_380u16.to_le_bytes());
    lt.extend([0u8; 10]);
    assert_eq!(raw(&mut h, &lt), failed(0x05, 26, Failure::BadArgument(0)));
    lt.truncate(lt.len() - 2);
    lt[1] = 27;
    assert_eq!(raw(&mut h, &lt), Response::LoadTable { tag: 27 });
    // PROGRAM and the raw commands outside the crossbar.
    assert_eq!(
        raw(&mut h, &[0x06, 28, 1, 1, 0, 8, 0, 0, 32, 0, 0, 1, 0, 0]),
        failed(0x06, 28, Failure::BadArgument(1))
    );
    assert_eq!(
        raw(&mut h, &[0x06, 29, 1, 1, 0, 0x10, 0, 0]),
        failed(0x06, 29, Failure::BadArgument(0)),
        "targets below 2^12"
    );
    assert_eq!(
        raw(&mut h, &[0x07, 30, 40, 0, 0]),
        failed(0x07, 30, Failure::BadArgument(0))
    );
    assert_eq!(
        raw(&mut h, &[0x07, 31, 0, 32, 0]),
        failed(0x07, 31, Failure::BadArgument(1))
    );
    assert_eq!(
        raw(&mut h, &[0x07, 32, 0, 0, 5]),
        failed(0x07, 32, Failure::BadArgument(2))
    );
    let rp = |tag: u8, pol: u8, code: u16, cycles: u32| {
        let mut p = vec![0x08, tag, 3, 4, pol];
        p.extend(code.to_le_bytes());
        p.extend(cycles.to_le_bytes());
        p
    };
    assert_eq!(
        raw(&mut h, &rp(33, 2, 100, 10)),
        failed(0x08, 33, Failure::BadArgument(2))
    );
    let refused = |r| Failure::RefusedSafety(r);
    use ouro_core::protocol::RefusalReason as Why;
    assert_eq!(
        raw(&mut h, &rp(34, 0, 100, 1 << 24)),
        failed(0x08, 34, refused(Why::DurationAbove))
    );
    assert_eq!(
        raw(&mut h, &rp(35, 0, 100, board.max_pulse_cycles + 1)),
        failed(0x08, 35, refused(Why::DurationAbove))
    );
    let (set_limit, _) = board.dac_limit_codes();
    assert_eq!(
        raw(&mut h, &rp(36, 0, set_limit + 1, 10)),
        failed(0x08, 36, refused(Why::AmplitudeBeyond))
    );
    assert!(
        h.sim.pulses().is_empty(),
        "a refused pulse reached the pins"
    );
    // A raw pulse and a raw read, as the twin front end gives them.
    let mut twin = h.sim.frontend().clone();
    twin.connect(3, 4);
    twin.apply(Polarity::Set, 20_000, 50);
    assert_eq!(
        raw(&mut h, &rp(37, 0, 20_000, 50)),
        Response::RawPulse { tag: 37 }
    );
    let p = h.sim.pulses()[0];
    assert_eq!(
        (p.polarity, p.dac_code, p.cycles, p.cell),
        (Polarity::Set, 20_000, 50, Some((3, 4)))
    );
    let (code, _) = {
        twin.connect(3, 4);
        ouro_board::Frontend::read(&mut twin, 2)
    };
    assert_eq!(
        raw(&mut h, &[0x07, 38, 3, 4, 2]),
        Response::ReadCell { tag: 38, code }
    );
    assert_eq!(
        raw(&mut h, &[0x09, 39, 0]),
        Response::Fetch {
            tag: 39,
            records: vec![]
        }
    );
    // After all of this, programming is exactly as if nothing had been sent but the settings.
    let mut s = amplitudes(&board, "realistic");
    s.extend([(0x03, 24), (0x04, 2)]);
    compare(&mut h, "realistic", 31, &s, &jobs(16, &board, 20));
    let problems = h.sim.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_full_queue_is_busy_and_refuses_the_whole_program() {
    let board = BoardConfig::default_board();
    let Some(mut h) = host(&board, "nominal", 41) else {
        return;
    };
    // Slow cells: fixed write and verify at amplitude 0 never reaches a target, 255 pulses each.
    h.configure(&[
        (0x01, 4),
        (0x05, 1),
        (0x06, 0),
        (0x07, 0),
        (0x03, 255),
        (0x04, 0),
    ]);
    let entry = (5u8, 6u8, 3000u16, 1u16);
    let mut queued = 0u32;
    loop {
        let tag = h.tag();
        match h.ask(Request::Program {
            tag,
            cells: vec![entry; 170],
        }) {
            Response::Program { accepted: 170, .. } => queued += 170,
            Response::Failed {
                failure: Failure::Busy,
                ..
            } => break,
            r => panic!("PROGRAM answered {r:?}"),
        }
        assert!(queued <= 5000, "the queue never filled");
    }
    let tag = h.tag();
    let Response::Status {
        queued: q, state, ..
    } = h.ask(Request::Status { tag })
    else {
        panic!("STATUS")
    };
    assert_eq!(state, RunState::Running);
    assert!(
        u32::from(q) + 170 > 4096 && u32::from(q) <= queued,
        "queued {q}"
    );
    // A busy board refuses settings too, and keeps its queue.
    let tag = h.tag();
    assert_eq!(
        h.ask(Request::Configure {
            tag,
            writes: vec![(Register::Mode, 0)]
        }),
        failed(0x03, tag, Failure::Busy)
    );
}

/// Random commands, thousands of them: no pulse at the pins ever exceeds the synthesized
/// duration or amplitude limits, whatever the host asks.
#[test]
fn no_command_sequence_gets_a_pulse_past_the_limits() {
    use rand::Rng;
    let board = BoardConfig::default_board();
    let Some(mut h) = host(&board, "realistic", 51) else {
        return;
    };
    let mut rng = ouro_testkit::rng::seeded(51);
    let (set_limit, reset_limit) = board.dac_limit_codes();
    let max = board.max_pulse_cycles;
    let cycles = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| -> u32 {
        match rng.random_range(0..30) {
            0..=4 => rng.random_range(0..4),
            5 => rng.random_range(max - 2..=max + 2),
            6..=10 => rng.random(),
            _ => rng.random_range(1..400),
        }
    };
    let code = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| -> u16 {
        match rng.random_range(0..3) {
            0 => rng.random_range(set_limit - 2..=set_limit + 2),
            1 => rng.random(),
            _ => rng.random_range(0..40_000),
        }
    };
    let mut sent = 0;
    while sent < 2000 {
        let tag = h.tag();
        let r = match rng.random_range(0..10) {
            0..=5 => Request::RawPulse {
                tag,
                row: rng.random_range(0..32),
                col: rng.random_range(0..32),
                polarity: if rng.random() {
                    Polarity::Set
                } else {
                    Polarity::Reset
                },
                dac_code: code(&mut rng),
                cycles: cycles(&mut rng),
            },
            6 | 7 => {
                let reg = *[
                    Register::Mode,
                    Register::FixedCycles,
                    Register::FixedDacSet,
                    Register::FixedDacReset,
                    Register::RtMinCycles,
                    Register::RtMaxCycles,
                    Register::MaxAttempts,
                ]
                .get(rng.random_range(0..7))
                .unwrap();
                let v = match reg {
                    Register::Mode => *[0u32, 1, 4, 5].get(rng.random_range(0..4)).unwrap(),
                    Register::MaxAttempts => rng.random_range(1..4),
                    Register::FixedDacSet | Register::FixedDacReset => u32::from(code(&mut rng)),
                    _ => cycles(&mut rng) % 5000,
                };
                Request::Configure {
                    tag,
                    writes: vec![(reg, v)],
                }
            }
            8 => Request::Program {
                tag,
                cells: (0..rng.random_range(1..4))
                    .map(|_| {
                        (
                            rng.random_range(0..32),
                            rng.random_range(0..32),
                            rng.random_range(100..4000),
                            2,
                        )
                    })
                    .collect(),
            },
            _ => Request::Status { tag },
        };
        let resp = h.ask(r);
        assert_eq!(resp.tag(), tag);
        // Let queued cells finish now and then, so that settings are not always BUSY.
        if sent % 50 == 49 {
            h.sim.run(200_000);
            let tag = h.tag();
            let _ = h.ask(Request::Fetch { tag, max: 51 });
        }
        sent += 1;
    }
    let pulses = h.sim.pulses();
    assert!(pulses.len() > 200, "only {} pulses applied", pulses.len());
    for p in pulses {
        let limit = match p.polarity {
            Polarity::Set => set_limit,
            Polarity::Reset => reset_limit,
        };
        assert!(p.dac_code <= limit, "{p:?} beyond the amplitude limit");
        assert!(
            (board.min_pulse_cycles..=board.max_pulse_cycles).contains(&p.cycles),
            "{p:?} outside the duration limits"
        );
    }
    let problems = h.sim.problems();
    assert!(
        problems.is_empty(),
        "{} problems, first: {}",
        problems.len(),
        problems[0]
    );
}

/// The answer's bytes with STATUS's uptime zeroed (the model has no clock).
fn masked(mut answer: Vec<u8>) -> Vec<u8> {
    if answer.len() == 13 && answer[0] == 0x8A && answer[2] == 0 {
        answer[9..13].fill(0);
    }
    answer
}

/// Random requests, valid and not, to the gateware at its pins and to the protocol-level board
/// model: every answer is the same, byte for byte (STATUS's uptime aside). After a PROGRAM the
/// board is let finish before the next request, since the model programs at once.
#[test]
fn the_gateware_answers_as_the_board_model_does() {
    use rand::Rng;
    let board = BoardConfig::default_board();
    let Some(mut h) = host(&board, "realistic", 61) else {
        return;
    };
    let q = ouro_nn::defaults::qpredictor();
    let dev = DeviceConfig::preset("realistic");
    let mut model =
        ouro_board::BoardModel::new(&q, &board, &dev, ouro_hdl::top::BOARD_LANES, 61).unwrap();
    *model.frontend_mut() = h.sim.frontend().clone();
    let hello = [0x01, 0, VERSION_MAJOR, VERSION_MINOR];
    assert_eq!(model.handle(&hello)[2], 0, "the model takes HELLO");
    let mut rng = ouro_testkit::rng::seeded(61);
    let mut s = amplitudes(&board, "realistic");
    s.extend([(0x03, 6), (0x04, 1)]);
    let writes = s
        .iter()
        .map(|&(id, v)| (Register::from_code(id).unwrap(), v))
        .collect();
    let setup = Request::Configure { tag: 1, writes }.encode().unwrap();
    assert_eq!(h.sim.request(&setup, ANSWER).unwrap(), model.handle(&setup));
    let mut kinds = [0usize; 11];
    for n in 0..600u32 {
        let tag = (n % 251) as u8;
        let op: u8 = rng.random_range(0..=11);
        let mut p = vec![op, tag];
        match op {
            3 => {
                for _ in 0..rng.random_range(1..4) {
                    p.push(
                        *[
                            0x01u8, 0x03, 0x04, 0x05, 0x06, 0x0B, 0x10, 0x19, 0x20, 0x21, 0x22,
                            0x02, 0x30,
                        ]
                        .get(rng.random_range(0..13))
                        .unwrap(),
                    );
                    let v: u32 = match rng.random_range(0..3) {
                        0 => rng.random_range(0..6),
                        1 => rng.random_range(0..70_000),
                        _ => rng.random(),
                    };
                    p.extend(v.to_le_bytes());
                }
            }
            4 => {
                for _ in 0..rng.random_range(1..3) {
                    let a: u32 = match rng.random_range(0..3) {
                        0 => rng.random_range(0..0x40),
                        1 => {
                            (rng.random_range(0..4) << 16)
                                | (rng.random_range(0..3) << 12)
                                | rng.random_range(0..300)
                        }
                        _ => rng.random(),
                    };
                    p.extend(a.to_le_bytes());
                    p.extend(rng.random::<u32>().to_le_bytes());
                }
            }
            5 => {
                let start: u16 = if rng.random() {
                    rng.random_range(16_370..=16_384)
                } else {
                    rng.random()
                };
                p.extend(start.to_le_bytes());
                for _ in 0..rng.random_range(0..8) {
                    p.extend(rng.random::<u16>().to_le_bytes());
                }
            }
            6 => {
                for _ in 0..rng.random_range(1..3) {
                    p.extend([rng.random_range(0..34), rng.random_range(0..34)]);
                    let t: u16 = rng.random_range(1_000..4_200);
                    p.extend(t.to_le_bytes());
                    p.extend((t / 40).to_le_bytes());
                }
            }
            7 => p.extend([
                rng.random_range(0..34),
                rng.random_range(0..34),
                rng.random_range(0..6),
            ]),
            8 => {
                p.extend([
                    rng.random_range(0..34),
                    rng.random_range(0..34),
                    rng.random_range(0..3),
                ]);
                p.extend(rng.random_range(0u16..40_000).to_le_bytes());
                let c: u32 = if rng.random_range(0..8) == 0 {
                    rng.random()
                } else {
                    rng.random_range(0..600)
                };
                p.extend(c.to_le_bytes());
            }
            9 => p.push(rng.random_range(0..60)),
            1 => p.extend([rng.random_range(0..3), 0]),
            _ => {}
        }
        // Now and then a byte too many or too few.
        match rng.random_range(0..12) {
            0 => p.push(rng.random()),
            1 if p.len() > 2 => {
                p.pop();
            }
            2 => p[0] = rng.random_range(0x0B..=0xFF),
            _ => {}
        }
        kinds[usize::from(op.min(10))] += 1;
        let want = model.handle(&p);
        let got = h.sim.request(&p, ANSWER).unwrap();
        assert_eq!(masked(got), masked(want.clone()), "request {n}: {p:02x?}");
        if p[0] == 6 && want[2] == 0 {
            // Let the board program the cells before the next request.
            loop {
                h.sim.run(20_000);
                let st = h.sim.request(&[0x0A, 0], ANSWER).unwrap();
                if st[3] == 0 {
                    break;
                }
            }
        }
    }
    assert!(kinds.iter().all(|&k| k > 20), "{kinds:?}");
    let problems = h.sim.problems();
    assert!(problems.is_empty(), "{problems:?}");
}

/// The comparison is sharp: a twin whose first cell differs by 1 uS, or a model told one setting
/// differently, gives records that differ from the board's.
#[test]
fn a_twin_that_differs_is_caught() {
    let board = BoardConfig::default_board();
    let Some(mut h) = host(&board, "realistic", 71) else {
        return;
    };
    let mut s = amplitudes(&board, "realistic");
    s.extend([(0x03, 24), (0x04, 2)]);
    let jobs = jobs(8, &board, 20);
    let q = ouro_nn::defaults::qpredictor();
    let twin_records = |fe: SimFrontend, settings: &[(u8, u32)]| {
        let mut model = SequencerModel::new(&q, ouro_hdl::top::BOARD_LANES).unwrap();
        for &(id, v) in settings {
            model.write(id, v).unwrap();
        }
        let mut twin = Logged {
            inner: fe,
            pulses: Vec::new(),
        };
        jobs.iter()
            .map(|&j| model.program(&mut twin, j))
            .collect::<Vec<_>>()
    };
    let mut moved = h.sim.frontend().clone();
    let g = moved.cells()[0].conductance_us();
    moved.cells_mut()[0].set_conductance_us(g + 1.0).unwrap();
    let moved = twin_records(moved, &s);
    let mut other = s.clone();
    other.push((0x04, 1));
    let other = twin_records(h.sim.frontend().clone(), &other);
    let exact = twin_records(h.sim.frontend().clone(), &s);
    h.configure(&s);
    let got = h.program(&jobs);
    assert_eq!(got, exact);
    assert_ne!(got, moved, "a 1 uS difference in one cell must show");
    assert_ne!(got, other, "one read instead of two must show");
}

/// The verilated board top at its pins, with the DAC, ADC and multiplexer part models and the
/// simulated cells: simulated cycles per second of host time, idle (the link quiet) and while
/// it programs 64 `realistic` cells in the neural loop (the cells' physics included; the run
/// counts from the PROGRAM request to the last record fetched).
#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn verilated_board_top_cycles_per_second() {
    let board = BoardConfig::default_board();
    let Some(mut h) = host(&board, "realistic", 5) else {
        return;
    };
    let n = 2_000_000u64;
    let t0 = Instant::now();
    h.sim.run(n);
    let idle = n as f64 / t0.elapsed().as_secs_f64();
    let mut settings = amplitudes(&board, "realistic");
    settings.push((0x01, 0));
    h.configure(&settings);
    let jobs = jobs(64, &board, 20);
    let c0 = h.sim.cycle();
    let t0 = Instant::now();
    let records = h.program(&jobs);
    let busy = (h.sim.cycle() - c0) as f64 / t0.elapsed().as_secs_f64();
    assert_eq!(records.len(), 64);
    println!(
        "board top: idle {:.2} M cycles/s, programming 64 cells {:.2} M cycles/s ({} cycles) of host time",
        idle / 1e6,
        busy / 1e6,
        h.sim.cycle() - c0
    );
}
