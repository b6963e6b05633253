//! The server's own tasks (the tailer, the pruner, the simulator, every
//! `WebSocket` session): shutdown waits for them to end by themselves, and
//! cuts off those that outlast the grace period, so that the store is never
//! closed under a task that still uses it.

use std::future::Future;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A tracker whose tasks can also be cut off: each runs only until `cut`.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    tracker: TaskTracker,
    cut: CancellationToken,
}

impl Tasks {
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(self.cuttable(task));
    }

    /// `task` as a future that is tracked and can be cut off, for a caller
    /// that spawns it itself (a `WebSocket` upgrade).
    pub fn track<F>(&self, task: F) -> impl Future<Output = ()> + Send + use<F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.track_future(self.cuttable(task))
    }

    /// `task`, ending early when `cut` is cancelled.
    fn cuttable<F>(&self, task: F) -> impl Future<Output = ()> + Send + use<F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // Boxed: `run_until_cancelled_owned` is an async fn and keeps copies
        // of the future it is given, so inline a WebSocket session's 1.4 KiB
        // of state took 5.9 KiB of its task for as long as the connection
        // lived (docs/benchmarks.md, 10,000 idle connections).
        let task = Box::pin(task);
        let cut = self.cut.clone();
        async move {
            cut.run_until_cancelled_owned(task).await;
        }
    }

    /// Takes no more tasks and waits until `deadline` for the running ones
    /// to end; those still running then are cut off (their futures
    /// dropped at once, which closes their sockets and rolls back what
    /// they had not committed). Returns whether any had to be.
    pub async fn finish(&self, deadline: Instant) -> bool {
        self.tracker.close();
        if tokio::time::timeout_at(deadline, self.tracker.wait())
            .await
            .is_ok()
        {
            return false;
        }
        self.cut.cancel();
        // A cut task returns at its next poll, which the cancellation wakes.
        self.tracker.wait().await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn tasks_that_outlast_the_deadline_are_cut_off() {
        let tasks = Tasks::default();
        let (dropped, mut told) = tokio::sync::oneshot::channel::<()>();
        tasks.spawn(async move {
            // Holds `dropped` until the future is dropped.
            let _dropped = dropped;
            std::future::pending::<()>().await;
        });
        tokio::spawn(tasks.track(std::future::pending()));
        tasks.spawn(async {});
        let cut = tasks
            .finish(Instant::now() + Duration::from_millis(50))
            .await;
        assert!(cut);
        assert_eq!(
            told.try_recv(),
            Err(tokio::sync::oneshot::error::TryRecvError::Closed),
            "the sender was dropped with its task"
        );
    }

    #[tokio::test]
    async fn tasks_that_end_in_time_are_not_cut() {
        let tasks = Tasks::default();
        tasks.spawn(async {});
        assert!(!tasks.finish(Instant::now() + Duration::from_secs(5)).await);
    }
}
