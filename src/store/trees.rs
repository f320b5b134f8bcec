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
/// Messages taken from the mailbox (src/store/mail.rs). Not yet in
/// backups: see docs/mail.md.
pub const MAIL: &str = "mail";
/// Scheduled setting changes (src/store/changes.rs), in backups.
pub const CHANGES: &str = "changes";
/// Deadline campaigns (src/store/campaigns.rs), in backups.
pub const CAMPAIGNS: &str = "campaigns";

/// Every tree a backup carries, in restore order.
pub const DATA: [&str; 10] = [
    DESKS, CERTS, HISTORY, CURRENT, ALERTS, OUTBOX, AUDIT, JOBS,
    // Issue 16: scheduled changes.
    CHANGES, // Issue 16: deadline campaigns.
    CAMPAIGNS,
];
