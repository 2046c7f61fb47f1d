//! Progress bars on stderr while collecting: one per account and service,
//! advancing as each region finishes. Drawn only when stderr is a terminal
//! and `--quiet` is not given, so logs and pipes stay clean.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::scan::Progress;

/// Each (account, service) bar with the resources it has counted so far.
type BarsByJob = HashMap<(String, &'static str), (ProgressBar, usize)>;

pub(crate) struct TerminalProgress {
    bars: MultiProgress,
    by_job: Mutex<BarsByJob>,
}

impl TerminalProgress {
    pub(crate) fn new() -> Self {
        TerminalProgress {
            bars: MultiProgress::new(),
            by_job: Mutex::new(HashMap::new()),
        }
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
        for &(service, count) in services {
            let bar = self.bars.add(ProgressBar::new(count as u64));
            bar.set_style(Self::style());
            bar.set_prefix(format!("{account} {service}"));
            jobs.insert((account.to_string(), service), (bar, 0));
        }
    }

    fn job_finished(&self, account: &str, service: &'static str, resources: usize) {
        let mut jobs = self.by_job.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((bar, seen)) = jobs.get_mut(&(account.to_string(), service)) {
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
