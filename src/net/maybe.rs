//! Waiting on something that may not be there: a select loop keeps an
//! optional request or deadline, and an absent one never fires.

use std::future::Future;
use std::pin::Pin;
use tokio::time::{Instant, sleep_until};

/// A future kept across turns of a select loop.
pub(crate) type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Awaits the future in `slot`, or forever when there is none.
pub(crate) async fn maybe<T>(slot: &mut Option<Boxed<T>>) -> T {
    match slot.as_mut() {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or forever when there is no `at`.
pub(crate) async fn until(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
