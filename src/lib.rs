//! vigie: a certificate lifecycle manager for the registration desks of the
//! French national register of social-housing applications (SNE).
//!
//! It tracks every desk and its certificate, warns desks ahead of expiry,
//! takes in their renewed `.cer` files, and pushes accepted certificates to the
//! national configuration. The library holds everything; the `vigie` binary is
//! a thin shell over [`cli`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alerts;
pub mod app;
pub mod audit;
pub mod campaign;
pub mod cert;
pub mod certgen;
pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod escape;
pub mod fingerprint;
pub mod fsutil;
pub mod mail;
pub mod model;
pub mod push;
pub mod report;
pub mod service;
pub mod status;
pub mod store;
