//! `vigie alerts test ADDRESS`: one sample message, worded as a desk's
//! threshold alert with sample data, through the configured transport, so
//! that the team sees what its SMTP server answers before a desk depends on
//! it. Nothing is recorded: no store is opened.

use super::context::URGENT_DAYS;
use super::deliver::build_message;
use super::plan::Rules;
use super::sample;
use super::templates::Templates;
use super::transport::{Delivered, SendError, Transport};
use super::{AlertError, AlertKind, AlertRecord, AlertSubject};
use crate::clock::Instant;
use crate::config::Config;
use crate::desk::{DeskId, Email, Lang};
use crate::model::Sha256;
use std::path::Path;

/// Sends the sample message to `to`. The outer error is vigie's (a broken
/// template, unusable SMTP settings); the inner result is the server's
/// answer: delivered, or refused, or not reachable.
pub fn send(
    config: &Config,
    data_dir: &Path,
    now: Instant,
    to: &Email,
) -> Result<Result<Delivered, SendError>, AlertError> {
    let ctx = sample::context(AlertKind::Threshold, config);
    let templates = Templates::new(config.templates_dir.as_deref());
    let mut rendered = templates.message(AlertKind::Threshold, Lang::Fr, &ctx.value())?;
    rendered.subject = format!("Message d'essai de vigie — {}", rendered.subject);
    let note = "Ceci est un message d'essai envoyé par « vigie alerts test » : voici comment \
                les guichets reçoivent les alertes (données d'exemple). This is a test message \
                sent by \"vigie alerts test\", with sample data.";
    rendered.text = format!("{note}\n\n{}", rendered.text);
    rendered.html = match rendered.html.find("<p") {
        Some(i) => format!(
            "{}<p><em>{}</em></p>\n{}",
            &rendered.html[..i],
            // The note holds no markup; its quotes are escaped for form.
            note.replace('"', "&quot;"),
            &rendered.html[i..]
        ),
        None => rendered.html,
    };
    // A random Message-ID: a test is never a repeat of another.
    let mut nonce = [0u8; 12];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut nonce)
        .map_err(|_| {
            AlertError::Installation(std::io::Error::other(
                "the system's random generator failed",
            ))
        })?;
    let domain = Rules::from_config(config).message_id_domain;
    // The sample desk, as `vigie templates check` shows it.
    let desk = DeskId::parse("732829320-00001").map_err(|e| AlertError::Config(e.to_string()))?;
    let rec = AlertRecord {
        recipients: vec![to.to_string()],
        message_id: Some(format!("<vigie.test.{}@{domain}>", hex::encode(nonce))),
        ..AlertRecord::pending(
            AlertSubject::Threshold {
                desk,
                cert: Sha256::of(b"vigie alerts test"),
                days: URGENT_DAYS,
            },
            now,
        )
    };
    let message = build_message(&rec, &rendered, config, now).map_err(AlertError::Config)?;
    let transport = Transport::from_config(config, data_dir)?;
    let stem = format!("test-{}", hex::encode(nonce));
    Ok(transport.send(&message, &stem))
}
