//! The service's jobs and their schedules.

use std::fmt;

use super::schedule::{Schedule, ScheduleError};
use crate::config::Config;

/// A job the service runs on a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// Decide and send the alerts due (and any pending message).
    Alerts,
    /// Push certificates to the national configuration, retrying failures.
    Push,
    /// Send the team digest.
    Digest,
    /// Export the store and prune old exports.
    Backup,
}

impl Job {
    /// Every job, in the order they run when several are due together.
    pub const ALL: [Job; 4] = [Job::Push, Job::Alerts, Job::Digest, Job::Backup];

    /// The job's name in logs, metrics and the store.
    pub fn name(self) -> &'static str {
        match self {
            Job::Alerts => "alerts",
            Job::Push => "push",
            Job::Digest => "digest",
            Job::Backup => "backup",
        }
    }

    /// The configuration key holding its schedule.
    fn expression(self, config: &Config) -> &str {
        match self {
            Job::Alerts => &config.service.alerts,
            Job::Push => &config.service.push,
            Job::Digest => &config.service.digest,
            Job::Backup => &config.service.backup,
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Each job with its parsed schedule.
pub fn schedules(config: &Config) -> Result<Vec<(Job, Schedule)>, String> {
    Job::ALL
        .iter()
        .map(|&job| {
            Schedule::parse(job.expression(config))
                .map(|s| (job, s))
                .map_err(|e: ScheduleError| format!("service.{}: {e}", job.name()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedules_parse_and_bad_ones_name_their_key() {
        assert_eq!(schedules(&Config::default()).unwrap().len(), 4);
        let mut c = Config::default();
        c.service.digest = "0 8 * * Mon".into();
        let err = schedules(&c).unwrap_err();
        assert!(err.starts_with("service.digest"), "{err}");
    }
}
