//! Durations as users write them: `1us`, `250ns`, `2ms`, `10 ms`, `1.5e-6s`, `3µs`.

/// Parse a duration with a unit (`s`, `ms`, `us`/`µs`, `ns`) into seconds.
///
/// ```
/// assert_eq!(ouro_core::units::parse_duration("250ns").unwrap(), 250e-9);
/// assert_eq!(ouro_core::units::parse_duration("2 ms").unwrap(), 2e-3);
/// assert!(ouro_core::units::parse_duration("5 parsecs").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<f64, crate::CoreError> {
    parse(text).map_err(crate::CoreError::Value)
}

fn parse(text: &str) -> Result<f64, String> {
    let t = text.trim();
    // The unit is the trailing run of letters (so that `1.5e-6s` keeps its exponent).
    let split = t
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map(|(i, _)| i)
        .ok_or_else(|| {
            format!("duration `{text}` has no unit: write e.g. 1us, 250ns, 2ms or 0.5s")
        })?;
    let (num, unit) = t.split_at(split);
    let lower = unit.to_ascii_lowercase();
    let not_a_number = ["infinity", "inf", "nan"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .is_some_and(|u| ["s", "ms", "us", "µs", "ns"].contains(&u.trim()));
    if num.trim().trim_start_matches(['+', '-']).is_empty() && not_a_number {
        // `NaNus`, `infs`: a number that is not one, not an unknown unit.
        return Err(format!("duration `{text}` must be positive and finite"));
    }
    // Divide (not multiply by 1e-9): `250ns` then gives exactly the double nearest 250e-9.
    let per_second = match unit.trim() {
        "s" => 1.0,
        "ms" => 1e3,
        "us" | "µs" => 1e6,
        "ns" => 1e9,
        other => {
            return Err(format!(
                "unknown time unit `{other}` in `{text}`: use s, ms, us or ns (e.g. 1us)"
            ))
        }
    };
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("duration `{text}` does not start with a number: write e.g. 1us"))?;
    let seconds = value / per_second;
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("duration `{text}` must be positive and finite"));
    }
    Ok(seconds)
}

/// Format seconds with a readable unit (`83.3ns`, `1.5us`, `2ms`).
pub fn format_duration(seconds: f64) -> String {
    if !(1e-12..1e6).contains(&seconds) {
        // Far outside the pulse widths of a memristor: seconds in scientific form, not a
        // 300-digit number or `0ns`.
        return format!("{seconds:e}s");
    }
    let (v, u) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if seconds >= 1e-6 {
        (seconds * 1e6, "us")
    } else {
        (seconds * 1e9, "ns")
    };
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{u}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_bad_ones_are_named() {
        assert_eq!(parse_duration("1us").unwrap(), 1e-6);
        assert_eq!(parse_duration("3µs").unwrap(), 3e-6);
        assert_eq!(parse_duration(" 10 ms ").unwrap(), 10e-3);
        assert_eq!(parse_duration("1.5e-6s").unwrap(), 1.5e-6);
        let e = parse_duration("5 parsecs").unwrap_err().to_string();
        assert!(
            e.contains("parsecs") && e.contains("use s, ms, us or ns"),
            "{e}"
        );
        assert!(parse_duration("10")
            .unwrap_err()
            .to_string()
            .contains("no unit"));
        assert!(parse_duration("-1us")
            .unwrap_err()
            .to_string()
            .contains("positive"));
        assert!(parse_duration("xus").is_err());
        for t in ["NaNus", "infs", "-infms"] {
            let e = parse_duration(t).unwrap_err().to_string();
            assert!(e.contains("positive and finite"), "{e}");
        }
        let e = parse_duration("nanos").unwrap_err().to_string();
        assert!(e.contains("unknown time unit `nanos`"), "{e}");
        assert_eq!(format_duration(250e-9), "250ns");
        assert_eq!(format_duration(1e300), "1e300s");
        assert_eq!(format_duration(1e-300), "1e-300s");
        assert_eq!(format_duration(2e-3), "2ms");
    }
}
