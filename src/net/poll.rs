//! HTTP long polling, used while the WebSocket cannot be opened, with the
//! WebSocket retried in the background.
//!
//! The switch back loses and repeats nothing: a background WebSocket always
//! asks for `since` no later than the cursor, so it replays everything the
//! polls did not deliver (an answer still in flight is simply dropped), and
//! the feed drops whatever the polls already did.

use super::feed::AppGone;
use super::http::{self, HttpError};
use super::link::{Link, PollEnd};
use super::servers::{label, ws_url};
use super::ws::{self, ConnectError, Socket};
use crate::msg::ConnState;
use kds_protocol::{EventsPage, MAX_WAIT, Snapshot};
use reqwest::{Client, Url};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::time::{Instant, sleep_until};

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What one poll request brought.
enum Answer {
    Snapshot(Snapshot),
    Page(EventsPage),
}

/// One request: the snapshot when there is no cursor yet, else the events
/// after it. Owns its inputs so it can outlive a turn of the select loop.
async fn poll_once(
    client: Client,
    base: Url,
    station: String,
    cursor: Option<i64>,
    wait: Duration,
    timeout: Duration,
) -> Result<Answer, HttpError> {
    match cursor {
        None => http::fetch_snapshot(&client, &base, &station, timeout)
            .await
            .map(Answer::Snapshot),
        Some(since) => http::fetch_events(&client, &base, &station, since, wait, timeout)
            .await
            .map(Answer::Page),
    }
}

/// Awaits the future in `slot`, or forever when there is none.
async fn maybe<T>(slot: &mut Option<Boxed<T>>) -> T {
    match slot.as_mut() {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or forever when there is no `at`.
async fn wake_at(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Link {
    /// The long poll's wait, kept to what the contract allows and at least a
    /// second so an idle station never spins.
    fn poll_wait(&self) -> Duration {
        self.timing
            .poll_wait
            .clamp(Duration::from_secs(1), MAX_WAIT)
    }

    /// Polls the current server until the WebSocket opens or HTTP fails.
    pub(super) async fn poll(&mut self) -> Result<PollEnd, AppGone> {
        let base = self.servers.current().clone();
        let wait = self.poll_wait();
        // Background WebSocket attempts go round all servers, starting here,
        // once HTTP has answered (until then this is no polling at all).
        let mut ws_servers = self.servers.clone();
        let mut next_ws: Option<Instant> = None;
        let mut ws_attempt: Option<Boxed<(Url, Result<Socket, ConnectError>)>> = None;
        let mut request: Option<Boxed<Result<Answer, HttpError>>> = None;
        let mut answered = false;
        loop {
            if request.is_none() {
                request = Some(Box::pin(poll_once(
                    self.http.clone(),
                    base.clone(),
                    self.station.clone(),
                    self.feed.cursor(),
                    wait,
                    self.timing.request_timeout,
                )));
            }
            tokio::select! {
                (server, result) = maybe(&mut ws_attempt) => {
                    ws_attempt = None;
                    match result {
                        Ok(socket) => return Ok(PollEnd::Upgraded(Box::new(socket), server)),
                        Err(err) => {
                            tracing::debug!(?err, "background WebSocket attempt failed");
                            ws_servers.advance();
                            next_ws = Some(self.draw_delay().0);
                        }
                    }
                }
                () = wake_at(next_ws), if ws_attempt.is_none() => {
                    next_ws = None;
                    let server = ws_servers.current().clone();
                    let url = ws_url(&server, &self.station, self.feed.cursor());
                    let auth = self.auth.clone();
                    let limit = self.timing.connect_timeout;
                    ws_attempt = Some(Box::pin(async move {
                        let result = ws::connect(&url, auth.as_ref(), limit).await;
                        (server, result)
                    }));
                }
                answer = maybe(&mut request) => {
                    request = None;
                    match answer {
                        Ok(answer) => {
                            self.feed.heard().await?;
                            match answer {
                                Answer::Snapshot(snapshot) => self.feed.snapshot(snapshot).await?,
                                Answer::Page(page) => self.feed.page(page).await?,
                            }
                            if !answered {
                                answered = true;
                                next_ws = Some(self.draw_delay().0);
                                let server = label(&base);
                                let interval_secs = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX);
                                self.feed.state(ConnState::Polling { server, interval_secs }).await?;
                                self.reachable.notify_one();
                            }
                        }
                        Err(HttpError::Status { status: 410, .. }) => {
                            tracing::info!("events no longer retained; fetching a snapshot");
                            self.feed.forget_cursor();
                        }
                        Err(err) if err.is_auth() => return Ok(PollEnd::Unauthorized(err.message())),
                        Err(err) => return Ok(PollEnd::HttpDown(err.to_string())),
                    }
                }
            }
        }
    }
}
