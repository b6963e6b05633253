//! The link supervisor: which way the picture reaches us right now
//! (WebSocket, long polling, or nothing yet), and when to try again.
//!
//! ```text
//!  Connect ──ok──▶ Session ──ends──▶ Connect (1001/1013: at once)
//!     │                          └──▶ wait backoff (Reconnecting) ─▶ Connect
//!     ├─ refused upgrade (HTTP status) ─▶ Poll
//!     └─ no answer: 1st ─▶ wait backoff (Reconnecting), next server ─▶ Connect
//!                   2nd in a row ─▶ Poll
//!  Poll ──WebSocket opened in the background──▶ Session
//!     ├─ HTTP down ─▶ wait backoff (Offline), next server ─▶ Connect
//!     └─ 401/403 ─▶ Unauthorized, wait `unauthorized_retry` ─▶ Connect
//! ```

use super::NetTiming;
use super::backoff::Delays;
use super::feed::{AppGone, Feed};
use super::http::Dates;
use super::poll::{PollEnd, Poller};
use super::servers::Servers;
use super::urls::{label, ws_url};
use super::ws::{self, ConnectError, SessionEnd, Socket};
use crate::msg::ConnState;
use kds_protocol::Timestamp;
use reqwest::header::HeaderValue;
use reqwest::{Client, Url};
use std::time::Duration;
use tokio::time::Instant;

/// A session shorter than this that ends with 1001/1013 waits out a backoff
/// instead of reconnecting at once, so a server that keeps closing cannot
/// make the client spin.
const IMMEDIATE_MIN_SESSION: Duration = Duration::from_secs(1);

/// WebSocket failures in a row after which HTTP polling is tried.
const FAILURES_BEFORE_POLLING: u32 = 2;

/// What the link does next.
enum Step {
    Connect,
    /// Boxed: an open socket is large beside the other steps.
    Session(Box<Socket>, Url),
    Poll,
}

/// The state of the link task.
pub(super) struct Link {
    /// The one owner of the server list: the link decides failover, and
    /// tells the sender where it is and when it got through.
    pub(super) servers: Servers,
    pub(super) station: String,
    pub(super) auth: Option<HeaderValue>,
    pub(super) http: Client,
    pub(super) dates: Dates,
    pub(super) timing: NetTiming,
    pub(super) feed: Feed,
    pub(super) delays: Delays,
}

impl Link {
    /// Runs until the app goes away.
    pub(super) async fn run(mut self) {
        // Boxed: the state machine holds a socket and several futures.
        let _ = Box::pin(self.run_steps()).await;
    }

    async fn run_steps(&mut self) -> Result<(), AppGone> {
        let server = label(self.servers.current());
        self.feed.state(ConnState::Connecting { server }).await?;
        let mut ws_failures = 0_u32;
        let mut step = Step::Connect;
        loop {
            step = match step {
                Step::Connect => {
                    let base = self.servers.current().clone();
                    let url = ws_url(&base, &self.station, self.feed.cursor());
                    let limit = self.timing.connect_timeout;
                    match ws::connect(&url, self.auth.as_ref(), limit, &self.dates).await {
                        Ok(socket) => Step::Session(Box::new(socket), base),
                        Err(ConnectError::Refused { status, message }) => {
                            // Refused outright (a proxy that blocks upgrades, or
                            // the token): plain HTTP tells which, at once.
                            tracing::warn!(status, %message, "WebSocket upgrade refused");
                            Step::Poll
                        }
                        Err(ConnectError::Network(err)) => {
                            tracing::warn!(%err, server = %label(&base), "WebSocket failed");
                            ws_failures += 1;
                            self.servers.advance();
                            if ws_failures >= FAILURES_BEFORE_POLLING {
                                Step::Poll
                            } else {
                                self.wait_reconnecting().await?;
                                Step::Connect
                            }
                        }
                    }
                }
                Step::Session(socket, base) => {
                    ws_failures = 0;
                    self.session(socket, &base).await?
                }
                Step::Poll => match self.poll().await? {
                    PollEnd::Upgraded(socket, base) => Step::Session(socket, base),
                    PollEnd::HttpDown(err) => {
                        tracing::warn!(%err, "HTTP does not answer either");
                        self.servers.advance();
                        let retry_at = self.draw_delay();
                        self.feed
                            .state(ConnState::Offline {
                                retry_at: retry_at.1,
                            })
                            .await?;
                        tokio::time::sleep_until(retry_at.0).await;
                        Step::Connect
                    }
                    PollEnd::Unauthorized(message) => {
                        tracing::error!(%message, "the server refused the token");
                        self.feed.state(ConnState::Unauthorized { message }).await?;
                        tokio::time::sleep(self.timing.unauthorized_retry).await;
                        Step::Connect
                    }
                },
            };
        }
    }

    /// Reads one WebSocket session to its end and says what comes next.
    async fn session(&mut self, socket: Box<Socket>, base: &Url) -> Result<Step, AppGone> {
        self.servers.select(base);
        let server = label(base);
        self.feed
            .state(ConnState::Live {
                server: server.clone(),
            })
            .await?;
        self.servers.reached();
        let started = Instant::now();
        let end = ws::run(*socket, &mut self.feed, self.timing.dead_peer).await;
        let lasted = started.elapsed();
        if lasted >= self.timing.healthy_after {
            self.delays.reset();
        }
        tracing::info!(?end, ?lasted, %server, "WebSocket session ended");
        match end {
            SessionEnd::AppGone => Err(AppGone),
            SessionEnd::GoingAway | SessionEnd::TryAgain if lasted >= IMMEDIATE_MIN_SESSION => {
                self.feed.state(ConnState::Connecting { server }).await?;
                Ok(Step::Connect)
            }
            SessionEnd::GoingAway
            | SessionEnd::TryAgain
            | SessionEnd::Dead
            | SessionEnd::Dropped(_)
            | SessionEnd::Protocol(_) => {
                self.wait_reconnecting().await?;
                Ok(Step::Connect)
            }
        }
    }

    /// Polls until the WebSocket opens or HTTP fails too.
    async fn poll(&mut self) -> Result<PollEnd, AppGone> {
        let rotation = self.servers.rotation();
        let servers = &mut self.servers;
        let mut reached = || servers.reached();
        Poller {
            http: &self.http,
            dates: &self.dates,
            auth: self.auth.as_ref(),
            station: &self.station,
            timing: &self.timing,
            feed: &mut self.feed,
            delays: &mut self.delays,
            rotation,
            on_reached: &mut reached,
        }
        .run()
        .await
    }

    /// The next backoff delay, as an instant to sleep until and the wall-clock
    /// time the footer shows.
    fn draw_delay(&mut self) -> (Instant, Timestamp) {
        let delay = self.delays.next();
        let millis = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        let wall = Timestamp::from_millis(Timestamp::now().as_millis().saturating_add(millis));
        (Instant::now() + delay, wall)
    }

    async fn wait_reconnecting(&mut self) -> Result<(), AppGone> {
        let attempt = self.delays.attempt();
        let (until, retry_at) = self.draw_delay();
        self.feed
            .state(ConnState::Reconnecting { attempt, retry_at })
            .await?;
        tokio::time::sleep_until(until).await;
        Ok(())
    }
}
