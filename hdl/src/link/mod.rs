//! The host link's gateware (`docs/HDL.md`, "Host link"; the protocol is `docs/PROTOCOL.md`
//! and `ouro_core::protocol`): UART receiver and transmitter, the CRC, and the frame receiver
//! and transmitter, each a small block in its own file. [`RxChain`] composes the receive side
//! (line to payload buffer); [`FrameTx`] holds its own [`UartTx`] (payload bytes to line).
//! The command decoder and the sequencer sit on these blocks.

mod chain;
mod crc16;
mod frame_rx;
mod frame_tx;
mod uart_rx;
mod uart_tx;

pub use chain::RxChain;
pub use crc16::Crc16;
pub use frame_rx::FrameRx;
pub use frame_tx::FrameTx;
pub use uart_rx::UartRx;
pub use uart_tx::UartTx;

use rust_hdl::prelude::*;

/// Clocks per UART bit of the iCEBreaker build: 12 MHz / 1 Mbaud.
pub const CLOCKS_PER_BIT: u32 = 12;
/// Address bits of the payload buffer (`MAX_PAYLOAD` = 1024 bytes).
pub const BUF_ADDR_BITS: usize = 10;
/// Width of a payload length (0..=1024).
pub const LEN_BITS: usize = 11;

const _: () = assert!(ouro_core::protocol::MAX_PAYLOAD == 1 << BUF_ADDR_BITS);

fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
}

/// `clocks_per_bit` checked for the UART blocks: at least 4 (a start bit is validated at
/// mid-bit), at most 65535 (the 16-bit bit counter).
fn checked_cpb(clocks_per_bit: u32) -> u64 {
    assert!(
        (4..=0xFFFF).contains(&clocks_per_bit),
        "clocks per bit {clocks_per_bit} is outside 4..=65535"
    );
    u64::from(clocks_per_bit)
}

/// Name of the receive chain's Verilog module ([`RxChain`]).
pub const RX_MODULE: &str = "ouro_link_rx";
/// Name of the frame transmitter's Verilog module ([`FrameTx`] with its UART).
pub const TX_MODULE: &str = "ouro_link_tx";

/// The Verilog of the link's two sides at `clocks_per_bit`, as `(module name, text)`: the
/// receive chain ([`RX_MODULE`]) and the frame transmitter ([`TX_MODULE`]), each
/// self-contained (for synthesis figures and for instantiation by a board top).
pub fn verilog(clocks_per_bit: u32) -> Result<Vec<(&'static str, String)>, crate::HdlError> {
    Ok(vec![
        (
            RX_MODULE,
            crate::block_verilog(RxChain::new(clocks_per_bit), RX_MODULE)?,
        ),
        (
            TX_MODULE,
            crate::block_verilog(FrameTx::new(clocks_per_bit), TX_MODULE)?,
        ),
    ])
}
