//! The sequencer's transaction-level model: per job, the same decisions, pulses and cycle counts
//! as the gateware, computed step by step instead of cycle by cycle.

use super::config::{pi, SeqConfig, TABLE_WORDS, TWO_SET_MODES};
use super::{
    Job, Mode, Outcome, Record, ACCEPT_CYCLES, DECIDE_CYCLES, ESCALATE_SETUP_CYCLES,
    HISTORY_SETUP_CYCLES, HISTORY_TABLE_SETUP_CYCLES, ISSUE_CYCLES, PREDICT_SETUP_CYCLES,
    REPORT_CYCLES, TABLE_SETUP_CYCLES,
};
use crate::frontend::Frontend;
use crate::BoardError;
use ouro_core::qformat::ACT_FRAC;
use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_hdl::sequencer::build::{self, ProbeConstants};
use ouro_nn::golden::{GoldenPredictor, Limits, Prediction};
use ouro_sim::device::Cell;

/// The history-aware weight set of a two-set build and its constants.
#[derive(Debug, Clone)]
struct History {
    golden: GoldenPredictor,
    constants: ProbeConstants,
    /// The reading and target words come from input tables (in the second bank).
    tables: bool,
}

/// The sequencer with its engine: the predictor(s) it was built with (or loaded), the engine's
/// latency, the table memory, and the settings.
#[derive(Debug, Clone)]
pub struct SequencerModel {
    /// The settings (write them with [`SeqConfig::write`]).
    pub config: SeqConfig,
    engine: GoldenPredictor,
    history: Option<History>,
    tables: bool,
    table: Vec<u16>,
    engine_latency: u32,
    adc_bits: u32,
}

fn predictor_error(e: ouro_hdl::HdlError) -> BoardError {
    BoardError::Predictor(e.to_string())
}

impl SequencerModel {
    /// The sequencer around a one-set engine running `q` with `lanes` MAC lanes, at its
    /// power-up settings (the offsets are `q`'s). A predictor with input tables takes its input
    /// words from the table memory (load them with [`SequencerModel::load_table`]).
    ///
    /// # Errors
    /// [`BoardError::Predictor`] when `q` is not a blind predictor (inputs: the reading, then the
    /// target), its tables do not fit the table memory, or the engine cannot be built for it.
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, BoardError> {
        let offsets = build::check_one_set(q).map_err(predictor_error)?;
        let shape = ouro_hdl::EngineShape::new(q, lanes).map_err(predictor_error)?;
        Ok(Self {
            config: SeqConfig::power_up(offsets),
            engine: GoldenPredictor::new(q),
            history: None,
            tables: !q.networks.set.input_tables.is_empty(),
            table: vec![0; TABLE_WORDS as usize],
            engine_latency: shape.latency_cycles() as u32,
            adc_bits: q.adc_bits,
        })
    }

    /// The sequencer around the two-set engine of probe-then-predict: `sets[0]` the blind
    /// predictor embedded into the history-aware one's inputs (`ouro_nn::embed::embed`),
    /// `sets[1]` the history-aware predictor; it runs every mode ([`TWO_SET_MODES`]). With
    /// input tables in `sets[1]`, the table memory has a second bank of [`TABLE_WORDS`] words
    /// above the first (`ouro_hdl::sequencer::build::HISTORY_TABLES_BANK`) that holds them, at
    /// `INPUT_TABLE_BASE` within it.
    ///
    /// # Errors
    /// [`BoardError::Predictor`] when the sets are not such a pair
    /// (`ouro_hdl::sequencer::build::check_two_sets`) or the engine cannot be built for them.
    pub fn two_sets(sets: [&QPredictor; 2], lanes: usize) -> Result<Self, BoardError> {
        let (offsets, constants) = build::check_two_sets(sets).map_err(predictor_error)?;
        let shape = ouro_hdl::EngineShape::with_sets(&sets, lanes).map_err(predictor_error)?;
        let tables = !sets[1].networks.set.input_tables.is_empty();
        let banks = if tables { 2 } else { 1 };
        Ok(Self {
            config: SeqConfig::power_up_with(offsets, TWO_SET_MODES),
            engine: GoldenPredictor::new(sets[0]),
            history: Some(History {
                golden: GoldenPredictor::new(sets[1]),
                constants,
                tables,
            }),
            tables: false,
            table: vec![0; banks * TABLE_WORDS as usize],
            engine_latency: shape.latency_cycles() as u32,
            adc_bits: sets[1].adc_bits,
        })
    }

    /// The modes this build runs (a `MODE` write of another is refused).
    pub fn modes(&self) -> &'static [Mode] {
        self.config.modes
    }

    /// Write a register (see [`SeqConfig::write`]).
    ///
    /// # Errors
    /// As [`SeqConfig::write`].
    pub fn write(&mut self, id: u8, value: u32) -> Result<(), BoardError> {
        self.config.write(id, value, self.adc_bits)
    }

    /// Write `words` into the table memory from word `start` (`LOAD_TABLE`).
    ///
    /// # Errors
    /// [`BoardError::Setting`] when the words would run past the table memory; nothing is
    /// written then.
    pub fn load_table(&mut self, start: u16, words: &[u16]) -> Result<(), BoardError> {
        let start = usize::from(start);
        let end = start + words.len();
        if end > self.table.len() {
            return Err(BoardError::Setting {
                name: "LOAD_TABLE",
                value: end as u64,
                why: format!("the table memory has {} words", self.table.len()),
            });
        }
        self.table[start..end].copy_from_slice(words);
        Ok(())
    }

    /// The table memory.
    pub fn table(&self) -> &[u16] {
        &self.table
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

    /// The engine's two input words of the blind network of polarity `p` for a reading and a
    /// target: each code minus its offset, or, with input tables, each code's word in its table
    /// (the table memory at `INPUT_TABLE_BASE + (2p + i) * 2^adc_bits + code`).
    pub fn input_words(&self, p: Polarity, code: u16, target: u16) -> [i16; 2] {
        if self.tables {
            return self.table_words(0, p, code, target);
        }
        let o = self.config.input_offsets;
        [
            (i32::from(code) - i32::from(o[0])) as i16,
            (i32::from(target) - i32::from(o[1])) as i16,
        ]
    }

    /// The reading's and the target's words from the input tables of polarity `p` in the bank
    /// at word `bank` (`INPUT_TABLE_BASE + (2p + i) * 2^adc_bits + code` within it).
    fn table_words(&self, bank: usize, p: Polarity, code: u16, target: u16) -> [i16; 2] {
        let mask = (1usize << self.adc_bits) - 1;
        let at = |i: usize, c: u16| {
            let a = (usize::from(self.config.input_table_base)
                + ((2 * pi(p) + i) << self.adc_bits)
                + (usize::from(c) & mask))
                % TABLE_WORDS as usize;
            self.table[(bank + a) % self.table.len()] as i16
        };
        [at(0, code), at(1, target)]
    }

    /// Cycles of one blind prediction: writing its input words, starting the engine, the
    /// prediction.
    fn blind_cost(&self) -> u32 {
        let setup = if self.tables {
            TABLE_SETUP_CYCLES
        } else {
            PREDICT_SETUP_CYCLES
        };
        setup + self.engine_latency + 1
    }

    /// The history-aware network's prediction of polarity `p` from the reading `code` and the
    /// last pulse (its polarity, the reading before it, its log2 duration word), escalating the
    /// level while the duration before the clamp is above `max_cycles / ESCALATE`: the
    /// prediction, its level and the cycles spent.
    fn history_prediction(
        &self,
        h: &History,
        p: Polarity,
        (last_p, before, last_log2): (Polarity, u16, i16),
        code: u16,
        target: u16,
        limits: Limits,
    ) -> (Prediction, usize, u32) {
        let c = h.constants;
        let d = i32::from(code) - i32::from(before);
        let along = if last_p == Polarity::Set { d } else { -d };
        let x = (along.max(0) as u32).max(c.floor_codes);
        let log2_change =
            self.table[(usize::from(self.config.log2_base) + x as usize) % self.table.len()];
        let o = self.config.input_offsets;
        let [w0, w1] = if h.tables {
            self.table_words(build::HISTORY_TABLES_BANK, p, code, target)
        } else {
            [
                (i32::from(code) - i32::from(o[0])) as i16,
                (i32::from(target) - i32::from(o[1])) as i16,
            ]
        };
        let mut words = [w0, w1, log2_change as i16, last_log2, 0];
        let above = u64::from(ouro_core::probe::escalate_above(
            h.golden.qpredictor().max_cycles,
        ));
        let setup = if h.tables {
            HISTORY_TABLE_SETUP_CYCLES
        } else {
            HISTORY_SETUP_CYCLES
        };
        let mut spent = setup + self.engine_latency + 1;
        let mut level = 0usize;
        loop {
            let pred = h.golden.predict_inputs(p, &words, limits);
            if pred.raw_cycles > above && level + 1 < c.levels as usize {
                level += 1;
                words[4] = (level << ACT_FRAC) as i16;
                spent += ESCALATE_SETUP_CYCLES + self.engine_latency + 1;
            } else {
                return (pred, level, spent);
            }
        }
    }

    /// Program one cell through `fe` (which must hold it): the record the gateware writes. The
    /// target's bits above the ADC's are ignored (the command decoder refuses such a job).
    pub fn program(&self, fe: &mut dyn Frontend, job: Job) -> Record {
        self.program_inner(fe, job, None)
    }

    /// As [`SequencerModel::program`] in the neural modes, with `chooser` in the engine's
    /// place: each pulse is the chooser's (scaled by the loop's gain where [`Chooser::gain`]
    /// says so; the loop climbs no amplitude levels for a chooser, which chooses the DAC code
    /// itself), at the cost of a blind prediction. No gateware runs this:
    /// it is how a reference method (model inversion, an oracle that knows each cell) would
    /// fare inside the same loop, with the same reads, decisions and step costs. Other modes
    /// ignore the chooser.
    pub fn program_with(
        &self,
        fe: &mut dyn Frontend,
        job: Job,
        chooser: &mut dyn Chooser,
    ) -> Record {
        self.program_inner(fe, job, Some(chooser))
    }

    fn program_inner(
        &self,
        fe: &mut dyn Frontend,
        job: Job,
        mut chooser: Option<&mut dyn Chooser>,
    ) -> Record {
        let record_target = job.target;
        let job = Job {
            target: job.target & ((1u32 << self.adc_bits) - 1) as u16,
            ..job
        };
        let c = &self.config;
        let limits = self.limits();
        let mut max_pulses = match c.mode {
            Mode::NeuralOneShot => 1,
            Mode::ProbeOneShot => 2,
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
        // The neural loop's gain and amplitude levels (a chooser's loop climbs no levels).
        let top = if chooser.is_some() {
            0
        } else {
            self.config.neural_levels - 1
        };
        let mut lp = LoopGain::default();
        // Probe-then-predict: the last pulse (the probe, then each predicted one) as the history
        // of the next prediction: its polarity, the reading before it, its log2 duration word.
        let mut history = (Polarity::Set, 0u16, 0i16);
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
            // Right after the probe: its extension, if it moved the reading too little.
            let extend = match (c.mode, &self.history) {
                (Mode::ProbeOneShot | Mode::ProbeLoop, Some(h)) if pulses == 1 => {
                    ouro_core::probe::extension(
                        (history.2 >> ACT_FRAC) as u32,
                        history.0 == Polarity::Set,
                        (history.1, code, job.target),
                        h.golden.qpredictor().max_cycles,
                    )
                }
                _ => None,
            };
            let (cycles, dac) = match (c.mode, &self.history) {
                (Mode::ProbeOneShot | Mode::ProbeLoop, Some(h)) if pulses == 0 => {
                    // Size the probe with the blind network; apply it at level 0.
                    total = total.saturating_add(self.blind_cost());
                    let pred = self.engine.predict_inputs(
                        p,
                        &self.input_words(p, code, job.target),
                        limits,
                    );
                    let k = ouro_core::probe::probe_exponent(
                        pred.log2_cycles,
                        h.golden.qpredictor().max_cycles,
                    );
                    history = (p, code, (k << ACT_FRAC) as i16);
                    let cycles = (1u32 << k).clamp(limits.min_cycles, limits.max_cycles);
                    (cycles, c.level_dac[pi(p)][0])
                }
                (Mode::ProbeOneShot | Mode::ProbeLoop, Some(_)) if extend.is_some() => {
                    // The probe moved the reading too little: extend it at level 0 to
                    // `2^kx` cycles in all; the reading before it stays the history's.
                    let (k, kx) = ((history.2 >> ACT_FRAC) as u32, extend.expect("matched"));
                    history.2 = (kx << ACT_FRAC) as i16;
                    if c.mode == Mode::ProbeOneShot {
                        max_pulses += 1;
                    }
                    let cycles = ouro_core::probe::extension_cycles(k, kx)
                        .clamp(limits.min_cycles, limits.max_cycles);
                    (cycles, c.level_dac[pi(p)][0])
                }
                (Mode::ProbeOneShot | Mode::ProbeLoop, Some(h)) => {
                    // Predict from the last pulse's change, escalating the level.
                    let (pred, level, spent) =
                        self.history_prediction(h, p, history, code, job.target, limits);
                    total = total.saturating_add(spent);
                    history = (p, code, pred.log2_cycles);
                    (pred.cycles, c.level_dac[pi(p)][level])
                }
                (Mode::FixedWriteVerify | Mode::AdaptiveWriteVerify, _) => {
                    let dac = c.fixed_dac[pi(p)];
                    if c.mode == Mode::FixedWriteVerify {
                        (c.fixed_cycles, dac)
                    } else {
                        duration = if pulses == 0 {
                            c.adaptive_start_cycles
                                .clamp(limits.min_cycles, limits.max_cycles)
                        } else if last == Some(p) {
                            duration.saturating_mul(2).min(limits.max_cycles)
                        } else {
                            (duration / 2).max(limits.min_cycles)
                        };
                        last = Some(p);
                        (duration, dac)
                    }
                }
                // The neural loop and one shot (the probe modes cannot be set without the
                // history-aware set).
                _ => {
                    if let (true, Some(lp_pol)) = (pulses > 0, last) {
                        lp.after(lp_pol, p, err, last_err, top);
                    }
                    last = Some(p);
                    last_err = err;
                    total = total.saturating_add(self.blind_cost());
                    if let Some(ch) = chooser.as_deref_mut() {
                        let (cycles, dac) = ch.choose(fe.cell(), p, code, job.target);
                        let g = if ch.gain() { lp.gain } else { 0 };
                        let cycles = scale(cycles, g).clamp(limits.min_cycles, limits.max_cycles);
                        (cycles, dac)
                    } else {
                        let pred = self.engine.predict_inputs(
                            p,
                            &self.input_words(p, code, job.target),
                            limits,
                        );
                        let cycles =
                            scale(pred.cycles, lp.gain).clamp(limits.min_cycles, limits.max_cycles);
                        let level = usize::from(lp.level[pi(p)]);
                        let dac = if level == 0 && cycles <= c.fine_below_cycles {
                            c.fine_dac[pi(p)]
                        } else {
                            c.level_dac[pi(p)][level]
                        };
                        (cycles, dac)
                    }
                }
            };
            total = total.saturating_add(ISSUE_CYCLES);
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
            target: record_target,
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

/// A reference method in the engine's place ([`SequencerModel::program_with`]).
pub trait Chooser {
    /// The pulse of polarity `p` from the reading `code` toward `target` (ADC codes) for the
    /// connected cell `cell` (where the front end is simulated): its duration in cycles (before
    /// the gain and the duration limits) and its DAC code.
    fn choose(&mut self, cell: Option<&Cell>, p: Polarity, code: u16, target: u16) -> (u32, u16);
    /// Whether the loop scales the duration by its per-cell gain ([`LoopGain`]), as it does
    /// the engine's.
    fn gain(&self) -> bool;
}

/// Smallest per-cell gain of the neural loop (durations divided by 2^4 at most).
pub const GAIN_MIN: i8 = -4;
/// Largest per-cell gain of the neural loop (durations multiplied by 2^7 at most).
pub const GAIN_MAX: i8 = 7;

/// The neural loop's correction of the network for one cell: a power of two that multiplies
/// every predicted duration ([`scale`]) and, per polarity, the amplitude level its pulses go
/// at and the level an overshoot capped it to. The gain starts at 0 (a gain of 1), the levels at
/// 0 (the nominal amplitude), the caps at 7 (none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopGain {
    /// log2 of the gain ([`GAIN_MIN`]..=[`GAIN_MAX`]).
    pub gain: i8,
    /// The amplitude level, SET then RESET.
    pub level: [u8; 2],
    /// The highest level the polarity climbs to while the gain is below [`GAIN_UNCAP`]: the
    /// level its last overshoot left it at.
    pub cap: [u8; 2],
}

impl Default for LoopGain {
    fn default() -> Self {
        Self {
            gain: 0,
            level: [0; 2],
            cap: [7; 2],
        }
    }
}

/// From this gain on (a duration 4x the network's) a polarity climbs past its cap.
pub const GAIN_UNCAP: i8 = 2;

impl LoopGain {
    /// After a pulse of polarity `last` that left the error `err` (it was `last_err` before)
    /// with the polarity towards the target now `p`, the levels up to `top`:
    /// - an overshoot (`p` is not `last`): the gain halved, the level of `last` one down, and
    ///   that level its cap;
    /// - a pulse that left more than half of the error (the cell is slower than the network
    ///   believes): the level of `p` one up while the gain is at least 1, a level is left and
    ///   the level is below its cap (or the gain has reached [`GAIN_UNCAP`]), else the gain
    ///   doubled (the amplitude is raised before the duration, as incremental step pulse
    ///   programming does; the cap keeps a cell that switches abruptly at one level from
    ///   climbing back to it at once);
    /// - else nothing.
    pub fn after(&mut self, last: Polarity, p: Polarity, err: u16, last_err: u16, top: u8) {
        if p != last {
            self.gain = (self.gain - 1).max(GAIN_MIN);
            let l = &mut self.level[pi(last)];
            *l = l.saturating_sub(1);
            self.cap[pi(last)] = *l;
        } else if u32::from(err) * 2 > u32::from(last_err) {
            let under_cap = self.level[pi(p)] < self.cap[pi(p)] || self.gain >= GAIN_UNCAP;
            let l = &mut self.level[pi(p)];
            if self.gain >= 0 && *l < top && under_cap {
                *l += 1;
            } else {
                self.gain = (self.gain + 1).min(GAIN_MAX);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use Polarity::{Reset, Set};

    #[test]
    fn the_loop_climbs_the_ladder_before_the_duration_and_an_overshoot_caps_it() {
        let mut g = LoopGain::default();
        // A pulse that left most of the error: up a level (three are left), the gain kept.
        g.after(Set, Set, 90, 100, 3);
        assert_eq!((g.gain, g.level), (0, [1, 0]));
        g.after(Set, Set, 90, 100, 3);
        g.after(Set, Set, 90, 100, 3);
        assert_eq!((g.gain, g.level), (0, [3, 0]));
        // The top reached: the duration doubles instead.
        g.after(Set, Set, 90, 100, 3);
        assert_eq!((g.gain, g.level), (1, [3, 0]));
        // A pulse that took more than half of the error: nothing changes.
        g.after(Set, Set, 40, 100, 3);
        assert_eq!((g.gain, g.level), (1, [3, 0]));
        // An overshoot: the gain halves, SET comes down a level and is capped there.
        g.after(Set, Reset, 40, 100, 3);
        assert_eq!((g.gain, g.level, g.cap), (0, [2, 0], [2, 7]));
        // RESET climbs freely; SET stays under its cap until the gain reaches GAIN_UNCAP.
        g.after(Reset, Reset, 90, 100, 3);
        assert_eq!(g.level, [2, 1]);
        g.after(Reset, Set, 90, 100, 3);
        assert_eq!((g.gain, g.level, g.cap), (-1, [2, 0], [2, 0]));
        g.after(Set, Set, 90, 100, 3);
        g.after(Set, Set, 90, 100, 3);
        assert_eq!((g.gain, g.level), (1, [2, 0]), "capped: the gain doubles");
        g.after(Set, Set, 90, 100, 3);
        g.after(Set, Set, 90, 100, 3);
        assert_eq!((g.gain, g.level), (2, [3, 0]), "uncapped at a gain of 4");
    }

    #[test]
    fn one_level_keeps_the_loop_at_the_nominal_amplitude() {
        let mut g = LoopGain::default();
        for _ in 0..20 {
            g.after(Set, Set, 90, 100, 0);
        }
        assert_eq!((g.gain, g.level), (GAIN_MAX, [0, 0]));
        for _ in 0..20 {
            g.after(Set, Reset, 90, 100, 0);
        }
        assert_eq!((g.gain, g.level), (GAIN_MIN, [0, 0]));
        assert_eq!(scale(1000, 3), 8000);
        assert_eq!(scale(1000, -3), 125);
    }
}
