//! Certificates: inspecting and normalising files, ingesting renewed ones, a
//! desk's history.

mod history;
mod ingest;
mod inspect;
mod normalize;

use std::path::Path;

pub use history::{history, History};
pub use ingest::{expand, ingest, is_system_file, Expanded, Ingested, Options, Progress};
pub use inspect::{inspect, Inspected};
pub use normalize::normalize;

/// A file's name as vigie prints and records it: lossy UTF-8, and control
/// characters escaped, so that a file named with a line break cannot forge a
/// line of the report (`x.cer: accepté pour le guichet…`) or of an e-mail.
pub fn display_name(p: &Path) -> String {
    crate::escape::file_name(&p.display().to_string())
}
