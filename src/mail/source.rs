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
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    // Refused by its size alone when the file says it: nothing is read.
    if size > limit {
        return Err(too_large(limit));
    }
    // Room for the whole file and the one byte that tells it grew: read
    // through `take`, which gives no size hint, a 24 MiB message made the
    // buffer double up to 32 MiB, copying as it went (docs/PERFORMANCE.md).
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    f.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 > limit {
        return Err(too_large(limit));
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
/// Holds them all; [`messages`] hands them over one at a time.
pub fn read_paths(paths: &[PathBuf], limit: u64) -> Result<Vec<Raw>, SourceError> {
    Ok(messages(paths, limit)?.collect())
}

/// The messages the paths hold, in the order of [`read_paths`], read one at
/// a time as the iterator is advanced: memory holds one message (at most
/// `limit` bytes) whatever the size of the folder or the mbox. A path that
/// cannot be read at all (missing, a folder that cannot be listed) is an
/// error here, before any message is read; a message that cannot be read,
/// or that is over `limit`, is a [`Raw`] with the problem.
pub fn messages(paths: &[PathBuf], limit: u64) -> Result<Messages, SourceError> {
    let mut queue = std::collections::VecDeque::new();
    for p in paths {
        if p.is_dir() {
            if is_maildir(p) {
                for sub in ["new", "cur"] {
                    if p.join(sub).is_dir() {
                        queue.extend(files_in(&p.join(sub))?.into_iter().map(Next::File));
                    }
                }
            } else {
                queue.extend(files_in(p)?.into_iter().map(Next::File));
            }
            continue;
        }
        let mbox = is_mbox(p).map_err(|source| SourceError {
            path: shown(p),
            source,
        })?;
        queue.push_back(if mbox {
            Next::Mbox(p.clone())
        } else {
            Next::File(p.clone())
        });
    }
    Ok(Messages {
        queue,
        mbox: None,
        limit,
    })
}

/// What is left to read.
enum Next {
    /// A file that is one message.
    File(PathBuf),
    /// An mbox file, not yet opened.
    Mbox(PathBuf),
}

/// The messages of paths, one at a time (see [`messages`]).
pub struct Messages {
    queue: std::collections::VecDeque<Next>,
    /// The mbox being read, and its shown name.
    mbox: Option<(String, Mbox<std::io::BufReader<std::fs::File>>)>,
    limit: u64,
}

impl Iterator for Messages {
    type Item = Raw;

    fn next(&mut self) -> Option<Raw> {
        loop {
            if let Some((name, mbox)) = &mut self.mbox {
                match mbox.next() {
                    Some((i, bytes)) => {
                        return Some(Raw {
                            origin: format!("{name}#{i}"),
                            bytes,
                        })
                    }
                    None => self.mbox = None,
                }
            }
            match self.queue.pop_front()? {
                Next::File(f) => {
                    return Some(Raw {
                        origin: shown(&f),
                        bytes: read_one(&f, self.limit),
                    })
                }
                Next::Mbox(f) => match std::fs::File::open(&f) {
                    Ok(file) => {
                        let reader = std::io::BufReader::with_capacity(64 * 1024, file);
                        self.mbox = Some((shown(&f), Mbox::new(reader, self.limit)));
                    }
                    Err(e) => {
                        return Some(Raw {
                            origin: shown(&f),
                            bytes: Err(e.to_string()),
                        })
                    }
                },
            }
        }
    }
}

/// The words of a message over the cap (`mail.max_message_bytes`).
fn too_large(limit: u64) -> String {
    format!("plus de {limit} octets (mail.max_message_bytes)")
}

/// How much of a line's start is looked at to tell a separator (`From `)
/// or a quoted one (`>From `, `>>From `…): the rest of the line is passed
/// on in pieces, never held whole.
const LINE_HEAD: usize = 1024;

/// The messages of an mbox, read from a buffered reader one at a time and
/// never more than the cap of one: a message starts after each line that
/// begins with `From ` (the separator, left out) and runs to the next;
/// lines before the first separator are skipped; a quoted `>From ` line
/// loses one `>` (mboxrd, as mail-parser reads it). A message over `limit`
/// is refused and skipped, and the next one is read; a read error ends the
/// mbox.
pub struct Mbox<R> {
    reader: R,
    limit: u64,
    /// The message being read: its bytes while within the cap, and its
    /// whole length.
    current: Option<(Vec<u8>, u64)>,
    /// Messages met so far (the next one's number is this plus one).
    count: usize,
    done: bool,
}

impl<R: std::io::BufRead> Mbox<R> {
    /// Reads the mbox from `reader`, refusing messages over `limit` bytes.
    pub fn new(reader: R, limit: u64) -> Mbox<R> {
        Mbox {
            reader,
            limit,
            current: None,
            count: 0,
            done: false,
        }
    }

    /// The finished message in progress, numbered from 1.
    fn finish(&mut self) -> Option<(usize, Result<Vec<u8>, String>)> {
        let (bytes, len) = self.current.take()?;
        let r = if len > self.limit {
            Err(too_large(self.limit))
        } else {
            Ok(bytes)
        };
        Some((self.count, r))
    }

    /// Adds `piece` of the message in progress (nothing before the first
    /// separator); past the cap only its length is counted, and what was
    /// kept is let go.
    fn keep(&mut self, piece: &[u8]) {
        if let Some((bytes, len)) = &mut self.current {
            *len += piece.len() as u64;
            if *len > self.limit {
                *bytes = Vec::new();
            } else {
                bytes.extend_from_slice(piece);
            }
        }
    }

    /// Reads the start of the next line (up to [`LINE_HEAD`] bytes or its
    /// end); `Ok(None)` at the end of the file.
    fn head(&mut self) -> std::io::Result<Option<(Vec<u8>, bool)>> {
        let mut head = Vec::new();
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok((!head.is_empty()).then_some((head, true)));
            }
            let room = LINE_HEAD - head.len();
            let (n, ended) = match buf.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len().min(room), false),
            };
            head.extend_from_slice(&buf[..n]);
            self.reader.consume(n);
            if ended || head.len() == LINE_HEAD {
                return Ok(Some((head, ended)));
            }
        }
    }

    /// Passes on the rest of a line whose head was read, to the message in
    /// progress, or drops it (`keep` false: a separator line's rest).
    fn rest_of_line(&mut self, keep: bool) -> std::io::Result<()> {
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(());
            }
            let (n, ended) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            // Copied out so that `keep` may borrow self.
            let piece = if keep { buf[..n].to_vec() } else { Vec::new() };
            self.reader.consume(n);
            if keep {
                self.keep(&piece);
            }
            if ended {
                return Ok(());
            }
        }
    }
}

impl<R: std::io::BufRead> Iterator for Mbox<R> {
    type Item = (usize, Result<Vec<u8>, String>);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let (mut head, ended) = match self.head() {
                Ok(Some(h)) => h,
                Ok(None) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    // What was read of the message in progress is not the
                    // message: the mbox is unreadable from here.
                    let n = self.count.max(1);
                    self.current = None;
                    return Some((n, Err(format!("mbox illisible à partir d'ici : {e}"))));
                }
            };
            if head.starts_with(b"From ") {
                let finished = self.finish();
                self.count += 1;
                self.current = Some((Vec::new(), 0));
                if !ended {
                    if let Err(e) = self.rest_of_line(false) {
                        self.done = true;
                        return Some((
                            self.count,
                            Err(format!("mbox illisible à partir d'ici : {e}")),
                        ));
                    }
                }
                if finished.is_some() {
                    return finished;
                }
                continue;
            }
            let quotes = head.iter().take_while(|&&b| b == b'>').count();
            if quotes > 0 && head[quotes..].starts_with(b"From ") {
                head.remove(0);
            }
            self.keep(&head);
            if !ended {
                let keep = self.current.is_some();
                if let Err(e) = self.rest_of_line(keep) {
                    self.done = true;
                    self.current = None;
                    return Some((
                        self.count.max(1),
                        Err(format!("mbox illisible à partir d'ici : {e}")),
                    ));
                }
            }
        }
        self.finish()
    }
}

/// An mbox starts with a `From ` line; a message never does.
fn is_mbox(p: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 5];
    let mut f = std::fs::File::open(p)?;
    let n = f.read(&mut head)?;
    Ok(&head[..n] == b"From ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};

    fn all(data: &[u8], limit: u64) -> Vec<(usize, Result<Vec<u8>, String>)> {
        Mbox::new(BufReader::with_capacity(7, data), limit).collect()
    }

    #[test]
    fn reads_an_mbox_as_mail_parser_does() {
        let mbox = b"preamble\nFrom a@example.org Sat Jan  3 01:05:34 1996\nSubject: one\n\n>From the start\n>>From twice\nFromage\n\nFrom b@example.org Sun Jan  4 01:05:34 1996\nSubject: two\n\nbody";
        let ours: Vec<Vec<u8>> = all(mbox, 1000)
            .into_iter()
            .map(|(_, m)| m.unwrap())
            .collect();
        let theirs: Vec<Vec<u8>> = mail_parser::mailbox::mbox::MessageIterator::new(&mbox[..])
            .map(|m| m.unwrap().unwrap_contents())
            .collect();
        assert_eq!(ours, theirs);
        assert_eq!(ours.len(), 2);
        assert_eq!(
            ours[0],
            b"Subject: one\n\nFrom the start\n>From twice\nFromage\n\n".to_vec()
        );
        // Numbered from 1, as before.
        assert_eq!(all(mbox, 1000)[1].0, 2);
        assert!(all(b"no separator\n", 10).is_empty());
    }

    #[test]
    fn a_message_over_the_cap_is_refused_and_the_next_one_read() {
        // A huge message made of one line with no end, never held: the
        // reader is a stream, and a Vec of it would be 256 MiB.
        let huge = std::io::repeat(b'x').take(256 << 20);
        let data = (&b"From a\nSubject: small\n\nok\n"[..])
            .chain(&b"From b\nSubject: big\n\n"[..])
            .chain(huge)
            .chain(&b"\nFrom c\nSubject: after\n\nok\n"[..]);
        let got: Vec<_> = Mbox::new(BufReader::new(data), 1024).collect();
        assert_eq!(
            got.len(),
            3,
            "{:?}",
            got.iter().map(|g| g.0).collect::<Vec<_>>()
        );
        assert_eq!(got[0].1.as_deref().unwrap(), b"Subject: small\n\nok\n");
        let err = got[1].1.as_ref().unwrap_err();
        assert!(
            err.contains("1024") && err.contains("max_message_bytes"),
            "{err}"
        );
        assert_eq!(got[2].1.as_deref().unwrap(), b"Subject: after\n\nok\n");
        // A separator line of any length is dropped, not held.
        let long_from = (&b"From "[..])
            .chain(std::io::repeat(b'y').take(10 << 20))
            .chain(&b"\nSubject: s\n\nb\n"[..]);
        let got: Vec<_> = Mbox::new(BufReader::new(long_from), 1024).collect();
        assert_eq!(got[0].1.as_deref().unwrap(), b"Subject: s\n\nb\n");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_by_its_size_unread() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.eml");
        // Sparse: 1 TiB that takes no room, and would take hours to read.
        std::fs::File::create(&f).unwrap().set_len(1 << 40).unwrap();
        let err = read_one(&f, 100).unwrap_err();
        assert!(
            err.contains("100") && err.contains("max_message_bytes"),
            "{err}"
        );
        std::fs::write(dir.path().join("small.eml"), b"Subject: x\n\nok\n").unwrap();
        let got: Vec<Raw> = messages(&[dir.path().to_owned()], 100).unwrap().collect();
        assert_eq!(got.len(), 2);
        assert!(got[0].origin.ends_with("big.eml") && got[0].bytes.is_err());
        assert!(got[1].bytes.is_ok());
    }
}
