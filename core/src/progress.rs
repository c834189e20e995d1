//! Progress reporting without a terminal dependency: long library runs (training,
//! characterization, evaluation) count finished work through this trait, and the CLI shows it
//! as a progress bar.

/// Receives counts of finished work units. Implementations must be cheap and thread-safe: the
/// runs call [`advance`](Self::advance) from worker threads.
pub trait Progress: Sync {
    /// The run now knows its total number of units.
    fn set_total(&self, _total: u64) {}
    /// `n` more units are done.
    fn advance(&self, n: u64);
}

/// A [`Progress`] that ignores everything (for callers that show nothing).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _n: u64) {}
}

/// Counts units in an atomic (for tests, and for callers that poll).
#[derive(Debug, Default)]
pub struct Counter {
    total: std::sync::atomic::AtomicU64,
    done: std::sync::atomic::AtomicU64,
}

impl Counter {
    /// Units done so far.
    pub fn done(&self) -> u64 {
        self.done.load(std::sync::atomic::Ordering::Relaxed)
    }
    /// The total last announced (0 before any).
    pub fn total(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Progress for Counter {
    fn set_total(&self, total: u64) {
        self.total
            .store(total, std::sync::atomic::Ordering::Relaxed);
    }
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}
