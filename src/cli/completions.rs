//! `vigie completions SHELL` and `vigie man`: generated from the CLI
//! definition, so they never disagree with it. The values an option takes
//! from a fixed list (`--mode`, `--state`…) are declared to clap as possible
//! values, so that completion offers them.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::{Cli, CliError};
use crate::app::AppError;

/// Arguments of `vigie completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Arguments of `vigie man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per command into this folder (`vigie.1`,
    /// `vigie-desk.1`, `vigie-desk-add.1`…) instead of printing vigie(1).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub fn completions(a: Args) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "vigie", &mut script);
    super::output::bytes(&script)
}

/// Prints the man page of vigie (roff) on stdout, or writes one page per
/// command into `a.dir`.
pub fn man(a: ManArgs) -> Result<(), CliError> {
    // Built, so that each subcommand knows its full name (`vigie-desk-add`),
    // as clap_mangen's own generate_to does.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let render = |e: std::io::Error| CliError::operational(format!("rendering a man page: {e}"));
    let Some(dir) = a.dir else {
        return super::output::bytes(&page(&cmd).map_err(render)?);
    };
    let written = |file: &Path, source: std::io::Error| {
        CliError::from(AppError::Write {
            file: file.display().to_string(),
            source,
        })
    };
    std::fs::create_dir_all(&dir).map_err(|e| written(&dir, e))?;
    let mut pages = Vec::new();
    collect(&cmd, &mut pages);
    for c in &pages {
        let file = dir.join(format!("{}.1", page_name(c)));
        let text = page(c).map_err(render)?;
        std::fs::File::create(&file)
            .and_then(|mut f| f.write_all(&text))
            .map_err(|e| written(&file, e))?;
    }
    eprintln!("{} man pages written in {}", pages.len(), dir.display());
    Ok(())
}

/// The command and every visible subcommand below it.
fn collect<'a>(cmd: &'a clap::Command, out: &mut Vec<&'a clap::Command>) {
    out.push(cmd);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out);
    }
}

/// `vigie-desk-add` for `vigie desk add`.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned()
}

/// One man page: clap_mangen's sections, then EXAMPLES, EXIT STATUS,
/// ENVIRONMENT and FILES, which a reader of a man page looks for.
fn page(cmd: &clap::Command) -> Result<Vec<u8>, std::io::Error> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    out.extend_from_slice(sections(cmd).as_bytes());
    if cmd.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    Ok(out)
}

/// The sections vigie adds to every page, in roff.
fn sections(cmd: &clap::Command) -> String {
    let mut s = String::new();
    let examples = examples(cmd);
    if !examples.is_empty() {
        s.push_str(".SH EXAMPLES\n.nf\n");
        for line in &examples {
            s.push_str(&roff_line(line));
        }
        s.push_str(".fi\n");
    }
    s.push_str(".SH \"EXIT STATUS\"\n");
    if cmd.get_name() == "check" {
        s.push_str(&roff_text(
            "As a monitoring plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN \
             (no store, a bad configuration). The first line of the output says which desks.",
        ));
    } else {
        for (code, what) in [
            ("0", "Success."),
            (
                "1",
                "Operational error: a file, the store, the network; an unknown desk; a missing input path.",
            ),
            (
                "2",
                "Usage error: bad arguments, or a configuration that is not valid.",
            ),
            (
                "3",
                "Input refused: a certificate, a roster row, a push or a message was refused; the output says which and why.",
            ),
        ] {
            s.push_str(&format!(".TP\n\\fB{code}\\fR\n{}", roff_text(what)));
        }
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (var, what) in [
        (
            "VIGIE_CONFIG",
            "The configuration file, as --config gives it.",
        ),
        (
            "VIGIE_DATA_DIR",
            "The data directory, as --data-dir gives it (default ./vigie-data).",
        ),
        (
            "VIGIE_NOW_SENDS",
            "Set to 1, commands given --now send and push for real (tests); otherwise --now never sends.",
        ),
        (
            "SUDO_USER",
            "Named in the audit log, before the account's own name, when vigie runs through sudo.",
        ),
        (
            "HTTPS_PROXY, NO_PROXY",
            "The proxy the HTTPS push to the national configuration goes through, and the hosts it does not.",
        ),
    ] {
        s.push_str(&format!(".TP\n\\fB{var}\\fR\n{}", roff_text(what)));
    }
    s.push_str(".SH FILES\n");
    for (file, what) in [
        (
            "vigie.toml",
            "The configuration (--config); `vigie init --write-config FILE` writes one with every key at its default.",
        ),
        (
            "./vigie-data/",
            "The data directory: the store (desks, certificates, alert log, push outbox, audit log).",
        ),
        (
            "./vigie-data/outbox/",
            "The e-mails, as .eml files, when no SMTP relay is configured.",
        ),
        (
            "./vigie-data/national/",
            "The national configuration when its destination is a directory: one PEM per desk and manifest.json.",
        ),
        (
            "templates/",
            "The e-mail templates, when the configuration names a folder of its own; the defaults are embedded.",
        ),
    ] {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}", roff_escape(file), roff_text(what)));
    }
    s
}

/// The example lines of a command: its help's own (the lines that run
/// vigie), else those of its subcommands.
fn examples(cmd: &clap::Command) -> Vec<String> {
    let own: Vec<String> = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("vigie "))
        .map(str::to_owned)
        .collect();
    if !own.is_empty() {
        return own;
    }
    cmd.get_subcommands().flat_map(examples).collect::<Vec<_>>()
}

/// Escapes text for roff: backslashes, hyphens (which roff would make
/// typographic), and a leading dot or quote, which would make a request.
fn roff_escape(text: &str) -> String {
    let s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// A line of preformatted text.
fn roff_line(line: &str) -> String {
    format!("{}\n", roff_escape(line))
}

/// A paragraph of text.
fn roff_text(text: &str) -> String {
    format!("{}\n", roff_escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_text_cannot_start_a_request() {
        assert_eq!(roff_escape(".SH x"), "\\&.SH x");
        assert_eq!(roff_escape("a-b\\c"), "a\\-b\\ec");
    }
}
