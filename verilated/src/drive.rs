//! Driving a verilated engine the way a sequencer does: load-port writes (weights, limits),
//! input writes, a `start` pulse, and the outputs when `done` rises, with the latency counted.
//! And the one comparison every test makes against the golden model ([`check`]).

use crate::{Model, LIMIT_MAX_ADDR, LIMIT_MIN_ADDR};
use ouro_core::Polarity;
use ouro_nn::golden::{Clamp, Limits, Prediction};
use std::path::Path;

/// Cycles after which [`Model::predict`] gives up waiting for `done`.
pub const DONE_TIMEOUT_CYCLES: usize = 100_000;

/// What the engine reported for one prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `out_polarity`.
    pub polarity: Polarity,
    /// `log2_cycles`, Q6.10 bits.
    pub log2_cycles: i16,
    /// `cycles`, after the clamp.
    pub cycles: u32,
    /// `clamp_low` / `clamp_high`.
    pub clamp: Clamp,
    /// Rising edges from the one that samples `start` to the one after which `done` is high.
    pub latency: usize,
}

/// Why a prediction of the engine differs from the golden model's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected:?}, engine gave {got:?}")]
pub struct Mismatch {
    /// What the golden model and the documented latency say.
    pub expected: Outcome,
    /// What the engine did.
    pub got: Outcome,
}

/// Compare one engine outcome with the golden model's prediction and the documented latency:
/// every output bit and the cycle count must agree.
pub fn check(expected: &Prediction, latency: usize, got: &Outcome) -> Result<(), Mismatch> {
    let want = Outcome {
        polarity: expected.polarity,
        log2_cycles: expected.log2_cycles,
        cycles: expected.cycles,
        clamp: expected.clamp,
        latency,
    };
    if want == *got {
        Ok(())
    } else {
        Err(Mismatch {
            expected: want,
            got: *got,
        })
    }
}

/// A load-port image as `ouro hdl generate` writes it (`ouro_predictor_load.hex`): a header
/// comment line, then one write a line, `AAAAA DDDDDDDD` in hex.
///
/// # Errors
/// A one-line message naming the file and the line that is not a write.
pub fn read_load_image(path: &Path) -> Result<Vec<(u32, u32)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_load_image(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parse the text of a load-port image (see [`read_load_image`]); `//` lines are comments.
///
/// ```
/// let w = ouro_verilated::parse_load_image("// header\n00010 0000ffff\n").unwrap();
/// assert_eq!(w, vec![(0x10, 0xffff)]);
/// assert!(ouro_verilated::parse_load_image("10 zz\n").is_err());
/// ```
pub fn parse_load_image(text: &str) -> Result<Vec<(u32, u32)>, String> {
    let mut writes = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        let mut parts = t.split_whitespace();
        let (Some(a), Some(d), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "line {}: expected `ADDRESS DATA`, got `{t}`",
                n + 1
            ));
        };
        let hex = |s: &str| {
            u32::from_str_radix(s, 16)
                .map_err(|e| format!("line {}: `{s}` is not a hex number: {e}", n + 1))
        };
        writes.push((hex(a)?, hex(d)?));
    }
    Ok(writes)
}

impl Model {
    /// One load-port write (weights, biases, fracs or a run-time limit), one clock cycle.
    pub fn load(&mut self, addr: u32, data: u32) {
        self.set_ld_we(true);
        self.set_ld_addr(addr);
        self.set_ld_data(data);
        self.tick();
        self.set_ld_we(false);
    }

    /// Every write of a load-port image, in order.
    pub fn load_all(&mut self, writes: &[(u32, u32)]) {
        for &(a, d) in writes {
            self.load(a, d);
        }
    }

    /// Write the run-time duration limits (each saturated to the 24-bit register) and let them
    /// take effect. The engine holds the synthesized limits whatever is written.
    pub fn set_runtime_limits(&mut self, rt: Limits) {
        self.load(LIMIT_MIN_ADDR, rt.min_cycles.min(0xFF_FFFF));
        self.load(LIMIT_MAX_ADDR, rt.max_cycles.min(0xFF_FFFF));
        // The effective limits are registered six cycles after a write is presented; a
        // prediction started at once would still use them (the clamp comes 10 or more cycles
        // after `start`); the two ticks keep callers independent of that.
        self.tick();
        self.tick();
    }

    /// One prediction: write `inputs` through the input port (none: keep the last ones), pulse
    /// `start` with `polarity`, and wait for `done`. Checks the handshake on the way: `busy`
    /// from the start edge until `done`, `done` high for one cycle, and the outputs holding in
    /// the cycle after it.
    ///
    /// # Panics
    /// If the handshake is broken or `done` does not come within [`DONE_TIMEOUT_CYCLES`].
    pub fn predict(&mut self, polarity: Polarity, inputs: &[i16]) -> Outcome {
        for (i, &x) in inputs.iter().enumerate() {
            self.set_in_we(true);
            self.set_in_addr(i as u8);
            self.set_in_data(x as u16);
            self.tick();
        }
        self.set_in_we(false);
        self.set_polarity(polarity == Polarity::Reset);
        self.set_start(true);
        self.tick();
        self.set_start(false);
        assert!(self.get_busy(), "busy after the start edge");
        let mut latency = 1;
        while !self.get_done() {
            self.tick();
            latency += 1;
            assert!(latency < DONE_TIMEOUT_CYCLES, "no done");
        }
        assert!(!self.get_busy(), "not busy once done");
        let got = self.outputs(latency);
        // done is a one-cycle pulse; the outputs hold.
        self.tick();
        assert!(!self.get_done(), "done lasts one cycle");
        assert_eq!(self.outputs(latency), got, "outputs hold after done");
        got
    }

    /// One prediction on weight set `set` of a two-set engine ([`Model::predict`] with the
    /// `set` input driven with `start`); checks that `out_set` reports `set`. Set 0 on a
    /// one-set engine is [`Model::predict`].
    ///
    /// # Panics
    /// As [`Model::predict`]; and if the engine has no set `set`, or `out_set` differs.
    pub fn predict_in_set(&mut self, set: usize, polarity: Polarity, inputs: &[i16]) -> Outcome {
        assert!(set < 2, "weight set {set}: an engine has at most two");
        if !self.has_set() {
            assert_eq!(set, 0, "a one-set engine has only weight set 0");
            return self.predict(polarity, inputs);
        }
        self.set_set(set == 1);
        let got = self.predict(polarity, inputs);
        assert_eq!(
            self.get_out_set(),
            set == 1,
            "out_set reports the weight set"
        );
        got
    }

    /// The result outputs as they are now.
    ///
    /// # Panics
    /// If both clamp flags are raised.
    pub fn outputs(&self, latency: usize) -> Outcome {
        let clamp = match (self.get_clamp_low(), self.get_clamp_high()) {
            (false, false) => Clamp::None,
            (true, false) => Clamp::Low,
            (false, true) => Clamp::High,
            (true, true) => panic!("both clamp flags"),
        };
        Outcome {
            polarity: if self.get_out_polarity() {
                Polarity::Reset
            } else {
                Polarity::Set
            },
            log2_cycles: self.get_log2_cycles() as i16,
            cycles: self.get_cycles(),
            clamp,
            latency,
        }
    }
}
