//! `vigie desk …`: the desk inventory.

use std::path::PathBuf;

use super::output::desk::{ChangeRow, ListRow, ShowView};
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
    /// Schedule a change of a national setting on a date (the switch to
    /// V2): the desk gets an acknowledgement now, the change is applied by
    /// `vigie push run` from 00:00 that day, then the desk is told.
    #[command(after_help = "Prints the id of each change made (one per line).\n\n\
Examples:\n  vigie desk schedule 732829320-00001 --set version=V2 --on 2013-03-18 --note \"demande du 12/03\"\n  vigie desk schedule --all --where version=V1 --set version=V2 --on 2013-03-31")]
    Schedule(ScheduleArgs),
    /// List the scheduled changes: change, desk, setting, value, date,
    /// state, note.
    #[command(
        after_help = "Examples:\n  vigie desk changes --pending\n  vigie desk changes --json"
    )]
    Changes(ChangesArgs),
    /// Cancel a scheduled change not yet being applied; the desk is told.
    #[command(after_help = "Example:\n  vigie desk cancel c7k2m9qxa")]
    Cancel(CancelArgs),
}

/// Arguments of `desk schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Desk id (or --all --where KEY=VALUE).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub id: Option<String>,
    /// Every desk (not suspended) whose setting matches --where.
    #[arg(long, requires = "where_")]
    pub all: bool,
    /// With --all: the desks whose setting has this value, KEY=VALUE.
    #[arg(
        long = "where",
        id = "where_",
        value_name = "KEY=VALUE",
        requires = "all"
    )]
    pub where_: Option<String>,
    /// The setting and its new value, KEY=VALUE (e.g. version=V2).
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: String,
    /// The day asked for, YYYY-MM-DD (or dd/mm/yyyy): applied from 00:00
    /// local time that day.
    #[arg(long, value_name = "DATE")]
    pub on: String,
    /// A note (the desk's request, a ticket…), shown in the listing and the
    /// acknowledgement.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Arguments of `desk changes`.
#[derive(Debug, clap::Args)]
pub struct ChangesArgs {
    /// Only the changes still scheduled.
    #[arg(long)]
    pub pending: bool,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `desk cancel`.
#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    /// The change id, as `vigie desk changes` lists it.
    #[arg(value_name = "CHANGE")]
    pub change: String,
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
        Command::Schedule(a) => schedule(ctx, a),
        Command::Changes(a) => changes(ctx, a),
        Command::Cancel(a) => cancel(ctx, a),
    }
}

/// Reads a day as the team types it: `2013-03-18` or `18/03/2013`.
fn parse_day(s: &str) -> Result<chrono::NaiveDate, CliError> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map_err(|_| {
            CliError::usage(format!(
                "--on: «{}» is not a date: expected YYYY-MM-DD (or dd/mm/yyyy)",
                crate::model::printable(s)
            ))
        })
}

/// Reports what became of the messages sent by a command to desks.
fn tell_delivery(ctx: &Context, what: &str, d: &crate::alerts::RunSummary) {
    let t = d.total();
    if t.pending > 0 {
        ctx.warn(format!(
            "{} {what}(s) not sent yet (kept pending; `vigie alerts run` retries them)",
            t.pending
        ));
    }
    if t.failed > 0 {
        ctx.warn(format!(
            "{} {what}(s) could not be sent (`vigie alerts list` says why)",
            t.failed
        ));
    }
}

fn schedule(ctx: &Context, a: ScheduleArgs) -> Result<(), CliError> {
    let settings = ctx.env.config.desk_settings();
    let set = settings
        .check_pair(&a.set)
        .map_err(|e| CliError::usage(format!("--set: {e}")))?;
    let target = match (&a.id, &a.where_) {
        (Some(id), _) => app::desk::Target::One(parse_id(id)?),
        (None, Some(w)) => app::desk::Target::Where(
            settings
                .check_pair(w)
                .map_err(|e| CliError::usage(format!("--where: {e}")))?,
        ),
        (None, None) => {
            return Err(CliError::usage(
                "desk schedule: name a desk, or --all --where KEY=VALUE",
            ))
        }
    };
    let note = a
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            if n.chars().any(char::is_control) || n.chars().count() > 500 {
                Err(CliError::usage(
                    "--note: at most 500 characters, on one line",
                ))
            } else {
                Ok(n.to_owned())
            }
        })
        .transpose()?;
    let req = app::desk::Request {
        target,
        set,
        on: parse_day(&a.on)?,
        note,
    };
    ctx.tell_what_if();
    let done = app::desk::schedule(&ctx.env, &req)?;
    for old in &done.replaced {
        ctx.note(format!(
            "{}: change {} of {} replaced (cancelled)",
            old.desk, old.id, old.on
        ));
    }
    let mut out = String::new();
    for c in &done.changes {
        ctx.note(format!(
            "{}: {}={} scheduled on {} ({})",
            c.desk, c.key, c.value, c.on, c.id
        ));
        out.push_str(&format!("{}\n", c.id));
    }
    if !done.already.is_empty() {
        ctx.note(format!(
            "{} desk(s) already have {}: left out",
            done.already.len(),
            req.set
        ));
    }
    if !done.pending.is_empty() {
        ctx.note(format!(
            "{} desk(s) already have a change of {} scheduled: their date is kept",
            done.pending.len(),
            req.set.key
        ));
    }
    ctx.note(format!(
        "{} change(s) scheduled on {}{}",
        done.changes.len(),
        req.on,
        if ctx.env.what_if() {
            "; acknowledgements kept pending (what-if --now)"
        } else {
            ""
        }
    ));
    tell_delivery(ctx, "acknowledgement", &done.delivery);
    output::report(out.as_bytes())
}

fn changes(ctx: &Context, a: ChangesArgs) -> Result<(), CliError> {
    let list = app::desk::changes(&ctx.env, a.pending)?;
    let rows: Vec<ChangeRow> = list.iter().map(ChangeRow::from).collect();
    if a.json {
        return output::json(&rows);
    }
    let mut t = Table::new(&["CHANGE", "DESK", "SETTING", "ON", "STATE", "NOTE"]);
    for (r, c) in rows.into_iter().zip(&list) {
        let state = match (&c.last_error, c.attempts) {
            (Some(e), n) if n > 0 => format!("{} ({n} attempt(s): {e})", r.state),
            _ => r.state.to_owned(),
        };
        t.row(vec![
            r.change,
            r.desk,
            format!("{}={}", r.key, r.value),
            r.on,
            state,
            r.note.unwrap_or_default(),
        ]);
    }
    t.print()
}

fn cancel(ctx: &Context, a: CancelArgs) -> Result<(), CliError> {
    let id = crate::model::ChangeId::parse(&a.change).map_err(CliError::usage)?;
    ctx.tell_what_if();
    let (change, delivery) = app::desk::cancel(&ctx.env, &id)?;
    ctx.note(format!(
        "{}: change {} ({}={} on {}) cancelled; the desk is told",
        change.desk, change.id, change.key, change.value, change.on
    ));
    tell_delivery(ctx, "cancellation notice", &delivery);
    Ok(())
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
