//! Fingerprints: the certificate identity [`Sha256`] lives in the model
//! ([`crate::model`]); this path is kept for the code that names it here.

pub use crate::model::{Sha256, Sha256Error};
