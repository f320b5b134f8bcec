//! "Fin de vie" alerts: which messages are due, and their delivery.

mod record;

pub use record::{AlertKind, AlertRecord, AlertState};
