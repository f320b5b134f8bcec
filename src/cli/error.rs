//! The one error type of the command line: each variant knows its exit code
//! and how to report itself (message and hint). Nothing else in vigie calls
//! `std::process::exit`, and nothing but `main` turns an error into one.

use std::fmt;

use crate::alerts::AlertError;
use crate::app::{AppError, StoreAccess};
use crate::config::ConfigError;
use crate::push::PushError;

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
    /// `vigie check` could not judge: UNKNOWN, the monitoring-plugin
    /// convention (DESIGN §13).
    pub const UNKNOWN: u8 = 3;
}

/// An error that ends a command.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments (exit 2).
    Usage {
        /// What is wrong, naming the option.
        message: String,
        /// How to fix it, when we know.
        hint: Option<String>,
    },
    /// The command could not be carried out (exit 1).
    Operational {
        /// What went wrong, naming the file or desk.
        message: String,
        /// How to fix it, when we know.
        hint: Option<String>,
    },
    /// Some input was refused (exit 3).
    Refused {
        /// What was refused and why.
        message: String,
        /// How to fix it, when we know.
        hint: Option<String>,
    },
    /// A bare exit code with nothing to print: the output said it all.
    Silent(u8),
    /// The configuration file is not valid (exit 2).
    Config(ConfigError),
    /// An application operation failed; its kind decides the exit code.
    App(AppError),
    /// `vigie check` could not judge (no store, a bad configuration…): exit
    /// 3, UNKNOWN to a monitoring system, which would read any other code as
    /// a verdict on the desks. Reported as the error it wraps.
    Unknown(Box<CliError>),
}

impl CliError {
    /// An operational error (exit 1).
    pub fn operational(message: impl Into<String>) -> CliError {
        CliError::Operational {
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// Refused input (exit 3).
    pub fn refused(message: impl Into<String>) -> CliError {
        CliError::Refused {
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint (kept as it is by the variants that choose their own).
    pub fn with_hint(mut self, new: impl Into<String>) -> CliError {
        if let CliError::Usage { hint, .. }
        | CliError::Operational { hint, .. }
        | CliError::Refused { hint, .. } = &mut self
        {
            *hint = Some(new.into());
        }
        self
    }

    /// A bare exit code with nothing to print (the output said it all).
    pub fn silent(code: u8) -> CliError {
        CliError::Silent(code)
    }

    /// The process exit code.
    pub fn code(&self) -> u8 {
        match self {
            CliError::Usage { .. } | CliError::Config(_) => code::USAGE,
            CliError::Operational { .. } => code::OPERATIONAL,
            CliError::Refused { .. } => code::REFUSED,
            CliError::Silent(c) => *c,
            CliError::App(e) => app_code(e),
            CliError::Unknown(_) => code::UNKNOWN,
        }
    }

    /// What went wrong; empty for a silent error.
    pub fn message(&self) -> String {
        match self {
            CliError::Usage { message, .. }
            | CliError::Operational { message, .. }
            | CliError::Refused { message, .. } => message.clone(),
            CliError::Silent(_) => String::new(),
            CliError::Config(e) => e.to_string(),
            CliError::App(e) => e.to_string(),
            CliError::Unknown(e) => e.message(),
        }
    }

    /// How to fix it, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Usage { hint, .. }
            | CliError::Operational { hint, .. }
            | CliError::Refused { hint, .. } => hint.clone(),
            CliError::Silent(_) => None,
            CliError::Config(_) => Some(
                "`vigie init` writes a commented configuration with every key at its default"
                    .into(),
            ),
            // The refusal's reason code, which the desks' e-mails quote too.
            CliError::App(AppError::Refused { code, .. }) => Some(format!("code {code}")),
            CliError::App(e) => app_hint(e).map(str::to_owned),
            CliError::Unknown(e) => e.hint(),
        }
    }

    /// The report on stderr, `None` when the output said it all.
    pub fn report(&self) -> Option<String> {
        if self.message().is_empty() {
            return None;
        }
        Some(format!("vigie: {self}"))
    }
}

/// The exit code of a failed operation: usage for what the configuration or
/// the arguments got wrong, refused for input vigie will not take,
/// operational for the rest.
fn app_code(e: &AppError) -> u8 {
    // Every variant named, so that a new one gets a decision here.
    match e {
        AppError::Alert(AlertError::Config(_))
        | AppError::Push(PushError::Https(_))
        | AppError::Trust(_)
        | AppError::NotADemo(_) => code::USAGE,
        AppError::Roster { .. }
        | AppError::RosterRows { .. }
        | AppError::NotABackup { .. }
        | AppError::Restore { .. }
        | AppError::Refused { .. } => code::REFUSED,
        AppError::Store(_)
        | AppError::Alert(_)
        | AppError::Push(_)
        | AppError::Read { .. }
        | AppError::ReadFolder { .. }
        | AppError::Write { .. }
        | AppError::Remove { .. }
        | AppError::EncodeBackup(_)
        | AppError::NotEmpty { .. }
        // An unknown desk is an operational error wherever it is named
        // (issue 14): the command was well formed, the desk is not there.
        | AppError::NoDesk(_)
        | AppError::NoHistory(_)
        | AppError::NoFailedPush(_)
        | AppError::ClearDemo { .. }
        | AppError::Demo { .. }
        | AppError::NoStore { .. }
        | AppError::ClockBehind { .. } => code::OPERATIONAL,
    }
}

/// What to do about a failed operation, when we know.
fn app_hint(e: &AppError) -> Option<&'static str> {
    match e.store_access() {
        Some(StoreAccess::Busy) => return Some(
            "another vigie command is still running on this data directory; wait for it, or check `ps` for a stuck one",
        ),
        Some(StoreAccess::Unwritable) => return Some(
            "check that the data directory exists and is writable by you (--data-dir, VIGIE_DATA_DIR)",
        ),
        None => {}
    }
    match e {
        AppError::Alert(AlertError::UnknownDesk(_))
        | AppError::NoDesk(_)
        | AppError::NoHistory(_) => {
            Some("`vigie desk list` shows the desks")
        }
        AppError::Alert(AlertError::Template(_)) => {
            Some("`vigie templates check` renders every template with sample data")
        }
        AppError::NoFailedPush(_) => Some("`vigie push status` lists the pushes and their states"),
        AppError::NoStore { .. } => Some(
            "`vigie init` creates it, and so does a first `vigie desk add` or `vigie desk import`; --data-dir or VIGIE_DATA_DIR name another one",
        ),
        _ => None,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())?;
        if let Some(h) = self.hint() {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::App(e)
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::Config(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::DeskId;

    #[test]
    fn each_error_knows_its_code_and_report() {
        let desk = DeskId::parse("732829320-00001").unwrap();
        let no_desk = CliError::from(AppError::NoDesk(desk.clone()));
        assert_eq!(no_desk.code(), code::OPERATIONAL);
        assert_eq!(
            no_desk.report().as_deref(),
            Some("vigie: no desk 732829320-00001\n  hint: `vigie desk list` shows the desks")
        );
        let refused = CliError::from(AppError::Refused {
            file: "a.pem".into(),
            reason: "clé privée".into(),
            code: "private_key",
        });
        assert_eq!(refused.code(), code::REFUSED);
        assert_eq!(
            refused.to_string(),
            "a.pem: clé privée\n  hint: code private_key"
        );
        // Issue 14 made an unknown desk exit 1 everywhere (it was 2 here).
        let history = CliError::from(AppError::NoHistory(desk));
        assert_eq!(history.code(), code::OPERATIONAL);
        assert_eq!(
            history.hint().as_deref(),
            Some("`vigie desk list` shows the desks")
        );
        assert_eq!(CliError::silent(2).code(), 2);
        assert_eq!(CliError::silent(2).report(), None);
        let usage = CliError::usage("--now: bad").with_hint("give RFC 3339");
        assert_eq!(usage.code(), code::USAGE);
        assert_eq!(usage.to_string(), "--now: bad\n  hint: give RFC 3339");
    }
}
