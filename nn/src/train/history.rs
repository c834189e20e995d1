//! The examples a history-aware predictor learns from: each pulse of a sequence CSV
//! ([`ouro_core::sequence`]) that directly follows a pulse at the nominal amplitude (a probe)
//! on the same cell. The pulse is the row to predict; the probe is its history: the change it
//! caused, its duration and the pulse's amplitude level.

use crate::NnError;
use ouro_core::dataset::Row;
use ouro_core::schema::{probe_log2_change_us, Levels, Situation};
use ouro_core::sequence::SeqRow;
use ouro_core::Polarity;

/// Pulses that changed the reading by less than this (microsiemens) are not learned: read
/// noise (0.2 uS per read on the shipped board, 0.1 uS for four averaged reads) would make up
/// most of such a change, and its duration says nothing about the move.
pub const MIN_CHANGE_US: f64 = 1.0;

/// What [`examples`] makes of a sequence CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryExamples {
    /// The pulses to learn, as pulse rows (reading after the probe, polarity, width, reading
    /// after the pulse).
    pub rows: Vec<Row>,
    /// Each row's history: the probe's change (microsiemens, and log2 along its polarity), log2
    /// of its duration (seconds) and the pulse's amplitude level. The reading and the target
    /// come from the row.
    pub extra: Vec<Situation<f64>>,
    /// The ladder: the distinct amplitudes of each polarity, smallest magnitude (the probes')
    /// first.
    pub levels: Levels,
}

/// The ladder of a sequence CSV: per polarity, its distinct amplitudes by magnitude.
pub fn levels_of(seq: &[SeqRow]) -> Levels {
    let of = |p: Polarity| {
        let mut v: Vec<f64> = seq
            .iter()
            .filter(|r| r.polarity == p)
            .map(|r| r.amplitude_v)
            .collect();
        v.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
        v.dedup();
        v
    };
    Levels {
        set: of(Polarity::Set),
        reset: of(Polarity::Reset),
    }
}

/// Pair every pulse with the probe before it (see the module docs). `origin` names the data in
/// errors.
pub fn examples(seq: &[SeqRow], origin: &str) -> Result<HistoryExamples, NnError> {
    let levels = levels_of(seq);
    levels.check().map_err(|e| {
        NnError::Data(format!(
            "{origin}: its amplitudes do not form a ladder ({e}): record it with `ouro characterize --sequences`"
        ))
    })?;
    let mut rows = Vec::new();
    let mut extra = Vec::new();
    for w in seq.windows(2) {
        let (probe, pulse) = (&w[0], &w[1]);
        if !probe.is_followed_by(pulse)
            || levels.index_of(probe.polarity, probe.amplitude_v) != Some(0)
            || (pulse.g_after_us - pulse.g_before_us).abs() < MIN_CHANGE_US
        {
            continue;
        }
        let level = levels
            .index_of(pulse.polarity, pulse.amplitude_v)
            .expect("every amplitude is on the ladder");
        rows.push(pulse.row());
        let delta = probe.g_after_us - probe.g_before_us;
        extra.push(Situation {
            probe_delta: delta,
            probe_log2_change: probe_log2_change_us(probe.polarity, delta),
            probe_log2: (probe.width_ns * 1e-9).log2(),
            level: level as f64,
            ..Situation::default()
        });
    }
    if rows.is_empty() {
        return Err(NnError::Data(format!(
            "{origin} holds no pulse that follows a probe (a nominal-amplitude pulse on the same cell, one step before): record it with `ouro characterize --sequences`"
        )));
    }
    Ok(HistoryExamples {
        rows,
        extra,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(cell: u32, step: u32, p: Polarity, a: f64, w: f64, gb: f64, ga: f64) -> SeqRow {
        SeqRow {
            cell,
            step,
            g_before_us: gb,
            polarity: p,
            amplitude_v: a,
            width_ns: w,
            g_after_us: ga,
        }
    }

    #[test]
    fn pulses_pair_with_the_probe_before_them() {
        use Polarity::{Reset, Set};
        let seq = [
            r(0, 0, Set, -0.342, 100.0, 200.0, 203.0),
            r(0, 1, Set, -0.367, 4000.0, 203.0, 260.0), // after a probe: kept
            r(0, 2, Reset, 0.7065, 100.0, 260.0, 258.0),
            r(0, 3, Reset, 0.7065, 8000.0, 258.0, 220.0), // kept, level 0
            r(1, 0, Set, -0.367, 100.0, 200.0, 230.0),
            r(1, 1, Set, -0.342, 100.0, 230.0, 231.0), // after a level-1 pulse: dropped
            r(2, 5, Reset, 0.7565, 100.0, 300.0, 290.0),
        ];
        let h = examples(&seq, "mem").unwrap();
        assert_eq!(h.levels.set, vec![-0.342, -0.367]);
        assert_eq!(h.levels.reset, vec![0.7065, 0.7565]);
        // (0,1) after (0,0); (0,2) after (0,1)? no: (0,1) is level 1. (0,3) after (0,2).
        // (1,1) after (1,0)? (1,0) is level 1: no. (0,0)->... so two rows, plus (0,2) after
        // (0,1) is dropped.
        assert_eq!(h.rows, vec![seq[1].row(), seq[3].row()]);
        let s = h.extra[0];
        assert_eq!(
            (s.probe_delta, s.probe_log2_change, s.probe_log2, s.level),
            (3.0, 3f64.log2(), (100e-9f64).log2(), 1.0)
        );
        let s = h.extra[1];
        assert_eq!(
            (s.probe_delta, s.probe_log2_change, s.probe_log2, s.level),
            (-2.0, 1.0, (100e-9f64).log2(), 0.0)
        );
        let e = examples(&seq[4..6], "x.csv").unwrap_err().to_string();
        assert!(e.contains("levels.reset") || e.contains("ladder"), "{e}");
    }
}
