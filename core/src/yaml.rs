//! Loading and saving YAML files with one-line errors that name the file and the problem.

use crate::CoreError;
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;

/// Collapse a multi-line message onto one line.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Most YAML nodes a file may hold (a quantized predictor with 16-bit input tables has about
/// 263,000).
pub const MAX_NODES: usize = 1_000_000;

/// Parse `text` (named `origin` in errors) as YAML holding a `what`.
pub fn from_str<T: DeserializeOwned>(text: &str, what: &str, origin: &str) -> Result<T, CoreError> {
    // A quantized predictor for a 16-bit ADC carries four tables of 65,536 words: more nodes
    // than serde-saphyr's default budget of 250,000.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_events: 2 * MAX_NODES,
        },
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (path, message) = parse_error_in(origin, text, &e);
        CoreError::Parse {
            what: what.to_string(),
            path,
            message,
        }
    })
}

/// The parser's diagnosis without its source excerpt: `origin:LINE:COLUMN` (or `origin` when
/// the position is unknown) and the message on one line. The one place YAML parse errors are
/// turned into text (the device model uses it too).
pub fn parse_error(origin: &str, e: &serde_saphyr::Error) -> (String, String) {
    let bare = e.without_snippet();
    let mut message = one_line(&bare.to_string());
    let at = match bare.location().or_else(|| e.location()) {
        Some(l) if l.line() > 0 => {
            // The message repeats the position at its end; keep it once, in front.
            for suffix in [
                format!(" at line {} column {}", l.line(), l.column()),
                format!(" at line {}, column {}", l.line(), l.column()),
            ] {
                if let Some(m) = message.strip_suffix(&suffix) {
                    message = m.to_string();
                }
            }
            format!("{origin}:{}:{}", l.line(), l.column())
        }
        _ => origin.to_string(),
    };
    let message = message
        .strip_prefix("error: ")
        .unwrap_or(&message)
        .to_string();
    (at, plain(&message))
}

/// The parser's advice to its programmer, turned into the user's: what is wrong with the file.
fn plain(message: &str) -> String {
    const ADVICE: [(&str, &str); 3] = [
        (
            ", set DuplicateKeyPolicy in Options if acceptable",
            " (a key given twice: keep one)",
        ),
        (
            "; use from_str_multiple or from_str_multiple_with_options",
            " (a `---` line starts a second document: keep one document)",
        ),
        ("; use Option<String>", " (give a value)"),
    ];
    let mut m = message.to_string();
    for (theirs, ours) in ADVICE {
        m = m.replace(theirs, ours);
    }
    m
}

/// As [`parse_error`], naming the key of the line the error is on when the parser's message
/// does not (`clock_hz: invalid u64`): `text` is the YAML the error comes from.
pub fn parse_error_in(origin: &str, text: &str, e: &serde_saphyr::Error) -> (String, String) {
    let (at, message) = parse_error(origin, e);
    let Some(loc) = e
        .without_snippet()
        .location()
        .or_else(|| e.location())
        .filter(|l| l.line() > 0)
    else {
        return (at, message);
    };
    // An error at `key: value` is the key's, except a field missing from a mapping, which is
    // reported where the mapping ends (often on the line of another key).
    if message.starts_with("missing field") {
        return (at, message);
    }
    let key = text
        .lines()
        .nth(usize::try_from(loc.line() - 1).unwrap_or(usize::MAX))
        .and_then(|l| {
            let colon = l.find(':')?;
            let k = l[..colon].trim_start().trim_start_matches("- ").trim();
            let key_column = l.len() - l.trim_start().len() + 1;
            let in_value = usize::try_from(loc.column()).is_ok_and(|c| c >= key_column);
            (in_value && !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then_some(k)
        });
    match key {
        Some(k) if !message.contains(k) => (at, format!("{k}: {message}")),
        _ => (at, message),
    }
}

/// Read and parse the YAML file at `path`.
pub fn load<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T, CoreError> {
    let text =
        crate::input::read_text(path, Some(crate::input::MAX_YAML_BYTES)).map_err(|source| {
            CoreError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
    from_str(&text, what, &path.display().to_string())
}

/// Serialize `value` as YAML text.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, CoreError> {
    serde_saphyr::to_string(value).map_err(|e| CoreError::Write {
        path: "<memory>".into(),
        message: one_line(&e.to_string()),
    })
}

/// Write `text` to `path` atomically: a temporary file beside it, then a rename, so that a
/// failure never leaves a partial file behind.
///
/// The path is checked first (see [`crate::output::AtomicFile`]): an existing device,
/// directory or symbolic link is refused, never replaced.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), CoreError> {
    let mut f = crate::output::AtomicFile::create(path)?;
    f.write_all(text.as_bytes())?;
    f.commit()
}

/// Serialize `value` and write it atomically to `path`.
pub fn save<T: Serialize>(path: &Path, value: &T) -> Result<(), CoreError> {
    let text = to_string(value).map_err(|e| match e {
        CoreError::Write { message, .. } => CoreError::Write {
            path: path.display().to_string(),
            message,
        },
        other => other,
    })?;
    write_atomic(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Thing {
        a: u32,
    }

    #[test]
    fn errors_are_one_line_and_name_the_origin() {
        let e = from_str::<Thing>("a: [1,\n 2]\n", "thing", "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(
            e.contains("x.yaml:1:4: ") && e.contains("malformed thing"),
            "{e}"
        );
        assert!(!e.contains("-->") && !e.contains(" | "), "an excerpt: {e}");
        let e = from_str::<Thing>("b: 1\n", "thing", "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n') && e.contains('b'), "{e}");
        let e = load::<Thing>(Path::new("/nonexistent/t.yaml"), "thing")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot read /nonexistent/t.yaml"), "{e}");
        assert_eq!(
            from_str::<Thing>("a: 3\n", "thing", "x").unwrap(),
            Thing { a: 3 }
        );
    }

    #[test]
    fn the_parser_s_advice_to_programmers_is_the_user_s() {
        for (text, want) in [
            ("a: 1\na: 2\n", "a key given twice: keep one"),
            ("a: 1\n---\na: 2\n", "keep one document"),
        ] {
            let e = from_str::<Thing>(text, "thing", "x.yaml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}");
            assert!(!e.contains("Options") && !e.contains("from_str"), "{e}");
        }
    }
}
