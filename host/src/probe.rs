//! Probe, then predict: a short probe pulse towards the target tells a history-aware predictor
//! how fast this cell switches; it then predicts the programming pulse, at the lowest amplitude
//! level at which the pulse fits the longest one the board allows.
//!
//! The steps, as the sequencer runs them:
//! 1. read the cell `reads` times and average (the sum shifted right);
//! 2. size the probe from the blind predictor's log2 duration to the target: `2^k` cycles with
//!    `k = floor(log2 cycles) - PROBE_SHIFT` (a quarter to a half of the blind duration), at
//!    least one cycle and at most a quarter of the longest pulse; apply it at level 0 (the
//!    nominal amplitude);
//! 3. read again (averaged);
//! 4. predict from (reading, target, log2 of the probe's change, `k`, level), level 0 first;
//!    while the duration exceeds `1/ESCALATE` of the longest pulse, predict again at the next
//!    level (the last level takes what it gets);
//! 5. apply that pulse.
//!
//! The probe's duration counts in the pulse time the evaluation reports.

use crate::eval::{Programmer, Shot};
use crate::HostError;
use ouro_core::board::BoardConfig;
use ouro_core::schema::{probe_log2_change_us, Feature, Levels, Predictor, QPredictor, Situation};
use ouro_core::Polarity;
use ouro_nn::golden::GoldenPredictor;
use ouro_nn::network::FloatPredictor;
use ouro_sim::device::{Cell, DeviceConfig};
use ouro_sim::readout::read_mean_code;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The probe lasts `2^(floor(log2 d) - PROBE_SHIFT)` cycles for a blind duration of `d` cycles to
/// the target: between a quarter and a half of it. Shorter probes tell less (measured in
/// `docs/BENCHMARKS.md`: a 1/32 probe lands 9 points fewer cells within ±50 %).
pub const PROBE_SHIFT: i32 = 1;

/// A pulse is predicted again at the next amplitude level while it would last longer than
/// `1/ESCALATE` of the longest pulse: a faster level for slow cells (the accuracy is the same,
/// the pulse time a fifth).
pub const ESCALATE: u32 = 8;

/// The probe-then-predict method with a history-aware predictor, float and (when given)
/// quantized.
#[derive(Debug, Clone)]
pub struct ProbeThenPredict<'a> {
    /// The history-aware float predictor.
    pub history: &'a Predictor,
    /// Its quantization, run by the golden model.
    pub fixed: Option<GoldenPredictor>,
    /// Reads averaged into each of the two readings (a power of two).
    pub reads: u32,
}

impl<'a> ProbeThenPredict<'a> {
    /// The method with `history`, its quantization `fixed` if any, and four reads per reading.
    pub fn new(history: &'a Predictor, fixed: Option<&QPredictor>) -> Self {
        Self {
            history,
            fixed: fixed.map(GoldenPredictor::new),
            reads: 4,
        }
    }

    fn levels(&self) -> &Levels {
        self.history
            .levels
            .as_ref()
            .expect("checked: a history-aware predictor has levels")
    }

    /// Check that the predictor is history-aware and its ladder is this device's.
    pub fn check(&self, device: &DeviceConfig, board: &BoardConfig) -> Result<(), HostError> {
        let f = &self.history.features;
        if !(Feature::needs_probe(f) && f.contains(&Feature::Level)) {
            return Err(HostError::Mismatch(
                "--history needs a history-aware predictor (with probe and level inputs): train one on `ouro characterize --sequences` data".into(),
            ));
        }
        let levels = self.levels();
        if levels.set[0] != device.set_amplitude_v || levels.reset[0] != device.reset_amplitude_v {
            return Err(HostError::Mismatch(format!(
                "the history-aware predictor's level 0 ({} V SET, {} V RESET) is not the device `{}`'s amplitudes ({} V, {} V): train it on this device's sequences",
                levels.set[0], levels.reset[0], device.name, device.set_amplitude_v, device.reset_amplitude_v
            )));
        }
        let top = levels
            .set
            .last()
            .copied()
            .unwrap_or(0.0)
            .abs()
            .max(levels.reset.last().copied().unwrap_or(0.0).abs());
        if top > board.dac.full_scale_v {
            return Err(HostError::Mismatch(format!(
                "the top amplitude level, {top} V, is beyond the board's dac.full_scale_v = {} V",
                board.dac.full_scale_v
            )));
        }
        if let Some(g) = &self.fixed {
            let q = g.qpredictor();
            q.fits(board).map_err(HostError::Mismatch)?;
            if q.features != self.history.features || q.levels != self.history.levels {
                return Err(HostError::Mismatch(
                    "the quantized history predictor is not a quantization of the float one (features or levels differ): quantize it from that file".into(),
                ));
            }
        }
        if !(self.reads.is_power_of_two() && self.reads <= crate::sequences::MAX_READS) {
            return Err(HostError::Setting(format!(
                "reads {} must be a power of two from 1 to {}",
                self.reads,
                crate::sequences::MAX_READS
            )));
        }
        Ok(())
    }

    /// The probe's exponent `k` (the probe lasts `2^k` cycles) for a move the blind predictor
    /// gives `log2_cycles` (Q6.10 bits) for: see the module docs.
    pub fn probe_exponent(log2_cycles: i16, max_cycles: u32) -> u32 {
        let k_max = (max_cycles / crate::sequences::PROBE_MAX_FRACTION)
            .max(1)
            .ilog2();
        let k = (i32::from(log2_cycles) >> ouro_core::qformat::ACT_FRAC) - PROBE_SHIFT;
        (k.max(0) as u32).min(k_max)
    }

    /// The input words of the history network of polarity `p`, as the sequencer assembles
    /// them: the readings before and after a probe of `2^k` cycles of polarity `probe` and the
    /// target (ADC codes), and the amplitude level.
    pub fn words(
        golden: &GoldenPredictor,
        p: Polarity,
        probe: Polarity,
        (code0, code1, code_t): (u16, u16, u16),
        k: u32,
        level: usize,
    ) -> Vec<i16> {
        let one = 1i32 << ouro_core::qformat::ACT_FRAC;
        let floor = golden.qpredictor().probe_floor_codes.unwrap_or(1);
        let s = Situation {
            now: i32::from(code1),
            target: i32::from(code_t),
            probe_delta: i32::from(code1) - i32::from(code0),
            probe_log2_change: i32::from(ouro_core::qformat::probe_change_word(
                probe == Polarity::Set,
                code0,
                code1,
                floor,
            )),
            probe_log2: k as i32 * one,
            level: level as i32 * one,
        };
        golden.inputs_in(p, &s)
    }

    /// Program a copy of `cell` to `g_target_us`: probe, read, predict, pulse. The shot's
    /// cycles are the probe's and the pulse's together, and its start state the true
    /// conductance after the probe (before the programming pulse). `variant` picks what
    /// predicts the programming pulse.
    pub fn program(
        &self,
        prog: &Programmer<'_>,
        cell: &Cell,
        g_target_us: f64,
        variant: Variant,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Shot {
        let board = prog.board();
        let code_t = board.code_of_us(g_target_us);
        let code0 = read_mean_code(board, cell.conductance_us(), self.reads, rng);
        let Some(blind) = prog.golden().predict(code0, code_t) else {
            return prog.pulse(cell, prog.device().amplitude_v(Polarity::Set), 0);
        };
        let k = Self::probe_exponent(blind.log2_cycles, board.max_pulse_cycles);
        let probe_cycles = 1u32 << k;
        let levels = self.levels();
        let mut after_probe = cell.clone();
        after_probe.apply_pulse_with_amplitude(
            levels.get(blind.polarity)[0],
            f64::from(probe_cycles) * board.clock_period_s(),
        );
        let g_start = after_probe.conductance_us();
        let probe = Shot {
            cycles: probe_cycles,
            g_after_us: g_start,
            g_start_us: Some(g_start),
        };
        let code1 = read_mean_code(board, g_start, self.reads, rng);
        let Some(p) = Polarity::towards(code1, code_t) else {
            return probe;
        };
        let ladder = levels.get(p);
        let max = board.max_pulse_cycles;
        // For each level in turn: the duration in cycles and whether it is short enough to stop
        // there (at most 1/ESCALATE of the longest pulse).
        let choose = |level: usize| -> Option<(u32, bool)> {
            match variant {
                Variant::Fixed => {
                    let golden = self.fixed.as_ref()?;
                    let words =
                        Self::words(golden, p, blind.polarity, (code0, code1, code_t), k, level);
                    let pr = golden.predict_inputs(p, &words, golden.limits());
                    Some((pr.cycles, pr.raw_cycles <= u64::from(max / ESCALATE)))
                }
                Variant::Float => {
                    let (g0, g1) = (board.us_of_code(code0), board.us_of_code(code1));
                    let s = Situation {
                        now: g1,
                        target: g_target_us,
                        probe_delta: g1 - g0,
                        probe_log2_change: probe_log2_change_us(blind.polarity, g1 - g0),
                        probe_log2: f64::from(k) - (board.clock_hz as f64).log2(),
                        level: level as f64,
                    };
                    let (_, log2_s) = self.history.predict_in(&s)?;
                    let t = log2_s.exp2();
                    Some((
                        prog.cycles_of(t),
                        t * board.clock_hz as f64 <= f64::from(max / ESCALATE),
                    ))
                }
                Variant::Oracle => {
                    // The cell's exact parameters before the probe, its true state after it.
                    let n1 = ouro_sim::device::n_from_conductance_at_us(
                        g_target_us,
                        prog.device().read_voltage_v,
                    )
                    .ok()?;
                    let t = ouro_sim::device::time_to_reach(
                        cell.params(),
                        after_probe.state(),
                        n1,
                        ladder[level],
                    )
                    .unwrap_or(f64::INFINITY);
                    Some((
                        prog.cycles_of(t),
                        t * board.clock_hz as f64 <= f64::from(max / ESCALATE),
                    ))
                }
            }
        };
        let mut choice = None;
        for (level, &v) in ladder.iter().enumerate() {
            let Some((cycles, short)) = choose(level) else {
                return probe;
            };
            choice = Some((v, cycles));
            if short {
                break;
            }
        }
        let Some((v, cycles)) = choice else {
            return probe;
        };
        let shot = prog.pulse(&after_probe, v, cycles);
        Shot {
            cycles: probe_cycles + shot.cycles,
            g_after_us: shot.g_after_us,
            g_start_us: Some(g_start),
        }
    }
}

/// What predicts the programming pulse after the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The float history-aware network.
    Float,
    /// The quantized one, run by the golden model on the sequencer's words.
    Fixed,
    /// The ceiling: the cell's own model with its exact parameters from before the probe,
    /// from its true state after the probe (what the cycle-to-cycle walk after the probe
    /// leaves possible).
    Oracle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_a_power_of_two_a_quarter_to_a_half_of_the_blind_duration() {
        let one = 1 << ouro_core::qformat::ACT_FRAC;
        let k = |log2: i16| ProbeThenPredict::probe_exponent(log2, 131_072);
        // 2^12.5 cycles: floor 12, minus 1: 2^11.
        assert_eq!(k(12 * one + one / 2), 11);
        assert_eq!(k(3 * one), 2);
        // Short moves probe for one cycle; a negative log2 too.
        assert_eq!(k(one), 0);
        assert_eq!(k(-2 * one), 0);
        // At most a quarter of the longest pulse: 131072 / 4 = 2^15.
        assert_eq!(k(20 * one), 15);
    }
}
