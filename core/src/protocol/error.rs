//! The protocol's one error type: frames that cannot be received, payloads that cannot be
//! decoded, and messages that cannot be encoded.

use super::Status;

/// What can go wrong when framing, deframing, encoding or decoding a message of the host link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A frame's CRC does not match its payload (line noise, or bytes lost).
    #[error("bad frame: CRC {found:#06x} does not match the payload's {expected:#06x}")]
    BadCrc {
        /// The CRC computed over the received payload.
        expected: u16,
        /// The CRC the frame carried.
        found: u16,
    },
    /// A frame holds fewer than the two CRC bytes.
    #[error("bad frame: {len} byte(s) between flags, fewer than the 2 CRC bytes")]
    FrameTooShort {
        /// Unstuffed bytes received.
        len: usize,
    },
    /// A frame's payload exceeds the maximum (the rest of it was discarded).
    #[error("bad frame: payload longer than {max} bytes")]
    FrameTooLong {
        /// The maximum payload.
        max: usize,
    },
    /// An escape byte (0x7D) followed by a byte other than 0x5E or 0x5D, or by the flag.
    #[error("bad frame: escape followed by {byte:#04x} (only 0x5e and 0x5d may follow 0x7d)")]
    BadEscape {
        /// The byte after the escape.
        byte: u8,
    },
    /// A byte of the frame was lost to a UART framing error.
    #[error("bad frame: a byte was lost to a UART framing error")]
    LineError,
    /// A payload to send exceeds the maximum.
    #[error("payload of {len} bytes exceeds the maximum of {max}: send fewer items per command")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The maximum payload.
        max: usize,
    },
    /// A list command or response with more items than one frame can hold, or with none.
    #[error("{what}: {count} item(s), allowed 1..={max} per frame (split it)")]
    Count {
        /// The command or response.
        what: &'static str,
        /// Items given.
        count: usize,
        /// The most one frame holds.
        max: usize,
    },
    /// A payload too short to hold its header (opcode and tag; status for a response).
    #[error("payload of {len} byte(s) is shorter than its {need}-byte header")]
    Truncated {
        /// Its length.
        len: usize,
        /// The header's length.
        need: usize,
    },
    /// A request opcode that is not in the protocol.
    #[error("unknown opcode {0:#04x}")]
    UnknownOpcode(u8),
    /// Arguments or response data of the wrong size for the opcode.
    #[error("{what}: {len} byte(s) of arguments or data, expected {expected}")]
    BadLength {
        /// The command or response.
        what: &'static str,
        /// Bytes present.
        len: usize,
        /// The sizes allowed, in words.
        expected: &'static str,
    },
    /// A field out of range; `index` is the argument's index as the board reports it (the
    /// pair, triple or word of a list command, else the field's position in the arguments).
    #[error("{what}: argument {index} out of range: {message}")]
    BadArgument {
        /// The command or response.
        what: &'static str,
        /// The argument's index.
        index: u8,
        /// The rule it breaks.
        message: String,
    },
    /// A response whose first byte lacks the response bit (0x80).
    #[error("not a response: first byte {0:#04x} lacks the response bit 0x80")]
    NotAResponse(u8),
    /// A status code that is not in the protocol.
    #[error("unknown status code {0}")]
    UnknownStatus(u8),
}

impl ProtocolError {
    /// The status the board answers for a request payload that fails to decode with this
    /// error, or `None` for errors that only the host meets. Framing errors and truncated
    /// headers answer `BAD_FRAME` (the tag cannot be trusted).
    pub fn status(&self) -> Option<Status> {
        Some(match self {
            Self::BadCrc { .. }
            | Self::FrameTooShort { .. }
            | Self::FrameTooLong { .. }
            | Self::BadEscape { .. }
            | Self::LineError
            | Self::Truncated { .. } => Status::BadFrame,
            Self::UnknownOpcode(_) => Status::UnknownOpcode,
            Self::BadLength { .. } | Self::Count { .. } => Status::BadLength,
            Self::BadArgument { .. } => Status::BadArgument,
            Self::PayloadTooLarge { .. } | Self::NotAResponse(_) | Self::UnknownStatus(_) => {
                return None
            }
        })
    }
}
