//! The roster: every desk with its current certificate's summary (which
//! carries the state of that certificate's push), read as one ordered pass.
//!
//! `vigie status`, `vigie check`, the metrics and the alert planner all want
//! the same join. The desks and the current summaries are both keyed by the
//! desk id, so the join is a merge of two ordered scans, and no map of
//! 100,000 entries is ever built. Each tree is read and decoded on its own
//! thread (decoding is most of the work), in batches handed over through
//! bounded channels: memory stays flat in the number of desks, and the caller
//! sees the rows in desk order as they come.

use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use serde::de::DeserializeOwned;

use super::codec::decode;
use super::{trees, Store, StoreError};
use crate::cert::CertSummary;
use crate::desk::Desk;

/// Values handed over per batch: large enough that the channel costs
/// nothing, small enough that memory stays flat.
const BATCH: usize = 512;
/// Batches a reader may get ahead of the merge.
const AHEAD: usize = 4;

/// One desk of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// The desk.
    pub desk: Desk,
    /// Its current certificate, if it has one, with the state of its push.
    pub cert: Option<CertSummary>,
}

type Batch<T> = Result<Vec<(sled::IVec, T)>, StoreError>;

/// Reads a whole tree in key order on its own thread, decoding each value
/// with `decode_one`; stops early when the receiving end is dropped.
pub(super) fn spawn_reader<'s, T: Send + 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    tree: &'s sled::Tree,
    store: &'s Store,
    decode_one: impl Fn(&[u8], &[u8]) -> Result<T, StoreError> + Send + 's,
) -> Receiver<Batch<T>> {
    let (tx, rx): (SyncSender<Batch<T>>, _) = sync_channel(AHEAD);
    scope.spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for item in tree.iter() {
            let decoded = item
                .map_err(|e| store.engine(e))
                .and_then(|(k, v)| decode_one(&k, &v).map(|t| (k, t)));
            match decoded {
                Ok(kv) => batch.push(kv),
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
            if batch.len() == BATCH
                && tx
                    .send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))
                    .is_err()
            {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(Ok(batch));
        }
    });
    rx
}

pub(super) fn decoder<T: DeserializeOwned>(
    tree: &'static str,
) -> impl Fn(&[u8], &[u8]) -> Result<T, StoreError> {
    move |k, v| decode(v, tree, k)
}

/// One side of the merge: the ordered values of a reader, one at a time.
pub(super) struct Ordered<T> {
    rx: Receiver<Batch<T>>,
    buf: VecDeque<(sled::IVec, T)>,
    done: bool,
}

impl<T> Ordered<T> {
    pub(super) fn new(rx: Receiver<Batch<T>>) -> Self {
        Ordered {
            rx,
            buf: VecDeque::new(),
            done: false,
        }
    }

    /// The next key, without taking it.
    pub(super) fn peek(&mut self) -> Result<Option<&sled::IVec>, StoreError> {
        while self.buf.is_empty() && !self.done {
            match self.rx.recv() {
                Ok(batch) => self.buf.extend(batch?),
                Err(_) => self.done = true,
            }
        }
        Ok(self.buf.front().map(|(k, _)| k))
    }

    pub(super) fn take(&mut self) -> Option<(sled::IVec, T)> {
        self.buf.pop_front()
    }

    /// Skips every value whose key sorts before `key`, then takes those
    /// whose key equals it.
    fn take_group(&mut self, key: &[u8], mut each: impl FnMut(T)) -> Result<(), StoreError> {
        while let Some(k) = self.peek()? {
            match k.as_ref().cmp(key) {
                std::cmp::Ordering::Less => {
                    self.take();
                }
                std::cmp::Ordering::Equal => {
                    if let Some((_, v)) = self.take() {
                        each(v);
                    }
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        Ok(())
    }
}

impl Store {
    /// Calls `each` with every desk, in id order, joined with its current
    /// certificate's summary. Stops at the first error `each` returns.
    pub fn roster<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(RosterEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        std::thread::scope(|s| {
            let mut desks = Ordered::new(spawn_reader(
                s,
                &self.t.desks,
                self,
                decoder::<Desk>(trees::DESKS),
            ));
            let mut current = Ordered::new(spawn_reader(
                s,
                &self.t.current,
                self,
                decoder::<CertSummary>(trees::CURRENT),
            ));
            while desks.peek()?.is_some() {
                let Some((key, desk)) = desks.take() else {
                    break;
                };
                let mut cert = None;
                current.take_group(&key, |c| cert = Some(c))?;
                each(RosterEntry { desk, cert })?;
            }
            Ok(())
        })
    }
}
