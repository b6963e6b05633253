//! The server's clock: the system's, or one a test sets by hand.

use kds_protocol::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Where every write and the stats read "now" from.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock (the default).
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that stands at `start` until it is moved.
    pub fn manual(start: Timestamp) -> Self {
        Self(Some(Arc::new(AtomicI64::new(start.as_millis()))))
    }

    pub fn now(&self) -> Timestamp {
        match &self.0 {
            None => Timestamp::now(),
            Some(ms) => Timestamp::from_millis(ms.load(Ordering::SeqCst)),
        }
    }

    /// A reading that never goes back, for measuring intervals (the rate
    /// limits): the system's steady clock since the process first asked,
    /// or a manual clock's own time (which only its `advance` moves).
    pub fn steady(&self) -> Duration {
        match &self.0 {
            None => {
                static START: OnceLock<Instant> = OnceLock::new();
                START.get_or_init(Instant::now).elapsed()
            }
            Some(ms) => {
                Duration::from_millis(u64::try_from(ms.load(Ordering::SeqCst)).unwrap_or(0))
            }
        }
    }

    /// Moves a manual clock on; the system's cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Some(ms) = &self.0 {
            let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            ms.fetch_add(by, Ordering::SeqCst);
        }
    }
}
