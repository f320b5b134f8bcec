//! Where certificates hide in a message (DESIGN §10): every part is looked
//! at by its content, never by its name or declared type — attachments and
//! inline parts, PKCS#7 bundles, S/MIME signatures and the message an
//! opaque signature wraps, `.zip` archives (one level), forwarded messages
//! (at most [`MAX_DEPTH`] deep), and PEM pasted in text or HTML bodies.
//! What is found here is only a candidate: intake decides (sniffing, then
//! `cert ingest`'s policy), and drops what holds nothing of a certificate.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::archive;
use super::ber::{content_info, Cms};
use super::refusal::MailRefusal;
use crate::model::FoundIn;

/// How deep forwarded messages are opened.
pub const MAX_DEPTH: usize = 3;
/// The most parts looked at in one message, nested ones included.
pub const MAX_PARTS: usize = 500;

/// What stands for a file name when a certificate is pasted in the body.
pub const BODY: &str = "corps du message";

/// A part that may hold a certificate, or a shape refused outright.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The part's file name, or what stands for it.
    pub file: String,
    /// Where it was found.
    pub found_in: FoundIn,
    /// Its decoded bytes (empty for a refusal, and for a part larger than
    /// the limit given to [`find_within`]).
    pub bytes: Vec<u8>,
    /// The decoded size, kept when the bytes are not.
    pub size: usize,
    /// A shape refused before any certificate is looked for.
    pub refusal: Option<MailRefusal>,
}

/// What one message holds.
#[derive(Debug, Default)]
pub struct Found {
    /// The candidates, in message order.
    pub candidates: Vec<Candidate>,
    /// The plain text of the subject's message (its text bodies, HTML turned
    /// to text when there is no plain text), for desk ids; bounded.
    pub text: String,
    /// Whether the part count went past [`MAX_PARTS`] (the rest is unseen).
    pub truncated: bool,
    /// Parts larger than this are not copied: no certificate file is that
    /// large, and a scanned 20 MiB document copied once more is what made a
    /// 25 MiB message peak past 150 MiB.
    limit: usize,
}

impl Found {
    /// A candidate from a part's bytes, copied only when within the limit.
    fn part(&self, file: String, found_in: FoundIn, bytes: &[u8]) -> Candidate {
        Candidate {
            file,
            found_in,
            bytes: if bytes.len() <= self.limit {
                bytes.to_vec()
            } else {
                Vec::new()
            },
            size: bytes.len(),
            refusal: None,
        }
    }

    /// The same, for bytes already owned (moved, not copied).
    fn owned(&self, file: String, found_in: FoundIn, bytes: Vec<u8>) -> Candidate {
        let size = bytes.len();
        Candidate {
            file,
            found_in,
            bytes: if size <= self.limit {
                bytes
            } else {
                Vec::new()
            },
            size,
            refusal: None,
        }
    }
}

/// The most body text kept for desk ids.
const MAX_TEXT: usize = 64 * 1024;

/// Looks through a parsed message.
pub fn find(msg: &Message<'_>) -> Found {
    find_within(msg, usize::MAX)
}

/// Looks through a parsed message, copying no part larger than `limit`
/// bytes (intake's `max_file_bytes`: it would be refused as too large).
pub fn find_within(msg: &Message<'_>, limit: usize) -> Found {
    let mut found = Found {
        limit,
        ..Found::default()
    };
    let mut budget = MAX_PARTS;
    walk(msg, 0, None, &mut found, &mut budget);
    found
}

/// The words of a part that carries a message-level context: inside a
/// forwarded message, or inside an opaque signature.
fn walk(
    msg: &Message<'_>,
    depth: usize,
    context: Option<FoundIn>,
    found: &mut Found,
    budget: &mut usize,
) {
    for part in &msg.parts {
        if *budget == 0 {
            found.truncated = true;
            return;
        }
        *budget -= 1;
        let name = part.attachment_name().map(crate::escape::file_name);
        let place = |own: FoundIn| context.unwrap_or(own);
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(inner) => {
                if depth + 1 > MAX_DEPTH {
                    found
                        .candidates
                        .push(refused(name, FoundIn::Forwarded, MailRefusal::TooDeep));
                } else {
                    walk(inner, depth + 1, Some(FoundIn::Forwarded), found, budget);
                }
            }
            PartType::Text(text) => {
                if depth == 0 && context.is_none() && name.is_none() && found.text.len() < MAX_TEXT
                {
                    found.text.push_str(text);
                    found.text.push('\n');
                }
                match name {
                    Some(n) => {
                        let c = found.part(n, place(FoundIn::Attachment), text.as_bytes());
                        found.candidates.push(c);
                    }
                    None if text.contains("-----BEGIN ") => {
                        let c = found.part(BODY.to_owned(), place(FoundIn::Body), text.as_bytes());
                        found.candidates.push(c);
                    }
                    None => {}
                }
            }
            PartType::Html(html) => {
                let text = html_to_text(html);
                if depth == 0
                    && context.is_none()
                    && name.is_none()
                    && msg.text_body.is_empty()
                    && found.text.len() < MAX_TEXT
                {
                    found.text.push_str(&text);
                    found.text.push('\n');
                }
                if text.contains("-----BEGIN ") || name.is_some() {
                    let c = found.owned(
                        name.unwrap_or_else(|| BODY.to_owned()),
                        place(FoundIn::Body),
                        text.into_bytes(),
                    );
                    found.candidates.push(c);
                }
            }
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                let declared_msg = part
                    .content_type()
                    .and_then(|ct| ct.subtype())
                    .is_some_and(|s| s.eq_ignore_ascii_case("vnd.ms-outlook"));
                binary(b, name, declared_msg, depth, context, found, budget);
            }
        }
    }
}

fn refused(name: Option<String>, found_in: FoundIn, why: MailRefusal) -> Candidate {
    Candidate {
        file: name.unwrap_or_else(|| format!("({})", why.code())),
        found_in,
        bytes: Vec::new(),
        size: 0,
        refusal: Some(why),
    }
}

/// TNEF's signature, first four bytes of every `winmail.dat`.
const TNEF: &[u8] = &[0x78, 0x9f, 0x3e, 0x22];
/// The compound-file signature of Outlook's `.msg` (and of old Office files).
const OLE: &[u8] = &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

fn binary(
    bytes: &[u8],
    name: Option<String>,
    declared_msg: bool,
    depth: usize,
    context: Option<FoundIn>,
    found: &mut Found,
    budget: &mut usize,
) {
    let place = |own: FoundIn| context.unwrap_or(own);
    if bytes.starts_with(TNEF) {
        found
            .candidates
            .push(refused(name, place(FoundIn::Attachment), MailRefusal::Tnef));
        return;
    }
    if bytes.starts_with(OLE)
        && (declared_msg
            || name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".msg")))
    {
        found.candidates.push(refused(
            name,
            place(FoundIn::Attachment),
            MailRefusal::OutlookMsg,
        ));
        return;
    }
    if archive::is_zip(bytes) {
        let zip_name = name.unwrap_or_else(|| "archive.zip".to_owned());
        match archive::entries(bytes) {
            Ok(entries) => {
                for (entry, data) in entries {
                    let file = format!("{zip_name}/{}", crate::escape::file_name(&entry));
                    let c = found.owned(file, place(FoundIn::Archive), data);
                    found.candidates.push(c);
                }
            }
            Err(why) => {
                found
                    .candidates
                    .push(refused(Some(zip_name), place(FoundIn::Archive), why))
            }
        }
        return;
    }
    match content_info(bytes) {
        Some(Cms::Encrypted) => {
            found.candidates.push(refused(
                name,
                place(FoundIn::Attachment),
                MailRefusal::Encrypted,
            ));
        }
        Some(Cms::Signed { signers, content }) => {
            let own = if signers > 0 {
                FoundIn::Signature
            } else {
                FoundIn::Attachment
            };
            let c = found.part(
                name.unwrap_or_else(|| "smime.p7s".to_owned()),
                place(own),
                bytes,
            );
            found.candidates.push(c);
            // An opaque signature wraps the message itself: look inside.
            if let Some(inner) = content.filter(|c| !c.is_empty()) {
                if let Some(m) = MessageParser::default().parse(&inner) {
                    walk(&m, depth, context, found, budget);
                }
            }
        }
        None => {
            let c = found.part(
                name.unwrap_or_else(|| "(pièce sans nom)".to_owned()),
                place(FoundIn::Attachment),
                bytes,
            );
            found.candidates.push(c);
        }
    }
}

/// HTML as text, enough to find a pasted PEM block: line breaks where
/// blocks and `<br>` end, tags dropped, the entities a mail editor writes
/// in Base64 and PEM armour decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let tag_name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            tag_name.as_str(),
            "br" | "p" | "div" | "pre" | "tr" | "li" | "h1" | "h2" | "h3" | "blockquote"
        ) {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &tail[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                    u32::from_str_radix(&ent[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_pasted_pem_lines() {
        let t = html_to_text("<p>Voici :</p><div>-----BEGIN CERTIFICATE-----<br>MII&#43;AB&#x2F;<br/>-----END CERTIFICATE-----</div>&nbsp;&unknown;");
        assert!(
            t.contains("-----BEGIN CERTIFICATE-----\nMII+AB/\n-----END CERTIFICATE-----"),
            "{t}"
        );
        assert!(t.ends_with(" &unknown;"), "{t}");
    }

    #[test]
    fn finds_refused_shapes_by_content() {
        let msg = "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n--b\r\nContent-Type: application/octet-stream; name=\"x.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\neJ8+IgAA\r\n--b--\r\n";
        let m = MessageParser::default().parse(msg.as_bytes()).unwrap();
        let f = find(&m);
        assert_eq!(f.candidates.len(), 1);
        assert_eq!(f.candidates[0].refusal, Some(MailRefusal::Tnef));
        assert_eq!(f.candidates[0].file, "x.bin");
        assert!(f.text.contains("Bonjour"));
    }
}
