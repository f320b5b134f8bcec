//! A message's header summary (what vigie keeps of it) and the signs that
//! it was sent by a machine, read with `mail-parser`.

use mail_parser::{Address, HeaderValue, Message, MimeHeaders};

/// What vigie reads of a message's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The Message-ID in angle brackets, or empty when there is none.
    pub message_id: String,
    /// The sender's address, lower-cased.
    pub from: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The Date header, RFC 3339 UTC.
    pub date: Option<String>,
    /// In-Reply-To and References, in angle brackets.
    pub replied_to: Vec<String>,
    /// Why no machine-made answer may go to it, if any reason (DESIGN §10:
    /// Auto-Submitted, Precedence, List-Id, empty return path, daemon or
    /// no-reply senders).
    pub automatic: Option<&'static str>,
    /// Whether it is a delivery status report (RFC 3464) or looks like one.
    pub bounce: bool,
}

/// `<id>` from an id with or without its brackets.
pub fn bracketed(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    if id.is_empty() {
        String::new()
    } else {
        format!("<{id}>")
    }
}

fn texts(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn first_address(a: Option<&Address<'_>>) -> Option<String> {
    a.and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_lowercase)
}

fn raw(msg: &Message<'_>, name: &str) -> Option<String> {
    msg.header_raw(name).map(|v| v.trim().to_owned())
}

impl Summary {
    /// Reads the summary of a parsed message.
    pub fn of(msg: &Message<'_>) -> Summary {
        let message_id = msg.message_id().map(bracketed).unwrap_or_default();
        let from = first_address(msg.from()).or_else(|| first_address(msg.sender()));
        let mut replied_to: Vec<String> = texts(msg.in_reply_to())
            .into_iter()
            .chain(texts(msg.references()))
            .map(|s| bracketed(&s))
            .filter(|s| !s.is_empty())
            .collect();
        replied_to.dedup();
        let date = msg.date().and_then(|d| {
            chrono::DateTime::from_timestamp(d.to_timestamp(), 0).map(crate::clock::rfc3339)
        });
        let bounce = msg
            .content_type()
            .filter(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
            .filter(|ct| {
                ct.subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            })
            .and_then(|ct| ct.attribute("report-type"))
            .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"));
        let bounce = bounce
            || super::bounce::looks_like_bounce(
                first_address(msg.from()).as_deref(),
                msg.subject(),
            );
        let mut s = Summary {
            message_id,
            from,
            subject: msg.subject().map(str::to_owned),
            date,
            replied_to,
            automatic: None,
            bounce,
        };
        s.automatic = automatic(msg, &s);
        s
    }
}

/// Why the message was sent by a machine or to many, if it was.
fn automatic(msg: &Message<'_>, s: &Summary) -> Option<&'static str> {
    if raw(msg, "Auto-Submitted").is_some_and(|v| !v.to_ascii_lowercase().starts_with("no")) {
        return Some("Auto-Submitted");
    }
    if raw(msg, "Precedence")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "bulk" | "junk" | "list"))
    {
        return Some("Precedence");
    }
    if raw(msg, "List-Id").is_some() {
        return Some("List-Id");
    }
    if raw(msg, "Return-Path").is_some_and(|v| {
        v.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace())
            .is_empty()
    }) {
        return Some("Return-Path");
    }
    if s.bounce {
        return Some("bounce");
    }
    let local = s
        .from
        .as_deref()
        .and_then(|f| f.split('@').next())
        .unwrap_or_default();
    let local = local.replace(['-', '_', '.'], "");
    if matches!(local.as_str(), "mailerdaemon" | "postmaster")
        || local.starts_with("noreply")
        || local.starts_with("donotreply")
        || local.starts_with("nepasrepondre")
    {
        return Some("sender");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Summary {
        let msg = mail_parser::MessageParser::default()
            .parse(text.as_bytes())
            .unwrap();
        Summary::of(&msg)
    }

    #[test]
    fn reads_the_headers_kept() {
        let s = parse(
            "From: Guichet <Guichet@Example.org>\r\nSubject: Re: fin de vie\r\nMessage-ID: <a@b>\r\nIn-Reply-To: <vigie.1@x>\r\nReferences: <vigie.0@x> <vigie.1@x>\r\nDate: Mon, 1 Mar 2027 10:00:00 +0100\r\n\r\nbody\r\n",
        );
        assert_eq!(s.message_id, "<a@b>");
        assert_eq!(s.from.as_deref(), Some("guichet@example.org"));
        assert_eq!(s.date.as_deref(), Some("2027-03-01T09:00:00Z"));
        assert!(s.replied_to.contains(&"<vigie.0@x>".to_owned()));
        assert!(s.replied_to.contains(&"<vigie.1@x>".to_owned()));
        assert_eq!(s.automatic, None);
    }

    #[test]
    fn knows_machines() {
        for (h, why) in [
            ("Auto-Submitted: auto-replied\r\n", "Auto-Submitted"),
            ("Precedence: bulk\r\n", "Precedence"),
            ("List-Id: <l.example.org>\r\n", "List-Id"),
            ("Return-Path: <>\r\n", "Return-Path"),
        ] {
            let s = parse(&format!(
                "From: a@example.org\r\n{h}Subject: x\r\n\r\nb\r\n"
            ));
            assert_eq!(s.automatic, Some(why), "{h}");
        }
        let s = parse("From: MAILER-DAEMON@example.org\r\n\r\nb\r\n");
        assert_eq!(s.automatic, Some("sender"));
        let s = parse("From: no-reply@example.org\r\n\r\nb\r\n");
        assert_eq!(s.automatic, Some("sender"));
        let s = parse("From: a@example.org\r\nAuto-Submitted: no\r\n\r\nb\r\n");
        assert_eq!(s.automatic, None);
    }
}
