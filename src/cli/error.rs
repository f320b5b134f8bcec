//! The one error type of the command line: it knows its exit code and how to
//! print itself. Nothing else in vigie calls `std::process::exit`.

use std::fmt;

use crate::config::ConfigError;
use crate::store::{LockError, StoreError};

/// Exit codes of DESIGN §8.
pub mod code {
    /// Success.
    pub const OK: u8 = 0;
    /// Operational error (I/O, store, network).
    pub const OPERATIONAL: u8 = 1;
    /// Usage error (bad arguments or configuration).
    pub const USAGE: u8 = 2;
    /// Some input file or record was refused.
    pub const REFUSED: u8 = 3;
}

/// An error that ends a command.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// What went wrong, naming the file, desk or setting.
    pub message: String,
    /// How to fix it, when we know.
    pub hint: Option<String>,
}

impl CliError {
    /// An operational error (exit 1).
    pub fn operational(message: impl Into<String>) -> CliError {
        CliError {
            code: code::OPERATIONAL,
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: code::USAGE,
            message: message.into(),
            hint: None,
        }
    }

    /// Refused input (exit 3).
    pub fn refused(message: impl Into<String>) -> CliError {
        CliError {
            code: code::REFUSED,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    /// A bare exit code with nothing to print (the output said it all).
    pub fn silent(code: u8) -> CliError {
        CliError {
            code,
            message: String::new(),
            hint: None,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        let hint = match &e {
            StoreError::Lock(LockError::Busy { .. }) => Some(
                "another vigie command is still running on this data directory; wait for it, or check `ps` for a stuck one",
            ),
            // Not a busy lock: the folder cannot be written (read-only, wrong owner).
            StoreError::Lock(LockError::Io { .. }) | StoreError::Io { .. } => Some("check that the data directory exists and is writable by you (--data-dir, VIGIE_DATA_DIR)"),
            _ => None,
        };
        CliError {
            code: code::OPERATIONAL,
            message: e.to_string(),
            hint: hint.map(str::to_owned),
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError {
            code: code::USAGE,
            message: e.to_string(),
            hint: Some(
                "`vigie init` writes a commented configuration with every key at its default"
                    .into(),
            ),
        }
    }
}
