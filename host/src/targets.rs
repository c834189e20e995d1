//! The targets file of `ouro program`: one cell a line, `row,col,target_us`, after a header
//! line naming those columns; every bad line is named with its number.

/// One cell to program.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellTarget {
    /// Index of the cell in the file (0-based, in the order of the lines).
    pub cell: usize,
    /// Crossbar row.
    pub row: u8,
    /// Crossbar column.
    pub col: u8,
    /// Target conductance, uS.
    pub target_us: f64,
}

/// The header line.
pub const HEADER: &str = "row,col,target_us";

/// Parse a targets file. `window` is the device's conductance window (uS) and `(rows, cols)`
/// the crossbar: a target outside the window or a cell outside the crossbar is refused.
///
/// # Errors
/// One line naming the file, the line and the field, and the fix.
pub fn parse(
    text: &str,
    origin: &str,
    window: (f64, f64),
    (rows, cols): (u8, u8),
) -> Result<Vec<CellTarget>, String> {
    // A byte-order mark (as some spreadsheets write) is not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim().replace(' ', "") == HEADER => {}
        _ => {
            return Err(format!(
                "{origin}: line 1 must be the header `{HEADER}` (one cell per line after it, e.g. \
                 `0,5,250.0`)"
            ))
        }
    }
    let (lo, hi) = window;
    // The window as printed: rounded inwards, so that a target typed as printed is inside.
    let (lo_shown, hi_shown) = (
        (lo * 100.0 - 1e-6).ceil() / 100.0,
        (hi * 100.0 + 1e-6).floor() / 100.0,
    );
    let mut out: Vec<CellTarget> = Vec::new();
    let mut line_of = std::collections::HashMap::new();
    for (i, l) in lines {
        let n = i + 1;
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        if f.len() != 3 {
            return Err(format!(
                "{origin}: line {n} has {} fields, not 3 (`{HEADER}`): fix the line",
                f.len()
            ));
        }
        let index = |k: usize, what: &str, max: u8| -> Result<u8, String> {
            match f[k].parse::<u32>() {
                Ok(v) if v < u32::from(max) => Ok(v as u8),
                Ok(v) => Err(format!(
                    "{origin}: line {n}: {what} {v} is outside the {rows} x {cols} crossbar: give \
                     0 to {}",
                    max - 1
                )),
                Err(_) => Err(format!(
                    "{origin}: line {n}: {what} `{}` is not a whole number: fix the line",
                    f[k]
                )),
            }
        };
        let row = index(0, "row", rows)?;
        let col = index(1, "column", cols)?;
        let target_us: f64 = f[2].parse().map_err(|_| {
            format!(
                "{origin}: line {n}: target_us `{}` is not a number: give the target \
                 conductance in uS",
                f[2]
            )
        })?;
        if !(lo..=hi).contains(&target_us) {
            return Err(format!(
                "{origin}: line {n}: target {target_us} uS is outside the device's window \
                 {lo_shown:.2}..{hi_shown:.2} uS: give a target inside it"
            ));
        }
        if let Some(first) = line_of.insert((row, col), n) {
            return Err(format!(
                "{origin}: line {n}: the cell at row {row}, column {col} is on line {first} \
                 already: give each cell once (program it again in another run)"
            ));
        }
        out.push(CellTarget {
            cell: out.len(),
            row,
            col,
            target_us,
        });
    }
    if out.is_empty() {
        return Err(format!(
            "{origin} has no cells: add lines `row,col,target_us` after the header"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: (f64, f64) = (94.45, 559.3);

    #[test]
    fn targets_parse_and_bad_lines_are_named() {
        let t = parse(
            "row,col,target_us\n0,1,200\n\n31,31,500.5\n",
            "t.csv",
            W,
            (32, 32),
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[1].cell, t[1].row, t[1].col, t[1].target_us),
            (1, 31, 31, 500.5)
        );
        let e = parse(
            "row,col,target_us\n0,1,200\n0,1,2x0\n",
            "t.csv",
            W,
            (32, 32),
        )
        .unwrap_err();
        assert!(
            e.starts_with("t.csv: line 3: target_us `2x0` is not a number"),
            "{e}"
        );
        let e = parse("row,col,target_us\n0,1,50\n", "t.csv", W, (32, 32)).unwrap_err();
        assert!(
            e.contains("line 2: target 50 uS is outside the device's window"),
            "{e}"
        );
        let e = parse("row,col,target_us\n32,1,200\n", "t.csv", W, (32, 32)).unwrap_err();
        assert!(e.contains("row 32 is outside the 32 x 32 crossbar"), "{e}");
        let e = parse("a,b\n", "t.csv", W, (32, 32)).unwrap_err();
        assert!(e.contains("line 1 must be the header"), "{e}");
        let e = parse(
            "row,col,target_us\n0,1,200\n2,2,300\n0,1,250\n",
            "t.csv",
            W,
            (32, 32),
        )
        .unwrap_err();
        assert!(
            e.contains("line 4: the cell at row 0, column 1 is on line 2 already"),
            "{e}"
        );
        let e = parse(
            "row,col,target_us\n0,1,94.45\n",
            "t.csv",
            (94.4512, 559.3),
            (32, 32),
        )
        .unwrap_err();
        assert!(e.contains("window 94.46..559.30 uS"), "{e}");
        assert_eq!(
            parse(
                "\u{feff}row,col,target_us\r\n0,1,200\r\n",
                "t.csv",
                W,
                (32, 32)
            )
            .unwrap()
            .len(),
            1
        );
        let e = parse("row,col,target_us\n", "t.csv", W, (32, 32)).unwrap_err();
        assert!(e.contains("has no cells"), "{e}");
    }
}
