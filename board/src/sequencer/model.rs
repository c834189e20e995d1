//! The sequencer's transaction-level model: per job, the same decisions, pulses and cycle counts
//! as the gateware, computed step by step instead of cycle by cycle.

use super::config::{pi, SeqConfig};
use super::{
    Job, Mode, Outcome, Record, ACCEPT_CYCLES, DECIDE_CYCLES, PREDICT_SETUP_CYCLES, REPORT_CYCLES,
};
use crate::frontend::Frontend;
use crate::BoardError;
use ouro_core::schema::{Feature, QPredictor};
use ouro_core::Polarity;
use ouro_nn::golden::{GoldenPredictor, Limits};

/// The sequencer with its engine: the predictor it was built with (or loaded), the engine's
/// latency, and the settings.
#[derive(Debug, Clone)]
pub struct SequencerModel {
    /// The settings (write them with [`SeqConfig::write`]).
    pub config: SeqConfig,
    engine: GoldenPredictor,
    engine_latency: u32,
    adc_bits: u32,
}

impl SequencerModel {
    /// The sequencer around an engine running `q` with `lanes` MAC lanes, at its power-up
    /// settings (the offsets are `q`'s).
    ///
    /// # Errors
    /// [`BoardError::Predictor`] when `q` is not a blind predictor (inputs: the reading, then the
    /// target), has input tables, or the engine cannot be built for it.
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, BoardError> {
        if q.features != [Feature::GNow, Feature::GTarget] {
            return Err(BoardError::Predictor(format!(
                "its inputs are {:?}; the neural modes take g_now, g_target",
                q.features
            )));
        }
        if !q.networks.set.input_tables.is_empty() {
            return Err(BoardError::Predictor(
                "it has input tables, which the sequencer does not look up yet".into(),
            ));
        }
        let codes = 1i64 << q.adc_bits;
        let offsets: Vec<u16> = q
            .input_offsets
            .iter()
            .map(|&o| {
                u16::try_from(o)
                    .ok()
                    .filter(|&o| i64::from(o) < codes)
                    .ok_or_else(|| {
                        BoardError::Predictor(format!("input offset {o} is not an ADC code"))
                    })
            })
            .collect::<Result<_, _>>()?;
        let shape = ouro_hdl::EngineShape::new(q, lanes)
            .map_err(|e| BoardError::Predictor(e.to_string()))?;
        Ok(Self {
            config: SeqConfig::power_up([offsets[0], offsets[1]]),
            engine: GoldenPredictor::new(q),
            engine_latency: shape.latency_cycles() as u32,
            adc_bits: q.adc_bits,
        })
    }

    /// Write a register (see [`SeqConfig::write`]).
    ///
    /// # Errors
    /// As [`SeqConfig::write`].
    pub fn write(&mut self, id: u8, value: u32) -> Result<(), BoardError> {
        self.config.write(id, value, self.adc_bits)
    }

    /// The engine's latency, cycles.
    pub fn engine_latency(&self) -> u32 {
        self.engine_latency
    }

    /// The effective duration limits: the synthesized ones tightened by the run-time registers.
    pub fn limits(&self) -> Limits {
        self.engine.limits().tighten(Limits {
            min_cycles: self.config.runtime_min_cycles,
            max_cycles: self.config.runtime_max_cycles,
        })
    }

    /// The engine's two input words for a reading and a target: each code minus its offset.
    pub fn input_words(&self, code: u16, target: u16) -> [i16; 2] {
        let o = self.config.input_offsets;
        [
            (i32::from(code) - i32::from(o[0])) as i16,
            (i32::from(target) - i32::from(o[1])) as i16,
        ]
    }

    /// Program one cell through `fe` (which must hold it): the record the gateware writes.
    pub fn program(&self, fe: &mut dyn Frontend, job: Job) -> Record {
        let c = &self.config;
        let limits = self.limits();
        let max_pulses = match c.mode {
            Mode::NeuralOneShot => 1,
            _ => u16::from(c.max_attempts),
        };
        let mut total = ACCEPT_CYCLES;
        total = total
            .saturating_add(fe.select(job.row, job.col))
            .saturating_add(1);
        let (mut code, l) = fe.read(c.reads_log2);
        total = total.saturating_add(l).saturating_add(1);
        let mut reads = 1u16;
        let mut pulses = 0u16;
        let mut pulse_cycles = 0u32;
        let mut duration = 0u32;
        let mut last: Option<Polarity> = None;
        let mut last_err = 0u16;
        let mut gain = 0i8;
        let mut refusal = None;
        let outcome = loop {
            total = total.saturating_add(DECIDE_CYCLES);
            if code.abs_diff(job.target) <= job.tolerance {
                break Outcome::InTolerance;
            }
            if pulses >= max_pulses {
                break Outcome::AttemptLimit;
            }
            let p = Polarity::towards(code, job.target).expect("outside the tolerance: not equal");
            let err = code.abs_diff(job.target);
            let (cycles, dac) = match c.mode {
                Mode::NeuralLoop | Mode::NeuralOneShot => {
                    if pulses > 0 {
                        gain = next_gain(gain, last == Some(p), err, last_err);
                    }
                    last = Some(p);
                    last_err = err;
                    total = total
                        .saturating_add(PREDICT_SETUP_CYCLES)
                        .saturating_add(self.engine_latency)
                        .saturating_add(1);
                    let pred =
                        self.engine
                            .predict_inputs(p, &self.input_words(code, job.target), limits);
                    let cycles =
                        scale(pred.cycles, gain).clamp(limits.min_cycles, limits.max_cycles);
                    let dac = if cycles <= c.fine_below_cycles {
                        c.fine_dac[pi(p)]
                    } else {
                        c.level_dac[pi(p)][0]
                    };
                    (cycles, dac)
                }
                // The probe modes cannot be set (`SeqConfig::write` refuses them, as the
                // command decoder does); the gateware would run them as fixed write and verify.
                Mode::FixedWriteVerify | Mode::ProbeOneShot | Mode::ProbeLoop => {
                    (c.fixed_cycles, c.fixed_dac[pi(p)])
                }
                Mode::AdaptiveWriteVerify => {
                    duration = if pulses == 0 {
                        c.adaptive_start_cycles
                            .clamp(limits.min_cycles, limits.max_cycles)
                    } else if last == Some(p) {
                        duration.saturating_mul(2).min(limits.max_cycles)
                    } else {
                        (duration / 2).max(limits.min_cycles)
                    };
                    last = Some(p);
                    (duration, c.fixed_dac[pi(p)])
                }
            };
            let r = fe.pulse(p, dac, cycles);
            total = total.saturating_add(r.latency).saturating_add(1);
            if let Some(why) = r.refused {
                refusal = Some(why);
                break Outcome::RefusedSafety;
            }
            pulses += 1;
            pulse_cycles = pulse_cycles.saturating_add(cycles);
            let (next, l) = fe.read(c.reads_log2);
            total = total.saturating_add(l).saturating_add(1);
            reads += 1;
            code = next;
        };
        total = total.saturating_add(REPORT_CYCLES);
        Record {
            row: job.row,
            col: job.col,
            target: job.target,
            final_code: code,
            outcome,
            pulses,
            pulse_cycles,
            total_cycles: total,
            reads,
            refusal,
        }
    }
}

/// Smallest per-cell gain of the neural loop (durations divided by 2^4 at most).
pub const GAIN_MIN: i8 = -4;
/// Largest per-cell gain of the neural loop (durations multiplied by 2^7 at most).
pub const GAIN_MAX: i8 = 7;

/// The neural loop's per-cell gain after a pulse: one step down when the pulse overshot (the
/// polarity towards the target changed), one step up when it kept its polarity but left more
/// than half of the error before it (the cell is slower than the network believes), else kept.
pub fn next_gain(gain: i8, same_polarity: bool, err: u16, last_err: u16) -> i8 {
    if !same_polarity {
        (gain - 1).max(GAIN_MIN)
    } else if u32::from(err) * 2 > u32::from(last_err) {
        (gain + 1).min(GAIN_MAX)
    } else {
        gain
    }
}

/// `cycles` times `2^gain` (a shift; a right shift drops the remainder), saturating at 2^24 - 1.
pub fn scale(cycles: u32, gain: i8) -> u32 {
    if gain >= 0 {
        (u64::from(cycles) << gain).min(u64::from(super::config::MAX_CYCLES)) as u32
    } else {
        cycles >> (-gain)
    }
}
