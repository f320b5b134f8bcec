//! `vigie desk …`: the desk inventory.

use std::path::PathBuf;

use super::output::desk::{ListRow, ShowView};
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::desk::edit::Changes;
use crate::desk::{check_name, Department, Desk, DeskId, Email, Lang, Mode};

/// The desk commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a desk.
    #[command(
        after_help = "Example:\n  vigie desk add 732829320-00001 --name \"OPH du Rhône\" --email guichet@example.org --department 69"
    )]
    Add(AddArgs),
    /// Import desks from a CSV file (`,`, `;` or tabs, UTF-8 or
    /// Windows-1252, French or English headers).
    #[command(
        after_help = "The header row names the columns, in any order: identifiant (or guichet, id), nom (or nom du guichet, name),\n\
département, courriel(s) (or mél, email, several columns or several addresses per cell), mode, langue.\n\
Other columns are ignored, with a warning. An empty cell leaves the desk's value as it is.\n\
Every bad row is reported (file, line, reason), and then nothing is imported.\n\n\
Example:\n  vigie desk import guichets.csv --dry-run"
    )]
    Import(ImportArgs),
    /// List the desks.
    #[command(after_help = "Example:\n  vigie desk list --department 69 --json")]
    List(ListArgs),
    /// Show one desk and its certificates.
    #[command(after_help = "Example:\n  vigie desk show 732829320-00001")]
    Show(ShowArgs),
    /// Remove a desk from the inventory (its history is kept).
    #[command(after_help = "Example:\n  vigie desk remove 732829320-00001")]
    Remove(ShowArgs),
    /// Change a desk's name, addresses, department, mode, language or
    /// national settings; the fields not named stay as they are.
    #[command(
        after_help = "--email replaces every address of the desk; repeat it to give several.\n\n\
Examples:\n  vigie desk edit 732829320-00001 --email nouveau@example.org --email chef@example.org\n  vigie desk edit 732829320-00001 --name \"OPH du Rhône, agence Est\" --lang en\n  vigie desk edit 732829320-00001 --set version=V2"
    )]
    Edit(EditArgs),
    /// Suspend a desk's reminders (it stays in the inventory, status
    /// `suspended`) until `vigie desk resume`.
    #[command(after_help = "Example:\n  vigie desk suspend 732829320-00001")]
    Suspend(IdArgs),
    /// Resume the reminders of a suspended desk.
    #[command(after_help = "Example:\n  vigie desk resume 732829320-00001")]
    Resume(IdArgs),
}

/// The exchange modes `--mode` takes, offered by shell completion; the
/// French and long spellings the roster accepts are aliases.
fn modes() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("async").aliases(["asynchrone", "asynchronous", "mail"]),
        PossibleValue::new("ws").aliases(["webservice", "web-service"]),
        PossibleValue::new("both").aliases(["mixte", "async+ws"]),
    ])
}

/// The languages `--lang` takes, offered by shell completion.
fn langs() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("fr").aliases(["français", "francais", "french"]),
        PossibleValue::new("en").aliases(["anglais", "english"]),
    ])
}

/// Arguments of `desk add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Desk id, NNNNNNNNN-XXXXX.
    pub id: String,
    /// The desk's name.
    #[arg(long)]
    pub name: String,
    /// Where its alerts go (repeat for several).
    #[arg(long = "email", value_name = "E", required = true)]
    pub emails: Vec<String>,
    /// Department code (01–95, 2A, 2B, 971–976).
    #[arg(long)]
    pub department: Option<String>,
    /// async, ws or both.
    #[arg(long, default_value = "async", value_parser = modes(), ignore_case = true)]
    pub mode: String,
    /// fr or en.
    #[arg(long, default_value = "fr", value_parser = langs(), ignore_case = true)]
    pub lang: String,
    /// Alert thresholds for this desk, in days (default: the configuration's).
    #[arg(long, value_delimiter = ',', value_name = "DAYS")]
    pub thresholds: Option<Vec<u32>>,
    /// A national setting, KEY=VALUE (version=V2, or a `[desk_settings]`
    /// key); repeat for several.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Arguments of `desk import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// Report what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `desk list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this department.
    #[arg(long)]
    pub department: Option<String>,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `desk edit`.
#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// Desk id.
    pub id: String,
    /// The desk's new name.
    #[arg(long)]
    pub name: Option<String>,
    /// Its addresses, replacing the old ones (repeat for several).
    #[arg(long = "email", value_name = "E")]
    pub emails: Vec<String>,
    /// Its department code (01–95, 2A, 2B, 971–976).
    #[arg(long)]
    pub department: Option<String>,
    /// The language of its e-mails.
    #[arg(long, value_parser = langs(), ignore_case = true)]
    pub lang: Option<String>,
    /// Its exchange mode: async, ws or both.
    #[arg(long, value_parser = modes(), ignore_case = true)]
    pub mode: Option<String>,
    /// A national setting, KEY=VALUE (version=V2, or a `[desk_settings]`
    /// key), changed now; repeat for several. To change one on a date, use
    /// `vigie desk schedule`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Arguments naming one desk, for a command that prints nothing.
#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// Desk id.
    pub id: String,
}

/// Arguments naming one desk.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Desk id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a desk command.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Add(a) => add(ctx, a),
        Command::Import(a) => import(ctx, a),
        Command::List(a) => list(ctx, a),
        Command::Show(a) => show(ctx, a),
        Command::Remove(a) => remove(ctx, a),
        Command::Edit(a) => edit(ctx, a),
        Command::Suspend(a) => suspend(ctx, a, true),
        Command::Resume(a) => suspend(ctx, a, false),
    }
}

/// Checks each `--set KEY=VALUE` against the settings the configuration
/// knows; a refusal is a usage error naming the allowed values.
pub fn parse_settings(
    ctx: &Context,
    pairs: &[String],
) -> Result<std::collections::BTreeMap<String, String>, CliError> {
    pairs
        .iter()
        .map(|p| {
            ctx.env
                .config
                .desk_settings()
                .check_pair(p)
                .map(|s| (s.key, s.value))
                .map_err(|e| CliError::usage(format!("--set: {e}")))
        })
        .collect()
}

/// Parses a desk id given on the command line.
pub fn parse_id(s: &str) -> Result<DeskId, CliError> {
    DeskId::parse(s).map_err(|e| CliError::usage(e.to_string()))
}

fn add(ctx: &Context, a: AddArgs) -> Result<(), CliError> {
    let id = parse_id(&a.id)?;
    let usage = |what: &str, e: String| CliError::usage(format!("{what}: {e}"));
    let desk = Desk {
        name: check_name(&a.name).map_err(|e| usage("--name", e))?,
        emails: a
            .emails
            .iter()
            .map(|e| Email::parse(e).map_err(|e| usage("--email", e.to_string())))
            .collect::<Result<_, _>>()?,
        department: a
            .department
            .as_deref()
            .map(Department::parse)
            .transpose()
            .map_err(|e| usage("--department", e))?,
        mode: a.mode.parse::<Mode>().map_err(|e| usage("--mode", e))?,
        lang: a.lang.parse::<Lang>().map_err(|e| usage("--lang", e))?,
        thresholds: a.thresholds,
        suspended: false,
        settings: Default::default(),
        id,
    };
    let mut desk = desk;
    for (key, value) in parse_settings(ctx, &a.set)? {
        desk.set_setting(&key, &value)
            .map_err(|e| usage("--set", e))?;
    }
    if desk
        .thresholds
        .as_ref()
        .is_some_and(|t| t.is_empty() || t.contains(&0))
    {
        return Err(CliError::usage(
            "--thresholds: give days from 1 upwards, e.g. 60,30,7",
        ));
    }
    if !desk.id.siren_luhn_ok() {
        ctx.warn(format!(
            "the SIREN of {} fails its check digit (Luhn); kept as written",
            desk.id
        ));
    }
    app::desk::add(&ctx.env, &desk)?;
    ctx.note(format!("added {} ({})", desk.id, desk.name));
    Ok(())
}

fn import(ctx: &Context, a: ImportArgs) -> Result<(), CliError> {
    let name = a.file.display().to_string();
    let report = app::desk::import(&ctx.env, &a.file, &name, a.dry_run, |w| ctx.warn(w))?;
    let diff = &report.diff;
    let verb = if a.dry_run { "would add" } else { "added" };
    ctx.note(format!(
        "{name}: {} desks read ({}, {}); {verb} {}, {} {}, {} unchanged",
        report.read,
        report.detected.encoding,
        report.detected.delimiter_name(),
        diff.added.len(),
        if a.dry_run { "would update" } else { "updated" },
        diff.changed.len(),
        diff.unchanged
    ));
    if ctx.verbose > 0 || a.dry_run {
        for d in &diff.added {
            ctx.note(format!("  + {} {}", d.id, d.name));
        }
        for (d, _) in &diff.changed {
            ctx.note(format!("  ~ {} {}", d.id, d.name));
        }
    }
    Ok(())
}

fn list(ctx: &Context, a: ListArgs) -> Result<(), CliError> {
    let dep = a
        .department
        .as_deref()
        .map(Department::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--department: {e}")))?;
    let settings = ctx.env.config.desk_settings();
    let desks: Vec<ListRow> = app::desk::list(&ctx.env, dep.as_ref())?
        .into_iter()
        .map(|d| ListRow::new(d, settings))
        .collect();
    if a.json {
        return output::json(&desks);
    }
    let mut head = vec!["DESK", "NAME", "DEPT", "MODE", "VERSION"];
    let added: Vec<String> = settings.added_keys().map(str::to_uppercase).collect();
    head.extend(added.iter().map(String::as_str));
    head.extend(["LANG", "E-MAIL"]);
    let mut t = Table::new(&head);
    for d in desks {
        let mut cells = vec![
            d.id.to_string(),
            if d.suspended {
                format!("{} (suspended)", d.name)
            } else {
                d.name
            },
            d.department.map(|d| d.to_string()).unwrap_or_default(),
            d.mode.to_string(),
            d.version.to_string(),
        ];
        cells.extend(d.added.into_values());
        cells.push(d.lang.to_string());
        cells.push(
            d.emails
                .iter()
                .map(Email::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        );
        t.row(cells);
    }
    t.print()
}

fn show(ctx: &Context, a: ShowArgs) -> Result<(), CliError> {
    let id = parse_id(&a.id)?;
    let view = ShowView::new(
        app::desk::show(&ctx.env, &id)?,
        ctx.env.config.desk_settings(),
    );
    if a.json {
        return output::json_value(&view);
    }
    let d = &view.desk;
    let mut t = Table::new(&["FIELD", "VALUE"]);
    t.row(vec!["desk".into(), d.id.to_string()]);
    t.row(vec!["name".into(), d.name.clone()]);
    t.row(vec![
        "department".into(),
        d.department
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default(),
    ]);
    t.row(vec!["mode".into(), d.mode.to_string()]);
    t.row(vec!["version".into(), d.version.to_string()]);
    for (k, v) in &d.added {
        t.row(vec![k.clone(), v.clone()]);
    }
    t.row(vec!["language".into(), d.lang.to_string()]);
    if d.suspended {
        t.row(vec!["suspended".into(), "yes: no reminders".into()]);
    }
    t.row(vec![
        "e-mail".into(),
        d.emails
            .iter()
            .map(Email::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    ]);
    if let Some(th) = &d.thresholds {
        t.row(vec![
            "thresholds".into(),
            th.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        ]);
    }
    t.print()?;
    if !view.certificates.is_empty() {
        output::bytes(b"\n")?;
        let mut c = Table::new(&["", "SHA-256", "NOT AFTER", "ISSUER", "SUBJECT"]);
        for l in &view.certificates {
            c.row(vec![
                if l.current { "*".into() } else { String::new() },
                l.sha256[..12].to_owned(),
                l.not_after.clone(),
                l.issuer.clone(),
                l.subject.clone(),
            ]);
        }
        c.print()?;
    }
    Ok(())
}

fn edit(ctx: &Context, a: EditArgs) -> Result<(), CliError> {
    let id = parse_id(&a.id)?;
    let usage = |what: &str, e: String| CliError::usage(format!("{what}: {e}"));
    let changes = Changes {
        name: a
            .name
            .as_deref()
            .map(check_name)
            .transpose()
            .map_err(|e| usage("--name", e))?,
        emails: if a.emails.is_empty() {
            None
        } else {
            Some(
                a.emails
                    .iter()
                    .map(|e| Email::parse(e).map_err(|e| usage("--email", e.to_string())))
                    .collect::<Result<_, _>>()?,
            )
        },
        department: a
            .department
            .as_deref()
            .map(Department::parse)
            .transpose()
            .map_err(|e| usage("--department", e))?,
        mode: a
            .mode
            .as_deref()
            .map(str::parse::<Mode>)
            .transpose()
            .map_err(|e| usage("--mode", e))?,
        settings: parse_settings(ctx, &a.set)?,
        lang: a
            .lang
            .as_deref()
            .map(str::parse::<Lang>)
            .transpose()
            .map_err(|e| usage("--lang", e))?,
    };
    if changes.is_empty() {
        return Err(CliError::usage(
            "desk edit: name what to change (--name, --email, --department, --mode, --lang, --set)",
        ));
    }
    let edited = app::desk::edit(&ctx.env, &id, &changes)?;
    let what = crate::desk::edit::describe(&edited.old, &edited.new);
    if what.is_empty() {
        ctx.note(format!("{id} is already so; nothing changed"));
    } else {
        ctx.note(format!("{id}: {what}"));
    }
    Ok(())
}

fn suspend(ctx: &Context, a: IdArgs, suspended: bool) -> Result<(), CliError> {
    let id = parse_id(&a.id)?;
    let changed = app::desk::set_suspended(&ctx.env, &id, suspended)?;
    ctx.note(match (suspended, changed) {
        (true, true) => {
            format!("{id} suspended: it gets no reminders until `vigie desk resume {id}`")
        }
        (true, false) => format!("{id} was already suspended"),
        (false, true) => format!("{id} resumed: its reminders go out as usual"),
        (false, false) => format!("{id} was not suspended"),
    });
    Ok(())
}

fn remove(ctx: &Context, a: ShowArgs) -> Result<(), CliError> {
    let id = parse_id(&a.id)?;
    app::desk::remove(&ctx.env, &id)?;
    ctx.note(format!(
        "removed {id}; its certificates and history are kept"
    ));
    Ok(())
}
