//! The audit log: an append-only record of every change — when, who (the OS
//! user), what, which desk and certificate, and the outcome. Its line,
//! [`AuditEntry`], is a record of the model; this module adds who is acting.

pub use crate::model::AuditEntry;

/// Who is acting, for the audit log: the name the system gives the
/// process's real uid (through the passwd database, so NSS users are named
/// too), and, when the command runs through sudo, the user who ran sudo
/// first: `alice (sudo as root)`. `USER` and `LOGNAME` are never trusted:
/// any process may set them to any name.
pub fn os_user() -> String {
    let uid = nix::unistd::getuid();
    let name = nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
        .filter(|n| clean(n))
        .unwrap_or_else(|| format!("uid {uid}"));
    actor(&name, std::env::var("SUDO_USER").ok().as_deref())
}

/// The actor for the uid's `name` and the `SUDO_USER` variable, when set:
/// the sudo user first, since that is the person; the uid's name always
/// follows, so that a forged variable never hides who really ran it.
fn actor(name: &str, sudo_user: Option<&str>) -> String {
    match sudo_user {
        Some(s) if clean(s) && s != name => format!("{s} (sudo as {name})"),
        _ => name.to_owned(),
    }
}

/// Whether a name may go into the audit log as it is: not empty, no control
/// characters, of a sane length.
fn clean(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_names_the_person_then_the_account() {
        assert_eq!(actor("root", Some("alice")), "alice (sudo as root)");
        assert_eq!(actor("alice", Some("alice")), "alice");
        assert_eq!(actor("alice", None), "alice");
        assert_eq!(actor("root", Some("")), "root");
        assert_eq!(actor("root", Some("x\nforged")), "root");
    }
}
