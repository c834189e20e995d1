//! The one error type of `ouro-core`: files that cannot be read, parsed or written, and values
//! that are out of range. Every message is one line that names the file or field and the fix.

/// What can go wrong with a file or value that `ouro-core` defines.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A file could not be read.
    #[error("cannot read {path}: {}", crate::output::read_message(source))]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid for its schema (YAML syntax, a missing or unknown field, a wrong
    /// type, or a value out of range).
    #[error("malformed {what} in {path}: {message} (fix the file or start from a shipped one)")]
    Parse {
        /// What the file should hold.
        what: String,
        /// The file (or `<builtin NAME>`).
        path: String,
        /// What is wrong, on one line.
        message: String,
    },
    /// A file parses but a value in it breaks a rule of its schema (out of range, wrong shape),
    /// or the file is of another kind than the one expected.
    #[error("invalid {what} in {path}: {message}")]
    InvalidFile {
        /// What the file should hold.
        what: String,
        /// The file (or `<builtin NAME>`).
        path: String,
        /// The rule it breaks (the field, its value, the allowed range) and the fix, on one line.
        message: String,
    },
    /// A value could not be serialized, or a file could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A line of a characterization CSV is malformed.
    #[error("{path} line {line}: {message}")]
    CsvLine {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A characterization CSV has a header but no rows.
    #[error("{path} holds no rows: characterize some cells first")]
    NoRows {
        /// The file.
        path: String,
    },
    /// A value held in memory (a board, a predictor) breaks a rule of its schema.
    #[error("invalid {what}: {message}")]
    Invalid {
        /// What it is (`board`, `float predictor`, `quantized predictor`).
        what: &'static str,
        /// The rule it breaks, naming the field and the allowed range.
        message: String,
    },
    /// A value typed by a user (a duration, a polarity) cannot be understood; the message says
    /// what to write instead.
    #[error("{0}")]
    Value(String),
}

impl CoreError {
    /// The rule an [`Invalid`](Self::Invalid) value breaks, or the whole message otherwise:
    /// for wrapping a validation failure into the error of the file it came from.
    pub fn detail(&self) -> String {
        match self {
            Self::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}
