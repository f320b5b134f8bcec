//! Certificates: reading renewed `.cer` files in whatever shape they come,
//! deciding whether to accept them, and keeping them in one normal form.
//!
//! `sniff` tells what a file holds, `parse` reads each certificate, `bundle`
//! picks the leaf, `attribute` finds its desk, `chain` checks it against the
//! trust anchors, `issuers` against the known issuers when there are none,
//! `policy` judges it (pure), `reason` says why in French and English,
//! `ingest` writes the decision, `normal` is the normal form.

pub mod attribute;
pub mod bundle;
pub mod chain;
pub mod ingest;
pub mod issuers;
pub mod normal;
pub mod parse;
pub mod policy;
pub mod reason;
pub mod sniff;

pub use crate::model::{CertRecord, CertSummary};
