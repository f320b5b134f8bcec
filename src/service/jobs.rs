//! The service's jobs and their schedules.

use crate::config::{Config, Schedule};

pub use crate::app::job::Job;

// The schedule of a job is the service's business, kept next to the
// schedules rather than with the job itself.
impl Job {
    /// Its schedule in the configuration; `None` when it does not run:
    /// the mailbox without `[mail] source`, or with `[service] mail = ""`.
    pub fn schedule(self, config: &Config) -> Option<&Schedule> {
        match self {
            Job::Alerts => Some(&config.service.alerts),
            Job::Push => Some(&config.service.push),
            Job::Digest => Some(&config.service.digest),
            Job::Backup => Some(&config.service.backup),
            Job::Mail if config.mail.source == "none" => None,
            Job::Mail => config.service.mail.as_ref(),
        }
    }
}

/// Each job that runs with its schedule, parsed when the configuration was
/// read.
pub fn schedules(config: &Config) -> Vec<(Job, Schedule)> {
    Job::ALL
        .iter()
        .chain(&[Job::Mail])
        .filter_map(|&job| job.schedule(config).map(|s| (job, s.clone())))
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

    #[test]
    fn the_mailbox_is_fetched_only_when_there_is_one() {
        let with = |text: &str| {
            let raw: crate::config::raw::Config = toml::from_str(text).unwrap();
            Config::from_raw(raw, std::path::Path::new("test")).unwrap()
        };
        let maildir = "[mail]\nsource = \"maildir\"\nmaildir = \"/m\"\n";
        let plan = schedules(&with(maildir));
        let mail = plan.iter().find(|(j, _)| *j == Job::Mail).unwrap();
        assert_eq!(mail.1.as_str(), "0 */5 * * * *");
        assert!(!schedules(&with("")).iter().any(|(j, _)| *j == Job::Mail));
        let off = format!("{maildir}[service]\nmail = \"\"\n");
        assert!(!schedules(&with(&off)).iter().any(|(j, _)| *j == Job::Mail));
    }
}
