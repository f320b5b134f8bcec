//! Benchmark data for `bench/compare.sh`: N desks (a CSV for `vigie desk
//! import`) and one certificate file per desk, in shapes that rotate through
//! DER, PEM (LF, CRLF, with "Bag Attributes", with its chain), Base64 without
//! armour and PKCS#7 (DER and PEM); a quarter of the leaves hold an RSA-2048
//! key (from a pool of four: generating RSA keys is slow), the rest P-256.
//!
//! Run: `cargo run --release --example make_bench_data -- OUT_DIR [N [NOW]]`
//!
//! NOW (RFC 3339, default 2027-03-01T09:00:00Z) is the instant the validity
//! periods are counted from; a second run with a later NOW makes renewals of
//! the same desks (same identifiers and addresses, new keys and a new CA), as
//! `bench/month.sh` uses them.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::Duration;
use vigie::certgen::{pem, pkcs7, Ca, Key, KeyKind, LeafSpec};

// RSA keys: the dev-only half of certgen.
#[allow(dead_code)]
#[path = "../tests/support/certgen.rs"]
mod devcert;
use vigie::clock::parse_instant;

/// Completes 8 digits with their Luhn check digit: a well-formed SIREN.
fn siren(base: u32) -> String {
    let digits = format!("{base:08}");
    for check in 0..10 {
        let s = format!("{digits}{check}");
        if vigie::desk::luhn_ok(&s) {
            return s;
        }
    }
    unreachable!("one of ten check digits always fits")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .expect("usage: make_bench_data OUT_DIR [N [NOW]]"),
    );
    let n: u32 = args.next().map_or(10_000, |s| s.parse().expect("N"));
    let now = args.next().unwrap_or_else(|| "2027-03-01T09:00:00Z".into());
    let certs = out.join("certs");
    std::fs::create_dir_all(&certs).expect("create OUT_DIR/certs");
    let now = parse_instant(&now).expect("NOW: an RFC 3339 instant");
    let day = Duration::days(1);
    let root = Ca::root(
        "Racine banc vigie",
        Key::generate(KeyKind::P256).expect("key"),
        now - day * 2000,
        now + day * 5000,
    )
    .expect("root");
    let inter = Ca::intermediate(
        "AC banc vigie",
        Key::generate(KeyKind::P256).expect("key"),
        &root,
        now - day * 1500,
        now + day * 4000,
    )
    .expect("intermediate");
    let inter_pem = pem("CERTIFICATE", &inter.der);
    // The issuing CA, for a team's `[intake] known_issuers_dir`: a second run
    // makes a CA of the same name with a new key, which intake rightly does
    // not take for the first one.
    let anchors = out.join("anchors");
    std::fs::create_dir_all(&anchors).expect("create OUT_DIR/anchors");
    std::fs::write(anchors.join("intermediate.pem"), &inter_pem).expect("write the CA");
    let rsa: Vec<Key> = (0..4)
        .map(|_| devcert::rsa_key(2048).expect("RSA key"))
        .collect();
    let mut csv = String::from("identifiant;nom;courriel;département\n");
    for i in 0..n {
        let desk = format!("{}-{:05}", siren(10_000_000 + i), i % 100_000);
        let email = format!("guichet{i}@example.org");
        writeln!(csv, "{desk};Guichet de banc {i};{email};69").expect("write to String");
        let p256;
        let key = if (i / 8) % 4 == 3 {
            &rsa[(i as usize / 32) % rsa.len()]
        } else {
            p256 = Key::generate(KeyKind::P256).expect("key");
            &p256
        };
        let spec = LeafSpec::desk(
            &desk,
            &email,
            now - day * (i as i32 % 300),
            now + day * (300 + i as i32 % 700),
            0x10000 + u64::from(i),
        );
        let der = inter.issue(&spec, key).expect("leaf");
        let p = pem("CERTIFICATE", &der);
        let (name, bytes): (String, Vec<u8>) = match i % 8 {
            0 => (format!("{i:05}.cer"), der),
            1 => (format!("{i:05}-lf.cer"), p.into_bytes()),
            2 => (
                format!("{i:05}-crlf.cer"),
                p.replace('\n', "\r\n").into_bytes(),
            ),
            3 => (
                format!("{i:05}-bag.pem"),
                format!("Bag Attributes\n    friendlyName: {desk}\nsubject=/CN={desk}\n{p}")
                    .into_bytes(),
            ),
            4 => (
                format!("{i:05}-chain.pem"),
                format!("{p}{inter_pem}").into_bytes(),
            ),
            5 => (
                format!("{i:05}-b64.cer"),
                p.lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<Vec<_>>()
                    .join("\r\n")
                    .into_bytes(),
            ),
            6 => (format!("{i:05}.p7b"), pkcs7(&[&der, &inter.der])),
            _ => (
                format!("{i:05}-p7b.pem"),
                pem("PKCS7", &pkcs7(&[&der, &inter.der])).into_bytes(),
            ),
        };
        std::fs::write(certs.join(name), bytes).expect("write certificate");
    }
    std::fs::write(out.join("desks.csv"), csv).expect("write desks.csv");
    eprintln!("{n} desks and certificates in {}", out.display());
}
