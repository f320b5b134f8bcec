//! Messages taken from the team's mailbox (DESIGN §10): what vigie keeps of
//! each one — a summary of its headers, the SHA-256 of its bytes, what was
//! found in it and what became of it. The mailbox keeps the message itself.

use serde::{Deserialize, Serialize};

use super::{DeskId, Instant, Sha256};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailAction {
    /// Its certificates were decided and none was refused.
    Ingested,
    /// At least one certificate found in it was refused.
    Refused,
    /// Left to people: no certificate, or evidence that disagrees.
    NeedsHuman,
    /// A delivery failure report of one of vigie's own messages.
    Bounce,
    /// Nothing to do (automatic mail without certificate).
    Ignored,
    /// Already recorded: the same Message-ID or the same bytes.
    Duplicate,
}

impl MailAction {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailAction::Ingested => "ingested",
            MailAction::Refused => "refused",
            MailAction::NeedsHuman => "needs_human",
            MailAction::Bounce => "bounce",
            MailAction::Ignored => "ignored",
            MailAction::Duplicate => "duplicate",
        }
    }
}

/// The evidence that named the message's desk, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributedBy {
    /// A reply to one of vigie's own messages (In-Reply-To / References).
    Reply,
    /// The certificate's own evidence, as `cert ingest` reads it.
    Certificate,
    /// A signature by the desk's current certificate.
    Signature,
    /// The desk id written in the subject or the body.
    Subject,
    /// The sender's address among the desk's contacts.
    Sender,
}

impl AttributedBy {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributedBy::Reply => "reply",
            AttributedBy::Certificate => "certificate",
            AttributedBy::Signature => "signature",
            AttributedBy::Subject => "subject",
            AttributedBy::Sender => "sender",
        }
    }
}

/// Where in a message a certificate was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundIn {
    /// An attachment or inline part.
    Attachment,
    /// An S/MIME signature.
    Signature,
    /// PEM pasted in the text or HTML body.
    Body,
    /// A `.zip` archive.
    Archive,
    /// A forwarded message.
    Forwarded,
}

impl FoundIn {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundIn::Attachment => "attachment",
            FoundIn::Signature => "signature",
            FoundIn::Body => "body",
            FoundIn::Archive => "archive",
            FoundIn::Forwarded => "forwarded",
        }
    }
}

/// What became of one certificate (or would-be certificate) of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertOutcome {
    /// Accepted: now the desk's current certificate.
    Accepted,
    /// Already the desk's current certificate.
    Unchanged,
    /// Refused, with a reason.
    Refused,
}

impl CertOutcome {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            CertOutcome::Accepted => "accepted",
            CertOutcome::Unchanged => "unchanged",
            CertOutcome::Refused => "refused",
        }
    }
}

/// A refusal's reason code and its French sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailReason {
    /// The stable code (`cert ingest`'s codes, and the mail ones such as
    /// `winmail_dat` or `encrypted`).
    pub code: String,
    /// The sentence, in French, fit to forward to the desk.
    pub message: String,
    /// The same in English, for desks that read English.
    #[serde(default)]
    pub message_en: String,
}

/// One certificate found in a message and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailCert {
    /// The leaf's fingerprint, when there was a certificate at all.
    pub sha256: Option<Sha256>,
    /// Where it was found.
    pub found_in: FoundIn,
    /// The part's file name, or what stands for it (`corps du message`).
    pub file: String,
    /// Whether an S/MIME signature over the message was verified; `None`
    /// when there was no signature to verify.
    pub signature_verified: Option<bool>,
    /// What became of it.
    pub outcome: CertOutcome,
    /// Why it was refused.
    pub reason: Option<MailReason>,
}

/// One message as vigie keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    /// The Message-ID header, without angle brackets; empty when the message
    /// had none (it is then known by its SHA-256 alone).
    pub message_id: String,
    /// SHA-256 of the message's bytes as read.
    pub sha256: Sha256,
    /// The sender's address.
    pub from: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The Date header, RFC 3339 UTC.
    pub date: Option<String>,
    /// The desk the message was attributed to.
    pub desk: Option<DeskId>,
    /// The evidence that named the desk.
    pub attributed_by: Option<AttributedBy>,
    /// The certificates found and their outcomes.
    pub certificates: Vec<MailCert>,
    /// What became of the message.
    pub action: MailAction,
    /// Why people must look at it (disagreeing evidence, no certificate…).
    #[serde(default)]
    pub note: Option<String>,
    /// The Message-ID of vigie's reply, fixed when the message is recorded
    /// (the reply is then due), so that a retried reply keeps its identity.
    pub reply_message_id: Option<String>,
    /// When the reply was accepted by the server (or written to the outbox);
    /// `None` while it is due.
    #[serde(default, with = "crate::model::instant::stored::option")]
    pub reply_sent_at: Option<Instant>,
    /// The message's own References and Message-ID, to thread the reply.
    #[serde(default)]
    pub thread: Vec<String>,
    /// Where it was read from (a file, a Maildir, an IMAP folder).
    pub source: String,
    /// When vigie took it in.
    #[serde(with = "crate::model::instant::stored")]
    pub received_at: Instant,
}
