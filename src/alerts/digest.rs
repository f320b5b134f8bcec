//! The team digest: upcoming expiries, refused intakes since the previous
//! digest, failed pushes, desks with no certificate or no address. One per
//! local day at most (its slot is the date), its content fixed when decided.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::context::{
    DigestBounce, DigestData, DigestDesk, DigestFailedRecipient, DigestMore, DigestPush,
    DigestRefusal, DIGEST_SECTION_LINES,
};
use super::deliver::{deliver_pending, team_or_manager, Outlet};
use super::plan::message_id;
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
    let rules = super::rules_for(config, data_dir, !dry_run)?;
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
    rec.message_id = Some(message_id(
        &key,
        &rules.installation,
        &rules.message_id_domain,
    ));
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
            installation: &rules.installation,
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
    let in_period = |at: Instant| since.is_none_or(|s| at > s) && at <= now;
    // The same file refused run after run (a desk re-sending it, a folder
    // ingested every day) is one line with a count: the same desk, the same
    // certificate (or none read) and the same words, which name the file.
    let mut groups: Vec<(DigestRefusal, Instant)> = Vec::new();
    let mut index: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for e in store.audit_of("cert.ingest", "refused")? {
        if !in_period(e.at) {
            continue;
        }
        let desk = e.desk.map(|d| d.to_string()).unwrap_or_default();
        let key = (desk.clone(), e.sha256.map(|s| s.to_hex()), e.detail.clone());
        match index.get(&key) {
            Some(&i) => {
                let (line, last) = &mut groups[i];
                line.count += 1;
                if e.at > *last {
                    *last = e.at;
                    line.date = super::clean::date(e.at, tz);
                }
            }
            None => {
                index.insert(key, groups.len());
                groups.push((
                    DigestRefusal {
                        date: super::clean::date(e.at, tz),
                        desk,
                        detail: e.detail,
                        count: 1,
                    },
                    e.at,
                ));
            }
        }
    }
    data.refused = groups.into_iter().map(|(line, _)| line).collect();
    // Warnings are recorded on accepted intakes, the code in the line.
    store.audit_each(|e| {
        if e.action == "cert.ingest"
            && e.outcome != "refused"
            && e.detail.contains("issuer_changed")
            && in_period(e.at)
        {
            data.issuer_changes.push(DigestRefusal {
                date: super::clean::date(e.at, tz),
                desk: e.desk.map(|d| d.to_string()).unwrap_or_default(),
                detail: e.detail,
                count: 1,
            });
        }
        Ok::<(), StoreError>(())
    })?;
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
    data.bounced = bounced(store, tz)?;
    // Issue 16: scheduled setting changes refused for good (e.g. HTTPS
    // 409), listed with the failed pushes; the "certificate" column names
    // the change instead.
    for c in store.changes()? {
        if c.state == crate::model::ChangeState::Failed {
            data.failed_pushes.push(DigestPush {
                desk: c.desk.to_string(),
                sha256: format!("{}={} ({})", c.key, c.value, c.id),
                last_error: c.last_error.unwrap_or_default(),
            });
        }
    }
    cap(&mut data);
    // Issue 16: the open campaigns, with who is left.
    data.campaigns = super::campaign::digest_lines(store, config, now)?;
    Ok(data)
}

/// The desk addresses that bounce (DESIGN §10), with the reason: listed in
/// every digest while they do, since a bounced alert is not sent again.
fn bounced(store: &Store, tz: chrono_tz::Tz) -> Result<Vec<DigestBounce>, StoreError> {
    let desks = store.desks()?;
    let names: HashMap<&crate::model::DeskId, &str> =
        desks.iter().map(|d| (&d.id, d.name.as_str())).collect();
    Ok(crate::model::bouncing_addresses(&desks, &store.alerts()?)
        .into_iter()
        .map(|b| DigestBounce {
            desk: b.desk.to_string(),
            name: names.get(&b.desk).copied().unwrap_or_default().to_owned(),
            address: b.address.unwrap_or_default(),
            reason: b.reason,
            date: super::clean::date(b.at, tz),
        })
        .collect())
}

/// Cuts each section to [`DIGEST_SECTION_LINES`], counting what is left
/// out: 20,000 refusals made a 7.5 MB digest.
fn cap(data: &mut DigestData) {
    fn cut<T>(v: &mut Vec<T>) -> usize {
        let more = v.len().saturating_sub(DIGEST_SECTION_LINES);
        v.truncate(DIGEST_SECTION_LINES);
        more
    }
    data.more = DigestMore {
        upcoming: cut(&mut data.upcoming),
        expired: cut(&mut data.expired),
        refused: cut(&mut data.refused),
        failed_pushes: cut(&mut data.failed_pushes),
        no_cert: cut(&mut data.no_cert),
        no_email: cut(&mut data.no_email),
        failed_recipients: cut(&mut data.failed_recipients),
        issuer_changes: cut(&mut data.issuer_changes),
        bounced: cut(&mut data.bounced),
    };
}
