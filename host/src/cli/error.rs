//! The CLI's error: one line that names the problem and the fix; `main` prints it and exits
//! non-zero.

use std::fmt;

/// A one-line, user-facing error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never more than one line, whatever the source said.
        f.write_str(&ouro_core::yaml::one_line(&self.0))
    }
}

impl std::error::Error for CliError {}

impl From<ouro_host::HostError> for CliError {
    fn from(e: ouro_host::HostError) -> Self {
        Self::new(e)
    }
}

impl CliError {
    /// An error from any displayable message.
    pub fn new(message: impl fmt::Display) -> Self {
        Self(message.to_string())
    }
}

/// Convert any displayable error into a [`CliError`] (`?`-friendly).
pub trait OrCli<T> {
    /// Map the error to its one-line message.
    fn cli(self) -> Result<T, CliError>;
}

impl<T, E: fmt::Display> OrCli<T> for Result<T, E> {
    fn cli(self) -> Result<T, CliError> {
        self.map_err(CliError::new)
    }
}
