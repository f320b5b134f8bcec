//! The long-running service: `vigie serve`.

pub mod schedule;
