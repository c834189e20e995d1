//! Probe-and-pulse sequences: the training data of a history-aware predictor, recorded the way
//! a board records them (every reading through the read path, averaged over a few reads).
//!
//! Each cell, after its ageing pulses, alternates two pulses, step by step:
//! - even steps, a **probe**: a target is drawn uniformly over the window; the probe goes
//!   towards it at the nominal amplitude (level 0) and lasts a log-uniform time between one
//!   clock cycle and a quarter of the board's longest pulse (the range the probe-then-predict
//!   method uses);
//! - odd steps, a **pulse**: towards the same target from the reading after the probe, at a
//!   level drawn uniformly from the ladder, for a log-uniform time over the characterization's
//!   width range.
//!
//! A history-aware trainer learns each pulse from the probe before it. The cell is never reset
//! in between: it walks on as a programmed cell does.
//!
//! That is the [`Aim::Random`] design. [`Aim::Method`] (`--aim-spread`) instead records the
//! moves the method makes: every pair starts at a fresh state, the probe is the method's, and
//! the pulse lands near the target (see its docs); the shipped history predictor is trained on
//! it. There a probe is extended as the method extends it ([`ouro_core::probe::extension`]), and
//! the probe and its extension are recorded as one row: the probe of `2^kx` cycles in all that
//! the network learns from, from the reading before the first part to the reading after the
//! extension.

use crate::characterize::{cells_in_order, pulse_rng, CharacterizeConfig, CHUNK_ROWS};
use crate::HostError;
use ouro_core::board::BoardConfig;
use ouro_core::progress::Progress;
use ouro_core::schema::Levels;
use ouro_core::sequence::SeqRow;
use ouro_core::Polarity;
use ouro_nn::golden::GoldenPredictor;
use ouro_sim::device::{aged_cell, DeviceConfig, Start, DEFAULT_LEVELS};
use ouro_sim::readout::read_mean_code;
use rand::Rng;

/// Most reads averaged into one reading.
pub const MAX_READS: u32 = 16;

pub use ouro_core::probe::PROBE_MAX_FRACTION;

/// Widest spread of [`Aim::Method`]'s pulses around the cell's time, octaves.
pub const MAX_SPREAD_OCTAVES: f64 = 20.0;

/// How each probe and the pulse after it are sized.
#[derive(Debug, Clone)]
pub enum Aim {
    /// Log-uniform: the probe between one cycle and 1/[`PROBE_MAX_FRACTION`] of the longest
    /// pulse, the pulse over the characterization's width range, at a level drawn uniformly.
    Random,
    /// As the probe-then-predict method runs: each probe-and-pulse pair starts where the
    /// characterization's `start` puts it (uniform: a fresh state over the window, as the
    /// evaluated cells start, and the step number the placing takes is skipped, so the pulse
    /// before it pairs with nothing; walk: where the last pulse left it); the probe sized from the blind predictor's
    /// duration to the target ([`crate::probe::ProbeThenPredict::probe_exponent`]); the pulse,
    /// at a level drawn uniformly, lasts the time the cell's own model needs to the target at
    /// that level (from its true state after the probe), times `2^u` with `u` uniform in
    /// `-spread_octaves..spread_octaves`, within the board's pulse range. A probe that moved the
    /// reading too little is extended as the method extends it, and recorded with its
    /// extension as one row (the module docs). The simulator's
    /// knowledge only places the examples near the moves the method makes; every row is still
    /// what was applied (an extended probe's two pulses as one) and the reading it left.
    Method {
        /// The blind predictor that sizes the probe (the sequencer's).
        blind: Box<GoldenPredictor>,
        /// Half-width of the spread of the pulse around the cell's time, octaves.
        spread_octaves: f64,
    },
}

/// How the sequences are recorded.
#[derive(Debug, Clone)]
pub struct SequenceDesign {
    /// The board whose read path records the readings.
    pub board: BoardConfig,
    /// Reads averaged into every reading (a power of two, 1..=[`MAX_READS`]).
    pub reads: u32,
    /// The amplitude levels the pulses are drawn from; the probes use level 0.
    pub levels: Levels,
    /// How the probes and pulses are sized.
    pub aim: Aim,
}

impl SequenceDesign {
    /// Four reads per reading and the device's default ladder ([`DEFAULT_LEVELS`] levels).
    pub fn new(device: &DeviceConfig, board: BoardConfig) -> Self {
        Self {
            board,
            reads: 4,
            levels: device.amplitude_levels(DEFAULT_LEVELS),
            aim: Aim::Random,
        }
    }

    /// Check the design against the device and the characterization settings.
    pub fn validate(
        &self,
        device: &DeviceConfig,
        cfg: &CharacterizeConfig,
    ) -> Result<(), HostError> {
        if !(self.reads.is_power_of_two() && self.reads <= MAX_READS) {
            return Err(HostError::Setting(format!(
                "--reads {} must be a power of two from 1 to {MAX_READS} (the gateware divides by shifting)",
                self.reads
            )));
        }
        if cfg.balance.is_some() {
            return Err(HostError::Setting(
                "--balance does not apply to --sequences (a pulse is kept with its probe): drop one of them".into(),
            ));
        }
        self.levels.check().map_err(HostError::Setting)?;
        if self.levels.set[0] != device.set_amplitude_v
            || self.levels.reset[0] != device.reset_amplitude_v
        {
            return Err(HostError::Setting(format!(
                "level 0 must be the device's amplitudes ({} V SET, {} V RESET)",
                device.set_amplitude_v, device.reset_amplitude_v
            )));
        }
        if self.board.read_voltage_v != device.read_voltage_v {
            return Err(HostError::Mismatch(format!(
                "the board reads the cell at {} V but the device `{}` is read at {} V: set read_voltage_v to the same value in the board and the device file",
                self.board.read_voltage_v, device.name, device.read_voltage_v
            )));
        }
        self.board
            .validate_for(device.window_us())
            .map_err(|e| HostError::Mismatch(e.to_string()))?;
        if let Aim::Method {
            blind,
            spread_octaves,
        } = &self.aim
        {
            blind
                .qpredictor()
                .fits(&self.board)
                .map_err(HostError::Mismatch)?;
            if !(spread_octaves.is_finite() && (0.0..=MAX_SPREAD_OCTAVES).contains(spread_octaves))
            {
                return Err(HostError::Setting(format!(
                    "--aim-spread {spread_octaves} must be from 0 to {MAX_SPREAD_OCTAVES} octaves"
                )));
            }
        }
        Ok(())
    }

    /// The probe's width range, seconds: one clock cycle to 1/[`PROBE_MAX_FRACTION`] of the
    /// longest pulse.
    pub fn probe_range_s(&self) -> (f64, f64) {
        let t = self.board.clock_period_s();
        let longest = f64::from(self.board.max_pulse_cycles) * t;
        (t, (longest / f64::from(PROBE_MAX_FRACTION)).max(t))
    }
}

/// Record `cfg.cells` cells' sequences of `cfg.pulses_per_cell` pulses each, handing rows to
/// `sink` in cell and step order (memory stays bounded). Deterministic for a seed, whatever the
/// threads. Returns the number of rows.
pub fn run_into(
    device: &DeviceConfig,
    cfg: &CharacterizeConfig,
    design: &SequenceDesign,
    progress: Option<&dyn Progress>,
    sink: &mut dyn FnMut(SeqRow) -> Result<(), HostError>,
) -> Result<u64, HostError> {
    cfg.validate()?;
    design.validate(device, cfg)?;
    let board = &design.board;
    let (glo, ghi) = device.window_us();
    let log_uniform = |rng: &mut dyn rand::RngCore, (a, b): (f64, f64)| -> f64 {
        (a.ln() + (b.ln() - a.ln()) * rng.random::<f64>()).exp()
    };
    let probe_range = design.probe_range_s();
    let one_cell = |i: usize,
                    emit: &mut dyn FnMut(SeqRow) -> Result<(), HostError>|
     -> Result<(), HostError> {
        let mut rng = pulse_rng(cfg.seed, i);
        let mut cell = aged_cell(device, cfg.seed, i, cfg.age_pulses, &mut rng);
        cfg.start.place(device, &mut cell, &mut rng)?;
        let read = |g: f64, rng: &mut dyn rand::RngCore| {
            board.us_of_code(read_mean_code(board, g, design.reads, rng))
        };
        let mut reading = read(cell.conductance_us(), &mut rng);
        let mut target = glo;
        for step in 0..cfg.pulses_per_cell {
            let probe = step % 2 == 0;
            // Method-aimed pairs each start where `cfg.start` puts them (uniform: a fresh state,
            // as the evaluation's cells have); the step number that placing takes is skipped,
            // so no pulse pairs with a probe across it.
            let placed = matches!(design.aim, Aim::Method { .. }) && cfg.start == Start::Uniform;
            if probe && placed && step > 0 {
                cfg.start.place(device, &mut cell, &mut rng)?;
                reading = read(cell.conductance_us(), &mut rng);
            }
            if probe {
                target = glo + (ghi - glo) * rng.random::<f64>();
            }
            let mut polarity =
                Polarity::towards(reading, target).unwrap_or(if rng.random::<bool>() {
                    Polarity::Set
                } else {
                    Polarity::Reset
                });
            let (amplitude_v, width_s) = match (&design.aim, probe) {
                (Aim::Random, true) => (
                    design.levels.get(polarity)[0],
                    log_uniform(&mut rng, probe_range),
                ),
                (Aim::Random, false) => {
                    let ladder = design.levels.get(polarity);
                    let level = rng.random_range(0..ladder.len());
                    let w = log_uniform(&mut rng, (cfg.min_width_s, cfg.max_width_s));
                    (ladder[level], w)
                }
                (Aim::Method { blind, .. }, true) => {
                    let k = match blind.predict(board.code_of_us(reading), board.code_of_us(target))
                    {
                        Some(pr) => {
                            polarity = pr.polarity;
                            crate::probe::ProbeThenPredict::probe_exponent(
                                pr.log2_cycles,
                                board.max_pulse_cycles,
                            )
                        }
                        None => 0,
                    };
                    (
                        design.levels.get(polarity)[0],
                        f64::from(1u32 << k) * board.clock_period_s(),
                    )
                }
                (Aim::Method { spread_octaves, .. }, false) => {
                    let ladder = design.levels.get(polarity);
                    let level = rng.random_range(0..ladder.len());
                    let u = (2.0 * rng.random::<f64>() - 1.0) * spread_octaves;
                    let n1 =
                        ouro_sim::device::n_from_conductance_at_us(target, device.read_voltage_v)
                            .ok();
                    let t = n1
                        .and_then(|n1| {
                            ouro_sim::device::time_to_reach(
                                cell.params(),
                                cell.state(),
                                n1,
                                ladder[level],
                            )
                        })
                        // The true state is already at or past the target: the shortest pulse.
                        .unwrap_or(0.0);
                    let (lo, hi) = (
                        board.clock_period_s() * f64::from(board.min_pulse_cycles),
                        board.clock_period_s() * f64::from(board.max_pulse_cycles),
                    );
                    (ladder[level], (t * u.exp2()).clamp(lo, hi))
                }
            };
            cell.apply_pulse_with_amplitude(amplitude_v, width_s);
            let mut after = read(cell.conductance_us(), &mut rng);
            let mut width_s = width_s;
            if let (Aim::Method { .. }, true) = (&design.aim, probe) {
                // The probe is `2^k` cycles; extended (one more pulse, at the same amplitude)
                // when it moved the reading too little, as the method does.
                let k = (width_s * board.clock_hz as f64).round().log2() as u32;
                let codes = (
                    board.code_of_us(reading),
                    board.code_of_us(after),
                    board.code_of_us(target),
                );
                if let Some(kx) = ouro_core::probe::extension(
                    k,
                    polarity == Polarity::Set,
                    codes,
                    board.max_pulse_cycles,
                ) {
                    let extra = ouro_core::probe::extension_cycles(k, kx);
                    cell.apply_pulse_with_amplitude(
                        amplitude_v,
                        f64::from(extra) * board.clock_period_s(),
                    );
                    after = read(cell.conductance_us(), &mut rng);
                    width_s = f64::from(1u32 << kx) * board.clock_period_s();
                }
            }
            emit(SeqRow {
                cell: i as u32,
                step: (if placed { step + step / 2 } else { step }) as u32,
                g_before_us: reading,
                polarity,
                amplitude_v,
                width_ns: width_s * 1e9,
                g_after_us: after,
            })?;
            reading = after;
        }
        if let Some(pb) = progress {
            pb.advance(1);
        }
        Ok(())
    };
    let mut rows = 0u64;
    cells_in_order(
        cfg.cells,
        cfg.pulses_per_cell,
        CHUNK_ROWS,
        usize::MAX,
        &one_cell,
        &mut |r| {
            rows += 1;
            sink(r)
        },
    )?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cells: usize, pulses: usize, seed: u64) -> Vec<SeqRow> {
        let d = DeviceConfig::preset("realistic");
        let design = SequenceDesign::new(&d, BoardConfig::default_board());
        let cfg = CharacterizeConfig::new(cells, pulses, seed);
        let mut rows = Vec::new();
        run_into(&d, &cfg, &design, None, &mut |r| {
            rows.push(r);
            Ok(())
        })
        .unwrap();
        rows
    }

    #[test]
    fn sequences_chain_alternate_and_repeat() {
        let rows = run(30, 6, 9);
        assert_eq!(rows.len(), 180);
        let board = BoardConfig::default_board();
        let d = DeviceConfig::preset("realistic");
        let levels = d.amplitude_levels(DEFAULT_LEVELS);
        let mut used_levels = std::collections::BTreeSet::new();
        for w in rows.windows(2) {
            if w[0].is_followed_by(&w[1]) {
                assert_eq!(w[0].g_after_us, w[1].g_before_us, "{w:?}");
            }
        }
        for r in &rows {
            let ladder = levels.get(r.polarity);
            let level = ladder.iter().position(|&a| a == r.amplitude_v).unwrap();
            if r.step % 2 == 0 {
                assert_eq!(level, 0, "probes are at the nominal level");
                let (lo, hi) = SequenceDesign::new(&d, board.clone()).probe_range_s();
                assert!(r.width_ns * 1e-9 >= lo * 0.999 && r.width_ns * 1e-9 <= hi * 1.001);
            } else {
                used_levels.insert(level);
            }
            // Readings are ADC code centres.
            let c = board.code_of_us(r.g_before_us);
            assert!((board.us_of_code(c) - r.g_before_us).abs() < 1e-9);
        }
        assert_eq!(used_levels.len(), levels.len());
        assert_eq!(rows, run(30, 6, 9), "same seed, same rows");
        assert_ne!(rows, run(30, 6, 10));
    }

    #[test]
    fn method_aimed_sequences_probe_as_the_method_does_and_aim_at_the_target() {
        let d = DeviceConfig::preset("realistic");
        let board = BoardConfig::default_board();
        let blind = GoldenPredictor::new(&ouro_nn::defaults::qpredictor());
        let mut design = SequenceDesign::new(&d, board.clone());
        design.aim = Aim::Method {
            blind: Box::new(blind.clone()),
            spread_octaves: 0.0,
        };
        let cfg = CharacterizeConfig::new(40, 6, 4);
        let record = |design: &SequenceDesign| {
            let mut rows = Vec::new();
            run_into(&d, &cfg, design, None, &mut |r| {
                rows.push(r);
                Ok(())
            })
            .unwrap();
            rows
        };
        let rows = record(&design);
        assert_eq!(rows.len(), 240);
        let (mut near, mut pulses) = (0, 0);
        let mut last_probe: Option<&SeqRow> = None;
        // Each pair starts at a fresh uniform state: steps 0, 1, then 3, 4, ... (the placing
        // takes a step number).
        let steps: Vec<u32> = rows[..6].iter().map(|r| r.step).collect();
        assert_eq!(steps, [0, 1, 3, 4, 6, 7]);
        for w in rows.windows(2) {
            assert_eq!(w[0].is_followed_by(&w[1]), w[0].step % 3 == 0, "{w:?}");
        }
        for r in &rows {
            if r.step % 3 == 0 {
                // A power of two of cycles, from the blind prediction towards a target past
                // the reading after: k = floor(log2) - PROBE_SHIFT, within the limits.
                let cycles = r.width_ns * 1e-9 * board.clock_hz as f64;
                let k = cycles.round().log2();
                assert!(
                    (cycles - cycles.round()).abs() < 1e-6 && k.fract() == 0.0,
                    "{r:?}"
                );
                assert!(
                    k <= f64::from((board.max_pulse_cycles / PROBE_MAX_FRACTION).ilog2()),
                    "{r:?}"
                );
                assert_eq!(
                    d.amplitude_levels(DEFAULT_LEVELS).get(r.polarity)[0],
                    r.amplitude_v
                );
                last_probe = Some(r);
            } else {
                pulses += 1;
                let probe = last_probe.expect("a probe first");
                assert!(probe.is_followed_by(r) && probe.g_after_us == r.g_before_us);
                // With no spread the pulse is the cell's own time to the target: within the
                // board's limits, mostly inside them (a slow cell at level 0 may need more).
                let cycles = r.width_ns * 1e-9 * board.clock_hz as f64;
                assert!(
                    cycles >= f64::from(board.min_pulse_cycles) * 0.999
                        && cycles <= f64::from(board.max_pulse_cycles) * 1.001,
                    "{r:?}"
                );
                near += usize::from(
                    cycles > f64::from(board.min_pulse_cycles) * 1.001
                        && cycles < f64::from(board.max_pulse_cycles) * 0.999,
                );
            }
        }
        assert!(
            near * 4 > pulses * 3,
            "{near} of {pulses} inside the limits"
        );
        assert_eq!(rows, record(&design), "same seed, same rows");
        // A spread widens the pulses around the same probes.
        design.aim = Aim::Method {
            blind: Box::new(blind),
            spread_octaves: 3.0,
        };
        let spread = record(&design);
        assert_eq!(
            spread[0], rows[0],
            "the first probe does not depend on the spread"
        );
        assert_ne!(spread[1].width_ns, rows[1].width_ns);
        let e = {
            design.aim = Aim::Method {
                blind: Box::new(GoldenPredictor::new(&ouro_nn::defaults::qpredictor())),
                spread_octaves: 21.0,
            };
            design.validate(&d, &cfg).unwrap_err().to_string()
        };
        assert!(e.contains("--aim-spread 21 must be from 0 to 20"), "{e}");
    }

    #[test]
    fn bad_designs_are_refused() {
        let d = DeviceConfig::preset("realistic");
        let cfg = CharacterizeConfig::new(2, 2, 1);
        let mut design = SequenceDesign::new(&d, BoardConfig::default_board());
        design.reads = 3;
        let e = design.validate(&d, &cfg).unwrap_err().to_string();
        assert!(e.contains("--reads 3 must be a power of two"), "{e}");
        design.reads = 4;
        design.levels.set[0] = -0.35;
        let e = design.validate(&d, &cfg).unwrap_err().to_string();
        assert!(e.contains("level 0 must be the device's amplitudes"), "{e}");
        let design = SequenceDesign::new(&d, BoardConfig::default_board());
        let balanced = CharacterizeConfig {
            balance: Some(3),
            ..cfg
        };
        let e = design.validate(&d, &balanced).unwrap_err().to_string();
        assert!(e.contains("--balance"), "{e}");
    }
}
