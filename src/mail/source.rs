//! Reading messages from files named on the command line (DESIGN §10): an
//! `.eml` file, a Maildir folder (its `new` and `cur`), a folder of `.eml`
//! files, or an mbox file. Only read, never moved or changed.

use std::io::Read;
use std::path::{Path, PathBuf};

/// One message as read, or why it could not be.
#[derive(Debug)]
pub struct Raw {
    /// Where it came from (the file, or `mbox#n`).
    pub origin: String,
    /// Its bytes, or the problem reading them.
    pub bytes: Result<Vec<u8>, String>,
}

/// Why a path could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct SourceError {
    /// The path.
    pub path: String,
    /// The error.
    pub source: std::io::Error,
}

fn shown(p: &Path) -> String {
    crate::escape::file_name(&p.display().to_string())
}

/// Reads one file, at most `limit` bytes (a bigger one is a problem, not a
/// message read half).
pub fn read_one(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut data = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 > limit {
        return Err(format!("plus de {limit} octets (mail.max_message_bytes)"));
    }
    Ok(data)
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let err = |source| SourceError {
        path: shown(dir),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(err)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        // Maildir's dot files and temporary files are not messages.
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Whether a folder is a Maildir (has `cur` or `new`).
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// Reads every message the paths hold, in order: folders sorted by file
/// name (a Maildir's `new` then `cur`), an mbox message after message.
pub fn read_paths(paths: &[PathBuf], limit: u64) -> Result<Vec<Raw>, SourceError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let files = if is_maildir(p) {
                let mut f = Vec::new();
                for sub in ["new", "cur"] {
                    if p.join(sub).is_dir() {
                        f.extend(files_in(&p.join(sub))?);
                    }
                }
                f
            } else {
                files_in(p)?
            };
            for f in files {
                out.push(Raw {
                    origin: shown(&f),
                    bytes: read_one(&f, limit),
                });
            }
            continue;
        }
        if is_mbox(p).map_err(|source| SourceError {
            path: shown(p),
            source,
        })? {
            let f = std::fs::File::open(p).map_err(|source| SourceError {
                path: shown(p),
                source,
            })?;
            let reader = std::io::BufReader::new(f);
            for (i, m) in mail_parser::mailbox::mbox::MessageIterator::new(reader).enumerate() {
                let bytes = match m {
                    Ok(m) if m.contents().len() as u64 > limit => {
                        Err(format!("plus de {limit} octets (mail.max_message_bytes)"))
                    }
                    Ok(m) => Ok(m.unwrap_contents()),
                    Err(_) => Err("mbox illisible à partir d'ici".to_owned()),
                };
                let stop = bytes.is_err();
                out.push(Raw {
                    origin: format!("{}#{}", shown(p), i + 1),
                    bytes,
                });
                if stop {
                    break;
                }
            }
        } else {
            out.push(Raw {
                origin: shown(p),
                bytes: read_one(p, limit),
            });
        }
    }
    Ok(out)
}

/// An mbox starts with a `From ` line; a message never does.
fn is_mbox(p: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 5];
    let mut f = std::fs::File::open(p)?;
    let n = f.read(&mut head)?;
    Ok(&head[..n] == b"From ")
}
