//! The team digest: upcoming expiries, refused intakes since the previous
//! digest, failed pushes, desks with no certificate or no address. One per
//! local day at most (its slot is the date), its content fixed when decided.

use std::collections::BTreeMap;
use std::path::Path;

use super::context::{DigestData, DigestDesk, DigestFailedRecipient, DigestPush, DigestRefusal};
use super::deliver::{deliver_pending, team_or_manager, Outlet};
use super::plan::{message_id, Rules};
use super::templates::Templates;
use super::transport::Transport;
use super::{plan_store, AlertError, AlertKind, AlertRecord, AlertState, AlertSubject, RunSummary};
use crate::audit::AuditEntry;
use crate::clock::{days_between, local_date, Instant};
use crate::config::Config;
use crate::model::PushState;
use crate::store::{alert_key, Store, StoreError};

/// Decides today's digest (unless one exists), records it as pending, then
/// sends every pending message. With `dry_run`, decides and stops.
pub fn digest(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
    dry_run: bool,
) -> Result<RunSummary, AlertError> {
    let rules = Rules::from_config(config);
    let plan = plan_store(store, &rules, now)?;
    let mut summary = RunSummary {
        no_email: plan.no_email,
        no_cert: plan.no_cert,
        ..RunSummary::default()
    };
    let data = gather(store, config, now)?;
    let digest = AlertSubject::Digest {
        date: local_date(now, rules.tz),
    };
    let mut rec = AlertRecord {
        recipients: team_or_manager(config),
        details: BTreeMap::from([(
            "data".to_owned(),
            serde_json::to_string(&data).unwrap_or_default(),
        )]),
        ..AlertRecord::pending(digest, now)
    };
    let key = alert_key(&rec);
    rec.message_id = Some(message_id(&key, &rules.message_id_domain));
    if store.alert(&key)?.is_none() {
        summary.planned.push(rec.clone());
    }
    if dry_run {
        return Ok(summary);
    }
    store.write(|tx| {
        if tx.alert(&key)?.is_none() {
            tx.put_alert(&rec)?;
            tx.audit(&AuditEntry::new(now, actor, "alert.plan").detail("digest"))?;
        }
        Ok(())
    })?;
    let transport = Transport::from_config(config, data_dir)?;
    let templates = Templates::new(config.templates_dir.as_deref());
    deliver_pending(
        store,
        config,
        &Outlet {
            transport: &transport,
            templates: &templates,
        },
        now,
        actor,
        &mut summary,
        &std::sync::atomic::AtomicBool::new(false),
    )?;
    Ok(summary)
}

/// The digest's content at `now`.
fn gather(store: &Store, config: &Config, now: Instant) -> Result<DigestData, AlertError> {
    let tz = config.tz();
    let horizon = i64::from(config.alerts.thresholds.iter().copied().max().unwrap_or(90));
    let since = store
        .alerts_of(AlertKind::Digest)?
        .into_iter()
        .filter(|r| r.created_at < now)
        .map(|r| r.created_at)
        .max();
    let mut data = DigestData {
        since: since.map(|s| super::clean::date(s, tz)),
        ..DigestData::default()
    };
    store.roster(|e| {
        let (desk, cert) = (&e.desk, &e.cert);
        let line = |not_after: String, days_left: Option<i64>, issuer_name: String| DigestDesk {
            id: desk.id.to_string(),
            name: desk.name.clone(),
            not_after,
            days_left,
            issuer_name,
        };
        if desk.emails.is_empty() {
            data.no_email.push(line(String::new(), None, String::new()));
        }
        match cert {
            None => data.no_cert.push(line(String::new(), None, String::new())),
            Some(c) => {
                let days = days_between(now, c.not_after, tz);
                let l = line(
                    super::clean::date(c.not_after, tz),
                    Some(days),
                    super::context::issuer_name(&c.issuer),
                );
                if now >= c.not_after {
                    data.expired.push(l);
                } else if days <= horizon {
                    data.upcoming.push(l);
                }
            }
        }
        Ok::<(), StoreError>(())
    })?;
    data.upcoming.sort_by_key(|l| l.days_left);
    data.expired.sort_by_key(|l| l.days_left);
    for e in store.audit_of("cert.ingest", "refused")? {
        if since.is_none_or(|s| e.at > s) && e.at <= now {
            data.refused.push(DigestRefusal {
                date: super::clean::date(e.at, tz),
                desk: e.desk.map(|d| d.to_string()).unwrap_or_default(),
                detail: e.detail,
            });
        }
    }
    for r in store.alerts_in(AlertState::Sent)? {
        let when = r.sent_at.unwrap_or(r.created_at);
        if since.is_none_or(|s| when > s) && when <= now {
            for f in &r.failed_recipients {
                data.failed_recipients.push(DigestFailedRecipient {
                    desk: r.desk().map(|d| d.to_string()).unwrap_or_default(),
                    address: f.address.clone(),
                    answer: f.answer.clone(),
                });
            }
        }
    }
    for j in store.push_jobs()? {
        if j.state == PushState::Failed {
            data.failed_pushes.push(DigestPush {
                desk: j.desk.to_string(),
                sha256: j.sha256.short(),
                last_error: j.last_error.unwrap_or_default(),
            });
        }
    }
    Ok(data)
}
