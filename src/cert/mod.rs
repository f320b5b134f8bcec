//! Certificates: reading renewed `.cer` files in whatever shape they come,
//! deciding whether to accept them, and keeping them in one normal form.

mod record;

pub use record::{CertRecord, CertSummary};
