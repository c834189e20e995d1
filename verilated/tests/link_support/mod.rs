//! The line and the consumer for `tests/link.rs`: UART bit streams made from bytes (at any
//! bit time), a strict decoder of a transmitter's line, the frame receiver's events and what
//! the protocol module's `Deframer` expects of them, the consumer of the payload buffer, and
//! one of every protocol message.

use ouro_core::protocol::{
    frame, Deframer, Failure, Identity, Outcome, Record, Register, Request, Response, RunState,
    MAX_PAYLOAD,
};
use ouro_core::Polarity;
use ouro_verilated::BlockModel;

/// Clocks per bit of the link blocks under test.
pub(crate) const CPB: usize = 12;

// ---------------------------------------------------------------------------------------------
// The line: UART bit streams in, decoded UART out.

/// One character on the line: a byte, or a byte whose stop bit is 0 (a framing error; the
/// line then idles for a bit so that the next start bit has a falling edge).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Char {
    Byte(u8),
    Broken(u8),
}

/// The line level in every cycle for `chars` sent at `bit` cycles per bit (any real number:
/// a sender off the receiver's rate), back to back, after `lead` idle cycles and with
/// `gap(i)` idle bit times after character `i`.
pub(crate) fn wave(chars: &[Char], bit: f64, lead: usize, gap: impl Fn(usize) -> f64) -> Vec<bool> {
    let mut edges: Vec<(f64, bool)> = Vec::new();
    let mut t = lead as f64;
    for (i, ch) in chars.iter().enumerate() {
        let (b, stop) = match *ch {
            Char::Byte(b) => (b, true),
            Char::Broken(b) => (b, false),
        };
        edges.push((t, false));
        for k in 0..8 {
            edges.push((t + bit * (1 + k) as f64, b >> k & 1 == 1));
        }
        edges.push((t + 9.0 * bit, stop));
        t += 10.0 * bit;
        if !stop {
            edges.push((t, true));
            t += bit;
        }
        t += gap(i) * bit;
    }
    let n = t.ceil() as usize + 4 * CPB;
    let mut out = vec![true; n];
    let mut e = 0;
    let mut level = true;
    for (k, o) in out.iter_mut().enumerate() {
        while e < edges.len() && edges[e].0 <= k as f64 {
            level = edges[e].1;
            e += 1;
        }
        *o = level;
    }
    out
}

pub(crate) fn bytes(b: &[u8]) -> Vec<Char> {
    b.iter().map(|&b| Char::Byte(b)).collect()
}

/// Decode a transmitter's line, strictly: every bit must hold its level for exactly `cpb`
/// cycles, starting at the start bit's falling edge; returns the bytes and the cycle of each
/// start bit. `Err` on a glitch, a bad stop bit or a line that does not return to idle.
pub(crate) fn decode_line(line: &[bool], cpb: usize) -> Result<(Vec<u8>, Vec<usize>), String> {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    let mut k = 0;
    while k < line.len() {
        if line[k] {
            k += 1;
            continue;
        }
        if k + 10 * cpb > line.len() {
            return Err(format!("a character starting at cycle {k} is cut off"));
        }
        let mut levels = [false; 10];
        for (bit, l) in levels.iter_mut().enumerate() {
            let s = &line[k + bit * cpb..k + (bit + 1) * cpb];
            if s.iter().any(|&x| x != s[0]) {
                return Err(format!(
                    "bit {bit} of the character at cycle {k} is not steady"
                ));
            }
            *l = s[0];
        }
        if !levels[9] {
            return Err(format!("the character at cycle {k} has a stop bit of 0"));
        }
        out.push((0..8).fold(0u8, |b, i| b | u8::from(levels[1 + i]) << i));
        starts.push(k);
        k += 10 * cpb;
    }
    Ok((out, starts))
}

// ---------------------------------------------------------------------------------------------
// The receive side: events out of the frame receiver.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    Frame(Vec<u8>),
    Bad,
    Overrun,
}

/// What the protocol module's `Deframer` says the line carries.
pub(crate) fn expected(chars: &[Char]) -> Vec<Event> {
    let mut d = Deframer::new();
    let mut out = Vec::new();
    for ch in chars {
        match *ch {
            Char::Byte(b) => out.extend(d.push(b)),
            Char::Broken(_) => d.push_line_error(),
        }
    }
    out.into_iter()
        .map(|r| match r {
            Ok(p) => Event::Frame(p),
            Err(_) => Event::Bad,
        })
        .collect()
}

/// The consumer of the payload buffer: reads a ready payload one byte per cycle through the
/// read port, then releases it (unless `hold`, which keeps the first payload forever).
pub(crate) struct Consumer {
    hold: bool,
    reading: Option<(usize, Vec<u8>)>,
    release: bool,
    held: bool,
    pub(crate) events: Vec<Event>,
}

impl Consumer {
    pub(crate) fn new(hold: bool) -> Self {
        Self {
            hold,
            reading: None,
            release: false,
            held: false,
            events: Vec::new(),
        }
    }

    /// Whether the buffer is free and no frame is being read.
    pub(crate) fn idle(&self) -> bool {
        self.reading.is_none() && !self.release && !self.held
    }

    /// Drive the read port and `release_buf` for the next edge.
    pub(crate) fn before(&self, m: &mut BlockModel) {
        let addr = self.reading.as_ref().map_or(0, |(_, b)| b.len());
        m.set("rd_addr", addr.min(MAX_PAYLOAD - 1) as u64);
        m.set_bool("release_buf", self.release);
    }

    /// Observe the outputs after the edge.
    pub(crate) fn after(&mut self, m: &BlockModel) {
        if self.release {
            self.release = false;
            assert!(!m.get_bool("ready"), "ready must fall on the release edge");
        }
        if m.get_bool("bad") {
            self.events.push(Event::Bad);
        }
        if m.get_bool("overrun") {
            self.events.push(Event::Overrun);
        }
        if let Some((len, buf)) = &mut self.reading {
            buf.push(m.get("rd_data") as u8);
            if buf.len() >= *len {
                let (len, mut buf) = self.reading.take().unwrap();
                buf.truncate(len);
                self.events.push(Event::Frame(buf));
                if self.hold {
                    self.held = true;
                } else {
                    self.release = true;
                }
            }
        } else if m.get_bool("ready") && !self.held && !self.release {
            let len = m.get("length") as usize;
            assert!(len <= MAX_PAYLOAD);
            if len == 0 {
                self.events.push(Event::Frame(Vec::new()));
                self.release = true;
            } else {
                self.reading = Some((len, Vec::new()));
            }
        }
    }
}

/// Run the receive chain over `line` (then 4 idle characters) and return its events.
pub(crate) fn run_chain(m: &mut BlockModel, line: &[bool], hold: bool) -> Vec<Event> {
    let mut c = Consumer::new(hold);
    for &level in line.iter().chain(std::iter::repeat(&true).take(40 * CPB)) {
        m.set_bool("rx", level);
        c.before(m);
        m.tick();
        c.after(m);
    }
    c.events
}

pub(crate) fn framed(payloads: &[Vec<u8>]) -> Vec<u8> {
    payloads.iter().flat_map(|p| frame(p).unwrap()).collect()
}

/// One of every request and response, encoded by the protocol module.
pub(crate) fn messages() -> Vec<Vec<u8>> {
    let id = Identity {
        major: 1,
        minor: 0,
        clock_hz: 12_000_000,
        adc_bits: 12,
        dac_bits: 10,
        rows: 32,
        cols: 32,
        lanes: 8,
        inputs: 2,
        min_pulse_cycles: 12,
        max_pulse_cycles: 0x7E_7D7E,
        dac_set_limit: 0x37D,
        dac_reset_limit: 0x37E,
        queue_capacity: 256,
        result_capacity: 256,
        design_id: 0x7D7E_7D7E,
    };
    let rec = Record {
        row: 0x7E,
        col: 0x7D,
        target: 2048,
        final_code: 2050,
        outcome: Outcome::InTolerance,
        pulses: 3,
        pulse_cycles: 360,
        total_cycles: 9000,
        reads: 4,
        refusal: None,
    };
    let requests = vec![
        Request::Hello {
            tag: 1,
            major: 1,
            minor: 0,
        },
        Request::Identify { tag: 2 },
        Request::Configure {
            tag: 0x7E,
            writes: Register::ALL
                .iter()
                .map(|&r| (r, *r.range().end()))
                .collect(),
        },
        Request::LoadWeights {
            tag: 4,
            writes: (0..127)
                .map(|i| (i * 0x2000 + 0x7E, 0x7D7E_0000 + i))
                .collect(),
        },
        Request::LoadTable {
            tag: 5,
            start: 0x7D7E,
            words: (0..510).map(|i| (i * 257) as u16).collect(),
        },
        Request::Program {
            tag: 6,
            cells: (0..170u8)
                .map(|i| (i, !i, u16::from(i) << 4, u16::from(i) ^ 0x7E7D))
                .collect(),
        },
        Request::ReadCell {
            tag: 7,
            row: 1,
            col: 2,
            reads_log2: 4,
        },
        Request::RawPulse {
            tag: 8,
            row: 3,
            col: 4,
            polarity: Polarity::Reset,
            dac_code: 0x7E7D,
            cycles: 240,
        },
        Request::Fetch { tag: 9, max: 51 },
        Request::Status { tag: 10 },
    ];
    let responses = vec![
        Response::Hello {
            tag: 1,
            major: 1,
            minor: 0,
        },
        Response::Identify {
            tag: 2,
            identity: id,
        },
        Response::Configure { tag: 3 },
        Response::Program {
            tag: 6,
            accepted: 255,
        },
        Response::ReadCell {
            tag: 7,
            code: 0x7D7E,
        },
        Response::Fetch {
            tag: 9,
            records: vec![rec; 51],
        },
        Response::Status {
            tag: 10,
            state: RunState::Running,
            queued: 3,
            results: 2,
            flags: 0,
            uptime_cycles: 0x7E7E_7E7E,
        },
        Response::Failed {
            opcode: 8,
            tag: 8,
            failure: Failure::BadArgument(2),
        },
        Response::BadFrame,
    ];
    let mut out: Vec<Vec<u8>> = requests.iter().map(|r| r.encode().unwrap()).collect();
    out.extend(responses.iter().map(|r| r.encode().unwrap()));
    out
}
