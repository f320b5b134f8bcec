//! Reading the inventory: desks, certificates, each desk's current one and
//! its history.

use super::{cert_codec, decode, trees, tx, Store, StoreError};
use crate::model::{CertRecord, CertSummary, Desk, DeskId, Sha256};

impl Store {
    /// One desk.
    pub fn desk(&self, id: &DeskId) -> Result<Option<Desk>, StoreError> {
        self.get(&self.t.desks, trees::DESKS, id.as_str().as_bytes())
    }

    /// Every desk, in identifier order.
    pub fn desks(&self) -> Result<Vec<Desk>, StoreError> {
        self.scan(&self.t.desks, trees::DESKS, b"")
    }

    /// How many desks there are. sled keeps no count: this walks the
    /// tree, so it is not for hot paths.
    pub fn desk_count(&self) -> usize {
        self.t.desks.len()
    }

    /// A certificate by fingerprint.
    pub fn cert(&self, sha: &Sha256) -> Result<Option<CertRecord>, StoreError> {
        match self
            .t
            .certs
            .get(sha.as_bytes())
            .map_err(|e| self.engine(e))?
        {
            None => Ok(None),
            Some(v) => cert_codec::decode_cert(&v, trees::CERTS, sha.as_bytes()).map(Some),
        }
    }

    /// The desk's current certificate, if it has one.
    pub fn current_cert(&self, desk: &DeskId) -> Result<Option<CertRecord>, StoreError> {
        let Some(sha) = self.current_sha(desk)? else {
            return Ok(None);
        };
        self.cert(&sha)
    }

    /// The fingerprint of the desk's current certificate.
    pub fn current_sha(&self, desk: &DeskId) -> Result<Option<Sha256>, StoreError> {
        Ok(self.current_summary(desk)?.map(|s| s.sha256))
    }

    /// The summary of the desk's current certificate.
    pub fn current_summary(&self, desk: &DeskId) -> Result<Option<CertSummary>, StoreError> {
        self.get(&self.t.current, trees::CURRENT, desk.as_str().as_bytes())
    }

    /// Every desk's current certificate fingerprint, in desk order.
    pub fn current_all(&self) -> Result<Vec<(DeskId, Sha256)>, StoreError> {
        Ok(self
            .current_summaries()?
            .into_iter()
            .map(|(d, s)| (d, s.sha256))
            .collect())
    }

    /// Every desk's current certificate summary, in desk order.
    pub fn current_summaries(&self) -> Result<Vec<(DeskId, CertSummary)>, StoreError> {
        let mut out = Vec::new();
        for item in self.t.current.iter() {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let key = String::from_utf8_lossy(&k);
            let desk = DeskId::parse(&key).map_err(|e| StoreError::Decode {
                tree: trees::CURRENT.into(),
                key: key.to_string(),
                reason: e.to_string(),
            })?;
            out.push((desk, decode(&v, trees::CURRENT, &k)?));
        }
        Ok(out)
    }

    /// Every certificate a desk has had, oldest end of validity first.
    pub fn history(&self, desk: &DeskId) -> Result<Vec<CertRecord>, StoreError> {
        let prefix = tx::history_prefix(desk);
        let mut out = Vec::new();
        for item in self.t.history.scan_prefix(&prefix) {
            let (k, _) = item.map_err(|e| self.engine(e))?;
            if let Some(sha) = Sha256::from_slice(&k[prefix.len()..]) {
                if let Some(rec) = self.cert(&sha)? {
                    out.push(rec);
                }
            }
        }
        out.sort_by_key(|c| (c.not_after, c.ingested_at));
        Ok(out)
    }
}
