//! The host link protocol, version 1 (`docs/PROTOCOL.md`): one definition shared by the host,
//! which encodes requests and decodes responses, and by the gateware's tests, which decode
//! requests and encode responses as the board does.
//!
//! - [`framing`]: the CRC ([`crc16`]), byte stuffing, whole frames ([`frame`]) and the
//!   streaming [`Deframer`];
//! - [`codes`]: the opcodes ([`Opcode`]), status codes ([`Status`]), configuration registers
//!   ([`Register`]) and the small enums of the arguments and results;
//! - [`request`]: [`Request`] with `encode`/`decode`;
//! - [`response`]: [`Response`], [`Identity`], [`Record`] with `encode`/`decode`;
//! - [`error`]: [`ProtocolError`], the module's one error type.
//!
//! The wire: UART 8N1 at [`BAUD`]; a frame is `0x7E, stuffed(payload ++ crc_be), 0x7E`; a
//! request payload is `[opcode][tag][arguments]`, a response `[opcode | 0x80][tag][status][data]`;
//! integers are little-endian. HELLO with tag 1, as it goes on the wire:
//!
//! ```
//! use ouro_core::protocol::{frame, Request};
//! let payload = Request::Hello { tag: 1, major: 1, minor: 0 }.encode().unwrap();
//! assert_eq!(payload, [0x01, 0x01, 0x01, 0x00]);
//! assert_eq!(frame(&payload).unwrap(), [0x7E, 0x01, 0x01, 0x01, 0x00, 0xF6, 0x75, 0x7E]);
//! ```

pub mod codes;
pub mod error;
pub mod framing;
pub mod request;
pub mod response;
mod wire;

pub use codes::{Mode, Opcode, Outcome, RefusalReason, Register, RunState, Status};
pub use error::ProtocolError;
pub use framing::{crc16, frame, stuff_into, unstuff, Deframer};
pub use request::Request;
pub use response::{Failure, Identity, Record, Response};

/// Protocol major version: a board answers HELLO with `VERSION_MISMATCH` when the host's
/// differs.
pub const VERSION_MAJOR: u8 = 1;
/// Protocol minor version (additions that an older peer can ignore).
pub const VERSION_MINOR: u8 = 0;
/// The frame delimiter.
pub const FLAG: u8 = 0x7E;
/// The escape byte: the next byte is XORed with [`ESCAPE_XOR`].
pub const ESCAPE: u8 = 0x7D;
/// What an escaped byte is XORed with.
pub const ESCAPE_XOR: u8 = 0x20;
/// The largest payload of a frame, before stuffing and without the CRC.
pub const MAX_PAYLOAD: usize = 1024;
/// The line rate: UART 8N1 at 1,000,000 baud (12 clocks per bit at 12 MHz).
pub const BAUD: u32 = 1_000_000;
/// Payload bytes per second at [`BAUD`] before stuffing and framing (10 bits a byte).
pub const BYTES_PER_SECOND: u32 = BAUD / 10;
/// The response bit, ORed into a request's opcode.
pub const RESPONSE_BIT: u8 = 0x80;
/// The first byte of the answer to a bad frame (`[0xFF][0x00][BAD_FRAME]`): the tag of a
/// bad frame cannot be trusted, so it has no opcode either.
pub const BAD_FRAME_OPCODE: u8 = 0xFF;
/// Bytes of one FETCH record.
pub const RECORD_BYTES: usize = 20;
/// The most records one FETCH response holds (`4 + 51 * 20 = 1024` bytes).
pub const MAX_RECORDS: usize = (MAX_PAYLOAD - 4) / RECORD_BYTES;

#[cfg(test)]
mod tests;
