//! Why a configuration cannot be used.

use std::path::PathBuf;

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or holds a key or value vigie does not know.
    #[error("configuration file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's words, with line and column.
        message: String,
    },
    /// A value is well-formed TOML but makes no sense.
    #[error("configuration file {path}: {key}: {message}")]
    Invalid {
        /// The file (or "embedded defaults").
        path: PathBuf,
        /// The key, dotted (`alerts.thresholds`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A secret named by the configuration cannot be read.
    #[error("{key}: {message}")]
    Secret {
        /// The key naming the secret.
        key: String,
        /// What went wrong, never the secret itself.
        message: String,
    },
}
