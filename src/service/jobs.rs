//! The service's jobs and their schedules.

use crate::config::{Config, Schedule};

pub use crate::app::job::Job;

// The schedule of a job is the service's business, kept next to the
// schedules rather than with the job itself.
impl Job {
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
