//! What the engine asks about the station besides its orders: the speed of
//! service for the header (at most every [`NetTiming::stats_every`]), and,
//! each time the link reaches a server, what this token may do there (a
//! `viewer` token makes a read-only screen). Both are hints: a failure only
//! hides the figures until the next try, and never touches the tickets.

use super::NetTiming;
use super::feed::AppGone;
use super::http::{self, Dates, HttpError};
use super::servers::Reach;
use crate::msg::NetEvent;
use reqwest::Client;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

/// What the asking needs.
pub(super) struct Station {
    pub(super) http: Client,
    pub(super) dates: Dates,
    /// The station (or `all`) the figures are of.
    pub(super) scope: String,
    pub(super) reach: watch::Receiver<Reach>,
    pub(super) to_app: mpsc::Sender<NetEvent>,
    pub(super) timing: NetTiming,
    /// Ask for the speed of service (a display's header; not `kds tail`).
    pub(super) stats: bool,
}

impl Station {
    async fn tell(&self, event: NetEvent) -> Result<(), AppGone> {
        self.to_app.send(event).await.map_err(|_| AppGone)
    }

    /// Runs until the app goes away (or the link, when there is none).
    pub(super) async fn run(mut self) {
        let _ = self.ask().await;
    }

    async fn ask(&mut self) -> Result<(), AppGone> {
        let mut seen = 0;
        let mut next_stats = Instant::now();
        // An old server has no such routes: stop asking it until the next reach.
        let mut stats_known = true;
        loop {
            let reach = self.reach.borrow().clone();
            if reach.reached == 0 {
                // Not reached yet: nothing to ask.
                if self.reach.changed().await.is_err() {
                    return Ok(());
                }
                continue;
            }
            if reach.reached != seen {
                seen = reach.reached;
                stats_known = true;
                let timeout = self.timing.request_timeout;
                match http::fetch_session(&self.http, &reach.server, timeout, &self.dates).await {
                    Ok(session) => {
                        let read_only = session.role == "viewer";
                        self.tell(NetEvent::Session { read_only }).await?;
                    }
                    Err(err) => {
                        tracing::debug!(%err, "no session answer; assuming changes are allowed");
                    }
                }
            }
            if self.stats && stats_known && Instant::now() >= next_stats {
                next_stats = Instant::now() + self.timing.stats_every;
                let timeout = self.timing.request_timeout;
                let answer =
                    http::fetch_stats(&self.http, &reach.server, &self.scope, timeout, &self.dates)
                        .await;
                let stats = match answer {
                    Ok(stats) => Some(stats),
                    Err(HttpError::Status { status: 404, .. }) => {
                        stats_known = false;
                        None
                    }
                    Err(err) => {
                        tracing::debug!(%err, "no speed of service this time");
                        None
                    }
                };
                self.tell(NetEvent::Stats(stats)).await?;
            }
            let wake = if self.stats && stats_known {
                next_stats
            } else {
                Instant::now() + self.timing.unauthorized_retry
            };
            tokio::select! {
                () = sleep_until(wake) => {}
                changed = self.reach.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}
