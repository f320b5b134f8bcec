//! The service's jobs and their schedules.

use super::schedule::{Schedule, ScheduleError};
use crate::config::Config;

pub use crate::app::job::Job;

// The schedule of a job is the service's business, kept next to the
// schedules rather than with the job itself.
impl Job {
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
