//! Hearing the commits of every instance: LISTEN on the commits channel.
//!
//! A notification only wakes the feed, which then reads the table; so a
//! notification lost while the connection was down costs latency, never an
//! event. After every (re)connect the feed is woken once more to catch up
//! on whatever was committed while nobody listened.

use super::{COMMITS_CHANNEL, PgStore};
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// First pause before listening again after a failure; doubles up to the cap.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_CAP: Duration = Duration::from_secs(5);

impl PgStore {
    /// Calls `wake` with the committed seq on every commit notification, and
    /// with `None` (something may have been missed) after every (re)connect,
    /// until `stop`. Never gives up: a database that is down is retried.
    pub async fn follow_commits(&self, wake: impl Fn(Option<i64>) + Send, stop: CancellationToken) {
        let mut pause = RETRY_FIRST;
        loop {
            let listening = tokio::select! {
                () = stop.cancelled() => return,
                listening = self.listen() => listening,
            };
            match listening {
                Ok(mut listener) => {
                    // Anything committed before LISTEN took effect.
                    wake(None);
                    loop {
                        let next = tokio::select! {
                            () = stop.cancelled() => return,
                            next = listener.try_recv() => next,
                        };
                        match next {
                            Ok(Some(notification)) => {
                                pause = RETRY_FIRST;
                                // The payload is the seq (`append_event`); one
                                // that is not is still a commit.
                                wake(notification.payload().parse().ok());
                            }
                            Ok(None) => {
                                tracing::warn!(
                                    "lost the commit listener's connection; reconnecting"
                                );
                                break;
                            }
                            Err(err) => {
                                tracing::warn!(%err, "commit listener failed; reconnecting");
                                break;
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(%err, "cannot listen for commits; retrying"),
            }
            // Whatever the listener missed, the tailer's own poll still finds.
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(RETRY_CAP);
        }
    }

    async fn listen(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.listen_pool).await?;
        // Reconnecting is ours to do (above), so that every reconnect is
        // followed by a catch-up wake.
        listener.eager_reconnect(false);
        listener.listen(COMMITS_CHANNEL).await?;
        Ok(listener)
    }
}
