//! Making text from outside (desk names, file names, certificate fields,
//! server answers, user input) safe where vigie writes it: one helper per
//! destination, all here so that a reader sees every rule side by side.
//!
//! The destinations differ on purpose: a terminal table must show what a
//! control character was, a mail header must stay one line, a Prometheus
//! label follows the exposition format. HTML is escaped by minijinja's
//! auto-escaping in e-mails and by [`html`] in reports; CSV quoting is the
//! `csv` crate's, and [`spreadsheet_cell`] keeps formulas out of cells.

use std::borrow::Cow;

/// A Prometheus label value: backslash, double quote and line feed escaped,
/// as the text exposition format requires.
pub fn prometheus_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A table cell for the terminal: control characters, which would break the
/// layout and could move the cursor, shown as Rust escapes (`\n`, `\u{1b}`);
/// everything else as is.
pub fn table_cell(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .flat_map(|ch| {
                if ch.is_control() {
                    ch.escape_debug().collect::<Vec<_>>()
                } else {
                    vec![ch]
                }
            })
            .collect(),
    )
}

/// A file name as vigie prints and records it: control characters as
/// `escape_default` shows them (`\n`, `\u{0}`), so a name with a line break
/// cannot forge a line of a report or an e-mail.
pub fn file_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A user-supplied string echoed in an error: control characters (CR, LF,
/// escape sequences), quotes and backslashes shown escaped, and cut to 64
/// characters.
pub fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_debug).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

/// A mail header (subject, display name) is one line: every run of white
/// space or control characters becomes one space, so nothing in a desk name
/// can start a new header.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text from a remote program or server reduced to one line for a log or an
/// error: white space runs become one space, control characters go.
pub fn flat_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// A certificate field for display: each control character becomes `?`.
pub fn certificate_field(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Text for an HTML page, in element content or a quoted attribute: the
/// five characters that could end either or start markup, as entities.
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A text cell of a CSV file meant for a spreadsheet: one that starts like
/// a formula (`=`, `+`, `-`, `@`, tab or carriage return) gets a leading
/// apostrophe, so that Excel shows it instead of running it (OWASP's "CSV
/// injection"). Quoting is the `csv` crate's.
pub fn spreadsheet_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_destination_keeps_its_rule() {
        assert_eq!(prometheus_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(table_cell("plain"), "plain");
        assert_eq!(table_cell("a\nb\u{1b}\0"), "a\\nb\\u{1b}\\0");
        assert_eq!(file_name("x\ny\0\"z.cer"), "x\\ny\\u{0}\"z.cer");
        assert_eq!(printable("a\"b\n"), "a\\\"b\\n");
        assert_eq!(printable(&"x".repeat(70)), format!("{}…", "x".repeat(64)));
        assert_eq!(one_line(" Guichet\r\nBcc: x\t \u{7}y "), "Guichet Bcc: x y");
        assert_eq!(flat_line(" a \n b\u{7}c "), "a bc");
        assert_eq!(certificate_field("CN=a\nb\u{0}"), "CN=a?b?");
        assert_eq!(
            html("<script>alert('1')</script>&\""),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(spreadsheet_cell("=1+1"), "'=1+1");
        assert_eq!(spreadsheet_cell("OPH"), "OPH");
    }
}
