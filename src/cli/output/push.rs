//! The JSON shape of `vigie push status`.

use serde::Serialize;

use crate::clock::rfc3339;
use crate::push::PushJob;

/// One element of `vigie push status --json` (DESIGN §8).
#[derive(Debug, Serialize)]
pub struct Row {
    /// The desk.
    pub desk: String,
    /// The certificate's fingerprint.
    pub sha256: String,
    /// Where it goes.
    pub destination: String,
    /// `pending`, `done`, `failed` or `superseded`.
    pub state: &'static str,
    /// Attempts so far.
    pub attempts: u32,
    /// The next attempt, RFC 3339.
    pub next_attempt: Option<String>,
    /// The last attempt's error.
    pub last_error: Option<String>,
}

impl From<&PushJob> for Row {
    fn from(j: &PushJob) -> Row {
        Row {
            desk: j.desk.to_string(),
            sha256: j.sha256.to_hex(),
            destination: j.destination.clone(),
            state: j.state.as_str(),
            attempts: j.attempts,
            next_attempt: j.next_attempt.map(rfc3339),
            last_error: j.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::tests::streamed;
    use crate::desk::DeskId;
    use crate::fingerprint::Sha256;
    use crate::push::PushState;

    #[test]
    fn status_json() {
        let at = crate::clock::parse_instant("2026-03-01T09:30:00Z").unwrap();
        let job = PushJob {
            desk: DeskId::parse("732829320-00001").unwrap(),
            sha256: Sha256::of(b"certificate"),
            destination: "directory /srv/national".into(),
            state: PushState::Pending,
            attempts: 2,
            next_attempt: Some(at),
            last_error: Some("HTTP 503".into()),
            created_at: at,
            done_at: None,
        };
        let done = PushJob {
            state: PushState::Done,
            next_attempt: None,
            last_error: None,
            done_at: Some(at),
            ..job.clone()
        };
        let rows: Vec<Row> = [job, done].iter().map(Row::from).collect();
        insta::assert_snapshot!(streamed(&rows));
    }
}
