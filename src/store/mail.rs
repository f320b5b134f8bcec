//! The messages taken from the mailbox (DESIGN §10), in their own tree:
//! each record under its SHA-256 (`s/<hex>`), and its Message-ID pointing to
//! that SHA-256 (`m/<message-id>`), so that the same message met again — the
//! same bytes, or the same Message-ID from a copy the server rewrote — is
//! known as a duplicate. Written in the transaction that stores the
//! message's certificates: a message is recorded if and only if its
//! certificates are.
//!
//! A store made before this tree existed opens as it is: sled creates the
//! empty tree on first open.

use super::codec::{decode, encode};
use super::tx::Tx;
use super::{trees, Store, StoreError};
use crate::model::{MailRecord, Sha256};

fn record_key(sha: &Sha256) -> Vec<u8> {
    let mut k = b"s/".to_vec();
    k.extend_from_slice(sha.to_hex().as_bytes());
    k
}

fn id_key(message_id: &str) -> Vec<u8> {
    let mut k = b"m/".to_vec();
    k.extend_from_slice(message_id.as_bytes());
    k
}

impl Tx<'_> {
    /// The record of a message already taken in, found by its bytes'
    /// SHA-256 or by its Message-ID (empty: not looked up).
    pub fn mail_seen(
        &self,
        message_id: &str,
        sha: &Sha256,
    ) -> Result<Option<MailRecord>, StoreError> {
        let mut key = record_key(sha);
        if self.mail.get(&key)?.is_none() && !message_id.is_empty() {
            if let Some(hex) = self.mail.get(id_key(message_id))? {
                let mut k = b"s/".to_vec();
                k.extend_from_slice(&hex);
                key = k;
            }
        }
        match self.mail.get(&key)? {
            None => Ok(None),
            Some(v) => decode(&v, trees::MAIL, &key).map(Some),
        }
    }

    /// Records a message taken in.
    pub fn put_mail(&mut self, rec: &MailRecord) -> Result<(), StoreError> {
        self.mail.insert(record_key(&rec.sha256), encode(rec))?;
        if !rec.message_id.is_empty() {
            self.mail
                .insert(id_key(&rec.message_id), rec.sha256.to_hex().into_bytes())?;
        }
        Ok(())
    }
}

impl Store {
    /// The record of a message already taken in (see [`Tx::mail_seen`]).
    pub fn mail_seen(
        &self,
        message_id: &str,
        sha: &Sha256,
    ) -> Result<Option<MailRecord>, StoreError> {
        let mut key = record_key(sha);
        let get = |k: &[u8]| self.t.mail.get(k).map_err(|e| self.engine(e));
        if get(&key)?.is_none() && !message_id.is_empty() {
            if let Some(hex) = get(&id_key(message_id))? {
                let mut k = b"s/".to_vec();
                k.extend_from_slice(&hex);
                key = k;
            }
        }
        self.get(&self.t.mail, trees::MAIL, &key)
    }

    /// Every message taken in, oldest first.
    pub fn mail_records(&self) -> Result<Vec<MailRecord>, StoreError> {
        let mut all: Vec<MailRecord> = self.scan(&self.t.mail, trees::MAIL, b"s/")?;
        all.sort_by(|a, b| {
            a.received_at
                .cmp(&b.received_at)
                .then_with(|| a.message_id.cmp(&b.message_id))
        });
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MailAction;

    fn rec(id: &str, bytes: &[u8]) -> MailRecord {
        MailRecord {
            message_id: id.into(),
            sha256: Sha256::of(bytes),
            from: Some("a@example.org".into()),
            subject: None,
            date: None,
            desk: None,
            attributed_by: None,
            certificates: Vec::new(),
            action: MailAction::NeedsHuman,
            note: None,
            reply_message_id: None,
            reply_sent_at: None,
            thread: Vec::new(),
            source: "t.eml".into(),
            received_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_message_is_found_again_by_its_bytes_or_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
        let r = rec("x@y", b"one");
        assert!(store.mail_seen("x@y", &r.sha256).unwrap().is_none());
        store.write(|tx| tx.put_mail(&r)).unwrap();
        assert_eq!(store.mail_seen("", &r.sha256).unwrap(), Some(r.clone()));
        let other = Sha256::of(b"rewritten by the server");
        assert_eq!(store.mail_seen("x@y", &other).unwrap(), Some(r.clone()));
        assert!(store.mail_seen("z@y", &other).unwrap().is_none());
        store
            .write(|tx| {
                assert!(tx.mail_seen("x@y", &other)?.is_some());
                Ok(())
            })
            .unwrap();
        assert_eq!(store.mail_records().unwrap(), vec![r]);
    }
}
