//! Where each desk stands: the status rows, and the monitoring check's counts.

use std::collections::HashMap;

use crate::app::stream::Streamed;
use crate::app::{AppError, Env};
use crate::config;
use crate::status::{self, check_level, State, StatusRow};
use crate::store::Store;

/// The desks' standing, ready to be read: the store is open, so that a shell
/// may start its output knowing the store answered.
pub struct Roster<'a> {
    env: &'a Env,
    store: Store,
}

/// Opens the store to read the desks' standing.
pub fn open(env: &Env) -> Result<Roster<'_>, AppError> {
    Ok(Roster {
        env,
        store: env.store()?,
    })
}

impl Roster<'_> {
    /// Calls `each` with every desk's status row, in desk order, as the store
    /// is read (nothing is held but the row in hand), judged by `bands`.
    pub fn each<E: From<AppError>>(
        &self,
        bands: &config::Status,
        mut each: impl FnMut(StatusRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let env = self.env;
        self.store
            .roster(|e| {
                each(status::row(
                    &e.desk,
                    e.cert.as_ref(),
                    env.now,
                    env.tz,
                    bands,
                ))
                .map_err(Streamed::Sink)
            })
            .map_err(Streamed::into_sink)
    }
}

/// Calls `each` with every desk's status row, in desk order, as the store
/// is read (nothing is held but the row in hand), judged by `bands`.
pub fn each_row<E: From<AppError>>(
    env: &Env,
    bands: &config::Status,
    each: impl FnMut(StatusRow) -> Result<(), E>,
) -> Result<(), E> {
    open(env)?.each(bands, each)
}

/// Every desk's status row, in desk order.
pub fn rows(env: &Env, bands: &config::Status) -> Result<Vec<StatusRow>, AppError> {
    let mut out = Vec::new();
    each_row(env, bands, |r| {
        out.push(r);
        Ok::<(), AppError>(())
    })?;
    Ok(out)
}

/// What `vigie check` reports.
pub struct Check {
    /// The monitoring level: 0 ok, 1 warning, 2 critical.
    pub level: u8,
    /// How many desks.
    pub total: usize,
    /// How many desks in each state.
    pub counts: HashMap<State, usize>,
    /// The desks not ok, worst first.
    pub worst: Vec<StatusRow>,
    /// Neither trust anchors nor known issuers are configured: a warning
    /// until the team says which authorities it trusts (issue 18).
    pub no_trust_anchors: bool,
}

/// Counts the desks per state under `bands`.
pub fn check(env: &Env, bands: &config::Status) -> Result<Check, AppError> {
    // Counted as the rows come; only the rows that are not ok are kept, to
    // name the worst ones.
    let mut counts: HashMap<State, usize> = HashMap::new();
    let mut total = 0;
    let mut worst: Vec<StatusRow> = Vec::new();
    each_row(env, bands, |r| {
        total += 1;
        *counts.entry(r.state).or_default() += 1;
        if r.state != State::Ok && r.state != State::Suspended {
            worst.push(r);
        }
        Ok::<(), AppError>(())
    })?;
    // A desk without a certificate is a warning only while there is a
    // warning band: `--warn 0` asks for no warnings (issue 14). It is still
    // counted and named.
    let level = if bands.warn_days == 0 {
        let judged: Vec<StatusRow> = worst
            .iter()
            .filter(|r| r.state != State::Missing)
            .cloned()
            .collect();
        check_level(&judged)
    } else {
        check_level(&worst)
    };
    worst.sort_by_key(|r| (r.state.urgency(), r.days_left));
    let intake = &env.config.intake;
    let no_trust_anchors = intake.trust_anchors_dir.is_none() && intake.known_issuers_dir.is_none();
    Ok(Check {
        level: if no_trust_anchors {
            level.max(1)
        } else {
            level
        },
        total,
        counts,
        worst,
        no_trust_anchors,
    })
}
