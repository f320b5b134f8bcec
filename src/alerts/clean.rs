//! Text from desks and certificates made fit for an e-mail, before any
//! template sees it.
//!
//! A desk's name, a certificate's subject or a file's name is free text from
//! outside. In a message sent by the team it must not be able to:
//!
//! - reorder what the reader sees (bidi controls: `RLO` can make
//!   `guichet\u{202e}rec.exe` read as `guichetexe.cer`), or hide text
//!   (zero-width characters), or break a line where the template did not
//!   (`U+2028`, `U+2029`, control characters);
//! - make the message huge: a certificate can carry a subject of thousands
//!   of attributes; each field is cut, with an ellipsis that says so;
//! - show the operator's folders: a refused file is named by its base name.
//!
//! HTML escaping is minijinja's; header folding and encoding are lettre's.

/// The longest desk name shown.
pub const NAME_CHARS: usize = 160;
/// The longest distinguished name (subject, issuer) shown.
pub const DN_CHARS: usize = 300;
/// The longest short field (CA name, serial, file name, code) shown.
pub const SHORT_CHARS: usize = 120;
/// The longest sentence (a refusal's reason, a server's answer) shown.
pub const SENTENCE_CHARS: usize = 600;

/// Whether `c` changes the direction or visibility of text without being
/// seen itself: the bidi embeddings, overrides and isolates (U+202A–202E,
/// U+2066–2069), the marks (U+200E, U+200F, U+061C), the zero-width
/// characters (U+200B–200D, U+2060, U+FEFF) and the soft hyphen.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'..='\u{200f}'
            | '\u{061c}'
            | '\u{2060}'
            | '\u{feff}'
            | '\u{00ad}'
    )
}

/// `s` on one line, without hidden characters, cut to `max` characters
/// (the last one an ellipsis when cut): line and paragraph separators and
/// control characters become spaces, runs of spaces one space.
pub fn field(s: &str, max: usize) -> String {
    // One character more than fits says whether the field must be cut;
    // reading stops there, whatever the length of `s`.
    let mut kept: Vec<char> = Vec::with_capacity(max.min(s.len()) + 1);
    let mut space = false;
    for c in s.chars() {
        if kept.len() > max {
            break;
        }
        if is_hidden(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            // Leading and repeated blanks are dropped.
            space = !kept.is_empty();
            continue;
        }
        if space {
            kept.push(' ');
            space = false;
        }
        kept.push(c);
    }
    if kept.len() > max {
        kept.truncate(max.saturating_sub(1));
        while kept.last() == Some(&' ') {
            kept.pop();
        }
        kept.push('…');
    }
    kept.into_iter().collect()
}

/// A file name as a desk may read it: the last component of the path,
/// cleaned as a [`field`]. Only `/` separates: intake records names with
/// their control characters already written as escapes (`\n`), whose
/// backslashes are not folders.
pub fn base_name(path: &str) -> String {
    let base = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    field(base, SHORT_CHARS)
}

/// The date of `at`, dd/mm/yyyy in `tz` (the one rule for every date
/// vigie prints, "no end" included).
pub use crate::clock::french_date as date;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_go_and_separators_become_spaces() {
        assert_eq!(
            field(
                "Office\u{202e}lituo\u{200b}\u{2028}\u{2029}x\u{feff}\n\t y",
                100
            ),
            "Officelituo x y"
        );
        assert_eq!(field("  a  ", 100), "a");
        for c in [
            '\u{202a}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{200d}',
        ] {
            assert_eq!(field(&format!("a{c}b"), 10), "ab", "{c:?}");
        }
    }

    #[test]
    fn long_fields_are_cut_with_an_ellipsis() {
        assert_eq!(field("abcdef", 6), "abcdef");
        assert_eq!(field("abcdefg", 6), "abcde…");
        assert_eq!(field(&"é".repeat(10_000), 300).chars().count(), 300);
        assert_eq!(field("ab cd", 4), "ab…");
    }

    #[test]
    fn base_names_drop_folders() {
        assert_eq!(
            base_name("/srv/équipe/Dossier privé/guichet.cer"),
            "guichet.cer"
        );
        assert_eq!(base_name("guichet.cer"), "guichet.cer");
        assert_eq!(base_name("a/b\u{202e}rec.exe\n"), "brec.exe");
    }
}
