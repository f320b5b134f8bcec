//! `vigie demo`: the whole renewal loop in one command, on a fresh machine,
//! with no configuration and no server.
//!
//! It builds a demo data directory with a dozen desks over three departments,
//! gives them certificates from a demo authority with a spread of end dates,
//! receives renewed certificates in every shape desks send them, refuses a
//! private key, then runs one service cycle — pushes, alerts, the digest — and
//! shows the status. Every step runs the same command a user would type.

use std::path::{Path, PathBuf};

use clap::Parser;

use super::{Cli, CliError, Context};
use crate::app::demo::{self as material, DESKS};

/// Arguments of `vigie demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to build the demo (a data directory of its own).
    #[arg(long, default_value = "vigie-demo")]
    pub dir: PathBuf,
}

/// Runs one vigie command, as typed, against the demo directory.
fn vigie(ctx: &Context, dir: &Path, args: &[&str]) -> Result<(), CliError> {
    let mut argv: Vec<String> = vec![
        "vigie".into(),
        "--data-dir".into(),
        dir.display().to_string(),
    ];
    argv.push("--now".into());
    argv.push(crate::clock::rfc3339(ctx.env.now));
    if ctx.quiet {
        argv.push("--quiet".into());
    }
    argv.extend(args.iter().map(|s| s.to_string()));
    let cli =
        Cli::try_parse_from(&argv).map_err(|e| CliError::operational(format!("demo: {e}")))?;
    super::run_demo_step(cli)
}

fn step(ctx: &Context, title: &str) {
    ctx.note(format!("\n== {title}"));
}

/// Runs `vigie demo`.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let dir = a.dir;
    material::prepare(&dir)?;
    let incoming = dir.join("incoming");
    let now = ctx.env.now;

    step(
        ctx,
        "The desk inventory, as the team's spreadsheet saves it (Windows-1252, ';')",
    );
    let csv_path = material::write_roster(&incoming)?;
    vigie(
        ctx,
        &dir,
        &["desk", "import", &csv_path.display().to_string()],
    )?;

    step(ctx, "Their current certificates, from a demo authority");
    let mut ca = material::Authority::new(now)?;
    let current_dir = material::write_current(&mut ca, &incoming, now)?;
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
    for path in material::write_renewed(&mut ca, &incoming, now)? {
        vigie(ctx, &dir, &["cert", "ingest", &path.display().to_string()])?;
    }

    step(
        ctx,
        "A desk sends its private key by mistake: refused, and told why",
    );
    let key_path = material::write_private_key(&mut ca, &incoming, DESKS[6].id, now)?;
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
        Err(e) if e.code() == super::code::REFUSED => {}
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

    let (eml, pem) = material::results(&dir);
    let d = dir.display();
    ctx.note(format!(
        "\nDone. Look at:\n  {d}/outbox/      {eml} e-mails (.eml: open them in a mail client)\n  {d}/national/    {pem} certificates pushed, and manifest.json\n  {d}/incoming/    the files the desks sent\n  vigie --data-dir {d} log          the audit log\n  vigie --data-dir {d} alerts list  every message and its state\n  vigie --data-dir {d} push status  every push"
    ));
    Ok(())
}
