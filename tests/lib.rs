//! vigie's integration tests: one test binary, each module a capability,
//! driving the real `vigie` binary in temporary data directories.

mod smtp;
mod support;

mod alerts;
mod desk;
