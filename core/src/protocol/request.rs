//! Requests, host to board: `[opcode][tag][arguments]`, integers little-endian.

use super::wire::{Put, Reader};
use super::{Opcode, ProtocolError, Register, MAX_PAYLOAD};
use crate::Polarity;

/// Bytes of a request's header (opcode, tag).
pub const HEADER: usize = 2;
/// CONFIGURE: bytes of one `(register u8, value u32)` pair.
pub const CONFIGURE_PAIR_BYTES: usize = 5;
/// LOAD_WEIGHTS: bytes of one `(address u32, data u32)` pair.
pub const LOAD_PAIR_BYTES: usize = 8;
/// PROGRAM: bytes of one `(row u8, col u8, target u16, tolerance u16)` entry.
pub const PROGRAM_ENTRY_BYTES: usize = 6;
/// CONFIGURE: the most `(register, value)` pairs in one request.
pub const MAX_CONFIGURE_PAIRS: usize = (MAX_PAYLOAD - HEADER) / CONFIGURE_PAIR_BYTES;
/// LOAD_WEIGHTS: the most `(address, data)` pairs in one request.
pub const MAX_LOAD_PAIRS: usize = (MAX_PAYLOAD - HEADER) / LOAD_PAIR_BYTES;
/// LOAD_TABLE: the most words in one request (after the 2-byte start address).
pub const MAX_TABLE_WORDS: usize = (MAX_PAYLOAD - HEADER - 2) / 2;
/// PROGRAM: the most cells in one request.
pub const MAX_PROGRAM_CELLS: usize = (MAX_PAYLOAD - HEADER) / PROGRAM_ENTRY_BYTES;
/// The engine's load-port address is 20 bits wide.
pub const LOAD_ADDRESS_LIMIT: u32 = 1 << 20;
/// READ_CELL: the largest `reads_log2` (16 reads averaged).
pub const MAX_READS_LOG2: u8 = 4;

/// One request. `tag` is the host's sequence number, echoed by the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// 0x01: the version handshake.
    Hello {
        /// Sequence number.
        tag: u8,
        /// The host's protocol major version.
        major: u8,
        /// The host's protocol minor version.
        minor: u8,
    },
    /// 0x02: the board's build.
    Identify {
        /// Sequence number.
        tag: u8,
    },
    /// 0x03: write configuration registers, in order (all or none).
    Configure {
        /// Sequence number.
        tag: u8,
        /// `(register, value)` pairs, 1..=[`MAX_CONFIGURE_PAIRS`].
        writes: Vec<(Register, u32)>,
    },
    /// 0x04: write the predictor engine's load port, in order.
    LoadWeights {
        /// Sequence number.
        tag: u8,
        /// `(address, data)` pairs, 1..=[`MAX_LOAD_PAIRS`]; addresses below 2^20.
        writes: Vec<(u32, u32)>,
    },
    /// 0x05: write consecutive words of the input table.
    LoadTable {
        /// Sequence number.
        tag: u8,
        /// Word address of `words[0]`.
        start: u16,
        /// 1..=[`MAX_TABLE_WORDS`] words, ending at or below word 0xFFFF.
        words: Vec<u16>,
    },
    /// 0x06: queue cells to program.
    Program {
        /// Sequence number.
        tag: u8,
        /// `(row, col, target_code, tolerance_codes)`, 1..=[`MAX_PROGRAM_CELLS`]: a reading
        /// within `tolerance_codes` of `target_code` is done.
        cells: Vec<(u8, u8, u16, u16)>,
    },
    /// 0x07: read one cell.
    ReadCell {
        /// Sequence number.
        tag: u8,
        /// Row.
        row: u8,
        /// Column.
        col: u8,
        /// Average `2^reads_log2` reads (0..=4).
        reads_log2: u8,
    },
    /// 0x08: one pulse, checked against the safety limits.
    RawPulse {
        /// Sequence number.
        tag: u8,
        /// Row.
        row: u8,
        /// Column.
        col: u8,
        /// SET (byte 0) or RESET (byte 1).
        polarity: Polarity,
        /// Amplitude (DAC code).
        dac_code: u16,
        /// Duration in clock cycles.
        cycles: u32,
    },
    /// 0x09: take up to `max` finished records.
    Fetch {
        /// Sequence number.
        tag: u8,
        /// The most records wanted (the board sends at most [`super::MAX_RECORDS`]).
        max: u8,
    },
    /// 0x0A: the engine's state and counters.
    Status {
        /// Sequence number.
        tag: u8,
    },
}

fn count(what: &'static str, n: usize, max: usize) -> Result<(), ProtocolError> {
    if n == 0 || n > max {
        return Err(ProtocolError::Count {
            what,
            count: n,
            max,
        });
    }
    Ok(())
}

fn bad(what: &'static str, index: usize, message: String) -> ProtocolError {
    ProtocolError::BadArgument {
        what,
        index: index.min(255) as u8,
        message,
    }
}

fn load_address(i: usize, a: u32) -> Result<(), ProtocolError> {
    if a >= LOAD_ADDRESS_LIMIT {
        return Err(bad(
            "LOAD_WEIGHTS",
            i,
            format!("address {a:#x} does not fit the 20-bit load port"),
        ));
    }
    Ok(())
}

fn table_end(start: u16, n: usize) -> Result<(), ProtocolError> {
    if usize::from(start) + n > 0x1_0000 {
        return Err(bad(
            "LOAD_TABLE",
            0,
            format!("{n} words from {start:#06x} run past word 0xffff"),
        ));
    }
    Ok(())
}

fn reads(index: usize, r: u8) -> Result<(), ProtocolError> {
    if r > MAX_READS_LOG2 {
        return Err(bad(
            "READ_CELL",
            index,
            format!("reads_log2 {r} is above {MAX_READS_LOG2}"),
        ));
    }
    Ok(())
}

impl Request {
    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Self::Hello { .. } => Opcode::Hello,
            Self::Identify { .. } => Opcode::Identify,
            Self::Configure { .. } => Opcode::Configure,
            Self::LoadWeights { .. } => Opcode::LoadWeights,
            Self::LoadTable { .. } => Opcode::LoadTable,
            Self::Program { .. } => Opcode::Program,
            Self::ReadCell { .. } => Opcode::ReadCell,
            Self::RawPulse { .. } => Opcode::RawPulse,
            Self::Fetch { .. } => Opcode::Fetch,
            Self::Status { .. } => Opcode::Status,
        }
    }

    /// The tag.
    pub fn tag(&self) -> u8 {
        match *self {
            Self::Hello { tag, .. }
            | Self::Identify { tag }
            | Self::Configure { tag, .. }
            | Self::LoadWeights { tag, .. }
            | Self::LoadTable { tag, .. }
            | Self::Program { tag, .. }
            | Self::ReadCell { tag, .. }
            | Self::RawPulse { tag, .. }
            | Self::Fetch { tag, .. }
            | Self::Status { tag } => tag,
        }
    }

    /// The payload, or an error for what the protocol cannot carry: an empty list, more
    /// items than one frame holds, a field out of its range (the same rules as
    /// [`Request::decode`], so that `decode(encode(r)) == r`).
    ///
    /// ```
    /// use ouro_core::protocol::{Register, Request};
    /// let r = Request::Configure { tag: 7, writes: vec![(Register::ReadsLog2, 2)] };
    /// assert_eq!(r.encode().unwrap(), [0x03, 0x07, 0x04, 0x02, 0x00, 0x00, 0x00]);
    /// let r = Request::ReadCell { tag: 2, row: 3, col: 4, reads_log2: 1 };
    /// assert_eq!(r.encode().unwrap(), [0x07, 0x02, 0x03, 0x04, 0x01]);
    /// assert!(Request::Program { tag: 0, cells: vec![] }.encode().is_err());
    /// ```
    pub fn encode(&self) -> Result<Vec<u8>, ProtocolError> {
        let mut p = vec![self.opcode().code(), self.tag()];
        match self {
            Self::Hello { major, minor, .. } => {
                p.u8(*major);
                p.u8(*minor);
            }
            Self::Identify { .. } | Self::Status { .. } => {}
            Self::Configure { writes, .. } => {
                count("CONFIGURE", writes.len(), MAX_CONFIGURE_PAIRS)?;
                for (i, &(r, v)) in writes.iter().enumerate() {
                    r.check(v).map_err(|m| bad("CONFIGURE", i, m))?;
                    p.u8(r.code());
                    p.u32(v);
                }
            }
            Self::LoadWeights { writes, .. } => {
                count("LOAD_WEIGHTS", writes.len(), MAX_LOAD_PAIRS)?;
                for (i, &(a, d)) in writes.iter().enumerate() {
                    load_address(i, a)?;
                    p.u32(a);
                    p.u32(d);
                }
            }
            Self::LoadTable { start, words, .. } => {
                count("LOAD_TABLE", words.len(), MAX_TABLE_WORDS)?;
                table_end(*start, words.len())?;
                p.u16(*start);
                for &w in words {
                    p.u16(w);
                }
            }
            Self::Program { cells, .. } => {
                count("PROGRAM", cells.len(), MAX_PROGRAM_CELLS)?;
                for &(r, c, t, tol) in cells {
                    p.u8(r);
                    p.u8(c);
                    p.u16(t);
                    p.u16(tol);
                }
            }
            Self::ReadCell {
                row,
                col,
                reads_log2,
                ..
            } => {
                reads(2, *reads_log2)?;
                p.extend([*row, *col, *reads_log2]);
            }
            Self::RawPulse {
                row,
                col,
                polarity,
                dac_code,
                cycles,
                ..
            } => {
                p.extend([*row, *col, polarity_code(*polarity)]);
                p.u16(*dac_code);
                p.u32(*cycles);
            }
            Self::Fetch { max, .. } => p.u8(*max),
        }
        debug_assert!(p.len() <= MAX_PAYLOAD);
        Ok(p)
    }

    /// The request in `payload`, or the error whose [`ProtocolError::status`] the board
    /// answers with: `Truncated` (no opcode and tag: BAD_FRAME), `UnknownOpcode`,
    /// `BadLength`, `BadArgument` (with the index the board reports).
    ///
    /// ```
    /// use ouro_core::protocol::{ProtocolError, Request, Status};
    /// assert_eq!(
    ///     Request::decode(&[0x01, 0x05, 0x01, 0x00]).unwrap(),
    ///     Request::Hello { tag: 5, major: 1, minor: 0 }
    /// );
    /// let e = Request::decode(&[0x07, 0x01, 0x00, 0x00, 0x05]).unwrap_err();
    /// assert_eq!(e.status(), Some(Status::BadArgument));
    /// assert!(matches!(e, ProtocolError::BadArgument { index: 2, .. }));
    /// ```
    pub fn decode(payload: &[u8]) -> Result<Self, ProtocolError> {
        if payload.len() < HEADER {
            return Err(ProtocolError::Truncated {
                len: payload.len(),
                need: HEADER,
            });
        }
        let op = Opcode::try_from(payload[0])?;
        let tag = payload[1];
        let args = &payload[HEADER..];
        let n = args.len();
        let len = |what: &'static str, ok: bool, expected: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(ProtocolError::BadLength {
                    what,
                    len: n,
                    expected,
                })
            }
        };
        let mut r = Reader::new(args);
        Ok(match op {
            Opcode::Hello => {
                len("HELLO", n == 2, "2")?;
                Self::Hello {
                    tag,
                    major: r.u8(),
                    minor: r.u8(),
                }
            }
            Opcode::Identify => {
                len("IDENTIFY", n == 0, "0")?;
                Self::Identify { tag }
            }
            Opcode::Status => {
                len("STATUS", n == 0, "0")?;
                Self::Status { tag }
            }
            Opcode::Configure => {
                len(
                    "CONFIGURE",
                    n > 0 && n % CONFIGURE_PAIR_BYTES == 0,
                    "a positive multiple of 5",
                )?;
                let mut writes = Vec::with_capacity(n / CONFIGURE_PAIR_BYTES);
                for i in 0..n / CONFIGURE_PAIR_BYTES {
                    let code = r.u8();
                    let v = r.u32();
                    let reg = Register::from_code(code).ok_or_else(|| {
                        bad(
                            "CONFIGURE",
                            i,
                            format!("register {code:#04x} is not in the protocol"),
                        )
                    })?;
                    reg.check(v).map_err(|m| bad("CONFIGURE", i, m))?;
                    writes.push((reg, v));
                }
                Self::Configure { tag, writes }
            }
            Opcode::LoadWeights => {
                len(
                    "LOAD_WEIGHTS",
                    n > 0 && n % LOAD_PAIR_BYTES == 0,
                    "a positive multiple of 8",
                )?;
                let mut writes = Vec::with_capacity(n / LOAD_PAIR_BYTES);
                for i in 0..n / LOAD_PAIR_BYTES {
                    let a = r.u32();
                    let d = r.u32();
                    load_address(i, a)?;
                    writes.push((a, d));
                }
                Self::LoadWeights { tag, writes }
            }
            Opcode::LoadTable => {
                len(
                    "LOAD_TABLE",
                    n >= 4 && n % 2 == 0,
                    "an even number, at least 4",
                )?;
                let start = r.u16();
                let words: Vec<u16> = (0..(n - 2) / 2).map(|_| r.u16()).collect();
                table_end(start, words.len())?;
                Self::LoadTable { tag, start, words }
            }
            Opcode::Program => {
                len(
                    "PROGRAM",
                    n > 0 && n % PROGRAM_ENTRY_BYTES == 0,
                    "a positive multiple of 6",
                )?;
                let cells = (0..n / PROGRAM_ENTRY_BYTES)
                    .map(|_| (r.u8(), r.u8(), r.u16(), r.u16()))
                    .collect();
                Self::Program { tag, cells }
            }
            Opcode::ReadCell => {
                len("READ_CELL", n == 3, "3")?;
                let (row, col, reads_log2) = (r.u8(), r.u8(), r.u8());
                reads(2, reads_log2)?;
                Self::ReadCell {
                    tag,
                    row,
                    col,
                    reads_log2,
                }
            }
            Opcode::RawPulse => {
                len("RAW_PULSE", n == 9, "9")?;
                let (row, col, pol) = (r.u8(), r.u8(), r.u8());
                let polarity = match pol {
                    0 => Polarity::Set,
                    1 => Polarity::Reset,
                    _ => {
                        return Err(bad(
                            "RAW_PULSE",
                            2,
                            format!("polarity {pol} is not 0 (SET) or 1 (RESET)"),
                        ))
                    }
                };
                Self::RawPulse {
                    tag,
                    row,
                    col,
                    polarity,
                    dac_code: r.u16(),
                    cycles: r.u32(),
                }
            }
            Opcode::Fetch => {
                len("FETCH", n == 1, "1")?;
                Self::Fetch { tag, max: r.u8() }
            }
        })
    }
}

/// The byte of a polarity: 0 SET, 1 RESET.
pub fn polarity_code(p: Polarity) -> u8 {
    match p {
        Polarity::Set => 0,
        Polarity::Reset => 1,
    }
}
