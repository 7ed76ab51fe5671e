//! Why and how a run stops early. The first stop (Ctrl-C, SIGTERM, SIGHUP, or a
//! cluster that stayed unreachable) cancels the running steps and starts no new
//! scenario; cleanup still runs to its end. A second signal hurries cleanup: deletes
//! are still sent, but nothing waits for them to finish, and what may be left is
//! named for `kdrill clean --run ID`. The exit code says which stop it was.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    Hangup,
}

/// The signals that stop kdrill, listened to for as long as it lives.
pub struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    /// Listen for SIGINT, SIGTERM and SIGHUP (None when the runtime refuses).
    pub fn listen() -> Option<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Some(Signals {
            int: signal(SignalKind::interrupt()).ok()?,
            term: signal(SignalKind::terminate()).ok()?,
            hup: signal(SignalKind::hangup()).ok()?,
        })
    }

    /// The next signal received.
    pub async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.int.recv() => Signal::Interrupt,
            _ = self.term.recv() => Signal::Terminate,
            _ = self.hup.recv() => Signal::Hangup,
        }
    }
}

impl Signal {
    /// 128 + the signal number, as shells report a process a signal ended.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
            Signal::Hangup => 129,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }
}

/// Why the run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Signal(Signal),
    /// The API server did not answer from `since` for at least `grace`.
    Unreachable {
        since: SystemTime,
        grace: Duration,
    },
}

/// The stop state of one run, shared by the signal handler, the cluster watchdog
/// and the executor.
#[derive(Debug, Default)]
pub struct Stop {
    cancel: CancellationToken,
    hurry: CancellationToken,
    reason: OnceLock<Reason>,
}

impl Stop {
    /// Stop the run (the first reason given is the one reported).
    pub fn request(&self, reason: Reason) {
        let _ = self.reason.set(reason);
        self.cancel.cancel();
    }

    /// Stop waiting for cleanup to finish (a second signal).
    pub fn hurry(&self) {
        self.hurry.cancel();
    }

    /// Fired when the run must stop: steps end, no new scenario starts.
    pub fn cancelled(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Fired when cleanup must not wait any more.
    pub fn hurried(&self) -> &CancellationToken {
        &self.hurry
    }

    pub fn is_stopped(&self) -> bool {
        self.cancel.is_cancelled()
    }

    pub fn reason(&self) -> Option<Reason> {
        self.reason.get().copied()
    }

    /// What a step that was cut short says.
    pub fn describe(&self) -> String {
        match self.reason() {
            Some(Reason::Unreachable { since, grace }) => format!(
                "cluster unreachable since {} (more than {}s): the run stopped",
                humantime_utc(since),
                grace.as_secs()
            ),
            Some(Reason::Signal(s)) => format!("interrupted ({})", s.name()),
            None => "interrupted".into(),
        }
    }

    /// The exit code a stopped run ends with, if it was stopped: 128 + the signal,
    /// or 3 for a cluster that went away.
    pub fn exit_code(&self) -> Option<u8> {
        match self.reason()? {
            Reason::Signal(s) => Some(s.exit_code()),
            Reason::Unreachable { .. } => Some(3),
        }
    }
}

/// `2026-11-29T14:05:12Z`, without a date crate: days from the epoch to a civil date.
fn humantime_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_counts_and_says_the_exit_code() {
        let s = Stop::default();
        assert_eq!(s.exit_code(), None);
        s.request(Reason::Signal(Signal::Terminate));
        s.request(Reason::Signal(Signal::Interrupt));
        assert!(s.is_stopped() && !s.hurried().is_cancelled());
        assert_eq!(s.exit_code(), Some(143));
        assert_eq!(s.describe(), "interrupted (SIGTERM)");
        assert_eq!(Signal::Hangup.exit_code(), 129);
        let lost = Stop::default();
        lost.request(Reason::Unreachable {
            since: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000),
            grace: Duration::from_secs(60),
        });
        assert_eq!(lost.exit_code(), Some(3));
        assert_eq!(
            lost.describe(),
            "cluster unreachable since 2026-11-18T11:06:40Z (more than 60s): the run stopped"
        );
    }
}
