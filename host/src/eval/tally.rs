//! What the evaluation reports: the fraction of cells within each tolerance per method and
//! metric, the pulse time, the per-cell CSV and the tables.

use super::*;

/// The fraction of cells within each tolerance, per method (in `methods` order, as the shots)
/// and metric.
pub fn summarize(results: &[CellResult], methods: &[Method]) -> Vec<Fraction> {
    let mut tally = Tally::new(methods);
    for r in results {
        tally.add(r);
    }
    tally.fractions()
}

/// The counts behind [`summarize`] and [`Tally::costs`], taken one cell at a time (for
/// [`run_into`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// The methods, in the shots' order.
    methods: Vec<Method>,
    /// Cells counted.
    cells: u64,
    /// Cells within each tolerance, by method, metric and tolerance (the order of
    /// [`summarize`]'s fractions).
    hits: Vec<u64>,
    /// Pulse cycles of each method, summed over the cells.
    cycles: Vec<u64>,
    /// Reads of each method before its programming pulse, summed over the cells.
    reads: Vec<u64>,
}

impl Tally {
    /// No cells yet, for `methods` (in the shots' order).
    pub fn new(methods: &[Method]) -> Self {
        Self {
            methods: methods.to_vec(),
            cells: 0,
            hits: vec![
                0;
                methods.iter().map(|m| m.metrics().len()).sum::<usize>() * TOLERANCES.len()
            ],
            cycles: vec![0; methods.len()],
            reads: vec![0; methods.len()],
        }
    }

    /// Count one cell.
    pub fn add(&mut self, r: &CellResult) {
        self.cells += 1;
        let mut hits = self.hits.iter_mut();
        for k in 0..self.methods.len() {
            let shot = &r.shots[k];
            self.cycles[k] += u64::from(shot.cycles);
            self.reads[k] += u64::from(shot.reads);
            let (t, u0) = rpd(r.g_before_us, r.g_target_us, shot.g_after_us);
            let mut values = vec![t];
            if self.methods[k].probes() {
                let start = shot.g_start_us.unwrap_or(r.g_before_us);
                values.push(rpd(start, r.g_target_us, shot.g_after_us).1);
            }
            values.push(u0);
            for x in values {
                for &tol in &TOLERANCES {
                    let h = hits.next().expect("one count per fraction");
                    if x.abs() <= tol {
                        *h += 1;
                    }
                }
            }
        }
    }

    /// The fraction of the cells counted within each tolerance, per method and metric.
    pub fn fractions(&self) -> Vec<Fraction> {
        let n = self.cells.max(1) as f64;
        let mut hits = self.hits.iter();
        let mut out = Vec::new();
        for m in &self.methods {
            for &metric in m.metrics() {
                for &tol in &TOLERANCES {
                    out.push(Fraction {
                        method: m.name(),
                        metric,
                        tolerance: tol,
                        fraction: *hits.next().expect("one count per fraction") as f64 / n,
                    });
                }
            }
        }
        out
    }

    /// The mean cost of each method over the cells counted.
    pub fn costs(&self, prog: &Programmer<'_>) -> Vec<Cost> {
        let n = self.cells.max(1) as f64;
        self.methods
            .iter()
            .zip(self.cycles.iter().zip(&self.reads))
            .map(|(&m, (&c, &r))| Cost {
                method: m.name(),
                mean_pulse_us: c as f64 / n * prog.board.clock_period_s() * 1e6,
                mean_reads: r as f64 / n,
            })
            .collect()
    }
}

/// Every cell's outcome as CSV: `cell,g_before_us,g_target_us`, then for each method its
/// pulse in cycles and the conductance after it.
pub fn cells_csv(results: &[CellResult], methods: &[Method]) -> String {
    let mut s = cells_csv_header(methods);
    for r in results {
        s += &cells_csv_line(r);
    }
    s
}

/// The header line of [`cells_csv`], with its newline.
pub fn cells_csv_header(methods: &[Method]) -> String {
    let mut s = String::from("cell,g_before_us,g_target_us");
    for m in methods {
        s += &format!(",{0}_cycles,{0}_g_after_us", m.name());
    }
    s.push('\n');
    s
}

/// One cell's line of [`cells_csv`], with its newline.
pub fn cells_csv_line(r: &CellResult) -> String {
    let mut s = format!("{},{:.6},{:.6}", r.cell, r.g_before_us, r.g_target_us);
    for shot in &r.shots {
        s += &format!(",{},{:.6}", shot.cycles, shot.g_after_us);
    }
    s.push('\n');
    s
}

/// What a method costs on average: pulse time (probe included) and reads before the pulse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    /// The method.
    pub method: &'static str,
    /// Mean pulse time per cell, microseconds (all of a method's pulses).
    pub mean_pulse_us: f64,
    /// Mean reads per cell before the programming pulse (the probe method's extension adds a
    /// reading to some cells).
    pub mean_reads: f64,
}

/// The mean cost of each method (in `methods` order, as the shots).
pub fn costs(prog: &Programmer<'_>, results: &[CellResult], methods: &[Method]) -> Vec<Cost> {
    let mut tally = Tally::new(methods);
    for r in results {
        tally.add(r);
    }
    tally.costs(prog)
}

/// The costs as a terminal table.
pub fn cost_table(costs: &[Cost]) -> String {
    let mut s = format!(
        "{:<19} {:>14} {:>10}\n",
        "method", "mean pulse", "mean reads"
    );
    for c in costs {
        s += &format!(
            "{:<19} {:>11.1} us {:>10.2}\n",
            c.method, c.mean_pulse_us, c.mean_reads
        );
    }
    s
}

/// The summary as a terminal table.
pub fn table(fractions: &[Fraction]) -> String {
    let mut s = format!("{:<19} {:<20}", "method", "metric");
    for t in TOLERANCES {
        s += &format!(" {:>8}", format!("±{:.0}%", t * 100.0));
    }
    s.push('\n');
    for row in fractions.chunks(TOLERANCES.len()) {
        s += &format!("{:<19} {:<20}", row[0].method, row[0].metric);
        for f in row {
            s += &format!(" {:>7.2}%", f.fraction * 100.0);
        }
        s.push('\n');
    }
    s
}
