//! Pushes to the national configuration: run those due, list them, re-arm a
//! failed one.

mod list;
mod retry;
mod run;

pub use list::list;
pub use retry::retry;
pub use run::{due, due_changes, run};
