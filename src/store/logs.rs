//! Reading the logs: the alert log, the push outbox, the audit log and the
//! runs of the service's jobs.

use super::query::{field, state_name};
use super::{reader, trees, tx, Store, StoreError};
use crate::model::{AlertKind, AlertRecord, AlertState, AuditEntry, JobRun, PushJob};
use crate::model::{DeskId, Sha256};

impl Store {
    /// One alert record by its key (see [`crate::model::alert_key`]).
    pub fn alert(&self, key: &[u8]) -> Result<Option<AlertRecord>, StoreError> {
        self.get(&self.t.alerts, trees::ALERTS, key)
    }

    /// The key of every alert record, in order (the planner's "already
    /// decided" set), without decoding the records.
    pub fn alert_keys(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.t
            .alerts
            .iter()
            .keys()
            .map(|k| k.map(|k| k.to_vec()).map_err(|e| self.engine(e)))
            .collect()
    }

    /// Every alert record, in key order.
    pub fn alerts(&self) -> Result<Vec<AlertRecord>, StoreError> {
        self.scan(&self.t.alerts, trees::ALERTS, b"")
    }

    /// Calls `each` with every alert record, in key order, decoding one at a
    /// time: the alert log grows for years, and a reader that only counts
    /// or indexes it (the metrics, the mailbox's reply and bounce lookup)
    /// need not hold every record at once.
    pub fn alerts_each<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(AlertRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        for item in self.t.alerts.iter() {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            each(super::decode(&v, trees::ALERTS, &k)?)?;
        }
        Ok(())
    }

    /// The alert records in one state, in key order.
    pub fn alerts_in(&self, state: AlertState) -> Result<Vec<AlertRecord>, StoreError> {
        // Stored names: a superseded or bounced alert is stored `failed`.
        let name = state_name(&state.stored_str());
        let mut recs: Vec<AlertRecord> =
            self.scan_containing(&self.t.alerts, trees::ALERTS, b"", &[field("state", &name)])?;
        recs.retain(|r| r.state == state);
        Ok(recs)
    }

    /// The alert records of one kind (their keys start with it), in key order.
    pub fn alerts_of(&self, kind: AlertKind) -> Result<Vec<AlertRecord>, StoreError> {
        let prefix = format!("{}|", kind.as_str());
        self.scan(&self.t.alerts, trees::ALERTS, prefix.as_bytes())
    }

    /// One push job.
    pub fn push_job(&self, desk: &DeskId, sha: &Sha256) -> Result<Option<PushJob>, StoreError> {
        self.get(&self.t.outbox, trees::OUTBOX, &tx::outbox_key(desk, sha))
    }

    /// Every push job, in desk order.
    pub fn push_jobs(&self) -> Result<Vec<PushJob>, StoreError> {
        self.scan(&self.t.outbox, trees::OUTBOX, b"")
    }

    /// The audit log, oldest first, optionally for one desk.
    pub fn audit(&self, desk: Option<&DeskId>) -> Result<Vec<AuditEntry>, StoreError> {
        let needles: Vec<Vec<u8>> = desk.iter().map(|d| field("desk", d.as_str())).collect();
        let mut lines: Vec<AuditEntry> =
            self.scan_containing(&self.t.audit, trees::AUDIT, b"", &needles)?;
        lines.retain(|e| desk.is_none() || e.desk.as_ref() == desk);
        Ok(lines)
    }

    /// Calls `each` with every audit line, oldest first, as the log is read.
    /// Decoding is most of the work: the log is cut in two halves by key,
    /// each read and decoded on a thread of its own, the second getting up
    /// to 32,768 lines ahead while the caller takes the first.
    pub fn audit_each<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(AuditEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        let first = self.t.audit.first().map_err(|e| self.engine(e))?;
        let last = self.t.audit.last().map_err(|e| self.engine(e))?;
        // Keys are ids from sled's counter, big-endian: the middle id cuts
        // the log in two halves of about the same length.
        let id = |k: &sled::IVec| <[u8; 8]>::try_from(k.as_ref()).ok().map(u64::from_be_bytes);
        let middle = match (first, last) {
            (Some((a, _)), Some((b, _))) => match (id(&a), id(&b)) {
                (Some(a), Some(b)) => (a / 2 + b / 2).to_be_bytes(),
                _ => u64::MAX.to_be_bytes(),
            },
            _ => return Ok(()),
        };
        std::thread::scope(|s| {
            let decode = || reader::decoder::<AuditEntry>(trees::AUDIT);
            let halves = [
                reader::spawn_range_reader(s, self.t.audit.range(..middle), 4, self, decode()),
                reader::spawn_range_reader(s, self.t.audit.range(middle..), 64, self, decode()),
            ];
            for half in halves {
                let mut lines = reader::Ordered::new(half);
                while lines.peek()?.is_some() {
                    if let Some((_, line)) = lines.take() {
                        each(line)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The audit lines of one action with any of `outcomes`, oldest first,
    /// in one read of the log.
    pub fn audit_of_any(
        &self,
        action: &str,
        outcomes: &[&str],
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let needles = [field("action", action)];
        let mut lines: Vec<AuditEntry> =
            self.scan_containing(&self.t.audit, trees::AUDIT, b"", &needles)?;
        lines.retain(|e| e.action == action && outcomes.contains(&e.outcome.as_str()));
        Ok(lines)
    }

    /// The audit lines of one action with one outcome, oldest first.
    pub fn audit_of(&self, action: &str, outcome: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let needles = [field("action", action), field("outcome", outcome)];
        let mut lines: Vec<AuditEntry> =
            self.scan_containing(&self.t.audit, trees::AUDIT, b"", &needles)?;
        lines.retain(|e| e.action == action && e.outcome == outcome);
        Ok(lines)
    }

    /// The last recorded run of a service job.
    pub fn job_run(&self, job: &str) -> Result<Option<JobRun>, StoreError> {
        self.get(&self.t.jobs, trees::JOBS, job.as_bytes())
    }

    /// The last recorded run of every job.
    pub fn job_runs(&self) -> Result<Vec<JobRun>, StoreError> {
        self.scan(&self.t.jobs, trees::JOBS, b"")
    }
}
