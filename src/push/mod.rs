//! Pushing accepted certificates to the national configuration.

mod job;

pub use job::{PushJob, PushState};

use crate::config::{Destination, National};

/// A short description of the configured destination, recorded in each job
/// (`directory:/var/lib/vigie/national`, `https://…`, `command:/usr/local/bin/x`).
pub fn destination_label(national: &National, data_dir: &std::path::Path) -> String {
    match national.destination {
        Destination::Directory => format!(
            "directory:{}",
            national
                .directory
                .clone()
                .unwrap_or_else(|| data_dir.join("national"))
                .display()
        ),
        Destination::Https => national.url.clone().unwrap_or_default(),
        Destination::Command => format!(
            "command:{}",
            national.command.first().map(String::as_str).unwrap_or("")
        ),
    }
}
