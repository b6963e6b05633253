//! Carries the cook's actions to the server: each is written to the outbox
//! file before it is tried, then they are posted strictly one after another
//! (a later bump never overtakes an earlier one), retried with backoff until
//! the server gives a final answer. It posts to the server the link is on
//! ([`Reach`]), and retries at once when the link gets through again.

use super::NetTiming;
use super::backoff::Delays;
use super::feed::AppGone;
use super::http::{self, Dates, HttpError};
use super::maybe::{Boxed, maybe, until};
use super::queue::Outbox;
use super::servers::Reach;
use crate::msg::{Action, ActionOutcome, NetEvent};
use kds_protocol::{ErrorBody, Order};
use reqwest::Client;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// What to do with the head of the queue after an answer.
#[expect(
    clippy::large_enum_variant,
    reason = "lives a moment on the stack; boxing the outcome would buy nothing"
)]
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The server decided: tell the app and drop the action.
    Final(ActionOutcome),
    /// Try again after a backoff, or after the server's `Retry-After`.
    Retry { after: Option<Duration> },
    /// The token was refused (401): ask again only rarely.
    RetryLater,
}

/// Sorts an answer: what is final leaves the queue, the rest is retried.
fn judge(answer: Result<Order, HttpError>) -> Verdict {
    match answer {
        Ok(order) => Verdict::Final(ActionOutcome::Applied(order)),
        Err(HttpError::Status {
            status: 409,
            body: Some(body),
            ..
        }) => {
            let ErrorBody { error, current } = *body;
            Verdict::Final(match current {
                Some(current) => ActionOutcome::Conflict(current),
                None => ActionOutcome::Rejected(error.message),
            })
        }
        Err(HttpError::Status { status: 401, .. }) => Verdict::RetryLater,
        Err(HttpError::Status {
            status,
            retry_after,
            ..
        }) if status == 408 || status == 429 || status >= 500 => {
            Verdict::Retry { after: retry_after }
        }
        Err(HttpError::Network(_)) => Verdict::Retry { after: None },
        // 400, 403, 404, 409 without the order, 413, 422...: asking again
        // would get the same answer. A success that cannot be read was still
        // applied; the event that follows shows the order as it stands.
        Err(err @ (HttpError::Status { .. } | HttpError::Decode(_))) => {
            Verdict::Final(ActionOutcome::Rejected(err.message()))
        }
    }
}

/// The longest `Retry-After` obeyed: a proxy that asks for an hour must not
/// hold a cook's bump that long (a fresh reach of the server still cuts the
/// wait short).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A retry that waits: until `at`, or until the link gets through again.
#[derive(Debug, Clone, Copy)]
struct Retry {
    at: Instant,
    /// The link's `reached` count when the attempt failed: only a later
    /// arrival cuts the wait short (one from before is old news).
    seen: u64,
}

/// Waits out `retry`, ending early when the link reaches a server after
/// the failure. Without a link (or once it is gone) only time ends it.
async fn wait_out(retry: Retry, reach: Option<&mut watch::Receiver<Reach>>) {
    let fresh = async {
        match reach {
            Some(reach) => {
                if reach.wait_for(|r| r.reached != retry.seen).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = tokio::time::sleep_until(retry.at) => {}
        () = fresh => {}
    }
}

/// The sender loop's state.
pub(super) struct Sender {
    /// `None` only while a write runs on the blocking pool.
    outbox: Option<Outbox>,
    path: PathBuf,
    actions: mpsc::UnboundedReceiver<Action>,
    to_app: mpsc::Sender<NetEvent>,
    http: Client,
    dates: Dates,
    /// Where to post; `None` when the engine cannot send at all (no
    /// server, bad token): actions are still kept on disk for the next start.
    reach: Option<watch::Receiver<Reach>>,
    timing: NetTiming,
    delays: Delays,
}

impl Sender {
    pub(super) fn new(
        outbox: Outbox,
        path: PathBuf,
        actions: mpsc::UnboundedReceiver<Action>,
        to_app: mpsc::Sender<NetEvent>,
        http: Client,
        reach: Option<watch::Receiver<Reach>>,
        timing: NetTiming,
    ) -> Self {
        let delays = Delays::new(timing.backoff_start, timing.backoff_cap);
        Self {
            outbox: Some(outbox),
            path,
            actions,
            dates: Dates::to(to_app.clone()),
            to_app,
            http,
            reach,
            timing,
            delays,
        }
    }

    /// Runs `write` on the outbox off the async thread: a write ends in an
    /// fsync, which a slow SD card can take long over.
    async fn on_disk<T: Send + 'static>(
        &mut self,
        write: impl FnOnce(&mut Outbox) -> T + Send + 'static,
    ) -> T {
        let mut outbox = self
            .outbox
            .take()
            .unwrap_or_else(|| Outbox::empty(self.path.clone()));
        let done = tokio::task::spawn_blocking(move || {
            let result = write(&mut outbox);
            (outbox, result)
        })
        .await;
        match done {
            Ok((outbox, result)) => {
                self.outbox = Some(outbox);
                result
            }
            // Only a panic in the write (a bug) gets here; what it held is
            // in the file, which the next start reads.
            Err(err) => panic!("the action queue's writer failed: {err}"),
        }
    }

    /// How long to wait before the next try: what the server asked for
    /// (a 429's `Retry-After`; at least the first backoff step, so `0` does
    /// not spin, and at most [`MAX_RETRY_AFTER`]), else the next backoff.
    fn retry_in(&mut self, after: Option<Duration>) -> Duration {
        match after {
            Some(after) => after.clamp(self.timing.backoff_start, MAX_RETRY_AFTER),
            None => self.delays.next(),
        }
    }

    fn queue(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Sends until `stop` fires (then writes what was handed over and ends)
    /// or the app goes away.
    pub(super) async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut in_flight: Option<Boxed<Result<Order, HttpError>>> = None;
        let mut retry: Option<Retry> = None;
        let mut handle_open = true;
        loop {
            if in_flight.is_none() && retry.is_none() {
                in_flight = self.attempt();
            }
            tokio::select! {
                _ = &mut stop => {
                    self.drain_and_save().await;
                    return;
                }
                action = self.actions.recv(), if handle_open => {
                    let Some(action) = action else {
                        handle_open = false;
                        continue;
                    };
                    if self.take(action).await.is_err() {
                        return;
                    }
                }
                answer = maybe(&mut in_flight) => {
                    in_flight = None;
                    let seen = self.reach.as_ref().map_or(0, |r| r.borrow().reached);
                    match judge(answer) {
                        Verdict::Final(outcome) => {
                            self.delays.reset();
                            if self.finish(outcome).await.is_err() {
                                return;
                            }
                        }
                        Verdict::Retry { after } => {
                            let at = Instant::now() + self.retry_in(after);
                            retry = Some(Retry { at, seen });
                        }
                        Verdict::RetryLater => {
                            let at = Instant::now() + self.timing.unauthorized_retry;
                            retry = Some(Retry { at, seen });
                        }
                    }
                }
                () = async {
                    match retry {
                        Some(retry) => wait_out(retry, self.reach.as_mut()).await,
                        None => until(None).await,
                    }
                } => retry = None,
            }
        }
    }

    /// Queues a new action, or refuses it when the queue is full.
    async fn take(&mut self, action: Action) -> Result<(), AppGone> {
        let id = action.id.clone();
        if self
            .on_disk(move |outbox| outbox.push(action))
            .await
            .is_err()
        {
            tracing::error!(action = %id, "the action queue is full; refused");
            let outcome = ActionOutcome::Rejected(format!(
                "{} actions already wait for the server",
                crate::msg::MAX_QUEUED_ACTIONS
            ));
            let refused = NetEvent::ActionDone { id, outcome };
            self.to_app.send(refused).await.map_err(|_| AppGone)?;
        }
        self.queued().await
    }

    /// Starts posting the oldest action, if there is one and a server.
    fn attempt(&self) -> Option<Boxed<Result<Order, HttpError>>> {
        let action = self.queue()?.front()?.clone();
        let base = self.reach.as_ref()?.borrow().server.clone();
        let client = self.http.clone();
        let timeout = self.timing.request_timeout;
        let dates = self.dates.clone();
        tracing::debug!(action = %action.id, order = %action.order_id, "sending action");
        Some(Box::pin(async move {
            http::post_action(&client, &base, &action, timeout, &dates).await
        }))
    }

    /// The head got its final answer: drop it from the file, tell the app.
    async fn finish(&mut self, outcome: ActionOutcome) -> Result<(), AppGone> {
        let Some(action) = self.on_disk(Outbox::pop_front).await else {
            return Ok(());
        };
        tracing::info!(action = %action.id, ?outcome, "action answered");
        let done = NetEvent::ActionDone {
            id: action.id,
            outcome,
        };
        self.to_app.send(done).await.map_err(|_| AppGone)?;
        self.queued().await
    }

    async fn queued(&self) -> Result<(), AppGone> {
        let n = self.queue().map_or(0, Outbox::len);
        self.to_app
            .send(NetEvent::Queued(n))
            .await
            .map_err(|_| AppGone)
    }

    /// Takes whatever the app handed over before quitting and writes it.
    async fn drain_and_save(&mut self) {
        let mut handed = Vec::new();
        while let Ok(action) = self.actions.try_recv() {
            handed.push(action);
        }
        self.on_disk(move |outbox| {
            for action in handed {
                if outbox.push(action).is_err() {
                    tracing::error!("the action queue is full; an action was not kept");
                }
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests;
