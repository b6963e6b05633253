//! HTTP long polling, used while the WebSocket cannot be opened, with the
//! WebSocket retried in the background.
//!
//! The switch back loses and repeats nothing: a background WebSocket always
//! asks for `since` no later than the cursor, so it replays everything the
//! polls did not deliver (an answer still in flight is simply dropped), and
//! the feed drops whatever the polls already did.

use super::NetTiming;
use super::backoff::Delays;
use super::feed::{AppGone, Feed};
use super::http::{self, Dates, HttpError};
use super::maybe::{Boxed, maybe, until};
use super::urls::{label, ws_url};
use super::ws::{self, ConnectError, Socket};
use crate::msg::ConnState;
use kds_protocol::{EventsPage, MAX_WAIT, Snapshot};
use reqwest::header::HeaderValue;
use reqwest::{Client, Url};
use std::time::Duration;
use tokio::time::Instant;

/// How a stretch of polling ended.
pub(super) enum PollEnd {
    /// A background attempt opened the WebSocket on this server.
    Upgraded(Box<Socket>, Url),
    /// HTTP does not answer (or answers nonsense) either.
    HttpDown(String),
    /// The token was refused (401/403).
    Unauthorized(String),
}

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
    (wait, timeout): (Duration, Duration),
    dates: Dates,
) -> Result<Answer, HttpError> {
    match cursor {
        None => http::fetch_snapshot(&client, &base, &station, timeout, &dates)
            .await
            .map(Answer::Snapshot),
        Some(since) => http::fetch_events(&client, &base, &station, since, wait, timeout, &dates)
            .await
            .map(Answer::Page),
    }
}

/// What polling needs of the link, lent for the stretch of polling.
pub(super) struct Poller<'a> {
    pub(super) http: &'a Client,
    pub(super) dates: &'a Dates,
    pub(super) auth: Option<&'a HeaderValue>,
    pub(super) station: &'a str,
    pub(super) timing: &'a NetTiming,
    pub(super) feed: &'a mut Feed,
    pub(super) delays: &'a mut Delays,
    /// The servers to try the WebSocket on, the one polled first.
    pub(super) rotation: Vec<Url>,
    /// Called once, when HTTP first answers: the server is reachable.
    pub(super) on_reached: &'a mut (dyn FnMut() + Send),
}

impl Poller<'_> {
    /// The long poll's wait, kept to what the contract allows and at least a
    /// second so an idle station never spins.
    fn wait(&self) -> Duration {
        self.timing
            .poll_wait
            .clamp(Duration::from_secs(1), MAX_WAIT)
    }

    /// Polls the first server of the rotation until the WebSocket opens
    /// (on any of them) or HTTP fails.
    pub(super) async fn run(self) -> Result<PollEnd, AppGone> {
        let Some(base) = self.rotation.first().cloned() else {
            return Ok(PollEnd::HttpDown("no server".to_owned()));
        };
        let wait = self.wait();
        // Background WebSocket attempts go round all servers, starting here,
        // once HTTP has answered (until then this is no polling at all).
        let mut ws_next = 0;
        let mut next_ws: Option<Instant> = None;
        let mut ws_attempt: Option<Boxed<(Url, Result<Socket, ConnectError>)>> = None;
        let mut request: Option<Boxed<Result<Answer, HttpError>>> = None;
        let mut answered = false;
        loop {
            if request.is_none() {
                request = Some(Box::pin(poll_once(
                    self.http.clone(),
                    base.clone(),
                    self.station.to_owned(),
                    self.feed.cursor(),
                    (wait, self.timing.request_timeout),
                    self.dates.clone(),
                )));
            }
            tokio::select! {
                (server, result) = maybe(&mut ws_attempt) => {
                    ws_attempt = None;
                    match result {
                        Ok(socket) => return Ok(PollEnd::Upgraded(Box::new(socket), server)),
                        Err(err) => {
                            tracing::debug!(?err, "background WebSocket attempt failed");
                            ws_next += 1;
                            next_ws = Some(Instant::now() + self.delays.next());
                        }
                    }
                }
                () = until(next_ws), if ws_attempt.is_none() => {
                    next_ws = None;
                    let server = self.rotation[ws_next % self.rotation.len()].clone();
                    let url = ws_url(&server, self.station, self.feed.cursor());
                    let auth = self.auth.cloned();
                    let limit = self.timing.connect_timeout;
                    let dates = self.dates.clone();
                    ws_attempt = Some(Box::pin(async move {
                        let result = ws::connect(&url, auth.as_ref(), limit, &dates).await;
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
                                next_ws = Some(Instant::now() + self.delays.next());
                                let server = label(&base);
                                let interval_secs = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX);
                                self.feed.state(ConnState::Polling { server, interval_secs }).await?;
                                (self.on_reached)();
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
