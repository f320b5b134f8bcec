//! Mail intake's operations (DESIGN §10): taking in messages from files
//! (`mail ingest`), and listing what was taken in (`mail list`).

mod ingest;
mod list;
mod take;

pub use ingest::ingest;
pub use list::list;
pub use take::Taker;
