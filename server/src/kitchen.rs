//! The writes every caller shares (HTTP handlers and the simulator): store,
//! then wake the feed, timing each store call.

use crate::clock::Clock;
use crate::feed::Feed;
use crate::metrics::Metrics;
use crate::store::{Created, IdempotencyKey, Outcome, Store, StoreError};
use kds_protocol::{CheckCreated, CheckDraft, Edit, Order, OrderDraft};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Kitchen {
    pub store: Store,
    pub feed: Feed,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
}

/// Whether a write committed something the feed must carry.
trait Committed {
    fn committed(&self) -> bool;
}

impl Committed for Outcome {
    fn committed(&self) -> bool {
        matches!(self, Outcome::Changed(_))
    }
}

impl<T> Committed for Created<T> {
    fn committed(&self) -> bool {
        matches!(self, Created::New(..))
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
    /// cancels the handler, but the commit and the wake that follows it must
    /// not be cut in half.
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
            if result.as_ref().is_ok_and(Committed::committed) {
                feed.wake();
            }
            result
        });
        match task.await {
            Ok(result) => result,
            Err(err) => Err(StoreError::Corrupt(format!("write task failed: {err}"))),
        }
    }
}
