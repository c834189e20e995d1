//! Responses, board to host: `[opcode | 0x80][tag][status][data]`, integers little-endian.
//! A bad frame is answered `[0xFF][0x00][BAD_FRAME]`.

use super::wire::{Put, Reader};
use super::{
    Opcode, Outcome, ProtocolError, RefusalReason, RunState, Status, BAD_FRAME_OPCODE, MAX_RECORDS,
    RECORD_BYTES, RESPONSE_BIT,
};

/// Bytes of a response's header (opcode, tag, status).
pub const HEADER: usize = 3;
/// The magic that opens IDENTIFY's data.
pub const MAGIC: [u8; 4] = *b"OURO";
/// Bytes of IDENTIFY's data.
pub const IDENTITY_BYTES: usize = 36;

/// IDENTIFY's data: what the board was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Protocol major version.
    pub major: u8,
    /// Protocol minor version.
    pub minor: u8,
    /// The gateware's clock in Hz.
    pub clock_hz: u32,
    /// ADC resolution in bits.
    pub adc_bits: u8,
    /// DAC resolution in bits.
    pub dac_bits: u8,
    /// Array rows.
    pub rows: u8,
    /// Array columns.
    pub cols: u8,
    /// MAC lanes of the predictor engine.
    pub lanes: u8,
    /// Inputs of the predictor.
    pub inputs: u8,
    /// The synthesized shortest pulse, in cycles.
    pub min_pulse_cycles: u32,
    /// The synthesized longest pulse, in cycles.
    pub max_pulse_cycles: u32,
    /// The largest SET DAC code allowed.
    pub dac_set_limit: u16,
    /// The largest RESET DAC code allowed.
    pub dac_reset_limit: u16,
    /// Cells the programming queue holds.
    pub queue_capacity: u16,
    /// Records the result buffer holds.
    pub result_capacity: u16,
    /// Identifies the gateware build (e.g. a hash of its predictor and parameters).
    pub design_id: u32,
}

/// One finished cell (FETCH), 20 bytes on the wire: row u8, col u8, target u16, final u16,
/// outcome u8, refusal u8 (the reason, 0 unless refused), pulses u16, pulse_cycles u32, total_cycles u32, reads u16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Row.
    pub row: u8,
    /// Column.
    pub col: u8,
    /// The target ADC code.
    pub target: u16,
    /// The last verify read's code.
    pub final_code: u16,
    /// How it ended.
    pub outcome: Outcome,
    /// Pulses applied.
    pub pulses: u16,
    /// Sum of the pulses' durations, in cycles.
    pub pulse_cycles: u32,
    /// Cycles from the cell's start to done (pulses, reads, prediction, waits).
    pub total_cycles: u32,
    /// ADC reads taken.
    pub reads: u16,
    /// Why the pulse that ended the cell was refused ([`Outcome::RefusedSafety`]), else `None`.
    pub refusal: Option<RefusalReason>,
}

impl Record {
    fn put(&self, p: &mut Vec<u8>) {
        p.u8(self.row);
        p.u8(self.col);
        p.u16(self.target);
        p.u16(self.final_code);
        p.u8(self.outcome.code());
        p.u8(self.refusal.map_or(0, RefusalReason::code));
        p.u16(self.pulses);
        p.u32(self.pulse_cycles);
        p.u32(self.total_cycles);
        p.u16(self.reads);
    }

    fn get(r: &mut Reader<'_>, index: usize) -> Result<Self, ProtocolError> {
        let (row, col, target, final_code, outcome, refusal) =
            (r.u8(), r.u8(), r.u16(), r.u16(), r.u8(), r.u8());
        let bad = |message: String| ProtocolError::BadArgument {
            what: "FETCH record",
            index: index as u8,
            message,
        };
        let outcome =
            Outcome::from_code(outcome).ok_or_else(|| bad(format!("outcome {outcome}")))?;
        let refusal = match refusal {
            0 => None,
            b => Some(
                RefusalReason::from_code(b)
                    .ok_or_else(|| bad(format!("refusal reason {b} is not 0..=3")))?,
            ),
        };
        Ok(Self {
            row,
            col,
            target,
            final_code,
            outcome,
            pulses: r.u16(),
            pulse_cycles: r.u32(),
            total_cycles: r.u32(),
            reads: r.u16(),
            refusal,
        })
    }
}

/// Why a command was refused (any status but OK and BAD_FRAME). The command changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// BAD_LENGTH: the arguments have the wrong size.
    BadLength,
    /// UNKNOWN_OPCODE.
    UnknownOpcode,
    /// VERSION_MISMATCH (HELLO): the board's version, as data.
    VersionMismatch {
        /// The board's major version.
        major: u8,
        /// The board's minor version.
        minor: u8,
    },
    /// NO_HANDSHAKE: no successful HELLO yet.
    NoHandshake,
    /// BUSY: the queue is full or the engine busy.
    Busy,
    /// REFUSED_SAFETY, with its reason byte.
    RefusedSafety(RefusalReason),
    /// BAD_ARGUMENT, with the argument's index.
    BadArgument(u8),
}

impl Failure {
    /// The status code.
    pub fn status(self) -> Status {
        match self {
            Self::BadLength => Status::BadLength,
            Self::UnknownOpcode => Status::UnknownOpcode,
            Self::VersionMismatch { .. } => Status::VersionMismatch,
            Self::NoHandshake => Status::NoHandshake,
            Self::Busy => Status::Busy,
            Self::RefusedSafety(_) => Status::RefusedSafety,
            Self::BadArgument(_) => Status::BadArgument,
        }
    }

    /// The failure a board answers for a request that does not decode with `e`, or `None`
    /// when `e` is a framing error (answered with [`Response::BadFrame`]) or not a decode
    /// error.
    pub fn of(e: &ProtocolError) -> Option<Self> {
        match e {
            ProtocolError::UnknownOpcode(_) => Some(Self::UnknownOpcode),
            ProtocolError::BadLength { .. } | ProtocolError::Count { .. } => Some(Self::BadLength),
            ProtocolError::BadArgument { index, .. } => Some(Self::BadArgument(*index)),
            _ => None,
        }
    }
}

/// One response. Successful responses are one variant per command; refusals are
/// [`Response::Failed`]; a bad frame is answered with [`Response::BadFrame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// HELLO, OK: the board's version.
    Hello {
        /// The request's tag.
        tag: u8,
        /// The board's major version.
        major: u8,
        /// The board's minor version.
        minor: u8,
    },
    /// IDENTIFY, OK.
    Identify {
        /// The request's tag.
        tag: u8,
        /// The board's build.
        identity: Identity,
    },
    /// CONFIGURE, OK: every pair written.
    Configure {
        /// The request's tag.
        tag: u8,
    },
    /// LOAD_WEIGHTS, OK.
    LoadWeights {
        /// The request's tag.
        tag: u8,
    },
    /// LOAD_TABLE, OK.
    LoadTable {
        /// The request's tag.
        tag: u8,
    },
    /// PROGRAM, OK: every cell queued.
    Program {
        /// The request's tag.
        tag: u8,
        /// Cells queued (all of the request's: a PROGRAM that does not fit is BUSY).
        accepted: u16,
    },
    /// READ_CELL, OK.
    ReadCell {
        /// The request's tag.
        tag: u8,
        /// The (averaged) ADC code.
        code: u16,
    },
    /// RAW_PULSE, OK: applied.
    RawPulse {
        /// The request's tag.
        tag: u8,
    },
    /// FETCH, OK: 0..=[`MAX_RECORDS`] records, oldest first, removed from the board.
    Fetch {
        /// The request's tag.
        tag: u8,
        /// The records.
        records: Vec<Record>,
    },
    /// STATUS, OK.
    Status {
        /// The request's tag.
        tag: u8,
        /// Idle or running.
        state: RunState,
        /// Cells waiting in the queue.
        queued: u16,
        /// Records waiting to be fetched.
        results: u16,
        /// Status flags, carried as the board sets them (0 when none is defined).
        flags: u8,
        /// Cycles since configuration (wraps).
        uptime_cycles: u32,
    },
    /// A refused command: nothing was applied.
    Failed {
        /// The request's opcode (its low 7 bits: the response carries `opcode | 0x80`).
        opcode: u8,
        /// The request's tag.
        tag: u8,
        /// Why.
        failure: Failure,
    },
    /// The answer to a bad frame: `[0xFF][0x00][BAD_FRAME]`.
    BadFrame,
}

fn count_err(n: usize) -> ProtocolError {
    ProtocolError::Count {
        what: "FETCH response",
        count: n,
        max: MAX_RECORDS,
    }
}

impl Response {
    /// The tag (0 for [`Response::BadFrame`]).
    pub fn tag(&self) -> u8 {
        match *self {
            Self::Hello { tag, .. }
            | Self::Identify { tag, .. }
            | Self::Configure { tag }
            | Self::LoadWeights { tag }
            | Self::LoadTable { tag }
            | Self::Program { tag, .. }
            | Self::ReadCell { tag, .. }
            | Self::RawPulse { tag }
            | Self::Fetch { tag, .. }
            | Self::Status { tag, .. }
            | Self::Failed { tag, .. } => tag,
            Self::BadFrame => 0,
        }
    }

    /// The status code.
    pub fn status(&self) -> Status {
        match self {
            Self::Failed { failure, .. } => failure.status(),
            Self::BadFrame => Status::BadFrame,
            _ => Status::Ok,
        }
    }

    /// The first byte on the wire: the request's opcode with the response bit.
    fn opcode_byte(&self) -> u8 {
        let op = match self {
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
            Self::Failed { opcode, .. } => return opcode | RESPONSE_BIT,
            Self::BadFrame => return BAD_FRAME_OPCODE,
        };
        op.code() | RESPONSE_BIT
    }

    /// The payload; an error for a FETCH with more than [`MAX_RECORDS`] records, or a
    /// [`Response::Failed`] whose opcode has bit 7 set.
    ///
    /// ```
    /// use ouro_core::protocol::{frame, Response};
    /// let r = Response::Hello { tag: 1, major: 1, minor: 0 };
    /// assert_eq!(r.encode().unwrap(), [0x81, 0x01, 0x00, 0x01, 0x00]);
    /// assert_eq!(Response::BadFrame.encode().unwrap(), [0xFF, 0x00, 0x01]);
    /// let r = Response::ReadCell { tag: 0x7E, code: 0x7D7E };
    /// assert_eq!(
    ///     frame(&r.encode().unwrap()).unwrap(),
    ///     [0x7E, 0x87, 0x7D, 0x5E, 0x00, 0x7D, 0x5E, 0x7D, 0x5D, 0x30, 0x4B, 0x7E]
    /// );
    /// ```
    pub fn encode(&self) -> Result<Vec<u8>, ProtocolError> {
        let mut p = vec![self.opcode_byte(), self.tag(), self.status().code()];
        match self {
            Self::Hello { major, minor, .. } => p.extend([*major, *minor]),
            Self::Identify { identity: i, .. } => {
                p.extend(MAGIC);
                p.extend([i.major, i.minor]);
                p.u32(i.clock_hz);
                p.extend([i.adc_bits, i.dac_bits, i.rows, i.cols, i.lanes, i.inputs]);
                p.u32(i.min_pulse_cycles);
                p.u32(i.max_pulse_cycles);
                p.u16(i.dac_set_limit);
                p.u16(i.dac_reset_limit);
                p.u16(i.queue_capacity);
                p.u16(i.result_capacity);
                p.u32(i.design_id);
            }
            Self::Configure { .. }
            | Self::LoadWeights { .. }
            | Self::LoadTable { .. }
            | Self::RawPulse { .. }
            | Self::BadFrame => {}
            Self::Program { accepted, .. } => p.u16(*accepted),
            Self::ReadCell { code, .. } => p.u16(*code),
            Self::Fetch { records, .. } => {
                if records.len() > MAX_RECORDS {
                    return Err(count_err(records.len()));
                }
                p.u8(records.len() as u8);
                for r in records {
                    r.put(&mut p);
                }
            }
            Self::Status {
                state,
                queued,
                results,
                flags,
                uptime_cycles,
                ..
            } => {
                p.u8(state.code());
                p.u16(*queued);
                p.u16(*results);
                p.u8(*flags);
                p.u32(*uptime_cycles);
            }
            Self::Failed {
                opcode, failure, ..
            } => {
                if opcode & RESPONSE_BIT != 0 {
                    return Err(ProtocolError::BadArgument {
                        what: "response",
                        index: 0,
                        message: format!("opcode {opcode:#04x} has bit 7 set"),
                    });
                }
                match failure {
                    Failure::VersionMismatch { major, minor } => p.extend([*major, *minor]),
                    Failure::RefusedSafety(reason) => p.u8(reason.code()),
                    Failure::BadArgument(index) => p.u8(*index),
                    Failure::BadLength
                    | Failure::UnknownOpcode
                    | Failure::NoHandshake
                    | Failure::Busy => {}
                }
            }
        }
        Ok(p)
    }

    /// The response in `payload`.
    ///
    /// ```
    /// use ouro_core::protocol::{Response, Status};
    /// let r = Response::decode(&[0x88, 0x09, 0x07, 0x03]).unwrap();
    /// assert_eq!(r.status(), Status::RefusedSafety);
    /// assert_eq!(r.tag(), 9);
    /// assert!(Response::decode(&[0x01, 0x00, 0x00]).is_err()); // no response bit
    /// ```
    pub fn decode(payload: &[u8]) -> Result<Self, ProtocolError> {
        if payload.len() < HEADER {
            return Err(ProtocolError::Truncated {
                len: payload.len(),
                need: HEADER,
            });
        }
        let (first, tag) = (payload[0], payload[1]);
        if first & RESPONSE_BIT == 0 {
            return Err(ProtocolError::NotAResponse(first));
        }
        let status = Status::try_from(payload[2])?;
        let data = &payload[HEADER..];
        let n = data.len();
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
        let mut r = Reader::new(data);
        let opcode = first & !RESPONSE_BIT;
        if status != Status::Ok {
            let failure = match status {
                Status::Ok => unreachable!("handled above"),
                Status::BadFrame => {
                    if first != BAD_FRAME_OPCODE || tag != 0 {
                        return Err(ProtocolError::BadArgument {
                            what: "BAD_FRAME response",
                            index: 0,
                            message: format!("opcode {first:#04x} and tag {tag}, not 0xff and 0"),
                        });
                    }
                    len("BAD_FRAME response", n == 0, "0")?;
                    return Ok(Self::BadFrame);
                }
                Status::BadLength | Status::UnknownOpcode | Status::NoHandshake | Status::Busy => {
                    len("refusal", n == 0, "0")?;
                    match status {
                        Status::BadLength => Failure::BadLength,
                        Status::UnknownOpcode => Failure::UnknownOpcode,
                        Status::NoHandshake => Failure::NoHandshake,
                        _ => Failure::Busy,
                    }
                }
                Status::VersionMismatch => {
                    len("VERSION_MISMATCH response", n == 2, "2")?;
                    Failure::VersionMismatch {
                        major: r.u8(),
                        minor: r.u8(),
                    }
                }
                Status::RefusedSafety => {
                    len("REFUSED_SAFETY response", n == 1, "1")?;
                    Failure::RefusedSafety(RefusalReason::try_from(r.u8())?)
                }
                Status::BadArgument => {
                    len("BAD_ARGUMENT response", n == 1, "1")?;
                    Failure::BadArgument(r.u8())
                }
            };
            return Ok(Self::Failed {
                opcode,
                tag,
                failure,
            });
        }
        Ok(match Opcode::try_from(opcode)? {
            Opcode::Hello => {
                len("HELLO response", n == 2, "2")?;
                Self::Hello {
                    tag,
                    major: r.u8(),
                    minor: r.u8(),
                }
            }
            Opcode::Identify => {
                len("IDENTIFY response", n == IDENTITY_BYTES, "36")?;
                let magic = r.bytes::<4>();
                if magic != MAGIC {
                    return Err(ProtocolError::BadArgument {
                        what: "IDENTIFY response",
                        index: 0,
                        message: format!("magic {magic:02x?} is not \"OURO\""),
                    });
                }
                let identity = Identity {
                    major: r.u8(),
                    minor: r.u8(),
                    clock_hz: r.u32(),
                    adc_bits: r.u8(),
                    dac_bits: r.u8(),
                    rows: r.u8(),
                    cols: r.u8(),
                    lanes: r.u8(),
                    inputs: r.u8(),
                    min_pulse_cycles: r.u32(),
                    max_pulse_cycles: r.u32(),
                    dac_set_limit: r.u16(),
                    dac_reset_limit: r.u16(),
                    queue_capacity: r.u16(),
                    result_capacity: r.u16(),
                    design_id: r.u32(),
                };
                Self::Identify { tag, identity }
            }
            Opcode::Configure => {
                len("CONFIGURE response", n == 0, "0")?;
                Self::Configure { tag }
            }
            Opcode::LoadWeights => {
                len("LOAD_WEIGHTS response", n == 0, "0")?;
                Self::LoadWeights { tag }
            }
            Opcode::LoadTable => {
                len("LOAD_TABLE response", n == 0, "0")?;
                Self::LoadTable { tag }
            }
            Opcode::RawPulse => {
                len("RAW_PULSE response", n == 0, "0")?;
                Self::RawPulse { tag }
            }
            Opcode::Program => {
                len("PROGRAM response", n == 2, "2")?;
                Self::Program {
                    tag,
                    accepted: r.u16(),
                }
            }
            Opcode::ReadCell => {
                len("READ_CELL response", n == 2, "2")?;
                Self::ReadCell { tag, code: r.u16() }
            }
            Opcode::Fetch => {
                len("FETCH response", n >= 1, "1 + 20 * count")?;
                let count = usize::from(r.u8());
                if count > MAX_RECORDS {
                    return Err(count_err(count));
                }
                len(
                    "FETCH response",
                    n == 1 + RECORD_BYTES * count,
                    "1 + 20 * count",
                )?;
                let records = (0..count)
                    .map(|i| Record::get(&mut r, i))
                    .collect::<Result<_, _>>()?;
                Self::Fetch { tag, records }
            }
            Opcode::Status => {
                len("STATUS response", n == 10, "10")?;
                Self::Status {
                    tag,
                    state: RunState::try_from(r.u8())?,
                    queued: r.u16(),
                    results: r.u16(),
                    flags: r.u8(),
                    uptime_cycles: r.u32(),
                }
            }
        })
    }
}
