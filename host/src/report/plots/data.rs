//! What the plots are drawn from ([`Plot`]): the run's cells grouped by method in the run's
//! order, each method's colour and summary, the tolerance and the trajectories.

use plotters::style::RGBColor;

use super::{colours, Trajectory, PALETTE, STEMS};
use crate::report::{by_method, summaries, CellRow, MethodSummary, Report};

/// One method's cells and colour.
pub(super) struct Group<'a> {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    pub(super) rows: Vec<&'a CellRow>,
}

/// What the plots are drawn from.
pub(super) struct Plot<'a> {
    pub(super) tolerance: f64,
    pub(super) groups: Vec<Group<'a>>,
    pub(super) summaries: Vec<(MethodSummary, RGBColor)>,
    names: Vec<String>,
    palette: Vec<RGBColor>,
    pub(super) trajectories: &'a [Trajectory],
}

impl<'a> Plot<'a> {
    pub(super) fn new(
        report: &Report,
        rows: &'a [CellRow],
        trajectories: &'a [Trajectory],
    ) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut add = |n: &str| {
            if !names.iter().any(|m| m == n) {
                names.push(n.to_string());
            }
        };
        report.methods.iter().for_each(|m| add(&m.method));
        rows.iter().for_each(|r| add(&r.method));
        trajectories.iter().for_each(|t| add(&t.method));
        let palette = colours(&names);
        let colour = |n: &str| {
            names
                .iter()
                .position(|m| m == n)
                .map_or(PALETTE[0], |i| palette[i])
        };
        let mut groups: Vec<Group<'a>> = by_method(rows)
            .into_iter()
            .map(|(name, rows)| Group {
                colour: colour(&name),
                name,
                rows,
            })
            .collect();
        // In the run's order (the report's), then the rest as they came.
        groups.sort_by_key(|g| names.iter().position(|n| *n == g.name));
        let methods = if report.methods.is_empty() {
            summaries(rows)
        } else {
            report.methods.clone()
        };
        let summaries = methods
            .into_iter()
            .map(|m| {
                let c = colour(&m.method);
                (m, c)
            })
            .collect();
        let tolerance = if report.tolerance.is_finite() && report.tolerance > 0.0 {
            report.tolerance
        } else {
            0.02
        };
        Self {
            tolerance,
            groups,
            summaries,
            names,
            palette,
            trajectories,
        }
    }

    pub(super) fn colour(&self, name: &str) -> RGBColor {
        self.names
            .iter()
            .position(|m| m == name)
            .map_or(PALETTE[0], |i| self.palette[i])
    }

    pub(super) fn stems(&self) -> Vec<&'static str> {
        let mut s = STEMS.to_vec();
        if self.trajectories.is_empty() {
            s.retain(|&x| x != "trajectories");
        }
        s
    }
}
