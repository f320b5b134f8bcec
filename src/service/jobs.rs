//! The service's jobs and their schedules.

use std::fmt;

use crate::config::{Config, Schedule};

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

    /// Its schedule in the configuration.
    pub fn schedule(self, config: &Config) -> &Schedule {
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

/// Each job with its schedule, parsed when the configuration was read.
pub fn schedules(config: &Config) -> Vec<(Job, Schedule)> {
    Job::ALL
        .iter()
        .map(|&job| (job, job.schedule(config).clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_has_its_own_schedule() {
        let plan = schedules(&Config::default());
        assert_eq!(plan.len(), 4);
        let digest = plan.iter().find(|(j, _)| *j == Job::Digest).unwrap();
        assert_eq!(digest.1.as_str(), "0 0 8 * * Mon");
    }
}
