//! The per-cell CSV: one [`CellRow`] a line, written as results arrive (`ouro program`,
//! `ouro bench`) and read back by `ouro analyze` and `--resume`, with the line number of a bad
//! field in the error.

use super::{CellOutcome, CellRow};

/// The header line (without its newline).
pub const HEADER: &str = "cell,row,col,method,board,target_us,tolerance,start_us,final_us,g_true_us,\
rpd_target,rpd_update,pulses,reads,pulse_us,latency_us,read_us,pulse_step_us,predict_us,link_us,outcome";

fn num(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else {
        // Shortest text that reads back as the same f64.
        format!("{x}")
    }
}

/// One row as a CSV line (with its newline). Method and board names never contain commas
/// (they are checked when the run is set up); a path with one is written with it replaced by
/// `;`.
pub fn line(r: &CellRow) -> String {
    let clean = |s: &str| s.replace([',', '\n', '\r'], ";");
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        r.cell,
        r.row,
        r.col,
        clean(&r.method),
        clean(&r.board),
        num(r.target_us),
        num(r.tolerance),
        num(r.start_us),
        num(r.final_us),
        num(r.g_true_us),
        num(r.rpd_target),
        num(r.rpd_update),
        r.pulses,
        r.reads,
        num(r.pulse_us),
        num(r.latency_us),
        num(r.read_us),
        num(r.pulse_step_us),
        num(r.predict_us),
        num(r.link_us),
        r.outcome.name()
    )
}

/// The rows of a per-cell CSV's text. `origin` names the file in errors.
///
/// # Errors
/// One line naming the file, the line number and the field: a missing or other header, a
/// line with the wrong number of fields, a field that is not a number, an unknown outcome.
/// An unfinished last line (no newline: a run killed while it wrote) is an error too, except
/// when `allow_torn_tail` is set, when it is dropped (`--resume` then programs that cell
/// again).
pub fn parse(text: &str, origin: &str, allow_torn_tail: bool) -> Result<Vec<CellRow>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n').enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end() == HEADER => {}
        Some(_) => {
            return Err(format!(
                "{origin}: line 1 is not the per-cell CSV header of `ouro program`/`ouro bench` \
                 (it should start with `cell,row,col,method`): give a results CSV they wrote"
            ))
        }
        None => {
            return Err(format!(
                "{origin} is empty: give a results CSV that `ouro program` or `ouro bench` wrote"
            ))
        }
    }
    let mut rows: Vec<CellRow> = Vec::new();
    // (cell, method) -> the line that holds it: `program` and `bench` write each once.
    let mut seen = std::collections::HashMap::new();
    for (i, raw) in lines {
        let n = i + 1;
        if !raw.ends_with('\n') {
            if allow_torn_tail {
                break;
            }
            return Err(format!(
                "{origin}: line {n} is cut short (no newline at its end; the run that wrote it \
                 was interrupted): resume the run with --resume, or delete the line"
            ));
        }
        let l = raw.trim_end_matches(['\n', '\r']);
        if l.is_empty() {
            continue;
        }
        let r = row(l, n, origin)?;
        if let Some(first) = seen.insert((r.cell, r.method.clone()), n) {
            return Err(format!(
                "{origin}: line {n} repeats cell {} of method {} (line {first}): a results file \
                 holds each cell once per method; delete one of them",
                r.cell, r.method
            ));
        }
        rows.push(r);
    }
    Ok(rows)
}

/// `name` if it is a method's.
fn method(name: &str) -> Option<String> {
    crate::bench::Method::from_name(name).map(|m| m.name().to_string())
}

fn row(l: &str, n: usize, origin: &str) -> Result<CellRow, String> {
    let f: Vec<&str> = l.split(',').collect();
    let names: Vec<&str> = HEADER.split(',').collect();
    if f.len() != names.len() {
        return Err(format!(
            "{origin}: line {n} has {} fields, the header {}: fix or delete the line",
            f.len(),
            names.len()
        ));
    }
    let bad = |k: usize, what: &str| {
        format!(
            "{origin}: line {n}, field `{}` = `{}` is not {what}: fix or delete the line",
            names[k], f[k]
        )
    };
    let int = |k: usize| {
        f[k].trim()
            .parse::<u64>()
            .map_err(|_| bad(k, "a whole number"))
    };
    let small = |k: usize, max: u64| {
        int(k).and_then(|v| {
            if v <= max {
                Ok(v)
            } else {
                Err(bad(k, &format!("at most {max}")))
            }
        })
    };
    let real = |k: usize| {
        let s = f[k].trim();
        let v = s.parse::<f64>().map_err(|_| bad(k, "a number"))?;
        Ok::<f64, String>(v)
    };
    let finite = |k: usize| {
        real(k).and_then(|v| {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(bad(k, "a finite number"))
            }
        })
    };
    // Times and conductances: finite and not negative.
    let not_negative = |k: usize, what: &str| {
        finite(k).and_then(|v| if v >= 0.0 { Ok(v) } else { Err(bad(k, what)) })
    };
    let time = |k: usize| not_negative(k, "a time of zero or more (us)");
    let conductance = |k: usize| not_negative(k, "a conductance of zero or more (uS)");
    Ok(CellRow {
        cell: usize::try_from(int(0)?).map_err(|_| bad(0, "a cell index"))?,
        row: small(1, 255)? as u8,
        col: small(2, 255)? as u8,
        method: method(f[3].trim()).ok_or_else(|| {
            bad(
                3,
                &format!(
                    "a method ({})",
                    crate::bench::Method::ALL
                        .map(crate::bench::Method::name)
                        .join(", ")
                ),
            )
        })?,
        board: match f[4].trim() {
            "" => return Err(bad(4, "a board name")),
            b => b.to_string(),
        },
        target_us: conductance(5)?,
        tolerance: finite(6).and_then(|t| {
            if t > 0.0 && t < 1.0 {
                Ok(t)
            } else {
                Err(bad(
                    6,
                    "a tolerance above 0 and below 1 (a fraction: 0.02 is 2 %)",
                ))
            }
        })?,
        start_us: conductance(7)?,
        final_us: conductance(8)?,
        g_true_us: real(9)?,
        rpd_target: finite(10)?,
        rpd_update: real(11)?,
        pulses: small(12, u64::from(u32::MAX))? as u32,
        reads: small(13, u64::from(u32::MAX))? as u32,
        pulse_us: time(14)?,
        latency_us: time(15)?,
        read_us: time(16)?,
        pulse_step_us: time(17)?,
        predict_us: time(18)?,
        link_us: time(19)?,
        outcome: CellOutcome::from_name(f[20].trim()).ok_or_else(|| {
            bad(
                20,
                "an outcome (in-tolerance, attempt-limit, refused-safety, stuck)",
            )
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::row as mk;

    #[test]
    fn rows_read_back_as_written() {
        let mut a = mk("neural-loop", 123.456_789, 3, true);
        a.rpd_update = f64::INFINITY;
        let b = mk("fixed-wv", 5.001, 255, false);
        let text = format!("{HEADER}\n{}{}", line(&a), line(&b));
        let back = parse(&text, "r.csv", false).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].latency_us, a.latency_us);
        assert!(back[0].g_true_us.is_nan());
        assert_eq!(back[0].rpd_update, f64::INFINITY);
        assert_eq!(back[1].outcome, CellOutcome::AttemptLimit);
        assert_eq!(line(&back[1]), line(&b));
    }

    #[test]
    fn a_bad_field_names_its_line_and_field() {
        let good = line(&mk("neural-loop", 10.0, 1, true));
        let bad = good.replacen(",10,", ",1x,", 1);
        let text = format!("{HEADER}\n{good}{bad}");
        let e = parse(&text, "r.csv", false).unwrap_err();
        assert!(
            e.contains("r.csv: line 3, field `latency_us` = `1x`"),
            "{e}"
        );
        let e = parse("cell,x\n", "r.csv", false).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = parse(&format!("{HEADER}\n1,2\n"), "r.csv", false).unwrap_err();
        assert!(e.contains("line 2 has 2 fields"), "{e}");
    }

    #[test]
    fn a_torn_last_line_is_dropped_only_when_resuming() {
        let good = line(&mk("neural-loop", 10.0, 1, true));
        let text = format!("{HEADER}\n{good}{}", &good[..10]);
        assert_eq!(parse(&text, "r.csv", true).unwrap().len(), 1);
        let e = parse(&text, "r.csv", false).unwrap_err();
        assert!(e.contains("line 3 is cut short"), "{e}");
    }
}
