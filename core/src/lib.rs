//! Shared definitions of ouro, reachable from the gateware (`ouro-hdl`), the models (`ouro-sim`)
//! and the host (`ouro-host`) without a dependency cycle: the fixed-point formats of the
//! predictor, the weight-file schemas, the board description, duration parsing and the YAML
//! loader with one-line errors.

use serde::{Deserialize, Serialize};

pub use error::CoreError;

pub mod board;
pub mod dataset;
pub mod error;
pub mod frontend;
pub mod input;
pub mod output;
pub mod probe;
pub mod progress;
pub mod protocol;
pub mod qformat;
pub mod schema;
pub mod sequence;
pub mod units;
pub mod yaml;

/// Pulse polarity. SET raises the conductance (negative cell voltage), RESET lowers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Raise the conductance.
    Set,
    /// Lower the conductance.
    Reset,
}

impl Polarity {
    /// The polarity that moves a cell from `now` towards `target` (any ordered unit: ADC codes,
    /// microsiemens), or `None` when they are equal and no pulse is needed.
    pub fn towards<T: PartialOrd>(now: T, target: T) -> Option<Self> {
        if target > now {
            Some(Self::Set)
        } else if target < now {
            Some(Self::Reset)
        } else {
            None
        }
    }

    /// Lower-case name, as in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Set => "set",
            Self::Reset => "reset",
        }
    }
}

impl std::fmt::Display for Polarity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Polarity {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "set" => Ok(Self::Set),
            "reset" => Ok(Self::Reset),
            other => Err(CoreError::Value(format!(
                "unknown polarity `{other}`: use set or reset"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_follows_the_target() {
        assert_eq!(Polarity::towards(100, 200), Some(Polarity::Set));
        assert_eq!(Polarity::towards(200.0, 100.0), Some(Polarity::Reset));
        assert_eq!(Polarity::towards(7u16, 7u16), None);
        assert_eq!("RESET".parse::<Polarity>().unwrap(), Polarity::Reset);
        assert!("up"
            .parse::<Polarity>()
            .unwrap_err()
            .to_string()
            .contains("use set or reset"));
    }
}
