//! The audit log: an append-only record of every change — when, who (the OS
//! user), what, which desk and certificate, and the outcome. Its line,
//! [`AuditEntry`], is a record of the model; this module adds who is acting.

pub use crate::model::AuditEntry;

/// The name of the OS user running this process, for the audit log: `USER` or
/// `LOGNAME` when set, else the name /etc/passwd gives the process's uid.
pub fn os_user() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() && !v.chars().any(char::is_control) {
                return v;
            }
        }
    }
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return "unknown".into();
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_owned())
        })
        .next()
        .unwrap_or_else(|| format!("uid {uid}"))
}
