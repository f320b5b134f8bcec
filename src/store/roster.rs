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

use super::reader::{decoder, spawn_reader, Ordered};
use super::{trees, Store, StoreError};
use crate::model::{CertSummary, Desk, RosterEntry};

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
