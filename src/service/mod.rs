//! The long-running service, `vigie serve`: cron-driven jobs in local time,
//! catch-up after downtime, health and metrics over HTTP.

pub mod dashboard;
pub mod http;
pub mod jobs;
pub mod metrics;
mod reader;
mod runner;

pub use runner::{serve, Options};
