//! [`ModelBoard`]: the board's transaction-level model behind the [`Board`] interface.

use super::{Board, LinkError};
use ouro_board::{BoardModel, SimFrontend};

/// The board as its Rust model (`ouro_board::BoardModel`): every request answered as the
/// gateware answers it, the cells programmed as the gateware programs them (the pin-level
/// tests hold the gateware to it), hundreds of thousands of cells a second.
#[derive(Debug, Clone)]
pub struct ModelBoard {
    model: BoardModel,
}

impl ModelBoard {
    /// The board `model`.
    pub fn new(model: BoardModel) -> Self {
        Self { model }
    }

    /// Put the crossbar `fe` on the board (its cells, their read-noise stream), keeping the
    /// board's interlock.
    pub fn set_frontend(&mut self, mut fe: SimFrontend) {
        fe.set_interlock(self.model.interlock());
        *self.model.frontend_mut() = fe;
    }

    /// The model.
    pub fn model(&self) -> &BoardModel {
        &self.model
    }
}

impl Board for ModelBoard {
    fn name(&self) -> String {
        "model".into()
    }

    fn exchange(&mut self, payload: &[u8]) -> Result<Vec<u8>, LinkError> {
        Ok(self.model.handle(payload))
    }

    fn wait_us(&mut self, _us: f64) {}
}
