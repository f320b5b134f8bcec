//! "Fin de vie" alerts: run those due now, send the team digest, read the
//! alert log, preview what a desk would receive, send a test message.

mod digest;
mod list;
mod preview;
mod run;
mod test;

pub use digest::digest;
pub use list::list;
pub use preview::preview;
pub use run::{dry_run, run, DryRun};
pub use test::test;
