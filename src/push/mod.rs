//! Pushing accepted certificates to the national configuration.

mod job;

pub use job::{PushJob, PushState};
