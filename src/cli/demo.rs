//! `vigie demo`: the whole renewal loop in one command, on a fresh machine,
//! with no configuration and no server.
//!
//! It builds a demo data directory with a dozen desks over three departments,
//! gives them certificates from a demo authority with a spread of end dates,
//! receives renewed certificates in every shape desks send them, refuses a
//! private key, then runs one service cycle — pushes, alerts, the digest — and
//! shows the status. Every step runs the same command a user would type.

use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use clap::Parser;

use super::{Cli, CliError, Context};
use crate::certgen::{self, Ca, Key, KeyKind, LeafSpec};
use crate::clock::Instant;

/// Arguments of `vigie demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to build the demo (a data directory of its own).
    #[arg(long, default_value = "vigie-demo")]
    pub dir: PathBuf,
}

/// Marks a folder as made by `vigie demo`, so a second run may replace it.
const MARKER: &str = ".vigie-demo";

/// A demo desk: id, name, department, and the end of its current certificate
/// in days from now (`None`: no certificate on record).
struct DemoDesk {
    id: &'static str,
    name: &'static str,
    department: &'static str,
    current_days: Option<i64>,
}

const DESKS: [DemoDesk; 12] = [
    DemoDesk {
        id: "732829320-LYO01",
        name: "Office public de l'habitat de Lyon",
        department: "69",
        current_days: Some(45),
    },
    DemoDesk {
        id: "732829320-LYO02",
        name: "Office public de l'habitat de Lyon, agence Est",
        department: "69",
        current_days: Some(52),
    },
    DemoDesk {
        id: "552100554-VIL01",
        name: "Mairie de Villeurbanne",
        department: "69",
        current_days: Some(38),
    },
    DemoDesk {
        id: "552100554-VEN01",
        name: "Mairie de Vénissieux",
        department: "69",
        current_days: Some(60),
    },
    DemoDesk {
        id: "775663438-STE01",
        name: "Habitat social de Saint-Étienne",
        department: "42",
        current_days: Some(41),
    },
    DemoDesk {
        id: "775663438-ROA01",
        name: "Habitat social de Roanne",
        department: "42",
        current_days: Some(33),
    },
    DemoDesk {
        id: "130005481-AL001",
        name: "Action Logement, délégation de l'Ain",
        department: "01",
        current_days: Some(80),
    },
    DemoDesk {
        id: "130005481-AL002",
        name: "Action Logement, délégation de la Loire",
        department: "42",
        current_days: Some(25),
    },
    DemoDesk {
        id: "542065479-BOU01",
        name: "Bourg Habitat",
        department: "01",
        current_days: Some(5),
    },
    DemoDesk {
        id: "542065479-OYO01",
        name: "Mairie d'Oyonnax",
        department: "01",
        current_days: Some(-3),
    },
    DemoDesk {
        id: "542065479-GEX01",
        name: "Pays de Gex Logement",
        department: "01",
        current_days: None,
    },
    DemoDesk {
        id: "775663438-MON01",
        name: "Montbrison Habitat",
        department: "42",
        current_days: Some(420),
    },
];

/// The shapes in which the first six desks send their renewed certificate.
const SHAPES: [(&str, &str); 6] = [
    ("der", "cer"),
    ("pem", "cer"),
    ("pem-crlf-bag-attributes", "pem"),
    ("base64", "cer"),
    ("pkcs7-der", "p7b"),
    ("pkcs7-pem", "p7b"),
];

fn fail(what: &str) -> impl Fn(certgen::CertgenError) -> CliError + '_ {
    move |e| CliError::operational(format!("demo: {what}: {e}"))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        crate::store::create_private_dir(dir)?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| CliError::operational(format!("cannot write {}: {e}", path.display())))
}

/// Runs one vigie command, as typed, against the demo directory.
fn vigie(ctx: &Context, dir: &Path, args: &[&str]) -> Result<(), CliError> {
    let mut argv: Vec<String> = vec![
        "vigie".into(),
        "--data-dir".into(),
        dir.display().to_string(),
    ];
    argv.push("--now".into());
    argv.push(crate::clock::rfc3339(ctx.now));
    if ctx.quiet {
        argv.push("--quiet".into());
    }
    argv.extend(args.iter().map(|s| s.to_string()));
    let cli =
        Cli::try_parse_from(&argv).map_err(|e| CliError::operational(format!("demo: {e}")))?;
    super::run(cli)
}

fn step(ctx: &Context, title: &str) {
    ctx.note(format!("\n== {title}"));
}

/// Runs `vigie demo`.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let dir = a.dir;
    prepare(&dir)?;
    let incoming = dir.join("incoming");
    let now = ctx.now;
    let day = |d: i64| now + TimeDelta::days(d);

    step(
        ctx,
        "The desk inventory, as the team's spreadsheet saves it (Windows-1252, ';')",
    );
    let mut csv = String::from("Identifiant;Nom;Département;Courriels\r\n");
    for d in &DESKS {
        let local = d.id[10..].to_lowercase();
        csv.push_str(&format!(
            "{};{};{};guichet-{local}@example.org\r\n",
            d.id, d.name, d.department
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&csv);
    let csv_path = incoming.join("guichets.csv");
    write(&csv_path, bytes)?;
    vigie(
        ctx,
        &dir,
        &["desk", "import", &csv_path.display().to_string()],
    )?;

    step(ctx, "Their current certificates, from a demo authority");
    let root = Ca::root(
        "Racine de démonstration vigie",
        Key::generate(KeyKind::P256).map_err(fail("key"))?,
        day(-3650),
        day(3650),
    )
    .map_err(fail("root CA"))?;
    let ca = Ca::intermediate(
        "AC de démonstration vigie",
        Key::generate(KeyKind::P256).map_err(fail("key"))?,
        &root,
        day(-3000),
        day(3000),
    )
    .map_err(fail("intermediate CA"))?;
    let mut serial = 1000;
    let mut issue =
        |desk: &str, not_before: Instant, not_after: Instant| -> Result<(Vec<u8>, Key), CliError> {
            serial += 1;
            let email = format!("guichet-{}@example.org", desk[10..].to_lowercase());
            let key = Key::generate(KeyKind::P256).map_err(fail("key"))?;
            let spec = LeafSpec::desk(desk, &email, not_before, not_after, serial);
            let der = ca.issue(&spec, &key).map_err(fail("certificate"))?;
            Ok((der, key))
        };
    let current_dir = incoming.join("current");
    for d in &DESKS {
        if let Some(days) = d.current_days {
            let (der, _) = issue(d.id, day(days - 730), day(days))?;
            write(&current_dir.join(format!("{}.cer", d.id)), der)?;
        }
    }
    // One of them has already expired: it was accepted back when it was valid.
    vigie(
        ctx,
        &dir,
        &[
            "cert",
            "ingest",
            "--force",
            &current_dir.display().to_string(),
        ],
    )?;

    step(
        ctx,
        "Six desks send their renewed certificate, each in another shape",
    );
    let renewed_dir = incoming.join("renewed");
    for (d, (shape, ext)) in DESKS.iter().zip(SHAPES) {
        let (der, _) = issue(d.id, day(-1), day(3 * 365))?;
        let bytes = match shape {
            "der" => der.clone(),
            "pem" => certgen::pem("CERTIFICATE", &der).into_bytes(),
            "pem-crlf-bag-attributes" => format!(
                "Bag Attributes\r\n    friendlyName: {}\r\nsubject=CN = Guichet {}\r\n{}",
                d.name,
                d.id,
                certgen::pem("CERTIFICATE", &der).replace('\n', "\r\n")
            )
            .into_bytes(),
            "base64" => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .encode(&der)
                    .into_bytes()
            }
            "pkcs7-der" => certgen::pkcs7(&[&der, &ca.der]),
            _ => certgen::pem("PKCS7", &certgen::pkcs7(&[&der, &ca.der])).into_bytes(),
        };
        let path = renewed_dir.join(format!("{}-{shape}.{ext}", d.id));
        write(&path, bytes)?;
        vigie(ctx, &dir, &["cert", "ingest", &path.display().to_string()])?;
    }

    step(
        ctx,
        "A desk sends its private key by mistake: refused, and told why",
    );
    let (_, key) = issue(DESKS[6].id, day(-1), day(3 * 365))?;
    let key_path = incoming
        .join("refused")
        .join(format!("{}-cle-privee.pem", DESKS[6].id));
    write(&key_path, certgen::pem("PRIVATE KEY", &key.pkcs8))?;
    match vigie(
        ctx,
        &dir,
        &[
            "cert",
            "ingest",
            "--desk",
            DESKS[6].id,
            &key_path.display().to_string(),
        ],
    ) {
        Err(e) if e.code == super::code::REFUSED => {}
        Err(e) => return Err(e),
        Ok(()) => {
            return Err(CliError::operational(
                "demo: the private key was not refused",
            ))
        }
    }
    // The key file was only there to be refused: it must not linger.
    let _ = std::fs::remove_file(&key_path);

    step(
        ctx,
        "One service cycle: push, alerts (with confirmations and the refusal notice), digest",
    );
    vigie(ctx, &dir, &["push", "run"])?;
    vigie(ctx, &dir, &["alerts", "run"])?;
    vigie(ctx, &dir, &["alerts", "digest"])?;

    step(ctx, "Where the desks stand");
    let mut status = Cli::try_parse_from(["vigie", "status"])
        .map_err(|e| CliError::operational(e.to_string()))?;
    status.data_dir = Some(dir.clone());
    status.now = Some(crate::clock::rfc3339(now));
    super::run(status)?;

    let eml = std::fs::read_dir(dir.join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    let pem = std::fs::read_dir(dir.join("national"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "pem"))
                .count()
        })
        .unwrap_or(0);
    let d = dir.display();
    ctx.note(format!(
        "\nDone. Look at:\n  {d}/outbox/      {eml} e-mails (.eml: open them in a mail client)\n  {d}/national/    {pem} certificates pushed, and manifest.json\n  {d}/incoming/    the files the desks sent\n  vigie --data-dir {d} log          the audit log\n  vigie --data-dir {d} alerts list  every message and its state\n  vigie --data-dir {d} push status  every push"
    ));
    Ok(())
}

/// Creates the demo folder, replacing one an earlier demo made.
fn prepare(dir: &Path) -> Result<(), CliError> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if dir.join(MARKER).exists() {
            std::fs::remove_dir_all(dir).map_err(|e| {
                CliError::operational(format!(
                    "cannot clear the earlier demo in {}: {e}",
                    dir.display()
                ))
            })?;
        } else if !empty {
            return Err(CliError::usage(format!(
                "{} exists and was not made by vigie demo; give another --dir",
                dir.display()
            )));
        }
    }
    crate::store::create_private_dir(dir)?;
    write(
        &dir.join(MARKER),
        "made by vigie demo; a later vigie demo may replace this folder\n",
    )
}
