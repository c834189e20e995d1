//! Models of the front end's parts, driven from the gateware's pins once per clock cycle, that
//! check the datasheet timing and fail on any violation: the AD5541A DAC ([`Ad5541a`]), the
//! AD7476A ADC ([`Ad7476a`]) and the ADG731 multiplexer ([`Adg731`]). Pins change only on clock
//! edges, so every interval a model measures is a whole number of clock periods, and two pins
//! that change on the same edge are 0 ns apart. Each model takes the pins after every edge
//! ([`Ad5541a::step`], ...), with the edge's time, and keeps a list of violations, each naming
//! the datasheet parameter; the tests require that list to be empty, and the negative tests
//! that a deliberately wrong stimulus fills it.
//!
//! The figures are the datasheets' minimums as the parameters are named there (t1, t2, ...
//! t_quiet); `docs/HDL.md` ("Front end") lists them and which ones are uncertain.

mod ad5541a;
mod ad7476a;
mod adg731;

pub use ad5541a::{Ad5541a, Ad5541aTiming};
pub use ad7476a::{Ad7476a, Ad7476aTiming};
pub use adg731::{Adg731, Adg731Timing};

/// One input pin of a model: its level and when it last changed (ns).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pin {
    pub(crate) level: bool,
    pub(crate) changed: f64,
}

impl Pin {
    pub(crate) fn new(level: bool) -> Self {
        Self {
            level,
            changed: f64::NEG_INFINITY,
        }
    }

    /// Take the level at time `now`; returns `Some(new level)` when it changed.
    pub(crate) fn update(&mut self, level: bool, now: f64) -> Option<bool> {
        if level == self.level {
            None
        } else {
            self.level = level;
            self.changed = now;
            Some(level)
        }
    }
}

/// The violations a model has seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Violations(pub(crate) Vec<String>);

impl Violations {
    /// Record a violation of `param` (the datasheet's name) when `interval < min` (ns).
    pub(crate) fn min(
        &mut self,
        part: &str,
        param: &str,
        what: &str,
        interval: f64,
        min: f64,
        now: f64,
    ) {
        // A tolerance for the floating-point sums of clock periods.
        if interval + 1e-6 < min {
            self.0.push(format!(
                "{part} at {now:.1} ns: {param} ({what}) is {interval:.1} ns, below its {min} ns minimum"
            ));
        }
    }

    pub(crate) fn push(&mut self, part: &str, now: f64, what: String) {
        self.0.push(format!("{part} at {now:.1} ns: {what}"));
    }
}
