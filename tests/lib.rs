//! vigie's integration tests: one test binary, each module a capability,
//! driving the real `vigie` binary in temporary data directories.

mod support;

mod desk;
mod intake;
