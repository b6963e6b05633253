//! The writes every caller shares (HTTP handlers and the simulator): store,
//! then hand what was committed to the feed, timing each store call.

use crate::clock::Clock;
use crate::feed::Feed;
use crate::metrics::Metrics;
use crate::store::{Created, IdempotencyKey, Outcome, Store, StoreError};
use kds_protocol::{CheckCreated, CheckDraft, Edit, Event, Order, OrderDraft};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Kitchen {
    pub store: Store,
    pub feed: Feed,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
}

/// The events a write committed, which the feed must carry.
trait Committed {
    fn committed(&self) -> Vec<Event>;
}

impl Committed for Outcome {
    fn committed(&self) -> Vec<Event> {
        match self {
            Outcome::Changed(event) => vec![event.clone()],
            _ => Vec::new(),
        }
    }
}

impl<T> Committed for Created<T> {
    fn committed(&self) -> Vec<Event> {
        match self {
            Created::New(_, events) => events.clone(),
            _ => Vec::new(),
        }
    }
}

impl Kitchen {
    pub async fn create_order(
        &self,
        draft: OrderDraft,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Order>, StoreError> {
        let this = self.clone();
        self.detached("create_order", async move {
            this.store
                .create_order(&draft, key.as_ref(), this.clock.now())
                .await
        })
        .await
    }

    pub async fn create_check(
        &self,
        check: CheckDraft,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<CheckCreated>, StoreError> {
        let this = self.clone();
        self.detached("create_check", async move {
            this.store
                .create_check(&check, key.as_ref(), this.clock.now())
                .await
        })
        .await
    }

    /// Any change of one order: `op` names it for the store metrics.
    pub async fn change(
        &self,
        op: &'static str,
        id: String,
        edit: Edit,
        key: Option<IdempotencyKey>,
    ) -> Result<Outcome, StoreError> {
        let this = self.clone();
        self.detached(op, async move {
            this.store
                .change(&id, &edit, key.as_ref(), this.clock.now())
                .await
        })
        .await
    }

    /// Runs a write on its own task: a client that hangs up mid-request
    /// cancels the handler, but the commit and the hand-off that follows it
    /// must not be cut in half. The hand-off comes before the answer: a
    /// client that has its 2xx may already look for the event.
    async fn detached<T, F>(&self, op: &'static str, write: F) -> Result<T, StoreError>
    where
        T: Committed + Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let feed = self.feed.clone();
        let metrics = self.metrics.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let result = write.await;
            metrics.observe_store(op, started.elapsed());
            if let Ok(done) = &result {
                let events = done.committed();
                if !events.is_empty() {
                    feed.publish(events, &metrics);
                    // The sessions the hand-off woke wait in this worker's
                    // queue; ending now would wake the request's task
                    // ahead of them, and the screens would have the
                    // ticket only after the 2xx is written. Going to the
                    // back of the queue lets them send first.
                    tokio::task::yield_now().await;
                }
            }
            result
        });
        match task.await {
            Ok(result) => result,
            Err(err) => Err(StoreError::Corrupt(format!("write task failed: {err}"))),
        }
    }
}
