//! Carries the cook's actions to the server: each is written to the outbox
//! file before it is tried, then they are posted strictly one after another
//! (a later bump never overtakes an earlier one), retried with backoff until
//! the server gives a final answer.

use super::NetTiming;
use super::backoff::Backoff;
use super::feed::AppGone;
use super::http::{self, HttpError};
use super::queue::Outbox;
use super::servers::Servers;
use crate::msg::{Action, ActionOutcome, NetEvent};
use kds_protocol::{ErrorBody, Order};
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Client;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

type Attempt = Pin<Box<dyn Future<Output = Result<Order, HttpError>> + Send>>;

/// What to do with the head of the queue after an answer.
// Lives a moment on the stack; boxing the outcome would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The server decided: tell the app and drop the action.
    Final(ActionOutcome),
    /// Try again after a backoff.
    Retry,
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
        }) => {
            let ErrorBody { error, current } = *body;
            Verdict::Final(match current {
                Some(current) => ActionOutcome::Conflict(current),
                None => ActionOutcome::Rejected(error.message),
            })
        }
        Err(HttpError::Status { status: 401, .. }) => Verdict::RetryLater,
        Err(HttpError::Status { status, .. })
            if status == 408 || status == 429 || status >= 500 =>
        {
            Verdict::Retry
        }
        Err(HttpError::Network(_)) => Verdict::Retry,
        // 400, 403, 404, 409 without the order, 413, 422...: asking again
        // would get the same answer. A success that cannot be read was still
        // applied; the event that follows shows the order as it stands.
        Err(err @ (HttpError::Status { .. } | HttpError::Decode(_))) => {
            Verdict::Final(ActionOutcome::Rejected(err.message()))
        }
    }
}

/// The sender loop's state.
pub(super) struct Sender {
    outbox: Outbox,
    actions: mpsc::UnboundedReceiver<Action>,
    to_app: mpsc::Sender<NetEvent>,
    http: Client,
    /// `None` when the engine cannot send at all (no server, bad token):
    /// actions are still kept on disk for the next start.
    servers: Option<Servers>,
    timing: NetTiming,
    backoff: Backoff,
    rng: StdRng,
    reachable: Arc<Notify>,
}

impl Sender {
    pub(super) fn new(
        outbox: Outbox,
        actions: mpsc::UnboundedReceiver<Action>,
        to_app: mpsc::Sender<NetEvent>,
        http: Client,
        servers: Option<Servers>,
        timing: NetTiming,
        reachable: Arc<Notify>,
    ) -> Self {
        let backoff = Backoff::new(timing.backoff_start, timing.backoff_cap);
        Self {
            outbox,
            actions,
            to_app,
            http,
            servers,
            timing,
            backoff,
            rng: StdRng::from_os_rng(),
            reachable,
        }
    }

    /// Sends until `stop` fires (then writes what was handed over and ends)
    /// or the app goes away.
    pub(super) async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut in_flight: Option<Attempt> = None;
        let mut retry_at: Option<Instant> = None;
        let mut handle_open = true;
        loop {
            if in_flight.is_none() && retry_at.is_none() {
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
                    self.outbox.push(action);
                    self.persist().await;
                    if self.queued().await.is_err() {
                        return;
                    }
                }
                answer = async { match in_flight.as_mut() {
                    Some(attempt) => attempt.await,
                    None => std::future::pending().await,
                } } => {
                    in_flight = None;
                    match judge(answer) {
                        Verdict::Final(outcome) => {
                            self.backoff.reset();
                            if self.finish(outcome).await.is_err() {
                                return;
                            }
                        }
                        Verdict::Retry => {
                            let delay = self.backoff.next_delay(&mut self.rng);
                            if let Some(servers) = self.servers.as_mut() {
                                servers.advance();
                            }
                            retry_at = Some(Instant::now() + delay);
                        }
                        Verdict::RetryLater => {
                            retry_at = Some(Instant::now() + self.timing.unauthorized_retry);
                        }
                    }
                }
                () = async { match retry_at {
                    Some(at) => sleep_until(at).await,
                    None => std::future::pending().await,
                } } => retry_at = None,
                // The link is back: queued actions need not wait out the backoff.
                () = self.reachable.notified(), if retry_at.is_some() => retry_at = None,
            }
        }
    }

    /// Starts posting the oldest action, if there is one and a server.
    fn attempt(&self) -> Option<Attempt> {
        let action = self.outbox.front()?.clone();
        let base = self.servers.as_ref()?.current().clone();
        let client = self.http.clone();
        let timeout = self.timing.request_timeout;
        tracing::debug!(action = %action.id, order = %action.order_id, "sending action");
        Some(Box::pin(async move {
            http::post_action(&client, &base, &action, timeout).await
        }))
    }

    /// The head got its final answer: drop it from the file, tell the app.
    async fn finish(&mut self, outcome: ActionOutcome) -> Result<(), AppGone> {
        let Some(action) = self.outbox.pop_front() else {
            return Ok(());
        };
        tracing::info!(action = %action.id, ?outcome, "action answered");
        self.persist().await;
        let done = NetEvent::ActionDone {
            id: action.id,
            outcome,
        };
        self.to_app.send(done).await.map_err(|_| AppGone)?;
        self.queued().await
    }

    async fn queued(&self) -> Result<(), AppGone> {
        let n = self.outbox.len();
        self.to_app
            .send(NetEvent::Queued(n))
            .await
            .map_err(|_| AppGone)
    }

    async fn persist(&self) {
        if let Err(err) = self.outbox.save().await {
            // Keep going from memory: the action still goes out while this
            // process lives; only a restart would lose it.
            tracing::error!(%err, "cannot write the action queue");
        }
    }

    /// Takes whatever the app handed over before quitting and writes it.
    async fn drain_and_save(&mut self) {
        while let Ok(action) = self.actions.try_recv() {
            self.outbox.push(action);
        }
        self.persist().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::feed::tests::order;
    use kds_protocol::ErrorCode;

    fn status(status: u16, body: Option<ErrorBody>) -> Result<Order, HttpError> {
        Err(HttpError::Status {
            status,
            body: body.map(Box::new),
        })
    }

    #[test]
    fn final_answers_leave_the_queue_and_the_rest_is_retried() {
        assert_eq!(
            judge(Ok(order("o1"))),
            Verdict::Final(ActionOutcome::Applied(order("o1")))
        );
        let conflict = ErrorBody::new(ErrorCode::Conflict, "moved").with_current(order("o2"));
        assert_eq!(
            judge(status(409, Some(conflict))),
            Verdict::Final(ActionOutcome::Conflict(order("o2")))
        );
        for (code, error) in [
            (404, ErrorCode::NotFound),
            (422, ErrorCode::Invalid),
            (403, ErrorCode::Forbidden),
            (409, ErrorCode::InvalidTransition),
        ] {
            assert_eq!(
                judge(status(code, Some(ErrorBody::new(error, "why")))),
                Verdict::Final(ActionOutcome::Rejected("why".into())),
                "{code}"
            );
        }
        for code in [500, 502, 503, 429, 408] {
            assert_eq!(judge(status(code, None)), Verdict::Retry, "{code}");
        }
        assert_eq!(
            judge(Err(HttpError::Network("reset".into()))),
            Verdict::Retry
        );
        assert_eq!(judge(status(401, None)), Verdict::RetryLater);
    }
}
