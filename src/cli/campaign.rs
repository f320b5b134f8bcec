//! `vigie campaign`: deadline campaigns (issue 16) — add one, list them,
//! show one with who is done, scheduled and left, close one.

use chrono::NaiveDate;

use super::output::campaign::CampaignView;
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::app::campaign::NewCampaign;
use crate::campaign::{Progress, Standing};
use crate::clock::local_date;
use crate::model::check_campaign_name;

/// The `campaign` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Start a campaign: the desks matching --where are reminded, at the
    /// alert thresholds before the deadline, until they schedule their
    /// change (`vigie desk schedule`) or have the value.
    #[command(
        after_help = "Example:\n  vigie campaign add v2-2013 --set version=V2 --deadline 2013-03-31 --where version=V1"
    )]
    Add(AddArgs),
    /// Every campaign, with how many desks are done, scheduled and left.
    #[command(after_help = "Examples:\n  vigie campaign list\n  vigie campaign list --json")]
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// One campaign: who is done, who is scheduled (and when), who is left.
    #[command(after_help = "Example:\n  vigie campaign show v2-2013 --json")]
    Show {
        /// The campaign's name.
        name: String,
        /// Print a JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Close a campaign: no more reminders; it stays listed.
    #[command(after_help = "Example:\n  vigie campaign close v2-2013")]
    Close {
        /// The campaign's name.
        name: String,
    },
}

/// Arguments of `campaign add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Its name (letters, digits, - _ .), e.g. v2-2013.
    pub name: String,
    /// The setting every desk concerned must reach: KEY=VALUE.
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: String,
    /// The deadline (YYYY-MM-DD or DD/MM/YYYY, local), in the future.
    #[arg(long, value_name = "DATE")]
    pub deadline: String,
    /// The desks concerned: KEY=VALUE (e.g. version=V1).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub filter: String,
}

/// Runs a `campaign` subcommand.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Add(a) => add(ctx, a),
        Command::List { json } => list(ctx, json),
        Command::Show { name, json } => show(ctx, &name, json),
        Command::Close { name } => {
            let name = check_campaign_name(&name).map_err(CliError::usage)?;
            match app::campaign::close(&ctx.env, &name)? {
                Some(_) => {
                    ctx.note(format!("campaign {name} closed: no more reminders"));
                    Ok(())
                }
                None => Err(no_campaign(&name)),
            }
        }
    }
}

fn no_campaign(name: &str) -> CliError {
    CliError::operational(format!("no campaign {name}"))
        .with_hint("`vigie campaign list` lists the campaigns")
}

/// Parses a date as people type it: `2013-03-31` or `31/03/2013`.
fn date(option: &str, text: &str) -> Result<NaiveDate, CliError> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map_err(|_| {
            CliError::usage(format!(
                "{option}: «{}» is not a date such as 2013-03-31 or 31/03/2013",
                crate::escape::printable(t)
            ))
        })
}

fn add(ctx: &Context, a: AddArgs) -> Result<(), CliError> {
    let env = &ctx.env;
    let name = check_campaign_name(&a.name).map_err(CliError::usage)?;
    let settings = env.config.desk_settings();
    let set = settings
        .check_pair(&a.set)
        .map_err(|e| CliError::usage(format!("--set: {}", e.message_en())))?;
    let filter = settings
        .check_pair(&a.filter)
        .map_err(|e| CliError::usage(format!("--where: {}", e.message_en())))?;
    let deadline = date("--deadline", &a.deadline)?;
    let today = local_date(env.now, env.tz);
    if deadline <= today {
        return Err(CliError::usage(format!(
            "--deadline: {deadline} is not in the future (today is {today})"
        )));
    }
    let new = NewCampaign {
        name,
        set,
        deadline,
        filter,
    };
    let c = app::campaign::add(env, &new)?;
    let shown = app::campaign::show(env, &c.name)?;
    let counts = shown.map(|p| p.counts()).unwrap_or_default();
    ctx.note(format!(
        "campaign {} added: {} by {} for the desks where {} ({} done, {} scheduled, {} left)",
        c.name,
        c.set_pair(),
        c.deadline,
        c.where_pair(),
        counts.done,
        counts.scheduled,
        counts.left
    ));
    Ok(())
}

fn list(ctx: &Context, json: bool) -> Result<(), CliError> {
    let all = app::campaign::list(&ctx.env)?;
    let today = local_date(ctx.env.now, ctx.env.tz);
    if json {
        let views: Vec<CampaignView> = all.iter().map(|p| CampaignView::new(p, today)).collect();
        return output::json(&views);
    }
    let mut t = Table::new(&[
        "CAMPAIGN",
        "SET",
        "DEADLINE",
        "WHERE",
        "DONE",
        "SCHEDULED",
        "LEFT",
        "STATE",
    ]);
    for p in &all {
        let c = &p.campaign;
        let n = p.counts();
        t.row(vec![
            c.name.clone(),
            c.set_pair(),
            c.deadline.to_string(),
            c.where_pair(),
            n.done.to_string(),
            n.scheduled.to_string(),
            n.left.to_string(),
            state(p, today).into(),
        ]);
    }
    t.print()
}

fn state(p: &Progress, today: NaiveDate) -> &'static str {
    if p.campaign.closed {
        "closed"
    } else if p.days_left(today) < 0 {
        "past"
    } else {
        "open"
    }
}

fn show(ctx: &Context, name: &str, json: bool) -> Result<(), CliError> {
    let name = check_campaign_name(name).map_err(CliError::usage)?;
    let Some(p) = app::campaign::show(&ctx.env, &name)? else {
        return Err(no_campaign(&name));
    };
    let today = local_date(ctx.env.now, ctx.env.tz);
    if json {
        return output::json_value(&CampaignView::new(&p, today));
    }
    let c = &p.campaign;
    let n = p.counts();
    let mut head = Table::new(&["FIELD", "VALUE"]);
    head.row(vec!["campaign".into(), c.name.clone()]);
    head.row(vec!["set".into(), c.set_pair()]);
    head.row(vec![
        "deadline".into(),
        format!("{} ({} days left)", c.deadline, p.days_left(today)),
    ]);
    head.row(vec!["where".into(), c.where_pair()]);
    head.row(vec!["state".into(), state(&p, today).into()]);
    head.row(vec![
        "desks".into(),
        format!(
            "{} done, {} scheduled, {} left (of {})",
            n.done,
            n.scheduled,
            n.left,
            n.total()
        ),
    ]);
    let mut text = head.render();
    let mut t = Table::new(&["DESK", "NAME", "STANDING", "CURRENT", "ON"]);
    for s in [Standing::Left, Standing::Scheduled, Standing::Done] {
        for m in p.with(s) {
            t.row(vec![
                m.desk.to_string(),
                if m.suspended {
                    format!("{} (suspended)", m.name)
                } else {
                    m.name.clone()
                },
                s.as_str().into(),
                m.current.clone(),
                m.change
                    .as_ref()
                    .map(|(_, on)| on.to_string())
                    .unwrap_or_default(),
            ]);
        }
    }
    if !p.members.is_empty() {
        text.push('\n');
        text.push_str(&t.render());
    }
    output::bytes(text.as_bytes())
}
