//! The characterization CSV: one row per pulse applied to a cell.
//!
//! ```text
//! cell,g_before_us,polarity,width_ns,g_after_us
//! 17,231.402118,set,1250.5,240.118003
//! ```
//!
//! `g_before_us` is the reading before the pulse, `g_after_us` the reading after it (both in
//! microsiemens), `polarity` is `set` or `reset`, `width_ns` the pulse duration in nanoseconds.
//! The parser is hand-written and strict: every error is one line naming the file, the line
//! number and the problem.

use crate::{CoreError, Polarity};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// The header line every characterization CSV starts with.
pub const HEADER: &str = "cell,g_before_us,polarity,width_ns,g_after_us";

/// One pulse applied to one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// Cell index.
    pub cell: u32,
    /// Reading before the pulse, microsiemens.
    pub g_before_us: f64,
    /// Polarity of the pulse.
    pub polarity: Polarity,
    /// Pulse duration, nanoseconds.
    pub width_ns: f64,
    /// Reading after the pulse, microsiemens.
    pub g_after_us: f64,
}

/// Format one row as a CSV line (without the newline).
///
/// Conductances get six decimals (picosiemens, far below any read noise); the width is written
/// with Rust's shortest round-tripping `f64` format, so it reads back bit for bit.
pub fn format_row(row: &Row) -> String {
    let mut s = String::with_capacity(48);
    let _ = write!(
        s,
        "{},{:.6},{},{},{:.6}",
        row.cell, row.g_before_us, row.polarity, row.width_ns, row.g_after_us
    );
    s
}

/// Streams rows to a characterization CSV: the header on creation, then one line per row.
///
/// ```
/// use ouro_core::dataset::{CsvWriter, Row};
/// use ouro_core::Polarity;
/// let mut w = CsvWriter::new(Vec::new()).unwrap();
/// w.write_row(&Row { cell: 17, g_before_us: 231.402118, polarity: Polarity::Set,
///                    width_ns: 1250.5, g_after_us: 240.118003 }).unwrap();
/// let text = String::from_utf8(w.finish().unwrap()).unwrap();
/// assert_eq!(text, "cell,g_before_us,polarity,width_ns,g_after_us\n\
///                   17,231.402118,set,1250.5,240.118003\n");
/// ```
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    /// Start a CSV on `out` by writing the header.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        writeln!(out, "{HEADER}")?;
        Ok(Self { out })
    }

    /// Append one row.
    pub fn write_row(&mut self, row: &Row) -> std::io::Result<()> {
        writeln!(self.out, "{}", format_row(row))
    }

    /// Flush and return the underlying writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Write `rows` to a new CSV at `path` (atomically: a temporary file beside it, then a rename).
pub fn write_csv(path: &Path, rows: &[Row]) -> Result<(), CoreError> {
    let mut text = String::with_capacity(HEADER.len() + 1 + rows.len() * 48);
    text.push_str(HEADER);
    text.push('\n');
    for r in rows {
        text.push_str(&format_row(r));
        text.push('\n');
    }
    crate::yaml::write_atomic(path, &text)
}

/// Read a characterization CSV. Blank lines are skipped and `\r\n` line ends are accepted;
/// anything else that is not exactly the header followed by well-formed rows is an error naming
/// the line.
pub fn read_csv(path: &Path) -> Result<Vec<Row>, CoreError> {
    let text =
        crate::input::read_text(path, Some(crate::input::MAX_CSV_BYTES)).map_err(|source| {
            CoreError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
    parse_csv(&text, &path.display().to_string())
}

/// Parse characterization CSV text; `origin` names it in errors (see [`read_csv`]).
pub fn parse_csv(text: &str, origin: &str) -> Result<Vec<Row>, CoreError> {
    let err = |line: usize, message: String| CoreError::CsvLine {
        path: origin.to_string(),
        line,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let header_ok = lines
        .next()
        .is_some_and(|(_, h)| h.split(',').map(str::trim).eq(HEADER.split(',')));
    if !header_ok {
        return Err(err(1, format!("header must be {HEADER}")));
    }
    let mut rows = Vec::new();
    for (n, line) in lines {
        if line.is_empty() {
            continue;
        }
        rows.push(parse_row(line).map_err(|m| err(n, m))?);
    }
    if rows.is_empty() {
        return Err(CoreError::NoRows {
            path: origin.to_string(),
        });
    }
    Ok(rows)
}

fn parse_row(line: &str) -> Result<Row, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [cell, g_before, polarity, width, g_after] = fields[..] else {
        return Err(format!(
            "expected 5 fields ({HEADER}), found {}",
            fields.len()
        ));
    };
    let cell = cell
        .parse::<u32>()
        .map_err(|_| format!("cell `{cell}` is not a non-negative integer"))?;
    let number = |name: &str, v: &str| -> Result<f64, String> {
        let x = v
            .parse::<f64>()
            .map_err(|_| format!("{name} `{v}` is not a number"))?;
        if !x.is_finite() {
            return Err(format!("{name} `{v}` is not finite"));
        }
        Ok(x)
    };
    let g_before_us = number("g_before_us", g_before)?;
    let polarity = polarity
        .parse::<Polarity>()
        .map_err(|_| format!("polarity `{polarity}` must be set or reset"))?;
    let width_ns = number("width_ns", width)?;
    let g_after_us = number("g_after_us", g_after)?;
    if width_ns <= 0.0 {
        return Err(format!("width_ns `{width}` must be positive"));
    }
    for (name, g, v) in [
        ("g_before_us", g_before_us, g_before),
        ("g_after_us", g_after_us, g_after),
    ] {
        if g <= 0.0 {
            return Err(format!("{name} `{v}` must be positive"));
        }
    }
    Ok(Row {
        cell,
        g_before_us,
        polarity,
        width_ns,
        g_after_us,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cell: u32, gb: f64, p: Polarity, w: f64, ga: f64) -> Row {
        Row {
            cell,
            g_before_us: gb,
            polarity: p,
            width_ns: w,
            g_after_us: ga,
        }
    }

    #[test]
    fn round_trip_through_a_file() {
        let rows = vec![
            row(17, 231.402118, Polarity::Set, 1250.5, 240.118003),
            row(0, 559.3002, Polarity::Reset, 10.0, 94.453),
            row(u32::MAX, 100.123456, Polarity::Set, 0.1 + 0.2, 100.5),
            row(3, 300.0, Polarity::Reset, 9_999_999.123_456_7, 299.999999),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.csv");
        write_csv(&path, &rows).unwrap();
        let back = read_csv(&path).unwrap();
        assert_eq!(back.len(), rows.len());
        for (a, b) in rows.iter().zip(&back) {
            assert_eq!(a.cell, b.cell);
            assert_eq!(a.polarity, b.polarity);
            assert_eq!(a.width_ns.to_bits(), b.width_ns.to_bits());
            assert!((a.g_before_us - b.g_before_us).abs() <= 5e-7);
            assert!((a.g_after_us - b.g_after_us).abs() <= 5e-7);
        }
        // The streaming writer produces the same text.
        let mut w = CsvWriter::new(Vec::new()).unwrap();
        for r in &rows {
            w.write_row(r).unwrap();
        }
        let streamed = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(streamed, std::fs::read_to_string(&path).unwrap());
    }

    #[test]
    fn tolerates_crlf_blank_lines_and_spaces() {
        let text =
            "cell, g_before_us ,polarity,width_ns,g_after_us\r\n\r\n1, 200.5 ,SET,10,201\r\n";
        let rows = parse_csv(text, "x.csv").unwrap();
        assert_eq!(rows, vec![row(1, 200.5, Polarity::Set, 10.0, 201.0)]);
    }

    fn parse_err(text: &str) -> String {
        let e = parse_csv(text, "data.csv").unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        e
    }

    #[test]
    fn every_error_names_the_file_and_line() {
        let h = format!("{HEADER}\n");
        let good = "1,200,set,10,201\n";
        let cases: &[(&str, &str)] = &[
            (
                "1,200,set,abc,201\n",
                "data.csv line 3: width_ns `abc` is not a number",
            ),
            ("1,200,set,10\n", "data.csv line 3: expected 5 fields"),
            ("1,200,set,10,201,5\n", "data.csv line 3: expected 5 fields"),
            (
                "1,200,set,0,201\n",
                "data.csv line 3: width_ns `0` must be positive",
            ),
            (
                "1,200,set,-5,201\n",
                "data.csv line 3: width_ns `-5` must be positive",
            ),
            (
                "1,NaN,set,10,201\n",
                "data.csv line 3: g_before_us `NaN` is not finite",
            ),
            (
                "1,200,set,10,inf\n",
                "data.csv line 3: g_after_us `inf` is not finite",
            ),
            (
                "1,-3,set,10,201\n",
                "data.csv line 3: g_before_us `-3` must be positive",
            ),
            ("x,200,set,10,201\n", "data.csv line 3: cell `x` is not"),
            ("-1,200,set,10,201\n", "data.csv line 3: cell `-1` is not"),
            (
                "1,200,up,10,201\n",
                "data.csv line 3: polarity `up` must be set or reset",
            ),
        ];
        for (bad, want) in cases {
            let e = parse_err(&format!("{h}{good}{bad}{good}"));
            assert!(e.starts_with(want), "got `{e}`, want `{want}`");
        }
        // Line numbers count blank lines too.
        let e = parse_err(&format!("{h}{good}\n\n1,200,set,abc,201\n"));
        assert!(e.starts_with("data.csv line 5:"), "{e}");
        let header_msg = format!("data.csv line 1: header must be {HEADER}");
        assert_eq!(
            parse_err("cell,g_before,polarity,width_ns,g_after\n1,2,set,3,4\n"),
            header_msg
        );
        assert_eq!(parse_err(""), header_msg);
        assert_eq!(parse_err(good), header_msg);
        assert_eq!(
            parse_err(&format!("{h}\n")),
            "data.csv holds no rows: characterize some cells first"
        );
        let e = read_csv(Path::new("/nonexistent/data.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot read /nonexistent/data.csv"), "{e}");
    }
}
