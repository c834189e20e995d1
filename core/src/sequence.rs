//! The sequence CSV: consecutive pulses of each cell, with their amplitudes -- the training data
//! of a history-aware (probe, then predict) predictor.
//!
//! ```text
//! cell,step,g_before_us,polarity,amplitude_v,width_ns,g_after_us
//! 17,0,231.402118,set,-0.342,416.7,233.018113
//! 17,1,233.018113,set,-0.367,25000,301.550291
//! ```
//!
//! Rows of one cell follow each other in `step` order, and each row's `g_before_us` is the
//! reading taken after the row before it (the same number): a pulse's history is the row
//! before it. Readings are what the board read (after read noise and the ADC), in
//! microsiemens; `amplitude_v` is the pulse amplitude in volts (negative for SET, positive for
//! RESET); `width_ns` the duration in nanoseconds. The parser is strict, like that of the
//! pulse CSV ([`crate::dataset`]): every error is one line naming the file, the line and the
//! problem.

use crate::dataset::Row;
use crate::{CoreError, Polarity};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// The header line every sequence CSV starts with.
pub const SEQ_HEADER: &str = "cell,step,g_before_us,polarity,amplitude_v,width_ns,g_after_us";

/// One pulse of a cell's sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeqRow {
    /// Cell index.
    pub cell: u32,
    /// Position in the cell's sequence, from 0.
    pub step: u32,
    /// Reading before the pulse, microsiemens.
    pub g_before_us: f64,
    /// Polarity of the pulse.
    pub polarity: Polarity,
    /// Pulse amplitude, volts (negative for SET).
    pub amplitude_v: f64,
    /// Pulse duration, nanoseconds.
    pub width_ns: f64,
    /// Reading after the pulse, microsiemens.
    pub g_after_us: f64,
}

impl SeqRow {
    /// The pulse as a row of the pulse CSV (without its amplitude and step).
    pub fn row(&self) -> Row {
        Row {
            cell: self.cell,
            g_before_us: self.g_before_us,
            polarity: self.polarity,
            width_ns: self.width_ns,
            g_after_us: self.g_after_us,
        }
    }

    /// Whether `next` is the pulse that directly followed this one on the same cell.
    pub fn is_followed_by(&self, next: &SeqRow) -> bool {
        next.cell == self.cell && next.step == self.step.wrapping_add(1)
    }
}

/// Format one row as a CSV line (without the newline): six decimals for conductances, the
/// shortest round-tripping form for the amplitude and the width.
pub fn format_seq_row(r: &SeqRow) -> String {
    let mut s = String::with_capacity(64);
    let _ = write!(
        s,
        "{},{},{:.6},{},{},{},{:.6}",
        r.cell, r.step, r.g_before_us, r.polarity, r.amplitude_v, r.width_ns, r.g_after_us
    );
    s
}

/// Streams rows to a sequence CSV: the header on creation, then one line per row.
///
/// ```
/// use ouro_core::sequence::{SeqWriter, SeqRow, parse_seq_csv};
/// use ouro_core::Polarity;
/// let r = SeqRow { cell: 17, step: 0, g_before_us: 231.402118, polarity: Polarity::Set,
///                  amplitude_v: -0.342, width_ns: 416.7, g_after_us: 233.018113 };
/// let mut w = SeqWriter::new(Vec::new()).unwrap();
/// w.write_row(&r).unwrap();
/// let text = String::from_utf8(w.finish().unwrap()).unwrap();
/// assert_eq!(text, "cell,step,g_before_us,polarity,amplitude_v,width_ns,g_after_us\n\
///                   17,0,231.402118,set,-0.342,416.7,233.018113\n");
/// assert_eq!(parse_seq_csv(&text, "mem").unwrap(), vec![r]);
/// ```
#[derive(Debug)]
pub struct SeqWriter<W: Write> {
    out: W,
}

impl<W: Write> SeqWriter<W> {
    /// Start a sequence CSV on `out` by writing the header.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        writeln!(out, "{SEQ_HEADER}")?;
        Ok(Self { out })
    }

    /// Append one row.
    pub fn write_row(&mut self, row: &SeqRow) -> std::io::Result<()> {
        writeln!(self.out, "{}", format_seq_row(row))
    }

    /// Flush and return the underlying writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Whether `text` starts with the sequence CSV's header (rather than the pulse CSV's).
pub fn is_sequence_csv(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .next()
        .is_some_and(|h| h.trim().split(',').map(str::trim).eq(SEQ_HEADER.split(',')))
}

/// Read a sequence CSV (see [`parse_seq_csv`]).
pub fn read_seq_csv(path: &Path) -> Result<Vec<SeqRow>, CoreError> {
    let text =
        crate::input::read_text(path, Some(crate::input::MAX_CSV_BYTES)).map_err(|source| {
            CoreError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
    parse_seq_csv(&text, &path.display().to_string())
}

/// Parse sequence CSV text; `origin` names it in errors. Blank lines are skipped and `\r\n`
/// line ends accepted; anything else that is not the header followed by well-formed rows is
/// an error naming the line.
pub fn parse_seq_csv(text: &str, origin: &str) -> Result<Vec<SeqRow>, CoreError> {
    let err = |line: usize, message: String| CoreError::CsvLine {
        path: origin.to_string(),
        line,
        message,
    };
    if !is_sequence_csv(text) {
        return Err(err(1, format!("header must be {SEQ_HEADER}")));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        rows.push(parse_seq_row(line).map_err(|m| err(n + 1, m))?);
    }
    if rows.is_empty() {
        return Err(CoreError::NoRows {
            path: origin.to_string(),
        });
    }
    Ok(rows)
}

fn parse_seq_row(line: &str) -> Result<SeqRow, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [cell, step, g_before, polarity, amplitude, width, g_after] = fields[..] else {
        return Err(format!(
            "expected 7 fields ({SEQ_HEADER}), found {}",
            fields.len()
        ));
    };
    let int = |name: &str, v: &str| {
        v.parse::<u32>()
            .map_err(|_| format!("{name} `{v}` is not a non-negative integer"))
    };
    let number = |name: &str, v: &str| -> Result<f64, String> {
        let x = v
            .parse::<f64>()
            .map_err(|_| format!("{name} `{v}` is not a number"))?;
        if !x.is_finite() {
            return Err(format!("{name} `{v}` is not finite"));
        }
        Ok(x)
    };
    let positive = |name: &str, v: &str| -> Result<f64, String> {
        let x = number(name, v)?;
        if x <= 0.0 {
            return Err(format!("{name} `{v}` must be positive"));
        }
        Ok(x)
    };
    let cell = int("cell", cell)?;
    let step = int("step", step)?;
    let g_before_us = positive("g_before_us", g_before)?;
    let polarity = polarity
        .parse::<Polarity>()
        .map_err(|_| format!("polarity `{polarity}` must be set or reset"))?;
    let amplitude_v = number("amplitude_v", amplitude)?;
    let right_sign = match polarity {
        Polarity::Set => amplitude_v < 0.0,
        Polarity::Reset => amplitude_v > 0.0,
    };
    if !right_sign {
        return Err(format!(
            "amplitude_v `{amplitude}` has the wrong sign for {polarity} (SET pulses are negative, RESET positive)"
        ));
    }
    let width_ns = positive("width_ns", width)?;
    let g_after_us = positive("g_after_us", g_after)?;
    Ok(SeqRow {
        cell,
        step,
        g_before_us,
        polarity,
        amplitude_v,
        width_ns,
        g_after_us,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        let e = parse_seq_csv(text, "seq.csv").unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        e
    }

    #[test]
    fn every_error_names_the_file_and_line() {
        let h = format!("{SEQ_HEADER}\n");
        let good = "1,0,200,set,-0.342,10,201\n";
        let cases: &[(&str, &str)] = &[
            (
                "1,0,200,set,-0.342,abc,201\n",
                "seq.csv line 3: width_ns `abc` is not a number",
            ),
            (
                "1,0,200,set,-0.342,10\n",
                "seq.csv line 3: expected 7 fields",
            ),
            (
                "1,x,200,set,-0.342,10,201\n",
                "seq.csv line 3: step `x` is not",
            ),
            (
                "1,0,200,set,0.342,10,201\n",
                "seq.csv line 3: amplitude_v `0.342` has the wrong sign for set",
            ),
            (
                "1,0,200,reset,-0.7,10,190\n",
                "seq.csv line 3: amplitude_v `-0.7` has the wrong sign for reset",
            ),
            (
                "1,0,200,set,NaN,10,201\n",
                "seq.csv line 3: amplitude_v `NaN` is not finite",
            ),
            (
                "1,0,200,set,-0.342,0,201\n",
                "seq.csv line 3: width_ns `0` must be positive",
            ),
            (
                "1,0,-2,set,-0.342,10,201\n",
                "seq.csv line 3: g_before_us `-2` must be positive",
            ),
        ];
        for (bad, want) in cases {
            let e = parse_err(&format!("{h}{good}{bad}{good}"));
            assert!(e.starts_with(want), "got `{e}`, want `{want}`");
        }
        let header = format!("seq.csv line 1: header must be {SEQ_HEADER}");
        assert_eq!(parse_err(good), header);
        assert_eq!(
            parse_err(&format!("{}\n1,200,set,10,201\n", crate::dataset::HEADER)),
            header
        );
        assert_eq!(
            parse_err(&h),
            "seq.csv holds no rows: characterize some cells first"
        );
    }

    #[test]
    fn rows_chain_and_detect() {
        let text = format!("{SEQ_HEADER}\r\n\r\n3,0,200,set,-0.342,10,201\n3,1,201,reset,0.7065,20,150\n4,0,150,set,-0.342,10,151\n");
        assert!(is_sequence_csv(&text));
        assert!(!is_sequence_csv(crate::dataset::HEADER));
        let rows = parse_seq_csv(&text, "mem").unwrap();
        assert!(rows[0].is_followed_by(&rows[1]));
        assert!(!rows[1].is_followed_by(&rows[2]));
        assert_eq!(rows[1].row().width_ns, 20.0);
    }
}
