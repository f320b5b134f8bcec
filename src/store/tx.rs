//! One write transaction over every tree, with operations named after the
//! domain.

use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use sled::Transactional;

use super::cert_codec::{decode_cert, encode_cert};
use super::codec::{decode, encode};
use super::{trees, StoreError};
use crate::model::{
    alert_key, AlertRecord, AuditEntry, CertRecord, CertSummary, Desk, DeskId, JobRun, PushJob,
    Sha256,
};

/// The trees of an open store.
pub(super) struct Trees {
    pub meta: sled::Tree,
    pub desks: sled::Tree,
    pub certs: sled::Tree,
    pub history: sled::Tree,
    pub current: sled::Tree,
    pub alerts: sled::Tree,
    pub outbox: sled::Tree,
    pub audit: sled::Tree,
    pub jobs: sled::Tree,
    pub mail: sled::Tree,
    pub changes: sled::Tree,
    pub campaigns: sled::Tree,
}

pub(super) enum TxFailure {
    Abort(StoreError),
    Engine(sled::Error),
}

impl Trees {
    pub fn open(db: &sled::Db) -> sled::Result<Trees> {
        Ok(Trees {
            meta: db.open_tree(trees::META)?,
            desks: db.open_tree(trees::DESKS)?,
            certs: db.open_tree(trees::CERTS)?,
            history: db.open_tree(trees::HISTORY)?,
            current: db.open_tree(trees::CURRENT)?,
            alerts: db.open_tree(trees::ALERTS)?,
            outbox: db.open_tree(trees::OUTBOX)?,
            audit: db.open_tree(trees::AUDIT)?,
            jobs: db.open_tree(trees::JOBS)?,
            mail: db.open_tree(trees::MAIL)?,
            changes: db.open_tree(trees::CHANGES)?,
            campaigns: db.open_tree(trees::CAMPAIGNS)?,
        })
    }

    pub fn all(&self) -> [&sled::Tree; 12] {
        [
            &self.meta,
            &self.jobs,
            &self.desks,
            &self.certs,
            &self.history,
            &self.current,
            &self.alerts,
            &self.outbox,
            &self.audit,
            &self.mail,
            &self.changes,
            &self.campaigns,
        ]
    }

    pub fn transact<R>(
        &self,
        f: impl Fn(&mut Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<R, TxFailure> {
        let r = (
            &self.desks,
            &self.certs,
            &self.history,
            &self.current,
            &self.alerts,
            &self.outbox,
            &self.audit,
            &self.jobs,
            &self.mail,
            &self.changes,
            &self.campaigns,
        )
            .transaction(
                |(
                    desks,
                    certs,
                    history,
                    current,
                    alerts,
                    outbox,
                    audit,
                    jobs,
                    mail,
                    changes,
                    campaigns,
                )| {
                    let mut tx = Tx {
                        desks,
                        certs,
                        history,
                        current,
                        alerts,
                        outbox,
                        audit,
                        jobs,
                        mail,
                        changes,
                        campaigns,
                    };
                    f(&mut tx).map_err(|e| match e {
                        StoreError::Transaction(UnabortableTransactionError::Conflict) => {
                            ConflictableTransactionError::Conflict
                        }
                        StoreError::Transaction(UnabortableTransactionError::Storage(s)) => {
                            ConflictableTransactionError::Storage(s)
                        }
                        other => ConflictableTransactionError::Abort(other),
                    })
                },
            );
        r.map_err(|e| match e {
            TransactionError::Abort(e) => TxFailure::Abort(e),
            TransactionError::Storage(e) => TxFailure::Engine(e),
        })
    }
}

/// A write transaction in progress. Reads see the transaction's own writes.
pub struct Tx<'a> {
    desks: &'a TransactionalTree,
    certs: &'a TransactionalTree,
    history: &'a TransactionalTree,
    current: &'a TransactionalTree,
    alerts: &'a TransactionalTree,
    outbox: &'a TransactionalTree,
    audit: &'a TransactionalTree,
    jobs: &'a TransactionalTree,
    pub(super) mail: &'a TransactionalTree,
    pub(super) changes: &'a TransactionalTree,
    pub(super) campaigns: &'a TransactionalTree,
}

pub(super) fn history_prefix(desk: &DeskId) -> Vec<u8> {
    let mut k = desk.as_str().as_bytes().to_vec();
    k.push(0);
    k
}

pub(super) fn outbox_key(desk: &DeskId, sha: &Sha256) -> Vec<u8> {
    let mut k = history_prefix(desk);
    k.extend_from_slice(sha.to_hex().as_bytes());
    k
}

impl Tx<'_> {
    fn get<T: serde::de::DeserializeOwned>(
        tree: &TransactionalTree,
        name: &str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key)? {
            None => Ok(None),
            Some(v) => decode(&v, name, key).map(Some),
        }
    }

    /// One desk.
    pub fn desk(&self, id: &DeskId) -> Result<Option<Desk>, StoreError> {
        Self::get(self.desks, trees::DESKS, id.as_str().as_bytes())
    }

    /// Adds or replaces a desk.
    pub fn put_desk(&mut self, desk: &Desk) -> Result<(), StoreError> {
        self.desks
            .insert(desk.id.as_str().as_bytes(), encode(desk))?;
        Ok(())
    }

    /// Removes a desk from the inventory; its certificates, alerts, pushes and
    /// audit lines stay. Returns whether it existed.
    pub fn remove_desk(&mut self, id: &DeskId) -> Result<bool, StoreError> {
        Ok(self.desks.remove(id.as_str().as_bytes())?.is_some())
    }

    /// A certificate by fingerprint.
    pub fn cert(&self, sha: &Sha256) -> Result<Option<CertRecord>, StoreError> {
        match self.certs.get(sha.as_bytes())? {
            None => Ok(None),
            Some(v) => decode_cert(&v, trees::CERTS, sha.as_bytes()).map(Some),
        }
    }

    /// Stores a certificate and adds it to its desk's history.
    pub fn put_cert(&mut self, rec: &CertRecord) -> Result<(), StoreError> {
        self.certs
            .insert(&rec.sha256.as_bytes()[..], encode_cert(rec))?;
        let mut k = history_prefix(&rec.desk);
        k.extend_from_slice(rec.sha256.as_bytes());
        self.history.insert(k, &[][..])?;
        Ok(())
    }

    /// Stores a certificate, adds it to its desk's history and makes it the
    /// desk's current one: [`Tx::put_cert`] then [`Tx::set_current`] without
    /// reading back the record just written (bulk intake does this 10,000
    /// times in a row). Intake writes the certificate's push job first, so
    /// that the summary is written once, with the job's state.
    pub fn put_current_cert(&mut self, rec: &CertRecord) -> Result<(), StoreError> {
        self.put_cert(rec)?;
        self.put_summary(&rec.desk, rec.summary())
    }

    /// Writes a desk's current summary with the state of its certificate's
    /// push job, if there is one.
    fn put_summary(&mut self, desk: &DeskId, mut summary: CertSummary) -> Result<(), StoreError> {
        summary.push = self.push_job(desk, &summary.sha256)?.map(|j| j.state);
        self.put_summary_as_is(desk, &summary)
    }

    /// The summary of the desk's current certificate.
    pub fn current_summary(&self, desk: &DeskId) -> Result<Option<CertSummary>, StoreError> {
        Self::get(self.current, trees::CURRENT, desk.as_str().as_bytes())
    }

    /// The fingerprint of the desk's current certificate.
    pub fn current_sha(&self, desk: &DeskId) -> Result<Option<Sha256>, StoreError> {
        Ok(self.current_summary(desk)?.map(|s| s.sha256))
    }

    /// Makes a stored certificate the desk's current one.
    pub fn set_current(&mut self, desk: &DeskId, sha: &Sha256) -> Result<(), StoreError> {
        let rec = self.cert(sha)?.ok_or_else(|| {
            StoreError::Conflict(format!(
                "certificate {sha} is not in the store; store it before making it current"
            ))
        })?;
        self.put_summary(desk, rec.summary())
    }

    /// One alert record.
    pub fn alert(&self, key: &[u8]) -> Result<Option<AlertRecord>, StoreError> {
        Self::get(self.alerts, trees::ALERTS, key)
    }

    /// Writes an alert record under its key.
    pub fn put_alert(&mut self, rec: &AlertRecord) -> Result<(), StoreError> {
        self.alerts.insert(alert_key(rec), encode(rec))?;
        Ok(())
    }

    /// One push job.
    pub fn push_job(&self, desk: &DeskId, sha: &Sha256) -> Result<Option<PushJob>, StoreError> {
        Self::get(self.outbox, trees::OUTBOX, &outbox_key(desk, sha))
    }

    /// Writes a push job, and its state into the desk's current summary
    /// when the job is about the current certificate.
    pub fn put_push_job(&mut self, job: &PushJob) -> Result<(), StoreError> {
        self.outbox
            .insert(outbox_key(&job.desk, &job.sha256), encode(job))?;
        if let Some(mut summary) = self.current_summary(&job.desk)? {
            if summary.sha256 == job.sha256 && summary.push != Some(job.state) {
                summary.push = Some(job.state);
                self.put_summary_as_is(&job.desk, &summary)?;
            }
        }
        Ok(())
    }

    /// Writes a current summary as it is: its push state is the caller's
    /// (the other writers above, the store's upgrade and restore).
    pub(super) fn put_summary_as_is(
        &mut self,
        desk: &DeskId,
        summary: &CertSummary,
    ) -> Result<(), StoreError> {
        self.current
            .insert(desk.as_str().as_bytes(), encode(summary))?;
        Ok(())
    }

    /// Appends a line to the audit log.
    pub fn audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        let id = self
            .audit
            .generate_id()
            .map_err(|e| StoreError::Transaction(UnabortableTransactionError::Storage(e)))?;
        self.audit.insert(&id.to_be_bytes()[..], encode(entry))?;
        Ok(())
    }

    /// Records a run of a service job (alerts, push, digest, backup).
    pub fn record_job_run(&mut self, run: &JobRun) -> Result<(), StoreError> {
        self.jobs.insert(run.job.as_bytes(), encode(run))?;
        Ok(())
    }

    /// Raw access for restore: removes a key from a named tree.
    pub fn remove_raw(&mut self, tree: &str, key: &[u8]) -> Result<(), StoreError> {
        self.tree(tree)?.remove(key)?;
        Ok(())
    }

    fn tree(&self, tree: &str) -> Result<&TransactionalTree, StoreError> {
        Ok(match tree {
            trees::DESKS => self.desks,
            trees::CERTS => self.certs,
            trees::HISTORY => self.history,
            trees::CURRENT => self.current,
            trees::ALERTS => self.alerts,
            trees::OUTBOX => self.outbox,
            trees::AUDIT => self.audit,
            trees::JOBS => self.jobs,
            trees::MAIL => self.mail,
            trees::CHANGES => self.changes,
            trees::CAMPAIGNS => self.campaigns,
            other => return Err(StoreError::Conflict(format!("no tree named {other}"))),
        })
    }

    /// Raw access for restore: writes an encoded value into a named tree.
    pub fn put_raw(&mut self, tree: &str, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        let t = self.tree(tree)?;
        t.insert(key, value)?;
        Ok(())
    }
}
