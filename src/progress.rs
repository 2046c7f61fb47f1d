//! Progress bars on stderr while collecting, advancing as each region
//! finishes: one per service for a single account, one line per account when
//! several run (nine services times four accounts would not fit a terminal).
//! Drawn only when stderr is a terminal and `--quiet` is not given, so logs
//! and pipes stay clean.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::scan::Progress;

/// Each (account, service) bar with the resources it has counted so far; the
/// service is `""` when there is one bar per account.
type BarsByJob = HashMap<(String, &'static str), (ProgressBar, usize)>;

pub(crate) struct TerminalProgress {
    bars: MultiProgress,
    by_job: Mutex<BarsByJob>,
    per_account: bool,
}

impl TerminalProgress {
    /// `several_accounts`: one line per account instead of one per service.
    pub(crate) fn new(several_accounts: bool) -> Self {
        TerminalProgress {
            bars: MultiProgress::new(),
            by_job: Mutex::new(HashMap::new()),
            per_account: several_accounts,
        }
    }

    /// The bars an account's services draw: one per service, or one for all.
    pub(crate) fn bars_for(
        &self,
        services: &[(&'static str, usize)],
    ) -> Vec<(&'static str, usize)> {
        if self.per_account {
            vec![("", services.iter().map(|(_, n)| n).sum())]
        } else {
            services.to_vec()
        }
    }

    fn key(&self, account: &str, service: &'static str) -> (String, &'static str) {
        (
            account.to_string(),
            if self.per_account { "" } else { service },
        )
    }

    fn style() -> ProgressStyle {
        ProgressStyle::with_template("{prefix:>28} [{bar:20}] {pos}/{len} regions {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }
}

impl Progress for TerminalProgress {
    fn account_started(&self, account: &str, services: &[(&'static str, usize)]) {
        let mut jobs = self.by_job.lock().unwrap_or_else(|e| e.into_inner());
        for (service, count) in self.bars_for(services) {
            let bar = self.bars.add(ProgressBar::new(count as u64));
            bar.set_style(Self::style());
            bar.set_prefix(format!("{account} {service}").trim_end().to_string());
            jobs.insert((account.to_string(), service), (bar, 0));
        }
    }

    fn job_finished(&self, account: &str, service: &'static str, resources: usize) {
        let mut jobs = self.by_job.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((bar, seen)) = jobs.get_mut(&self.key(account, service)) {
            *seen += resources;
            bar.set_message(format!("{seen} resources"));
            bar.inc(1);
        }
    }

    fn account_finished(&self, account: &str) {
        let mut jobs = self.by_job.lock().unwrap_or_else(|e| e.into_inner());
        jobs.retain(|(a, _), (bar, _)| {
            if a == account {
                bar.finish_and_clear();
                false
            } else {
                true
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_account_when_several_run() {
        let services = [("iam", 1), ("sqs", 3), ("sns", 3)];
        assert_eq!(TerminalProgress::new(true).bars_for(&services), [("", 7)]);
        assert_eq!(TerminalProgress::new(false).bars_for(&services), services);
        let progress = TerminalProgress::new(true);
        progress.account_started("111122223333", &services);
        progress.account_started("444455556666", &services);
        progress.job_finished("111122223333", "sqs", 5);
        progress.job_finished("111122223333", "iam", 2);
        let jobs = progress.by_job.lock().unwrap();
        assert_eq!(jobs.len(), 2, "one bar per account");
        let (bar, seen) = &jobs[&("111122223333".to_string(), "")];
        assert_eq!((bar.position(), *seen), (2, 7));
    }
}
