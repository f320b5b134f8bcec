//! Importing a desk roster (CSV) into the inventory.

use std::collections::HashMap;
use std::path::Path;

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::desk::import::{Detected, Diff};
use crate::desk::{self, Desk, DeskId};

/// What an import read and changed (or, on a dry run, would change).
pub struct ImportReport {
    /// How many desks the file holds.
    pub read: usize,
    /// The encoding and delimiter found.
    pub detected: Detected,
    /// Added, changed and unchanged desks.
    pub diff: Diff,
}

/// Reads the roster `file` (named `name` in messages and the audit log) and
/// adds or updates its desks, unless `dry_run`. Each warning about the file
/// goes to `warn` before anything is written. Every bad row is reported at
/// once ([`AppError::RosterRows`]), and then nothing is written.
pub fn import(
    env: &Env,
    file: &Path,
    name: &str,
    dry_run: bool,
    mut warn: impl FnMut(&str),
) -> Result<ImportReport, AppError> {
    let bytes = std::fs::read(file).map_err(|source| AppError::Read {
        file: name.to_owned(),
        source,
    })?;
    let parsed = desk::import::read_with(&bytes, env.config.desk_settings()).map_err(|e| {
        AppError::Roster {
            file: name.to_owned(),
            reason: e.to_string(),
        }
    })?;
    let store = env.store()?;
    let existing: HashMap<DeskId, Desk> = store
        .desks()?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let diff = desk::import::diff(&parsed.desks, |id| existing.get(id).cloned());
    for w in &parsed.warnings {
        warn(&format!("{name}: {w}"));
    }
    let mut problems = parsed.problems.clone();
    let diff = match diff {
        Ok(diff) => diff,
        Err(more) => {
            problems.extend(more);
            Diff::default()
        }
    };
    if !problems.is_empty() {
        problems.sort_by_key(|(line, _)| *line);
        return Err(AppError::RosterRows {
            file: name.to_owned(),
            rows: problems,
        });
    }
    for w in &diff.warnings {
        warn(&format!("{name}: {w}"));
    }
    if !dry_run && (!diff.added.is_empty() || !diff.changed.is_empty()) {
        store.write(|tx| {
            for d in &diff.added {
                tx.put_desk(d)?;
                tx.audit(
                    &AuditEntry::new(env.now, &env.actor, "desk.import")
                        .desk(&d.id)
                        .detail(format!("added from {name}")),
                )?;
            }
            for (d, _) in &diff.changed {
                tx.put_desk(d)?;
                tx.audit(
                    &AuditEntry::new(env.now, &env.actor, "desk.import")
                        .desk(&d.id)
                        .detail(format!("updated from {name}")),
                )?;
            }
            Ok(())
        })?;
    }
    Ok(ImportReport {
        read: parsed.desks.len(),
        detected: parsed.detected,
        diff,
    })
}
