//! Shared definitions of ouro, reachable from the gateware (`ouro-hdl`), the models (`ouro-sim`)
//! and the host (`ouro-host`) without a dependency cycle.

use serde::{Deserialize, Serialize};

/// Pulse polarity. SET raises the conductance (negative cell voltage), RESET lowers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Raise the conductance.
    Set,
    /// Lower the conductance.
    Reset,
}
