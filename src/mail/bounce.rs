//! Bounces of vigie's own messages (DESIGN §10): RFC 3464 delivery status
//! reports, and the usual non-standard forms (Exchange's "Undeliverable",
//! qmail's "failure notice"), matched to the message they answer by
//! vigie's Message-IDs quoted anywhere in them, with the reason the server
//! gave.

/// Whether a message that is not a `multipart/report` still looks like a
/// delivery failure: sent by a mail daemon, with a failure subject.
pub fn looks_like_bounce(from: Option<&str>, subject: Option<&str>) -> bool {
    let local = from
        .and_then(|f| f.split('@').next())
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(['-', '_', '.'], "");
    let daemon = matches!(local.as_str(), "mailerdaemon" | "postmaster");
    let subject = subject.unwrap_or_default().to_lowercase();
    let failure = [
        "undeliver",
        "failure notice",
        "delivery status notification",
        "returned mail",
        "delivery failure",
        "non remis",
        "échec de la remise",
    ]
    .iter()
    .any(|w| subject.contains(w));
    daemon && failure
}

/// vigie's Message-IDs quoted in a bounce (`<vigie.…@…>`), in order.
pub fn quoted_ids(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut out: Vec<String> = Vec::new();
    let mut rest = text.as_ref();
    while let Some(i) = rest.find("<vigie.") {
        let tail = &rest[i..];
        match tail.find('>') {
            Some(j) if j < 200 => {
                let id = tail[..=j].to_owned();
                if !out.contains(&id) {
                    out.push(id);
                }
                rest = &tail[j + 1..];
            }
            _ => rest = &tail[7..],
        }
    }
    out
}

/// The addresses a bounce says could not be reached, lower-cased, in order:
/// a DSN's `Final-Recipient` and `Original-Recipient` (`rfc822; a@b`), and
/// qmail's `<a@b>:` lines.
pub fn recipients(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut out: Vec<String> = Vec::new();
    let mut add = |a: &str| {
        let a = a.trim().trim_matches(['<', '>']).trim().to_lowercase();
        let plausible = a.len() <= 254
            && a.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !a.contains(char::is_whitespace)
            });
        if plausible && !out.contains(&a) {
            out.push(a);
        }
    };
    for line in text.lines() {
        let line = line.trim_end();
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim();
            if k.eq_ignore_ascii_case("Final-Recipient")
                || k.eq_ignore_ascii_case("Original-Recipient")
            {
                // `rfc822; address`; the type is optional in the wild.
                add(v.rsplit(';').next().unwrap_or(v));
                continue;
            }
        }
        // qmail: the address alone on its line, in angle brackets, then a
        // colon.
        if let Some(inner) = line.strip_prefix('<').and_then(|l| l.strip_suffix(">:")) {
            add(inner);
        }
    }
    out
}

/// The reason the server gave: a DSN's `Diagnostic-Code`, else its
/// `Status`, else the first line that carries an SMTP reply or enhanced
/// status code (`550`, `5.1.1`).
pub fn reason(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let field = |name: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
    };
    if let Some(d) = field("Diagnostic-Code") {
        return Some(d);
    }
    if let Some(s) = field("Status") {
        return Some(format!("status {s}"));
    }
    text.lines()
        .map(str::trim)
        .find(|l| {
            l.split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                .any(|w| {
                    (w.len() == 3
                        && w.starts_with(['4', '5'])
                        && w.chars().all(|c| c.is_ascii_digit()))
                        || (w.len() >= 5
                            && w.starts_with(['4', '5'])
                            && w.split('.').count() == 3
                            && w.split('.')
                                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
                })
        })
        .map(|l| l.chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dsns_and_qmail() {
        let dsn = b"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; g@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\nMessage-ID: <vigie.abc@example.org>\r\n";
        assert_eq!(reason(dsn).as_deref(), Some("smtp; 550 5.1.1 user unknown"));
        assert_eq!(quoted_ids(dsn), vec!["<vigie.abc@example.org>"]);
        assert_eq!(recipients(dsn), vec!["g@example.org"]);
        let qmail = b"Hi. This is the qmail-send program at mx.example.org.\nI'm afraid I wasn't able to deliver your message.\n\n<g@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n\nMessage-ID: <vigie.def@example.org>\nReferences: <vigie.def@example.org>\n";
        assert_eq!(quoted_ids(qmail), vec!["<vigie.def@example.org>"]);
        assert_eq!(
            reason(qmail).as_deref(),
            Some("Sorry, no mailbox here by that name. (#5.1.1)")
        );
        assert_eq!(recipients(qmail), vec!["g@example.org"]);
        assert!(recipients(b"Final-Recipient: rfc822; not an address\n").is_empty());
        assert_eq!(
            recipients(b"Original-Recipient: rfc822;G@Example.org\nFinal-Recipient: rfc822; g@example.org\n"),
            vec!["g@example.org"]
        );
        assert!(looks_like_bounce(
            Some("mailer-daemon@mx.example.org"),
            Some("failure notice")
        ));
        assert!(looks_like_bounce(
            Some("postmaster@ex.example.org"),
            Some("Undeliverable: Certificat")
        ));
        assert!(!looks_like_bounce(
            Some("guichet@example.org"),
            Some("failure notice")
        ));
    }
}
