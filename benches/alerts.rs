//! Alerts benchmark: planning time for 100,000 desks, and messages per second
//! delivered to a loopback SMTP server with connection reuse (1,000 messages),
//! both bare (built messages handed to the transport) and through the whole
//! `alerts::run` (render, record pending, send, mark sent, each mark flushed).
//!
//! Run with `cargo bench --bench alerts`; figures go to docs/PERFORMANCE.md.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant as Clock};

use vigie::alerts::plan::{plan, DeskCert, Rules};
use vigie::alerts::templates::Rendered;
use vigie::alerts::transport::Transport;
use vigie::alerts::{deliver, AlertRecord, AlertSubject};
use vigie::cert::CertRecord;
use vigie::config::Config;
use vigie::desk::{Desk, DeskId, Email, Lang, Mode};
use vigie::fingerprint::Sha256;
use vigie::store::Store;

#[path = "../tests/smtp/mod.rs"]
mod smtp;

fn desk(i: u32) -> Desk {
    Desk {
        id: DeskId::parse(&format!("{:09}-{:05}", 100_000_000 + i / 100, i % 100)).unwrap(),
        name: format!("Guichet {i}"),
        emails: vec![Email::parse(&format!("g{i}@example.org")).unwrap()],
        department: None,
        mode: Mode::Async,
        lang: Lang::Fr,
        thresholds: None,
        suspended: false,
        settings: Default::default(),
    }
}

fn cert(d: &Desk, not_after: vigie::clock::Instant) -> CertRecord {
    CertRecord {
        sha256: Sha256::of(d.id.as_str().as_bytes()),
        desk: d.id.clone(),
        subject: format!("CN={}", d.name),
        issuer: "CN=Exemple AC, O=Exemple Certification".into(),
        serial: "01".into(),
        not_before: not_after - chrono::Duration::days(1095),
        not_after,
        der: vec![],
        original: vec![],
        source: "x.cer".into(),
        chain: vec![],
        ingested_at: not_after - chrono::Duration::days(1095),
        ingested_by: "bench".into(),
        warnings: vec![],
    }
}

fn main() {
    let now = vigie::clock::parse_instant("2027-06-18T07:00:00Z").unwrap();
    let config_base = Config::default();

    // Planning: 100,000 desks, certificates ending over the next three years,
    // a tenth of them within the thresholds.
    let desks: Vec<Desk> = (0..100_000).map(desk).collect();
    let certs: Vec<CertRecord> = desks
        .iter()
        .enumerate()
        .map(|(i, d)| {
            cert(
                d,
                now + chrono::Duration::hours((i as i64 * 263) % (3 * 365 * 24) - 24 * 30),
            )
        })
        .collect();
    let summaries: Vec<_> = certs.iter().map(CertRecord::summary).collect();
    let dcs: Vec<DeskCert<'_>> = desks
        .iter()
        .zip(&summaries)
        .map(|(d, c)| DeskCert {
            desk: d,
            cert: Some(c),
        })
        .collect();
    let rules = Rules::from_config(&config_base);
    let log: HashSet<Vec<u8>> = HashSet::new();
    let mut best = Duration::MAX;
    let mut due = 0;
    for _ in 0..5 {
        let t = Clock::now();
        due = plan(&dcs, &log, &rules, now).due.len();
        best = best.min(t.elapsed());
    }
    println!(
        "plan: 100000 desks, {due} due, best of 5: {:.1} ms",
        best.as_secs_f64() * 1e3
    );

    // Bare delivery: 1,000 built messages over the transport's one connection.
    let server = smtp::SmtpServer::start();
    let toml = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigie@example.org\"\n",
        server.port()
    );
    let config = Config::parse(&toml, Path::new("bench")).unwrap();
    let transport = Transport::from_config(&config, Path::new("/nonexistent")).unwrap();
    let rendered = Rendered {
        subject: "Alerte de fin de vie du certificat pour le guichet 100000000-00001".into(),
        text: "Bonjour,\n\nLe certificat arrive en fin de vie le 30/06/2027.\n".repeat(20),
        html: "<p>Le certificat arrive en fin de vie le 30/06/2027.</p>\n".repeat(20),
    };
    let messages: Vec<lettre::Message> = (0..1000)
        .map(|i| {
            let threshold = AlertSubject::Threshold {
                desk: DeskId::parse("100000000-00001").unwrap(),
                cert: Sha256::of(format!("cert {i}").as_bytes()),
                days: 30,
            };
            let rec = AlertRecord {
                message_id: Some(format!("<bench.{i}@example.org>")),
                recipients: vec![format!("g{i}@example.org")],
                ..AlertRecord::pending(threshold, now)
            };
            deliver::build_message(&rec, &rendered, &config, now).unwrap()
        })
        .collect();
    let t = Clock::now();
    for (i, m) in messages.iter().enumerate() {
        transport.send(m, &format!("m{i}")).unwrap();
    }
    let bare = t.elapsed();
    println!(
        "smtp bare: 1000 messages in {:.2} s = {:.0} msg/s",
        bare.as_secs_f64(),
        1000.0 / bare.as_secs_f64()
    );
    drop(transport);

    // Whole run: 1,000 desks all due, rendered, recorded and marked.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(5)).unwrap();
    store
        .write(|tx| {
            for d in desks.iter().take(1000) {
                tx.put_desk(d)?;
                let c = cert(d, now + chrono::Duration::days(20));
                tx.put_cert(&c)?;
                tx.set_current(&d.id, &c.sha256)?;
            }
            Ok(())
        })
        .unwrap();
    let before = server.messages().len();
    let t = Clock::now();
    let s = vigie::alerts::run(&store, &config, dir.path(), now, "bench", false).unwrap();
    let full = t.elapsed();
    assert_eq!(s.total().sent, 1000);
    assert_eq!(server.messages().len() - before, 1000);
    println!(
        "alerts run: 1000 messages in {:.2} s = {:.0} msg/s (render + pending record + send + flushed sent mark)",
        full.as_secs_f64(),
        1000.0 / full.as_secs_f64()
    );
    server.stop();
}
