//! The model: the records and identifiers vigie keeps and speaks of — desks,
//! certificates, alert and push records, scheduled setting changes, audit
//! lines, service job runs — as plain values, with no I/O.
//!
//! It is the bottom layer: it depends on nothing else in the crate, the
//! store speaks it, and the capabilities (`cert`, `alerts`, `push`,
//! `status`…) and the shells build on it (docs/ARCHITECTURE.md). A new
//! record type goes here.
//!
//! Identifiers are checked when they are made ("parse, don't validate"):
//! once a [`DeskId`], [`Email`] or [`Sha256`] exists, it is valid.

mod alert;
mod audit;
mod campaign;
mod cert;
mod change;
mod desk;
mod desk_id;
mod email;
pub mod instant;
mod job_run;
mod mail;
mod push;
mod roster;
mod sha256;

pub use alert::{
    alert_key, bouncing_addresses, AlertKind, AlertRecord, AlertState, AlertSubject,
    BouncingAddress, FailedRecipient, SubjectError, BOUNCED, BOUNCED_AT, BOUNCE_MESSAGE_ID,
    SUPERSEDED,
};
pub use audit::AuditEntry;
pub use campaign::{check_campaign_name, Campaign, NAME_MAX as CAMPAIGN_NAME_MAX};
pub use cert::{CertRecord, CertSummary};
pub use change::{Change, ChangeId, ChangeState};
pub use desk::{check_name, Department, Desk, Lang, Mode, Settings, Version, BUILT_IN_SETTINGS};
pub use desk_id::{luhn_ok, printable, DeskId, DeskIdError};
pub use email::{Email, EmailError};
pub use instant::Instant;
pub use job_run::JobRun;
pub use mail::{AttributedBy, CertOutcome, FoundIn, MailAction, MailCert, MailReason, MailRecord};
pub use push::{PushJob, PushState};
pub use roster::RosterEntry;
pub use sha256::{Sha256, Sha256Error};
