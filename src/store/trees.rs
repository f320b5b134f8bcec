//! The names of sled's trees; each holds one kind of record.

pub const META: &str = "meta";
pub const DESKS: &str = "desks";
pub const CERTS: &str = "certs";
pub const HISTORY: &str = "history";
pub const CURRENT: &str = "current";
pub const ALERTS: &str = "alerts";
pub const OUTBOX: &str = "outbox";
pub const AUDIT: &str = "audit";
pub const JOBS: &str = "jobs";
/// Messages taken from the mailbox (src/store/mail.rs): records under
/// `s/<sha256>`, and raw Message-ID pointers under `m/<message-id>`.
pub const MAIL: &str = "mail";
/// Scheduled setting changes (src/store/changes.rs), in backups.
pub const CHANGES: &str = "changes";
/// Deadline campaigns (src/store/campaigns.rs), in backups.
pub const CAMPAIGNS: &str = "campaigns";

/// Every tree a backup carries, in restore order. A backup taken before
/// `mail`, `changes` or `campaigns` was carried simply has no such tree, and
/// restores as it did.
pub const DATA: [&str; 11] = [
    DESKS, CERTS, HISTORY, CURRENT, ALERTS, OUTBOX, AUDIT, JOBS, MAIL,
    // Issue 16: scheduled changes and deadline campaigns.
    CHANGES, CAMPAIGNS,
];
