//! The host's side of the board link: one [`Board`] interface over which the host speaks the
//! link protocol (`ouro_core::protocol`, `docs/PROTOCOL.md`), and three boards behind it:
//!
//! - [`ModelBoard`]: the board's transaction-level model (`ouro_board::BoardModel`), for large
//!   runs;
//! - [`SimBoard`]: the verilated board top driven at its pins, with models of its DAC, ADC and
//!   multiplexers and a crossbar of simulated cells (needs Verilator at build time);
//! - [`SerialBoard`]: a real board (or `ouro sim-board --pty`) on a serial port.
//!
//! [`Session`] is what the host does over any of them: the handshake, configuration, loading
//! tables, programming a batch and fetching its records, raw reads and pulses.

mod model;
mod pty;
mod serial;
mod session;
mod sim;

pub use model::ModelBoard;
pub use pty::PtyServer;
pub use serial::{SerialBoard, SerialSettings};
pub use session::{Session, LINK_POLL_US};
pub use sim::SimBoard;

/// What went wrong on the link; each message is one line naming the problem and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LinkError(pub String);

/// A board the host talks to: request payloads in, response payloads out (framing, CRC and
/// retries are the board's business).
pub trait Board {
    /// What the report calls it: `model`, `sim`, or the serial port's path.
    fn name(&self) -> String;
    /// Send one request payload and return the response payload.
    ///
    /// # Errors
    /// [`LinkError`] when no well-formed answer comes (a dead port, no answer in time, the
    /// frame's CRC wrong after the retries).
    fn exchange(&mut self, payload: &[u8]) -> Result<Vec<u8>, LinkError>;
    /// Let the board work for about `us` microseconds before the next request: a simulated
    /// board runs its clock that long, a real one is waited for, the model has nothing to wait
    /// for.
    fn wait_us(&mut self, us: f64);
}
