//! `report.html`: the run on one self-contained page (inline CSS and SVG, nothing fetched).

use std::fmt::Write as _;

use super::{Report, WITHIN};

/// `report.html`: one self-contained page (no network access, no external files): a heading
/// with the run (device, board, cells, seed, tolerance, clock), the table of `report.methods`
/// (success rate, mean and p99 pulses, mean/median/p99 latency us, the breakdown, within
/// ±5/10/25/50 % RPD_target), a short explanation of each column, and the SVG plots inline
/// (the `svgs` from svg_plots), each with a caption.
///
/// Text from the data (method names, device, boards) is escaped; the SVGs are inserted as
/// they are.
pub fn html(report: &Report, svgs: &[(String, String)]) -> String {
    let mut s = String::with_capacity(64 * 1024 + svgs.iter().map(|(_, v)| v.len()).sum::<usize>());
    let tol = pct(report.tolerance, 1);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>ouro report: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&report.device)
    );
    let _ = writeln!(s, "<h1>ouro programming report</h1>");
    let seed = report.seed.map_or_else(
        || "none (analysis of saved runs)".to_string(),
        |v| v.to_string(),
    );
    let _ = writeln!(
        s,
        "<dl class=\"run\">\n<dt>device</dt><dd>{}</dd>\n<dt>board</dt><dd>{}</dd>\n\
         <dt>cells per method</dt><dd>{}</dd>\n<dt>seed</dt><dd>{}</dd>\n\
         <dt>tolerance</dt><dd>±{} RPD_target</dd>\n<dt>clock</dt><dd>{}</dd>\n</dl>",
        esc(&report.device),
        esc(&report.board),
        report.cells,
        esc(&seed),
        tol,
        clock(report.clock_hz)
    );

    let _ = writeln!(s, "<h2>Methods</h2>");
    if report.methods.is_empty() {
        let _ = writeln!(s, "<p>No methods ran.</p>");
    } else {
        table(&mut s, report);
    }
    columns(&mut s, report);

    if !svgs.is_empty() {
        let _ = writeln!(s, "<h2>Plots</h2>");
    }
    for (stem, svg) in svgs {
        let _ = writeln!(
            s,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(stem),
            svg.trim(),
            caption(stem, report)
        );
    }
    s.push_str("</body>\n</html>\n");
    s
}

const CSS: &str = "\
body{font-family:system-ui,-apple-system,\"Segoe UI\",\"DejaVu Sans\",sans-serif;color:#222;\
margin:2rem auto;max-width:1180px;padding:0 1rem;line-height:1.45}\n\
h1{font-size:1.6rem;margin-bottom:.6rem}h2{font-size:1.25rem;margin-top:2.2rem}\
h3{font-size:1.05rem;margin-top:1.6rem}\n\
dl.run{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:0}\n\
dl.run dt{color:#555}dl.run dd{margin:0;font-weight:600;overflow-wrap:anywhere}\n\
.wrap{overflow-x:auto}\n\
table{border-collapse:collapse;font-size:.88rem;font-variant-numeric:tabular-nums}\n\
th,td{padding:.3rem .5rem;text-align:right;white-space:nowrap;border-bottom:1px solid #e2e2e2}\n\
th:first-child,td:first-child{text-align:left}\n\
thead th{background:#f3f3f3;vertical-align:bottom;font-weight:600}\n\
thead tr:first-child th{text-align:center;border-bottom:1px solid #ccc}\n\
tbody tr:hover{background:#fafafa}\n\
dl.cols dt{font-weight:600;margin-top:.35rem}dl.cols dd{margin:0 0 0 1.2rem;color:#333}\n\
figure{margin:2rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}\n\
figcaption{color:#444;font-size:.92rem;max-width:900px;margin-top:.4rem}\n";

/// The methods' table.
fn table(s: &mut String, report: &Report) {
    let boards = report.methods.iter().any(|m| m.board != report.board);
    let _ = writeln!(s, "<div class=\"wrap\"><table>\n<thead>\n<tr>");
    let _ = write!(
        s,
        "<th rowspan=\"2\">method</th>{}<th rowspan=\"2\">cells</th>\
         <th rowspan=\"2\">success</th><th colspan=\"2\">pulses</th>\
         <th colspan=\"3\">latency (µs)</th><th colspan=\"4\">latency breakdown, mean (µs)</th>\
         <th colspan=\"4\">within |RPD_target|</th>",
        if boards {
            "<th rowspan=\"2\">board</th>"
        } else {
            ""
        }
    );
    let _ = write!(
        s,
        "</tr>\n<tr><th>mean</th><th>p99</th><th>mean</th><th>median</th><th>p99</th>\
         <th>read</th><th>predict</th><th>pulse</th><th>link</th>"
    );
    for w in WITHIN {
        let _ = write!(s, "<th>±{}</th>", pct(w, 0));
    }
    let _ = writeln!(s, "</tr>\n</thead>\n<tbody>");
    for m in &report.methods {
        let b = m.latency_breakdown_us;
        let _ = write!(s, "<tr><td>{}</td>", esc(&m.method));
        if boards {
            let _ = write!(s, "<td>{}</td>", esc(&m.board));
        }
        let _ = write!(
            s,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            m.cells,
            pct(m.success_rate, 1),
            fixed(m.mean_pulses, 2),
            fixed(m.p99_pulses, 0)
        );
        for v in [
            m.mean_latency_us,
            m.median_latency_us,
            m.p99_latency_us,
            b.read,
            b.predict,
            b.pulse,
            b.link,
        ] {
            let _ = write!(s, "<td>{}</td>", us(v));
        }
        for w in m.within_target {
            let _ = write!(s, "<td>{}</td>", pct(w, 1));
        }
        let _ = writeln!(s, "</tr>");
    }
    let _ = writeln!(s, "</tbody>\n</table></div>");
}

/// What each column means.
fn columns(s: &mut String, report: &Report) {
    let tol = pct(report.tolerance, 1);
    let items = [
        (
            "method",
            "The programming method (<code>ouro program --methods</code>).",
        ),
        ("cells", "Cells the method programmed."),
        (
            "success",
            "Share of cells whose last reading ended within the tolerance of the target.",
        ),
        (
            "pulses: mean, p99",
            "Pulses applied per cell: the mean, and the 99th percentile (99 % of the cells \
             needed at most this many).",
        ),
        (
            "latency (µs): mean, median, p99",
            "Programming latency per cell: the board's cycle counter from accepting the cell to \
             its record, plus, for a host-driven method, the serial link's time.",
        ),
        (
            "latency breakdown (µs)",
            "The mean latency split by what the time went to: <b>read</b> (conversions, \
             settling, averaging), <b>predict</b> (everything else on the board: select, \
             decisions, predictions, issue, report), <b>pulse</b> (the DAC's setup and \
             settling and the gate's time) and <b>link</b> (frames on the serial wire and the \
             USB adapter's latency; 0 for methods the board runs alone).",
        ),
        (
            "within |RPD_target|",
            "Share of cells whose final reading is within ±5, 10, 25 or 50 % of the target \
             (RPD_target = (final − target) / target).",
        ),
    ];
    let _ = writeln!(s, "<h3>Columns</h3>\n<dl class=\"cols\">");
    for (dt, dd) in items {
        let _ = writeln!(s, "<dt>{dt}</dt><dd>{dd}</dd>");
    }
    let _ = writeln!(
        s,
        "</dl>\n<p>The tolerance of this run is ±{tol} RPD_target; \
         n/a marks a value that could not be computed (no finite data).</p>"
    );
}

/// The caption of a plot.
fn caption(stem: &str, report: &Report) -> String {
    let tol = pct(report.tolerance, 1);
    let range = pct(report.tolerance * 5.0, 1);
    match stem {
        "rpd_target" => format!(
            "<b>RPD_target per method.</b> How far each cell ended from its target, \
             (final − target) / target in percent, one panel per method; the grey band is the \
             tolerance (±{tol}). The outermost bins hold every cell beyond ±{range}; cells \
             without a finite value are left out. A tall narrow peak inside the band is a \
             method that lands where it aims."
        ),
        "latency_cdf" => "<b>Programming latency, cumulative.</b> For each latency on the \
             (logarithmic) time axis, the share of the method's cells brought into tolerance \
             within it. Curves further left are faster; a curve's height at a time is the share \
             done by then, and it levels off at the method's success rate (in the legend): the \
             cells that failed never count as done."
            .to_string(),
        "pulses" => "<b>Pulses per cell.</b> One row per method: the box spans the middle half \
             of the cells (25th to 75th percentile), the black line is the median, the diamond \
             the mean, the whisker runs from the fewest pulses to the 99th percentile and the \
             circle marks the most. The axis is logarithmic in 1 + pulses so that one pulse \
             and hundreds both read."
            .to_string(),
        "latency_breakdown" => "<b>Where the time goes.</b> Each bar is a method's mean latency \
             per cell split into reads, board-side logic and predictions, pulses and the serial \
             link, as shares of 100 %; the figure on the right is the mean latency. Shares \
             rather than a time axis because the methods differ by orders of magnitude: on a \
             linear axis the fast ones would vanish, and stacked on a log axis the parts would \
             look bigger or smaller than they are."
            .to_string(),
        "trajectories" => "<b>Single cells while programming.</b> The conductance read after \
             each step against the time since the cell's start (logarithmic; the reading \
             before programming sits at the left edge). The shaded band is the target's \
             tolerance, the dashed line the target."
            .to_string(),
        other => esc(other),
    }
}

/// `text` escaped for HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A fraction as a percentage ("12.5 %"); "n/a" when not finite.
fn pct(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{:.decimals$} %", v * 100.0)
    } else {
        "n/a".to_string()
    }
}

fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "n/a".to_string()
    }
}

/// Microseconds: one decimal below 1000, thousands grouped above ("12 345").
fn us(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v.abs() < 1000.0 {
        let s = format!("{v:.1}");
        return if s == "-0.0" { "0.0".to_string() } else { s };
    }
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '−');
    }
    out
}

fn clock(hz: u64) -> String {
    let mhz = hz as f64 / 1e6;
    let s = format!("{mhz:.3}");
    format!("{} MHz", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::svg_plots;
    use crate::report::{summaries, CellOutcome, CellRow};

    fn row(method: &str, latency_us: f64, rpd_target: f64) -> CellRow {
        CellRow {
            cell: 0,
            row: 0,
            col: 0,
            method: method.into(),
            board: "model".into(),
            target_us: 100.0,
            tolerance: 0.02,
            start_us: 40.0,
            final_us: 100.0 * (1.0 + rpd_target),
            g_true_us: f64::NAN,
            rpd_target,
            rpd_update: f64::INFINITY,
            pulses: 3,
            reads: 4,
            pulse_us: 1.5,
            latency_us,
            read_us: latency_us / 2.0,
            pulse_step_us: latency_us / 4.0,
            predict_us: latency_us / 4.0,
            link_us: 0.0,
            outcome: CellOutcome::InTolerance,
        }
    }

    fn report(rows: &[CellRow]) -> Report {
        Report {
            device: "<presets>/taox&co".into(),
            board: "model".into(),
            cells: 2,
            seed: None,
            tolerance: 0.02,
            clock_hz: 48_000_000,
            methods: summaries(rows),
        }
    }

    #[test]
    fn the_page_is_self_contained_and_escaped() {
        let rows = [
            row("fixed-wv", 12_000.0, 0.01),
            row("fixed-wv", 9_000.0, -0.004),
            row("neural-loop", 120.0, 0.002),
            row("a<b&c", f64::NAN, f64::NAN),
        ];
        let report = report(&rows);
        let svgs = svg_plots(&report, &rows, &[]).unwrap();
        let page = html(&report, &svgs);
        assert!(page.starts_with("<!DOCTYPE html>"));
        for m in ["fixed-wv", "neural-loop", "a&lt;b&amp;c"] {
            assert!(page.contains(&format!("<td>{m}</td>")), "{m}");
        }
        assert!(!page.contains("a<b&c"));
        assert!(page.contains("&lt;presets&gt;/taox&amp;co") && !page.contains("<presets>"));
        assert!(page.contains("12\u{202f}000") && page.contains("n/a"));
        let xmlns = page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert_eq!(xmlns, svgs.len());
        assert_eq!(page.matches("http://").count(), xmlns);
        assert!(!page.contains("https://"));
        assert!(!page.contains(" src=") && !page.contains(" href=") && !page.contains("url("));
        assert_eq!(page.matches("<figcaption>").count(), svgs.len());
        assert_eq!(page.matches("<tr><td>").count(), 3);
        assert!(page.contains("±2.0 %") && page.contains("48 MHz"));
    }

    #[test]
    fn a_run_without_methods_or_plots_still_makes_a_page() {
        let page = html(&report(&[]), &[]);
        assert!(page.contains("No methods ran.") && page.ends_with("</html>\n"));
        assert!(!page.contains("<figure"));
    }
}
