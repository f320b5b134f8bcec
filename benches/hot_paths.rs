//! Micro-benchmarks of vigie's hot paths (divan): reading one certificate
//! in each shape it comes in (sniff, parse, fingerprint), the intake policy,
//! one `vigie status` row, and the store's reads and writes of a desk and a
//! certificate. The whole-process comparison with openssl, ssl-cert-check and
//! Python is `bench/compare.sh`.
//!
//! Run: `cargo bench --bench hot_paths`

use std::sync::LazyLock;
use std::time::Duration;

use chrono::Duration as Days;
use divan::{black_box, Bencher};
use vigie::cert::parse::CertInfo;
use vigie::cert::policy::{judge, Current};
use vigie::cert::sniff::sniff;
use vigie::cert::{CertRecord, CertSummary};
use vigie::certgen::{pem, pkcs7, Ca, Key, KeyKind, LeafSpec};

// RSA keys: the dev-only half of certgen.
#[allow(dead_code)]
#[path = "../tests/support/certgen.rs"]
mod devcert;
use vigie::clock::{parse_instant, Instant};
use vigie::desk::{Desk, DeskId, Email, Lang, Mode};
use vigie::store::Store;

fn main() {
    divan::main();
}

const DESK: &str = "732829320-00001";

fn now() -> Instant {
    parse_instant("2027-03-01T09:00:00Z").expect("a fixed instant")
}

/// One desk certificate per key kind, with the intermediate that issued it.
struct Leaf {
    der: Vec<u8>,
    ca: Vec<u8>,
}

fn leaf(kind: KeyKind) -> Leaf {
    let day = Days::days(1);
    let now = now();
    let root = Ca::root(
        "Racine banc",
        Key::generate(KeyKind::P256).expect("key"),
        now - day * 2000,
        now + day * 5000,
    )
    .expect("root");
    let inter = Ca::intermediate(
        "AC banc",
        Key::generate(KeyKind::P256).expect("key"),
        &root,
        now - day * 1500,
        now + day * 4000,
    )
    .expect("intermediate");
    let spec = LeafSpec::desk(
        DESK,
        "guichet@example.org",
        now - day * 30,
        now + day * 700,
        0x1234,
    );
    let key = match kind {
        KeyKind::Rsa(bits) => devcert::rsa_key(bits),
        KeyKind::P256 => Key::generate(kind),
    };
    let der = inter.issue(&spec, &key.expect("key")).expect("leaf");
    Leaf { der, ca: inter.der }
}

static P256: LazyLock<Leaf> = LazyLock::new(|| leaf(KeyKind::P256));
static RSA: LazyLock<Leaf> = LazyLock::new(|| leaf(KeyKind::Rsa(2048)));

fn shapes(l: &Leaf) -> [(&'static str, Vec<u8>); 5] {
    let p = pem("CERTIFICATE", &l.der);
    [
        ("der", l.der.clone()),
        ("pem", p.clone().into_bytes()),
        ("pem-crlf", p.replace('\n', "\r\n").into_bytes()),
        ("pkcs7-der", pkcs7(&[&l.der, &l.ca])),
        (
            "pkcs7-pem",
            pem("PKCS7", &pkcs7(&[&l.der, &l.ca])).into_bytes(),
        ),
    ]
}

/// What `cert inspect` and intake do with one file's bytes: sniff the shape,
/// parse every certificate, fingerprint it.
fn read_one(bytes: &[u8]) -> Vec<CertInfo> {
    sniff(bytes)
        .certs
        .iter()
        .map(|d| CertInfo::from_der(d).expect("a certificate"))
        .collect()
}

#[divan::bench(args = ["der", "pem", "pem-crlf", "pkcs7-der", "pkcs7-pem"])]
fn sniff_parse_fingerprint_p256(b: Bencher, shape: &str) {
    let bytes = shapes(&P256)
        .into_iter()
        .find(|(s, _)| *s == shape)
        .expect("a shape")
        .1;
    b.bench(|| read_one(black_box(&bytes)));
}

#[divan::bench(args = ["der", "pem", "pkcs7-der"])]
fn sniff_parse_fingerprint_rsa2048(b: Bencher, shape: &str) {
    let bytes = shapes(&RSA)
        .into_iter()
        .find(|(s, _)| *s == shape)
        .expect("a shape")
        .1;
    b.bench(|| read_one(black_box(&bytes)));
}

#[divan::bench]
fn current_from_stored_der(b: Bencher) {
    let der = P256.der.clone();
    b.bench(|| Current::from_der(black_box(&der)));
}

#[divan::bench]
fn policy_check(b: Bencher) {
    let info = CertInfo::from_der(&P256.der).expect("leaf");
    let old = CertInfo::from_der(&RSA.der).expect("leaf");
    let current = Current {
        not_after: now() + Days::days(10),
        ..Current::of(&old)
    };
    let desk = DeskId::parse(DESK).expect("desk id");
    let rules = vigie::config::Intake::default();
    b.bench(|| {
        judge(
            black_box(&info),
            &desk,
            Some(&current),
            &rules,
            now(),
            false,
            None,
        )
    });
}

fn desk(i: u32) -> Desk {
    Desk {
        id: DeskId::parse(&format!("732829320-{i:05}")).expect("desk id"),
        name: format!("Guichet de banc {i}"),
        emails: vec![Email::parse(&format!("guichet{i}@example.org")).expect("email")],
        department: None,
        mode: Mode::Async,
        lang: Lang::Fr,
        thresholds: None,
        suspended: false,
        settings: Default::default(),
    }
}

fn summary() -> CertSummary {
    let i = CertInfo::from_der(&P256.der).expect("leaf");
    CertSummary {
        sha256: i.sha256,
        subject: i.subject,
        issuer: i.issuer,
        serial: i.serial,
        not_before: i.not_before,
        not_after: i.not_after,
        push: None,
    }
}

#[divan::bench]
fn status_row(b: Bencher) {
    let d = desk(1);
    let s = summary();
    let bands = vigie::config::Status::default();
    let tz = chrono_tz::Europe::Paris;
    b.bench(|| vigie::status::row(black_box(&d), Some(&s), now(), tz, &bands));
}

fn record(i: u32) -> CertRecord {
    let info = CertInfo::from_der(&P256.der).expect("leaf");
    CertRecord {
        sha256: vigie::fingerprint::Sha256::of(&i.to_be_bytes()),
        desk: desk(i).id,
        subject: info.subject,
        issuer: info.issuer,
        serial: info.serial,
        not_before: info.not_before,
        not_after: info.not_after,
        der: P256.der.clone(),
        original: pem("CERTIFICATE", &P256.der).into_bytes(),
        source: "guichet.cer".into(),
        chain: vec![P256.ca.clone()],
        ingested_at: now(),
        ingested_by: "banc".into(),
        warnings: Vec::new(),
    }
}

/// A store of 1,000 desks each with a current certificate.
fn filled_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), Duration::from_secs(5)).expect("store");
    store
        .write(|tx| {
            for i in 0..1000 {
                tx.put_desk(&desk(i))?;
                let r = record(i);
                tx.put_cert(&r)?;
                tx.set_current(&r.desk, &r.sha256)?;
            }
            Ok(())
        })
        .expect("fill");
    (dir, store)
}

#[divan::bench]
fn store_read_desk(b: Bencher) {
    let (_dir, store) = filled_store();
    let id = desk(500).id;
    b.bench(|| store.desk(black_box(&id)).expect("read"));
}

#[divan::bench]
fn store_read_cert(b: Bencher) {
    let (_dir, store) = filled_store();
    let sha = record(500).sha256;
    b.bench(|| store.cert(black_box(&sha)).expect("read"));
}

#[divan::bench]
fn store_read_current_summary(b: Bencher) {
    let (_dir, store) = filled_store();
    let id = desk(500).id;
    b.bench(|| store.current_summary(black_box(&id)).expect("read"));
}

/// The roster of 1,000 desks (desks and current summaries merged, each
/// tree decoded on its own thread): what status, check, planning and the
/// metrics read; divide by 1,000 for the cost per desk.
#[divan::bench]
fn store_roster_1000_desks(b: Bencher) {
    let (_dir, store) = filled_store();
    b.bench(|| {
        let mut n = 0;
        store
            .roster(|e| {
                n += usize::from(e.cert.is_some());
                Ok::<(), vigie::store::StoreError>(())
            })
            .expect("roster");
        black_box(n)
    });
}

/// One desk written in its own transaction, flushed: what `vigie desk add`
/// pays, dominated by the flush.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn store_write_desk_flushed(b: Bencher) {
    let (_dir, store) = filled_store();
    let mut i = 2000;
    b.bench_local(|| {
        i += 1;
        store.write(|tx| tx.put_desk(&desk(i))).expect("write");
    });
}

/// 500 certificates (record, history, current pointer) in one transaction,
/// flushed once: what bulk intake pays per batch, per certificate.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn store_write_500_certs_flushed(b: Bencher) {
    let (_dir, store) = filled_store();
    let mut base = 10_000;
    b.bench_local(|| {
        base += 500;
        store
            .write(|tx| {
                for i in base..base + 500 {
                    let r = record(i);
                    tx.put_cert(&r)?;
                    tx.set_current(&r.desk, &r.sha256)?;
                }
                Ok(())
            })
            .expect("write");
    });
}

/// Alert planning for one desk whose certificate crossed a threshold, with
/// an empty alert log: the planner's cost per desk.
#[divan::bench]
fn alert_plan_per_desk(b: Bencher) {
    use vigie::alerts::plan::{plan, DeskCert, Rules};
    let d = desk(1);
    let mut rec = record(1);
    rec.desk = d.id.clone();
    rec.not_after = now() + Days::days(25);
    let summary = rec.summary();
    let rules = Rules::from_config(&vigie::config::Config::default());
    let log = std::collections::HashSet::<Vec<u8>>::new();
    b.bench(|| {
        plan(
            black_box(&[DeskCert {
                desk: &d,
                cert: Some(&summary),
            }]),
            &log,
            &rules,
            now(),
        )
    });
}
