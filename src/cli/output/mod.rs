//! Printing: aligned tables for people, JSON arrays for programs. Machine
//! output goes to stdout alone; messages go to stderr.
//!
//! Every JSON shape of the CLI contract (DESIGN §8) has its file here, with
//! snapshot tests that pin its bytes: a change to a shape shows as a changed
//! `.snap` file in review.

pub mod alerts;
pub mod campaign;
pub mod cert;
pub mod desk;
pub mod log;
pub mod mail;
pub mod push;
pub mod report;
pub mod status;

use std::io::Write;

use serde::Serialize;

use super::{code, CliError};

/// What a failed write to stdout becomes: a reader that went away (`vigie
/// status | head`) ends the command quietly with exit 0, as ripgrep does (its
/// output was the result, and the reader has what it wanted); anything else
/// is an error. Nothing in the command line prints with `print!`, which
/// panics on a closed stdout.
pub fn write_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::silent(code::OK)
    } else {
        CliError::operational(format!("writing output: {e}"))
    }
}

/// Writes bytes on stdout.
pub fn bytes(b: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(b)
        .and_then(|_| out.flush())
        .map_err(write_error)
}

/// Prints the outcome of a command whose exit code is its result (`cert
/// ingest`, `push run`, `check`): a reader that went away loses this output
/// only. The command goes on to report on stderr and ends with the exit code
/// of what it did or found (3 for a refused file, 2 for a critical desk),
/// which a script needs more than the lines it did not read.
pub fn report(b: &[u8]) -> Result<(), CliError> {
    match bytes(b) {
        Err(CliError::Silent(code::OK)) => Ok(()),
        other => other,
    }
}

/// Prints a JSON array of rows on stdout.
pub fn json<T: Serialize>(rows: &[T]) -> Result<(), CliError> {
    json_value(&rows)
}

/// Prints one JSON value on stdout.
pub fn json_value<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    bytes(&json_text(value)?)
}

/// One JSON value as printed: pretty, with a final line break.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CliError> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::operational(format!("encoding JSON: {e}")))?;
    text.push(b'\n');
    Ok(text)
}

/// A JSON array printed one element at a time, as it is computed: byte for
/// byte what [`json`] prints for the same rows, without holding them all
/// (`vigie status --json` over 100,000 desks).
pub struct JsonArray<W: Write> {
    out: W,
    element: Vec<u8>,
    count: usize,
}

impl JsonArray<std::io::BufWriter<std::io::StdoutLock<'static>>> {
    /// Starts an array on stdout.
    pub fn stdout() -> Self {
        JsonArray::to(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout().lock(),
        ))
    }
}

impl<W: Write> JsonArray<W> {
    /// Starts an array on `out`.
    pub fn to(out: W) -> Self {
        JsonArray {
            out,
            element: Vec::new(),
            count: 0,
        }
    }

    /// Prints one element.
    pub fn push<T: Serialize>(&mut self, value: &T) -> Result<(), CliError> {
        self.element.clear();
        serde_json::to_writer_pretty(&mut self.element, value)
            .map_err(|e| CliError::operational(format!("encoding JSON: {e}")))?;
        let opening: &[u8] = if self.count == 0 { b"[\n" } else { b",\n" };
        self.count += 1;
        self.out.write_all(opening).map_err(write_error)?;
        indent(&self.element, &mut self.out).map_err(write_error)
    }

    /// Closes the array and flushes it.
    pub fn finish(mut self) -> Result<(), CliError> {
        let closing: &[u8] = if self.count == 0 { b"[]\n" } else { b"\n]\n" };
        self.out
            .write_all(closing)
            .and_then(|_| self.out.flush())
            .map_err(write_error)
    }
}

/// Copies pretty-printed JSON one level deeper (two spaces a line): a JSON
/// text holds no raw line break but those between its tokens.
fn indent(pretty: &[u8], out: &mut impl Write) -> std::io::Result<()> {
    for (i, line) in pretty.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(b"  ")?;
        out.write_all(line)?;
    }
    Ok(())
}

/// A table with aligned columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table to text, each column as wide as its widest cell.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut l = String::new();
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                // Control characters in a cell would break the layout and could
                // move the terminal's cursor: show them escaped.
                let c = crate::escape::table_cell(c);
                l.push_str(&c);
                if i + 1 < n {
                    let pad = w.saturating_sub(c.chars().count()) + 2;
                    l.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&self.header);
        for r in &self.rows {
            line(r);
        }
        out
    }

    /// Prints the table on stdout.
    pub fn print(&self) -> Result<(), CliError> {
        bytes(self.render().as_bytes())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `rows` as `JsonArray` streams them, for the shapes' snapshots.
    pub(crate) fn streamed<T: Serialize>(rows: &[T]) -> String {
        let mut out = Vec::new();
        let mut array = JsonArray::to(&mut out);
        for r in rows {
            array.push(r).unwrap();
        }
        array.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_array_is_the_pretty_array() {
        #[derive(Serialize)]
        struct Row {
            desk: &'static str,
            list: Vec<u32>,
            none: Option<u8>,
        }
        let rows = [
            Row {
                desk: "a\nb",
                list: vec![],
                none: None,
            },
            Row {
                desk: "é",
                list: vec![1, 2],
                none: Some(3),
            },
        ];
        for n in 0..=rows.len() {
            let mut streamed = Vec::new();
            let mut array = JsonArray::to(&mut streamed);
            for r in &rows[..n] {
                array.push(r).unwrap();
            }
            array.finish().unwrap();
            let mut whole = serde_json::to_vec_pretty(&rows[..n]).unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn columns_align() {
        let mut t = Table::new(&["DESK", "NAME"]);
        t.row(vec!["a".into(), "Élan".into()]);
        t.row(vec!["longer".into(), "x\ny".into()]);
        let s = t.render();
        assert_eq!(s, "DESK    NAME\na       Élan\nlonger  x\\ny\n");
    }
}
