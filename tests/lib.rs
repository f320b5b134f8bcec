//! vigie's integration tests: one test binary, each module a capability,
//! driving the real `vigie` binary in temporary data directories.

mod https_server;
mod smtp;
mod support;

mod alerts;
mod architecture;
mod backup;
mod bounce;
mod campaign;
mod changes;
mod cli;
mod config_doc;
mod crash;
mod demo;
mod desk;
mod digest_png;
mod faults;
mod intake;
mod intake_policy;
mod mail;
mod mail_imap;
mod messages;
mod push;
mod report;
mod report_bounce;
mod report_dashboard;
mod report_html;
mod service;
mod what_if;
