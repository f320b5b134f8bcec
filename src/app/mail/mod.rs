//! Mail intake's operations (DESIGN §10): taking in messages from files
//! (`mail ingest`), and listing what was taken in (`mail list`).

mod fetch;
mod ingest;
mod list;
mod reply;
mod take;

pub use fetch::{fetch, fetch_until};
pub use ingest::{ingest, Ingested};
pub use list::list;
pub use reply::{send_due, ReplyFailure};
pub use take::Taker;
