//! Printing: aligned tables for people, JSON arrays for programs. Machine
//! output goes to stdout alone; messages go to stderr.

use std::io::Write;

use serde::Serialize;

use super::CliError;

/// What a failed write to stdout becomes: a reader that went away (`vigie
/// status | head`) ends the command quietly; anything else is an error.
pub fn write_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::silent(0)
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

/// Prints a JSON array of rows on stdout.
pub fn json<T: Serialize>(rows: &[T]) -> Result<(), CliError> {
    json_value(&rows)
}

/// Prints one JSON value on stdout.
pub fn json_value<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::operational(format!("encoding JSON: {e}")))?;
    text.push(b'\n');
    bytes(&text)
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
                let c: String = c
                    .chars()
                    .flat_map(|ch| {
                        if ch.is_control() {
                            ch.escape_debug().collect::<Vec<_>>()
                        } else {
                            vec![ch]
                        }
                    })
                    .collect();
                l.push_str(&c);
                if i + 1 < n {
                    l.push_str(&" ".repeat(w.saturating_sub(c.chars().count()) + 2));
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
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut t = Table::new(&["DESK", "NAME"]);
        t.row(vec!["a".into(), "Élan".into()]);
        t.row(vec!["longer".into(), "x\ny".into()]);
        let s = t.render();
        assert_eq!(s, "DESK    NAME\na       Élan\nlonger  x\\ny\n");
    }
}
