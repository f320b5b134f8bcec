//! Reading a tree (or a range of it) in key order on a thread of its own,
//! decoded, in batches handed over through a bounded channel: the caller
//! works on one batch while the next is read and decoded, and memory stays
//! bounded however long the tree. The roster merges two such readers; the
//! audit log is read by two, each over half of it.

use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use serde::de::DeserializeOwned;

use super::codec::decode;
use super::{Store, StoreError};

/// Values handed over per batch: large enough that the channel costs
/// nothing, small enough that memory stays flat.
const BATCH: usize = 512;
/// Batches a reader may get ahead of the merge.
const AHEAD: usize = 4;

pub(super) type Batch<T> = Result<Vec<(sled::IVec, T)>, StoreError>;

/// Reads a whole tree in key order on its own thread, decoding each value
/// with `decode_one`; stops early when the receiving end is dropped.
pub(super) fn spawn_reader<'s, T: Send + 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    tree: &'s sled::Tree,
    store: &'s Store,
    decode_one: impl Fn(&[u8], &[u8]) -> Result<T, StoreError> + Send + 's,
) -> Receiver<Batch<T>> {
    spawn_range_reader(scope, tree.iter(), AHEAD, store, decode_one)
}

/// [`spawn_reader`] over the keys `keys` yields, getting up to `ahead`
/// batches ahead of the caller.
pub(super) fn spawn_range_reader<'s, T: Send + 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    keys: sled::Iter,
    ahead: usize,
    store: &'s Store,
    decode_one: impl Fn(&[u8], &[u8]) -> Result<T, StoreError> + Send + 's,
) -> Receiver<Batch<T>> {
    let (tx, rx): (SyncSender<Batch<T>>, _) = sync_channel(ahead);
    scope.spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for item in keys {
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
    pub(super) fn take_group(
        &mut self,
        key: &[u8],
        mut each: impl FnMut(T),
    ) -> Result<(), StoreError> {
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
