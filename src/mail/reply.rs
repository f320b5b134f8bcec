//! The reply to a desk's message (DESIGN §10): one per message, in its
//! thread (`In-Reply-To`, `References`), marked `Auto-Submitted:
//! auto-replied` so that no well-behaved program answers it, listing each
//! certificate found and its outcome. Rendered from user-editable templates
//! (`templates/mail/reply.{fr,en}.{subject,txt,html}`; a file of the same
//! name in `templates_dir` replaces the default), as the alerts are.
//!
//! Who gets no reply is decided here too, as a pure function.

use std::path::{Path, PathBuf};

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::alerts::templates::{one_line, Rendered, TemplateError};
use crate::clock::Instant;
use crate::config::Config;
use crate::desk::Lang;
use crate::model::MailAction;

/// The default reply templates, by file name.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "reply.fr.subject",
        include_str!("../../templates/mail/reply.fr.subject"),
    ),
    (
        "reply.fr.txt",
        include_str!("../../templates/mail/reply.fr.txt"),
    ),
    (
        "reply.fr.html",
        include_str!("../../templates/mail/reply.fr.html"),
    ),
    (
        "reply.en.subject",
        include_str!("../../templates/mail/reply.en.subject"),
    ),
    (
        "reply.en.txt",
        include_str!("../../templates/mail/reply.en.txt"),
    ),
    (
        "reply.en.html",
        include_str!("../../templates/mail/reply.en.html"),
    ),
];

/// Why a message gets no reply, if it gets none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReply {
    /// `[mail] reply = false` or `--no-reply`.
    Disabled,
    /// No certificate in it: it goes to people.
    NoCertificate,
    /// Sent by a machine or to a list (the header that says so).
    Automatic(&'static str),
    /// No sender address to answer.
    NoSender,
    /// Sent by vigie itself (its own addresses or Message-IDs).
    Own,
    /// The sender had `reply_limit_per_day` replies today already.
    Limit,
}

/// What [`eligible`] weighs.
pub struct Asked<'a> {
    /// What became of the message.
    pub action: MailAction,
    /// The summary's reason for calling it automatic.
    pub automatic: Option<&'static str>,
    /// The sender's address, lower-cased.
    pub from: Option<&'a str>,
    /// The message's Message-ID.
    pub message_id: &'a str,
    /// Replies sent to this sender today.
    pub sent_today: u32,
}

/// Whether the message gets a reply (DESIGN §10).
pub fn eligible(config: &Config, asked: &Asked<'_>) -> Result<(), NoReply> {
    if !config.mail.reply {
        return Err(NoReply::Disabled);
    }
    if !matches!(asked.action, MailAction::Ingested | MailAction::Refused) {
        return Err(NoReply::NoCertificate);
    }
    if let Some(why) = asked.automatic {
        return Err(NoReply::Automatic(why));
    }
    let Some(from) = asked.from else {
        return Err(NoReply::NoSender);
    };
    let own = own_addresses(config);
    if own.iter().any(|a| a.eq_ignore_ascii_case(from)) || asked.message_id.starts_with("<vigie.") {
        return Err(NoReply::Own);
    }
    if asked.sent_today >= config.mail.reply_limit_per_day {
        return Err(NoReply::Limit);
    }
    Ok(())
}

/// vigie's own addresses: the manager's, the team's, the SMTP sender.
fn own_addresses(config: &Config) -> Vec<String> {
    let mut v = vec![config.manager.email.to_string()];
    v.extend(config.manager.team.iter().map(ToString::to_string));
    if let Some(s) = &config.smtp {
        v.push(s.from.to_string());
    }
    v
}

/// The Message-ID of the reply to the message whose bytes hash to `sha`:
/// fixed, so that a reply retried after a crash keeps its identity.
pub fn reply_id(sha: &crate::fingerprint::Sha256, config: &Config) -> String {
    let from = config
        .smtp
        .as_ref()
        .map_or(config.manager.email.as_str(), |s| s.from.as_str());
    let domain = from.rsplit_once('@').map_or("vigie.invalid", |(_, d)| d);
    let digest = crate::fingerprint::Sha256::of(format!("reply {}", sha.to_hex()).as_bytes());
    format!("<vigie.reply.{}@{domain}>", &digest.to_hex()[..32])
}

/// One certificate, as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyCert {
    /// The part's file name.
    pub file: String,
    /// `accepted`, `unchanged` or `refused`.
    pub outcome: &'static str,
    /// Its subject, when it was stored.
    pub subject: String,
    /// Start of validity, dd/mm/yyyy.
    pub not_before: String,
    /// End of validity, dd/mm/yyyy.
    pub not_after: String,
    /// Its SHA-256, when there was a certificate.
    pub sha256: String,
    /// The reason code of a refusal.
    pub code: String,
    /// The reason, in French.
    pub reason: String,
    /// The reason, in English.
    pub reason_en: String,
}

/// The reply templates in use.
pub struct ReplyTemplates {
    env: Environment<'static>,
    dir: Option<PathBuf>,
}

impl ReplyTemplates {
    /// The embedded templates, overridden by files in `dir` when given.
    pub fn new(dir: Option<&Path>) -> ReplyTemplates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        let owned = dir.map(Path::to_owned);
        let lookup = owned.clone();
        env.set_loader(move |name| {
            if let Some(dir) = &lookup {
                match std::fs::read_to_string(dir.join(name)) {
                    Ok(text) => return Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", dir.join(name).display()),
                        ))
                    }
                }
            }
            Ok(EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned()))
        });
        ReplyTemplates { env, dir: owned }
    }

    fn render(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        let fail = |e: minijinja::Error| TemplateError {
            name: name.to_owned(),
            origin: match &self.dir {
                Some(d) if d.join(name).is_file() => format!(" ({})", d.join(name).display()),
                _ => String::new(),
            },
            message: e.to_string(),
        };
        self.env
            .get_template(name)
            .map_err(fail)?
            .render(ctx)
            .map_err(fail)
    }

    /// Renders the reply in the desk's language.
    pub fn render_reply(&self, lang: Lang, ctx: &Value) -> Result<Rendered, TemplateError> {
        let base = format!("reply.{lang}");
        Ok(Rendered {
            subject: one_line(&self.render(&format!("{base}.subject"), ctx)?),
            text: self.render(&format!("{base}.txt"), ctx)?,
            html: self.render(&format!("{base}.html"), ctx)?,
        })
    }
}

/// `Auto-Submitted: auto-replied` (RFC 3834): no program answers a reply.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-replied".to_owned())
    }
}

/// What the reply is threaded on and sent to.
pub struct Thread<'a> {
    /// The reply's own Message-ID.
    pub id: &'a str,
    /// The message answered: its References, then its Message-ID.
    pub references: &'a [String],
    /// The sender answered.
    pub to: &'a str,
}

/// Builds the reply. Addresses are parsed by lettre, the subject stripped
/// of control characters: nothing the desk wrote can add a header.
pub fn build(
    r: &Rendered,
    thread: &Thread<'_>,
    config: &Config,
    now: Instant,
) -> Result<Message, String> {
    let from_addr = config
        .smtp
        .as_ref()
        .map_or(config.manager.email.as_str(), |s| s.from.as_str());
    let mailbox = |name: Option<&str>, addr: &str| -> Result<Mailbox, String> {
        let address = addr
            .parse()
            .map_err(|e| format!("invalid address «{}»: {e}", crate::desk::printable(addr)))?;
        Ok(Mailbox::new(name.map(one_line), address))
    };
    let mut b = Message::builder()
        .from(mailbox(Some(&config.manager.name), from_addr)?)
        .reply_to(mailbox(
            Some(&config.manager.name),
            config.manager.email.as_str(),
        )?)
        .to(mailbox(None, thread.to)?)
        .subject(one_line(&r.subject))
        .message_id(Some(thread.id.to_owned()))
        .date(now.into())
        .header(AutoSubmitted);
    if let Some(parent) = thread.references.last() {
        b = b
            .in_reply_to(parent.clone())
            .references(thread.references.join(" "));
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(r.text.clone()),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(r.html.clone()),
            ),
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(action: MailAction) -> Asked<'static> {
        Asked {
            action,
            automatic: None,
            from: Some("guichet@example.org"),
            message_id: "<a@b>",
            sent_today: 0,
        }
    }

    #[test]
    fn who_gets_no_reply() {
        let c = Config::default();
        assert_eq!(eligible(&c, &asked(MailAction::Ingested)), Ok(()));
        assert_eq!(eligible(&c, &asked(MailAction::Refused)), Ok(()));
        assert_eq!(
            eligible(&c, &asked(MailAction::NeedsHuman)),
            Err(NoReply::NoCertificate)
        );
        let a = Asked {
            automatic: Some("List-Id"),
            ..asked(MailAction::Ingested)
        };
        assert_eq!(eligible(&c, &a), Err(NoReply::Automatic("List-Id")));
        let own = c.manager.email.to_string();
        let a = Asked {
            from: Some(&own),
            ..asked(MailAction::Ingested)
        };
        assert_eq!(eligible(&c, &a), Err(NoReply::Own));
        let a = Asked {
            message_id: "<vigie.123@example.org>",
            ..asked(MailAction::Ingested)
        };
        assert_eq!(eligible(&c, &a), Err(NoReply::Own));
        let a = Asked {
            sent_today: c.mail.reply_limit_per_day,
            ..asked(MailAction::Ingested)
        };
        assert_eq!(eligible(&c, &a), Err(NoReply::Limit));
        let mut off = Config::default();
        off.mail.reply = false;
        assert_eq!(
            eligible(&off, &asked(MailAction::Ingested)),
            Err(NoReply::Disabled)
        );
    }

    #[test]
    fn the_reply_is_threaded_and_auto_submitted() {
        let t = ReplyTemplates::new(None);
        let ctx = minijinja::context! {
            original_subject => "Certificat",
            desk => Value::from(()),
            certificates => vec![ReplyCert {
                file: "g.cer".into(), outcome: "refused", subject: String::new(),
                not_before: String::new(), not_after: String::new(), sha256: String::new(),
                code: "expired".into(), reason: "le certificat a expiré".into(),
                reason_en: "it expired".into(),
            }],
            refused => true,
            manager => minijinja::context! { name => "Gestion", email => "gestion@example.org" },
        };
        let r = t.render_reply(Lang::Fr, &ctx).unwrap();
        assert_eq!(r.subject, "Re: Certificat");
        assert!(
            r.text.contains("le certificat a expiré (code : expired)"),
            "{}",
            r.text
        );
        let refs = vec!["<0@x>".to_owned(), "<1@x>".to_owned()];
        let m = build(
            &r,
            &Thread {
                id: "<vigie.reply.1@example.org>",
                references: &refs,
                to: "g@example.org",
            },
            &Config::default(),
            chrono::DateTime::UNIX_EPOCH,
        )
        .unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        assert!(text.contains("In-Reply-To: <1@x>\r\n"), "{text}");
        assert!(text.contains("References: <0@x> <1@x>\r\n"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-replied\r\n"), "{text}");
    }
}
