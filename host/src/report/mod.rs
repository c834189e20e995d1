//! What a programming run leaves: one [`CellRow`] per cell and method (the per-cell CSV that
//! `ouro program` streams and `ouro analyze` reads back), the summary per method
//! ([`MethodSummary`]), `report.json` ([`Report`]), the table printed for people, the plots
//! ([`plots`]) and the self-contained `report.html` ([`html`]).

pub mod csv;
pub mod html;
pub mod plots;

use serde::{Deserialize, Serialize};

/// How a cell's programming ended (the board's record; `docs/PROTOCOL.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellOutcome {
    /// The last reading is within the tolerance of the target.
    InTolerance,
    /// The attempt limit was reached first.
    AttemptLimit,
    /// The interlock refused a pulse (nothing was applied).
    RefusedSafety,
    /// The method gave up (the one-shot modes after their pulses, or no progress).
    Stuck,
}

impl CellOutcome {
    /// The CSV and JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Self::InTolerance => "in-tolerance",
            Self::AttemptLimit => "attempt-limit",
            Self::RefusedSafety => "refused-safety",
            Self::Stuck => "stuck",
        }
    }

    /// The outcome of a CSV or JSON name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::InTolerance,
            Self::AttemptLimit,
            Self::RefusedSafety,
            Self::Stuck,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }
}

/// One cell programmed by one method: what the board recorded and what follows from it.
/// Conductances are the board's readings (ADC codes converted with the board file), so a run
/// on a real board gives the same columns; `g_true_us` is the simulated cell's own conductance
/// where the cells are simulated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRow {
    /// Index of the cell in the run (0-based; the order of the targets).
    pub cell: usize,
    /// Crossbar row.
    pub row: u8,
    /// Crossbar column.
    pub col: u8,
    /// The method's name (`neural-loop`, ...).
    pub method: String,
    /// What ran it: `model`, `sim`, or a serial port's path.
    pub board: String,
    /// Target conductance, uS.
    pub target_us: f64,
    /// Tolerance, relative (0.02 = ±2 %).
    pub tolerance: f64,
    /// The reading before programming (16 conversions averaged), uS.
    pub start_us: f64,
    /// The method's last reading, uS.
    pub final_us: f64,
    /// The simulated cell's conductance after programming, uS (`NaN`: not simulated).
    pub g_true_us: f64,
    /// `(final - target) / target`.
    pub rpd_target: f64,
    /// `(final - target) / (target - start)`: the error relative to the requested change.
    pub rpd_update: f64,
    /// Pulses applied.
    pub pulses: u32,
    /// Reads (each the average of the configured conversions).
    pub reads: u32,
    /// Time the pulse gate was high, summed, us.
    pub pulse_us: f64,
    /// Programming latency, us: the board's cycle counter from accepting the cell to its
    /// record, plus, for a host-driven method, the link's time.
    pub latency_us: f64,
    /// Of the latency: reads (conversions, settling, averaging), us.
    pub read_us: f64,
    /// Of the latency: the pulses (the DAC's setup and settling, the gate's time), us.
    pub pulse_step_us: f64,
    /// Of the latency: everything else on the board (select, decisions, predictions, issue,
    /// report), us.
    pub predict_us: f64,
    /// Of the latency: the serial link (frames on the wire, the USB adapter's latency timer),
    /// us; 0 for methods the board runs alone.
    pub link_us: f64,
    /// How it ended.
    pub outcome: CellOutcome,
}

impl CellRow {
    /// Whether the cell ended within its tolerance.
    pub fn success(&self) -> bool {
        self.outcome == CellOutcome::InTolerance
    }
}

/// Latency split by what the time went to, us (means over the cells).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Breakdown {
    /// Reads.
    pub read: f64,
    /// Board-side decisions and predictions (and select, issue, report).
    pub predict: f64,
    /// Pulses.
    pub pulse: f64,
    /// The serial link (host-driven methods).
    pub link: f64,
}

/// One method's figures over its cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodSummary {
    /// The method's name.
    pub method: String,
    /// What ran it.
    pub board: String,
    /// Cells.
    pub cells: usize,
    /// Fraction of cells that ended within their tolerance.
    pub success_rate: f64,
    /// Mean pulses per cell.
    pub mean_pulses: f64,
    /// 99th percentile of pulses per cell.
    pub p99_pulses: f64,
    /// Mean programming latency, us.
    pub mean_latency_us: f64,
    /// Median programming latency, us.
    pub median_latency_us: f64,
    /// 99th percentile of the programming latency, us.
    pub p99_latency_us: f64,
    /// Mean of the latency's parts, us.
    pub latency_breakdown_us: Breakdown,
    /// Mean time the pulse gate was high, us.
    pub mean_pulse_us: f64,
    /// Median `|RPD_target|`.
    pub median_abs_rpd_target: f64,
    /// Fraction of cells within ±5/10/25/50 % `RPD_target`.
    pub within_target: [f64; 4],
    /// Cells by outcome: in tolerance, attempt limit, refused by safety, stuck.
    pub outcomes: [usize; 4],
}

/// The `RPD_target` thresholds of [`MethodSummary::within_target`].
pub const WITHIN: [f64; 4] = [0.05, 0.10, 0.25, 0.50];

/// The `q`-quantile (0..=1) of sorted values, by the nearest rank; 0 for none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(v: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = v.collect();
    v.sort_by(f64::total_cmp);
    v
}

impl MethodSummary {
    /// The summary of `rows` (all of one method); `None` for no rows.
    pub fn of(rows: &[&CellRow]) -> Option<Self> {
        let first = rows.first()?;
        let n = rows.len() as f64;
        let mean = |f: fn(&CellRow) -> f64| rows.iter().map(|r| f(r)).sum::<f64>() / n;
        let pulses = sorted(rows.iter().map(|r| f64::from(r.pulses)));
        let latency = sorted(rows.iter().map(|r| r.latency_us));
        let abs_rpd = sorted(rows.iter().map(|r| r.rpd_target.abs()));
        let mut outcomes = [0usize; 4];
        for r in rows {
            outcomes[r.outcome as usize] += 1;
        }
        Some(Self {
            method: first.method.clone(),
            board: first.board.clone(),
            cells: rows.len(),
            success_rate: rows.iter().filter(|r| r.success()).count() as f64 / n,
            mean_pulses: mean(|r| f64::from(r.pulses)),
            p99_pulses: quantile(&pulses, 0.99),
            mean_latency_us: mean(|r| r.latency_us),
            median_latency_us: quantile(&latency, 0.5),
            p99_latency_us: quantile(&latency, 0.99),
            latency_breakdown_us: Breakdown {
                read: mean(|r| r.read_us),
                predict: mean(|r| r.predict_us),
                pulse: mean(|r| r.pulse_step_us),
                link: mean(|r| r.link_us),
            },
            mean_pulse_us: mean(|r| r.pulse_us),
            median_abs_rpd_target: quantile(&abs_rpd, 0.5),
            within_target: WITHIN
                .map(|w| rows.iter().filter(|r| r.rpd_target.abs() <= w).count() as f64 / n),
            outcomes,
        })
    }
}

/// `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The device (preset name or path).
    pub device: String,
    /// The board(s) that ran the methods (`sim`, `model`, serial ports).
    pub board: String,
    /// Cells per method.
    pub cells: usize,
    /// The run's seed (`null` for an analysis of saved runs).
    pub seed: Option<u64>,
    /// Relative tolerance (0.02 = ±2 %).
    pub tolerance: f64,
    /// The board's clock, Hz.
    pub clock_hz: u64,
    /// One entry per method, in the run's order.
    pub methods: Vec<MethodSummary>,
}

/// Group `rows` by method, in order of first appearance.
pub fn by_method(rows: &[CellRow]) -> Vec<(String, Vec<&CellRow>)> {
    let mut groups: Vec<(String, Vec<&CellRow>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|(m, _)| *m == r.method) {
            Some((_, g)) => g.push(r),
            None => groups.push((r.method.clone(), vec![r])),
        }
    }
    groups
}

/// The summaries of `rows`, one per method in order of first appearance.
pub fn summaries(rows: &[CellRow]) -> Vec<MethodSummary> {
    by_method(rows)
        .iter()
        .filter_map(|(_, g)| MethodSummary::of(g))
        .collect()
}

/// The table printed after a run: one line per method.
pub fn table(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut s = format!(
        "{} cells of {}, tolerance ±{}% RPD_target, board {}, clock {} MHz\n",
        report.cells,
        report.device,
        report.tolerance * 100.0,
        report.board,
        report.clock_hz as f64 / 1e6
    );
    let _ = writeln!(
        s,
        "{:<17} {:>6} {:>8} {:>7} {:>7} {:>11} {:>11} {:>11} {:>9} {:>9} {:>9} {:>9}",
        "method",
        "board",
        "success",
        "pulses",
        "p99",
        "mean us",
        "median us",
        "p99 us",
        "read us",
        "pred. us",
        "pulse us",
        "link us"
    );
    for m in &report.methods {
        let b = m.latency_breakdown_us;
        let _ = writeln!(
            s,
            "{:<17} {:>6} {:>7.2}% {:>7.2} {:>7.0} {:>11.1} {:>11.1} {:>11.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            m.method,
            short_board(&m.board),
            m.success_rate * 100.0,
            m.mean_pulses,
            m.p99_pulses,
            m.mean_latency_us,
            m.median_latency_us,
            m.p99_latency_us,
            b.read,
            b.predict,
            b.pulse,
            b.link
        );
    }
    s
}

fn short_board(b: &str) -> &str {
    if b.len() > 6 {
        b.rsplit('/').next().unwrap_or(b)
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(method: &str, latency_us: f64, pulses: u32, ok: bool) -> CellRow {
        CellRow {
            cell: 0,
            row: 0,
            col: 0,
            method: method.into(),
            board: "model".into(),
            target_us: 200.0,
            tolerance: 0.02,
            start_us: 100.0,
            final_us: if ok { 201.0 } else { 250.0 },
            g_true_us: f64::NAN,
            rpd_target: if ok { 0.005 } else { 0.25 },
            rpd_update: if ok { 0.01 } else { 0.5 },
            pulses,
            reads: pulses + 1,
            pulse_us: 1.0,
            latency_us,
            read_us: 2.0,
            pulse_step_us: 3.0,
            predict_us: latency_us - 5.0,
            link_us: 0.0,
            outcome: if ok {
                CellOutcome::InTolerance
            } else {
                CellOutcome::AttemptLimit
            },
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn a_summary_counts_what_its_rows_say() {
        let rows = [
            row("a", 10.0, 1, true),
            row("a", 30.0, 3, false),
            row("b", 5.0, 1, true),
        ];
        let s = summaries(&rows);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].method, "a");
        assert_eq!(s[0].cells, 2);
        assert_eq!(s[0].success_rate, 0.5);
        assert_eq!(s[0].mean_pulses, 2.0);
        assert_eq!(s[0].mean_latency_us, 20.0);
        assert_eq!(s[0].median_latency_us, 10.0);
        assert_eq!(s[0].p99_latency_us, 30.0);
        assert_eq!(s[0].outcomes, [1, 1, 0, 0]);
        assert_eq!(s[0].within_target, [0.5, 0.5, 1.0, 1.0]);
        assert_eq!(s[1].success_rate, 1.0);
    }
}
