//! `/metrics` in the Prometheus text format, and the facts `/healthz` reports.
//!
//! Names follow what certificate exporters already use (a not-after timestamp
//! per certificate, in seconds since the epoch), prefixed `vigie_`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::app::job::JobRun;
pub use crate::app::metrics::Snapshot;
use crate::clock::{rfc3339, Instant};
use crate::escape::prometheus_label;

/// One job's health.
#[derive(Debug, Clone, Serialize)]
pub struct JobHealth {
    /// Job name.
    pub job: String,
    /// Last run start, RFC 3339.
    pub last_run: Option<String>,
    /// Last successful run, RFC 3339.
    pub last_success: Option<String>,
    /// Whether the last run ended well.
    pub last_ok: Option<bool>,
    /// Why the last run failed, when it did.
    pub error: Option<String>,
    /// Next planned run, RFC 3339.
    pub next_run: Option<String>,
    /// Whether a planned run is more than a grace period late.
    pub overdue: bool,
}

/// The `/healthz` document.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// Whether the store could be read for the last snapshot.
    pub store_reachable: bool,
    /// Per job.
    pub jobs: Vec<JobHealth>,
}

/// The alert kinds, as labelled in `vigie_alerts`.
const ALERT_KINDS: [&str; 5] = ["threshold", "expired", "digest", "refusal", "confirmation"];
/// The alert states as listed (a superseded alert is listed `failed`).
const ALERT_STATES: [&str; 3] = ["pending", "sent", "failed"];
/// The push states, as labelled in `vigie_pushes`.
const PUSH_STATES: [&str; 4] = ["pending", "done", "failed", "superseded"];

/// Renders the snapshot as Prometheus text.
pub fn render(s: &Snapshot) -> String {
    let mut out = String::new();
    let family = |name: &str, kind: &str, help: &str, out: &mut String| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    family(
        "vigie_cert_not_after_timestamp_seconds",
        "gauge",
        "End of validity of the desk's current certificate, seconds since the epoch.",
        &mut out,
    );
    for r in &s.rows {
        if let Some(t) = s.not_after.get(&r.desk) {
            let _ = writeln!(
                out,
                "vigie_cert_not_after_timestamp_seconds{{desk=\"{}\",department=\"{}\"}} {t}",
                prometheus_label(&r.desk),
                prometheus_label(r.department.as_deref().unwrap_or(""))
            );
        }
    }
    family(
        "vigie_cert_days_left",
        "gauge",
        "Calendar days left on the desk's current certificate, in the configured zone.",
        &mut out,
    );
    for r in &s.rows {
        if let Some(d) = r.days_left {
            let _ = writeln!(
                out,
                "vigie_cert_days_left{{desk=\"{}\"}} {d}",
                prometheus_label(&r.desk)
            );
        }
    }
    family(
        "vigie_desks",
        "gauge",
        "Desks per certificate state.",
        &mut out,
    );
    let mut states: BTreeMap<&str, u64> = [
        "ok",
        "warning",
        "critical",
        "expired",
        "missing",
        "suspended",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for r in &s.rows {
        *states.entry(r.state.as_str()).or_default() += 1;
    }
    for (k, v) in states {
        let _ = writeln!(out, "vigie_desks{{state=\"{k}\"}} {v}");
    }
    family(
        "vigie_alerts",
        "gauge",
        "Messages in the alert log per kind and state.",
        &mut out,
    );
    // Every kind and state from the start, at 0 until one counts: an alert
    // rule on pending or failed messages needs the series to exist.
    let mut alerts: BTreeMap<(String, String), u64> = ALERT_KINDS
        .iter()
        .flat_map(|k| {
            ALERT_STATES
                .iter()
                .map(move |st| ((k.to_string(), st.to_string()), 0))
        })
        .collect();
    alerts.extend(s.alerts.iter().map(|(k, v)| (k.clone(), *v)));
    for ((kind, state), v) in &alerts {
        let _ = writeln!(out, "vigie_alerts{{kind=\"{kind}\",state=\"{state}\"}} {v}");
    }
    family("vigie_pushes", "gauge", "Push jobs per state.", &mut out);
    let mut pushes: BTreeMap<String, u64> =
        PUSH_STATES.iter().map(|st| (st.to_string(), 0)).collect();
    pushes.extend(s.pushes.iter().map(|(k, v)| (k.clone(), *v)));
    for (state, v) in &pushes {
        let _ = writeln!(out, "vigie_pushes{{state=\"{state}\"}} {v}");
    }
    family(
        "vigie_job_last_success_timestamp_seconds",
        "gauge",
        "When each service job last ended without error.",
        &mut out,
    );
    for j in &s.jobs {
        if let Some(t) = j.last_success {
            let _ = writeln!(
                out,
                "vigie_job_last_success_timestamp_seconds{{job=\"{}\"}} {}",
                j.job,
                t.timestamp()
            );
        }
    }
    family(
        "vigie_job_last_duration_seconds",
        "gauge",
        "How long each service job's last run took.",
        &mut out,
    );
    for j in &s.jobs {
        let _ = writeln!(
            out,
            "vigie_job_last_duration_seconds{{job=\"{}\"}} {:.3}",
            j.job,
            j.duration_ms as f64 / 1000.0
        );
    }
    family(
        "vigie_job_last_run_ok",
        "gauge",
        "1 if the job's last run ended without error.",
        &mut out,
    );
    for j in &s.jobs {
        let _ = writeln!(
            out,
            "vigie_job_last_run_ok{{job=\"{}\"}} {}",
            j.job,
            u8::from(j.ok)
        );
    }
    out
}

/// Builds a job's health line.
pub fn job_health(
    job: &str,
    run: Option<&JobRun>,
    next: Option<Instant>,
    overdue: bool,
) -> JobHealth {
    JobHealth {
        job: job.to_owned(),
        last_run: run.map(|r| rfc3339(r.started_at)),
        last_success: run.and_then(|r| r.last_success).map(rfc3339),
        last_ok: run.map(|r| r.ok),
        error: run.filter(|r| !r.ok).and_then(|r| r.error.clone()),
        next_run: next.map(rfc3339),
        overdue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{State, StatusRow};

    #[test]
    fn renders_prometheus_text() {
        let mut s = Snapshot::default();
        s.rows.push(StatusRow {
            desk: "732829320-00001".into(),
            name: "A".into(),
            department: Some("69".into()),
            state: State::Warning,
            sha256: None,
            subject: None,
            issuer: None,
            not_after: None,
            days_left: Some(12),
            push_state: None,
        });
        s.not_after.insert("732829320-00001".into(), 1_800_000_000);
        s.pushes.insert("done".into(), 3);
        let text = render(&s);
        assert!(text.contains("vigie_cert_not_after_timestamp_seconds{desk=\"732829320-00001\",department=\"69\"} 1800000000"));
        assert!(text.contains("vigie_cert_days_left{desk=\"732829320-00001\"} 12"));
        assert!(text.contains("vigie_desks{state=\"warning\"} 1"));
        assert!(text.contains("vigie_desks{state=\"ok\"} 0"));
        assert!(text.contains("vigie_pushes{state=\"done\"} 3"));
        assert!(text.contains("# TYPE vigie_alerts gauge"));
        // Pending and failed series exist at 0 from the start.
        assert!(text.contains("vigie_alerts{kind=\"threshold\",state=\"pending\"} 0"));
        assert!(text.contains("vigie_alerts{kind=\"refusal\",state=\"failed\"} 0"));
        assert!(text.contains("vigie_pushes{state=\"failed\"} 0"));
    }
}
