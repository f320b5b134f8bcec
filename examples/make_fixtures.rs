//! Rewrites `certs-fixtures/` and its `manifest.json`: a test CA (root,
//! intermediate, an RSA root), desk certificates covering every verdict of the
//! intake policy, in every shape a desk may send, and files that are not
//! certificates. The manifest says what each file is and what vigie must say
//! of it when ingested (dry run) into the manifest's desks at its `now`,
//! after the `baseline` files were ingested.
//!
//! Run: `cargo run --example make_fixtures`

use std::path::Path;

use chrono::Duration;
use rcgen::ExtendedKeyUsagePurpose as Eku;
use serde_json::{json, Value};
use vigie::cert::parse::CertInfo;
use vigie::certgen::{pem, pkcs7, Ca, Key, KeyKind, LeafSpec};

// RSA keys, SHA-1, PKCS#12 and CSR: the dev-only half of certgen.
#[path = "../tests/support/certgen.rs"]
mod devcert;
use devcert::{pkcs12, resign_sha1};
use vigie::clock::{parse_instant, rfc3339};

const NOW: &str = "2027-03-01T09:00:00Z";

const D1: &str = "732829320-00001";
const D2: &str = "732829320-00002";
const D3: &str = "552100554-00001";
const D4: &str = "130025265-00001";
const D5: &str = "210690240-00001";

struct Out {
    dir: std::path::PathBuf,
    files: Vec<Value>,
}

impl Out {
    fn write(&mut self, name: &str, bytes: &[u8], expect: Value) {
        std::fs::write(self.dir.join(name), bytes).expect("write fixture");
        let mut e = expect;
        e["file"] = json!(name);
        self.files.push(e);
    }
}

fn cert_json(der: &[u8]) -> Value {
    let i = CertInfo::from_der(der).expect("generated certificate parses");
    json!({
        "sha256": i.sha256.to_hex(),
        "subject": i.subject,
        "issuer": i.issuer,
        "serial": i.serial,
        "not_before": rfc3339(i.not_before),
        "not_after": rfc3339(i.not_after),
    })
}

fn expect(
    format: Option<&str>,
    certs: &[&[u8]],
    verdict: &str,
    reason: Option<&str>,
    desk: Option<&str>,
) -> Value {
    json!({
        "format": format,
        "inspect_error": if certs.is_empty() || reason == Some("private_key") { reason } else { None },
        "verdict": verdict,
        "reason": reason,
        "warnings": [],
        "desk": desk,
        "certificates": certs.iter().map(|c| cert_json(c)).collect::<Vec<_>>(),
    })
}

fn with_warnings(mut v: Value, w: &[&str]) -> Value {
    v["warnings"] = json!(w);
    v
}

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("certs-fixtures");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create certs-fixtures");
    let mut out = Out {
        dir: dir.clone(),
        files: Vec::new(),
    };
    let now = parse_instant(NOW).expect("NOW");
    let day = Duration::days(1);
    let p256 = || Key::generate(KeyKind::P256).expect("P-256 key");

    let root = Ca::root(
        "Racine de test vigie",
        p256(),
        now - day * 2000,
        now + day * 5000,
    )
    .expect("root");
    let inter = Ca::intermediate(
        "AC intermediaire de test vigie",
        p256(),
        &root,
        now - day * 1500,
        now + day * 4000,
    )
    .expect("intermediate");
    let rsa_root = Ca::root(
        "AC RSA de test vigie",
        devcert::rsa_key(2048).expect("RSA key"),
        now - day * 2000,
        now + day * 5000,
    )
    .expect("RSA root");
    std::fs::create_dir_all(dir.join("anchors")).expect("anchors dir");
    std::fs::write(dir.join("anchors/root.pem"), pem("CERTIFICATE", &root.der)).expect("root");
    std::fs::write(
        dir.join("anchors/rsa-root.pem"),
        pem("CERTIFICATE", &rsa_root.der),
    )
    .expect("rsa root");

    let mail = |d: &str| format!("guichet-{}@example.org", &d[10..]);
    let spec = |d: &str, nb: i32, na: i32, serial: u64| {
        let mut s = LeafSpec::desk(d, &mail(d), now + day * nb, now + day * na, serial);
        s.organization = format!("Organisme {}", &d[..9]);
        s
    };

    // The valid desk certificate, in every shape.
    let k1 = p256();
    let valid = inter
        .issue(&spec(D1, -10, 1000, 0x1001), &k1)
        .expect("valid");
    let valid_pem = pem("CERTIFICATE", &valid);
    let ok = |fmt: &str, certs: &[&[u8]]| expect(Some(fmt), certs, "accepted", None, Some(D1));
    out.write("valid.der.cer", &valid, ok("der", &[&valid]));
    out.write(
        "valid-lf.pem.cer",
        valid_pem.as_bytes(),
        ok("pem", &[&valid]),
    );
    out.write(
        "valid-crlf.pem.cer",
        crlf(&valid_pem).as_bytes(),
        ok("pem", &[&valid]),
    );
    let bag = format!(
        "Bag Attributes\n    localKeyID: 01 00 00 00\n    friendlyName: Guichet {D1}\nsubject=/C=FR/CN=Guichet {D1}\nissuer=/C=FR/CN=AC intermediaire de test vigie\n{valid_pem}\n"
    );
    out.write(
        "valid-bag-attributes.pem",
        crlf(&bag).as_bytes(),
        ok("pem", &[&valid]),
    );
    let chain_pem = format!(
        "{valid_pem}{}{}",
        pem("CERTIFICATE", &inter.der),
        pem("CERTIFICATE", &root.der)
    );
    out.write(
        "valid-chain.pem",
        chain_pem.as_bytes(),
        ok("pem", &[&valid, &inter.der, &root.der]),
    );
    let b64: String = valid_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\r\n");
    out.write("valid-base64.cer", b64.as_bytes(), ok("base64", &[&valid]));
    let p7 = pkcs7(&[&valid, &inter.der]);
    out.write("valid.p7b", &p7, ok("pkcs7-der", &[&valid, &inter.der]));
    out.write(
        "valid-p7b.pem",
        pem("PKCS7", &p7).as_bytes(),
        ok("pkcs7-pem", &[&valid, &inter.der]),
    );
    let text = format!("Certificate:\n    Data:\n        Version: 3 (0x2)\n        Serial Number: 4097 (0x1001)\n{valid_pem}");
    out.write(
        "valid-openssl-text.pem",
        text.as_bytes(),
        ok("pem", &[&valid]),
    );
    out.write(
        "truncated.cer",
        &valid[..valid.len() / 2],
        expect(None, &[], "refused", Some("unreadable"), None),
    );
    // A lone trailing garbage byte after DER, as some tools leave.
    let mut stray = valid.clone();
    stray.extend_from_slice(b"\n\0");
    out.write("valid-stray-bytes.cer", &stray, ok("der", &[&valid]));

    // Verdicts.
    let expired = inter
        .issue(&spec(D1, -1200, -10, 0x1002), &p256())
        .expect("expired");
    out.write(
        "expired.cer",
        &expired,
        expect(
            Some("der"),
            &[&expired],
            "refused",
            Some("expired"),
            Some(D1),
        ),
    );
    let soon = inter
        .issue(&spec(D1, 10, 1100, 0x1003), &p256())
        .expect("soon");
    out.write(
        "not-yet-valid-soon.cer",
        &soon,
        with_warnings(
            expect(Some("der"), &[&soon], "accepted", None, Some(D1)),
            &["not_yet_valid"],
        ),
    );
    let far = inter
        .issue(&spec(D1, 60, 1100, 0x1004), &p256())
        .expect("far");
    out.write(
        "not-yet-valid-far.cer",
        &far,
        expect(
            Some("der"),
            &[&far],
            "refused",
            Some("not_yet_valid"),
            Some(D1),
        ),
    );
    let mut cs = spec(D1, -5, 900, 0x1005);
    cs.eku = vec![Eku::CodeSigning];
    let codesign = inter.issue(&cs, &p256()).expect("code signing");
    out.write(
        "code-signing-only.cer",
        pem("CERTIFICATE", &codesign).as_bytes(),
        with_warnings(
            expect(Some("pem"), &[&codesign], "accepted", None, Some(D1)),
            &["no_desk_usage"],
        ),
    );
    let rsa1024 = rsa_root
        .issue(
            &spec(D1, -5, 900, 0x1006),
            &devcert::rsa_key(1024).expect("RSA-1024"),
        )
        .expect("rsa1024");
    out.write(
        "rsa-1024.cer",
        &rsa1024,
        expect(
            Some("der"),
            &[&rsa1024],
            "refused",
            Some("weak_key"),
            Some(D1),
        ),
    );
    let rsa_key = devcert::rsa_key(2048).expect("RSA-2048");
    let rsa2048 = rsa_root
        .issue(&spec(D2, -5, 900, 0x2001), &rsa_key)
        .expect("rsa2048");
    out.write(
        "rsa-2048-desk2.cer",
        &rsa2048,
        expect(Some("der"), &[&rsa2048], "accepted", None, Some(D2)),
    );
    let sha1_tbs = rsa_root
        .issue(&spec(D2, -5, 950, 0x2002), &rsa_key)
        .expect("sha1 base");
    let sha1 = resign_sha1(&sha1_tbs, &rsa_root.key).expect("sha1");
    out.write(
        "sha1-signed.cer",
        &sha1,
        expect(
            Some("der"),
            &[&sha1],
            "refused",
            Some("weak_signature"),
            Some(D2),
        ),
    );

    let mut nd = spec(D1, -5, 900, 0x3001);
    nd.common_name = "Service logement".into();
    nd.organization = "Commune de Nulle-Part".into();
    nd.siren = None;
    nd.email = Some("inconnu@example.org".into());
    let nodesk = inter.issue(&nd, &p256()).expect("no desk");
    out.write(
        "no-desk-id.cer",
        &nodesk,
        expect(Some("der"), &[&nodesk], "refused", Some("no_desk"), None),
    );
    let mut two = spec(D1, -5, 900, 0x3002);
    two.common_name = "Service demandes de logement".into();
    two.email = Some("accueil@example.org".into());
    let twodesks = inter.issue(&two, &p256()).expect("two desks");
    out.write(
        "siren-two-desks.cer",
        &twodesks,
        expect(
            Some("der"),
            &[&twodesks],
            "refused",
            Some("ambiguous_desk"),
            None,
        ),
    );
    let mut em = spec(D4, -5, 900, 0x4001);
    em.common_name = "Accueil logement".into();
    em.siren = None;
    em.email = Some("contact4@example.org".into());
    let by_email = inter.issue(&em, &p256()).expect("email");
    out.write(
        "by-email-desk4.cer",
        &by_email,
        expect(Some("der"), &[&by_email], "accepted", None, Some(D4)),
    );
    let luhn = inter
        .issue(&spec(D5, -5, 900, 0x5001), &p256())
        .expect("luhn");
    out.write(
        "siren-luhn-desk5.cer",
        &luhn,
        with_warnings(
            expect(Some("der"), &[&luhn], "accepted", None, Some(D5)),
            &["siren_luhn"],
        ),
    );
    let ca_only = pem("CERTIFICATE", &inter.der);
    out.write(
        "ca-only.pem",
        ca_only.as_bytes(),
        expect(
            Some("pem"),
            &[&inter.der],
            "refused",
            Some("ca_certificate"),
            None,
        ),
    );

    // Desk 3 has a current certificate (baseline): renewal, older, same.
    let k3 = p256();
    let current3 = inter
        .issue(&spec(D3, -300, 65, 0x3301), &k3)
        .expect("current d3");
    out.write(
        "current-desk3.cer",
        &current3,
        expect(Some("der"), &[&current3], "unchanged", None, Some(D3)),
    );
    let renewal = inter
        .issue(&spec(D3, -2, 1000, 0x3302), &k3)
        .expect("renewal");
    out.write(
        "renewal-same-key-desk3.cer",
        pem("CERTIFICATE", &renewal).as_bytes(),
        with_warnings(
            expect(Some("pem"), &[&renewal], "accepted", None, Some(D3)),
            &["same_key"],
        ),
    );
    let older = inter
        .issue(&spec(D3, -400, 30, 0x3303), &p256())
        .expect("older");
    out.write(
        "older-than-current-desk3.cer",
        &older,
        expect(Some("der"), &[&older], "refused", Some("older"), Some(D3)),
    );

    // Not certificates.
    let rsa_small = devcert::rsa_key(1024).expect("RSA key for key files");
    let pk = |n: &str, b: &[u8], fmt: Option<&str>, certs: &[&[u8]], desk: Option<&str>| {
        (
            n.to_owned(),
            b.to_vec(),
            expect(fmt, certs, "refused", Some("private_key"), desk),
        )
    };
    let key_files = vec![
        pk(
            "key-pkcs8.pem",
            pem("PRIVATE KEY", &k1.pkcs8).as_bytes(),
            None,
            &[],
            None,
        ),
        pk("key-pkcs8.der", &k1.pkcs8, None, &[], None),
        pk(
            "key-sec1-ec.pem",
            pem("EC PRIVATE KEY", &k1.legacy).as_bytes(),
            None,
            &[],
            None,
        ),
        pk("key-sec1-ec.der", &k1.legacy, None, &[], None),
        pk(
            "key-pkcs1-rsa.pem",
            pem("RSA PRIVATE KEY", &rsa_small.legacy).as_bytes(),
            None,
            &[],
            None,
        ),
        pk("key-pkcs1-rsa.der", &rsa_small.legacy, None, &[], None),
        pk(
            "cert-and-key.pem",
            format!("{valid_pem}{}", pem("PRIVATE KEY", &k1.pkcs8)).as_bytes(),
            Some("pem"),
            &[&valid],
            Some(D1),
        ),
    ];
    for (n, b, e) in key_files {
        out.write(&n, &b, e);
    }
    out.write(
        "bundle.pfx",
        &pkcs12(&valid, &k1.pkcs8),
        expect(None, &[], "refused", Some("pkcs12"), None),
    );
    let csr = devcert::csr(&format!("Guichet {D1}"), &p256()).expect("csr");
    out.write(
        "request.csr",
        pem("CERTIFICATE REQUEST", &csr).as_bytes(),
        expect(None, &[], "refused", Some("csr"), None),
    );
    out.write(
        "request-der.csr",
        &csr,
        expect(None, &[], "refused", Some("csr"), None),
    );
    let crl = inter.crl(now - day).expect("crl");
    out.write(
        "revocation.crl",
        &crl,
        expect(None, &[], "refused", Some("crl"), None),
    );
    out.write(
        "revocation-pem.crl",
        pem("X509 CRL", &crl).as_bytes(),
        expect(None, &[], "refused", Some("crl"), None),
    );
    out.write(
        "empty.cer",
        b"",
        expect(None, &[], "refused", Some("empty"), None),
    );
    // Bytes from a fixed xorshift: random-looking, reproducible.
    let mut x: u32 = 0x9e37_79b9;
    let random: Vec<u8> = (0..512)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    out.write(
        "random.bin",
        &random,
        expect(None, &[], "refused", Some("unrecognized"), None),
    );
    out.write(
        "letter.txt",
        "Bonjour,\r\nveuillez trouver ci-joint notre certificat.\r\nCordialement\r\n".as_bytes(),
        expect(None, &[], "refused", Some("unrecognized"), None),
    );

    let desk = |id: &str, email: &str| json!({"id": id, "name": format!("Guichet de test {id}"), "email": email});
    let manifest = json!({
        "now": NOW,
        "note": "verdict: what `vigie cert ingest --dry-run` says of the file alone, in a store holding `desks` after `baseline` was ingested",
        "desks": [
            desk(D1, &mail(D1)),
            desk(D2, &mail(D2)),
            desk(D3, &mail(D3)),
            desk(D4, "contact4@example.org"),
            desk(D5, &mail(D5)),
        ],
        "baseline": ["current-desk3.cer"],
        "anchors_dir": "anchors",
        "files": out.files,
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).expect("manifest") + "\n",
    )
    .expect("write manifest");
    println!(
        "wrote {} fixtures to {}",
        manifest["files"].as_array().map_or(0, Vec::len),
        dir.display()
    );
}
