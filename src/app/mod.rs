//! The application operations: one file per thing a user or the service asks
//! of vigie ("import this roster", "ingest these files", "run the alerts due
//! now", "back up the store"…).
//!
//! Each operation takes an [`Env`] (configuration, data directory, instant,
//! actor), opens the store itself, calls the capabilities, commits, and returns
//! plain values — rows, summaries, [`AppError`]s — that the two shells, `cli`
//! and `service`, print or serve. Nothing here prints: what streams (status
//! rows, log lines, ingest progress) goes through a callback the shell gives.

pub mod alerts;
pub mod backup;
pub mod campaign;
pub mod cert;
pub mod demo;
pub mod desk;
mod env;
mod error;
pub mod init;
pub mod job;
pub mod log;
pub mod mail;
pub mod metrics;
pub mod push;
pub mod report;
pub mod restore;
pub mod status;
mod stream;

pub use env::{Env, Opening, Sending, NOW_SENDS_VAR};
pub use error::{AppError, StoreAccess};
