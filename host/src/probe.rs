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
//! 3. read again (averaged); if the probe moved the reading by fewer than
//!    [`EXTEND_BELOW_CODES`] codes along its polarity and the target is still ahead, extend it
//!    (one more pulse at level 0, so that the two last `2^kx` cycles in all,
//!    `kx = k + EXTEND_OCTAVES` within the probe's longest: [`ouro_core::probe::extension`]) and
//!    read again; the probe is then the two together (`kx`, the change from the first reading);
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

pub use ouro_core::probe::{ESCALATE, EXTEND_BELOW_CODES, EXTEND_OCTAVES, PROBE_SHIFT};

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
    /// gives `log2_cycles` (Q6.10 bits) for: see the module docs ([`ouro_core::probe`]).
    pub fn probe_exponent(log2_cycles: i16, max_cycles: u32) -> u32 {
        ouro_core::probe::probe_exponent(log2_cycles, max_cycles)
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

    /// The quantized variant's programming pulse, as the sequencer decides it (the gateware's
    /// model, `ouro_board::SequencerModel`, is tested against this): after a probe of `2^k`
    /// cycles of polarity `probe` that took the cell from `code0` to `code1`, the polarity
    /// towards `code_t`, the amplitude level (the first whose duration before the clamp is at
    /// most `max_cycles / ESCALATE`, else the top one) and the clamped duration. `None` when
    /// `code1` is the target (no pulse).
    pub fn fixed_pulse(
        golden: &GoldenPredictor,
        probe: Polarity,
        (code0, code1, code_t): (u16, u16, u16),
        k: u32,
        max_cycles: u32,
    ) -> Option<(Polarity, usize, u32)> {
        let p = Polarity::towards(code1, code_t)?;
        let levels = golden
            .qpredictor()
            .levels
            .as_ref()
            .map_or(1, |l| l.get(p).len())
            .max(1);
        let mut out = (p, 0, 0);
        for level in 0..levels {
            let words = Self::words(golden, p, probe, (code0, code1, code_t), k, level);
            let pr = golden.predict_inputs(p, &words, golden.limits());
            out = (p, level, pr.cycles);
            if pr.raw_cycles <= u64::from(ouro_core::probe::escalate_above(max_cycles)) {
                break;
            }
        }
        Some(out)
    }

    /// Program a copy of `cell` to `g_target_us`: probe, read, (extend the probe, read,)
    /// predict, pulse. The shot's cycles are the probe's (extension included) and the pulse's
    /// together, its reads the readings' before the pulse, and its start state the true
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
            return Shot {
                reads: self.reads,
                ..prog.pulse(cell, prog.device().amplitude_v(Polarity::Set), 0)
            };
        };
        let mut k = Self::probe_exponent(blind.log2_cycles, board.max_pulse_cycles);
        let levels = self.levels();
        let amplitude = levels.get(blind.polarity)[0];
        let mut after_probe = cell.clone();
        after_probe
            .apply_pulse_with_amplitude(amplitude, f64::from(1u32 << k) * board.clock_period_s());
        let mut code1 = read_mean_code(board, after_probe.conductance_us(), self.reads, rng);
        let mut readings = 2;
        let set = blind.polarity == Polarity::Set;
        if let Some(kx) =
            ouro_core::probe::extension(k, set, (code0, code1, code_t), board.max_pulse_cycles)
        {
            after_probe.apply_pulse_with_amplitude(
                amplitude,
                f64::from(ouro_core::probe::extension_cycles(k, kx)) * board.clock_period_s(),
            );
            code1 = read_mean_code(board, after_probe.conductance_us(), self.reads, rng);
            readings = 3;
            k = kx;
        }
        let probe_cycles = 1u32 << k;
        let g_start = after_probe.conductance_us();
        let probe = Shot {
            cycles: probe_cycles,
            g_after_us: g_start,
            g_start_us: Some(g_start),
            reads: readings * self.reads,
        };
        let Some(p) = Polarity::towards(code1, code_t) else {
            return probe;
        };
        let ladder = levels.get(p);
        let max = board.max_pulse_cycles;
        // For each level in turn: the duration in cycles and whether it is short enough to stop
        // there (at most 1/ESCALATE of the longest pulse).
        let choose = |level: usize| -> Option<(u32, bool)> {
            match variant {
                // Decided by `fixed_pulse` below, as the sequencer decides it.
                Variant::Fixed => None,
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
        if variant == Variant::Fixed {
            let Some((_, level, cycles)) = self
                .fixed
                .as_ref()
                .and_then(|g| Self::fixed_pulse(g, blind.polarity, (code0, code1, code_t), k, max))
            else {
                return probe;
            };
            choice = ladder.get(level).map(|&v| (v, cycles));
        }
        for (level, &v) in ladder.iter().enumerate() {
            if variant == Variant::Fixed {
                break;
            }
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
            ..probe
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
