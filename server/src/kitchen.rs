//! The writes every caller shares (HTTP handlers and the simulator): store,
//! then wake the feed, timing each store call.

use crate::feed::Feed;
use crate::metrics::Metrics;
use crate::store::{IdempotencyKey, Outcome, Store, StoreError};
use kds_protocol::{OrderDraft, StatusMove, Timestamp};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Kitchen {
    pub store: Store,
    pub feed: Feed,
    pub metrics: Arc<Metrics>,
}

impl Kitchen {
    pub async fn create_order(
        &self,
        draft: OrderDraft,
        key: Option<IdempotencyKey>,
    ) -> Result<Outcome, StoreError> {
        let this = self.clone();
        self.detached("create_order", async move {
            this.store
                .create_order(&draft, key.as_ref(), Timestamp::now())
                .await
        })
        .await
    }

    pub async fn move_status(
        &self,
        id: String,
        change: StatusMove,
        key: Option<IdempotencyKey>,
    ) -> Result<Outcome, StoreError> {
        let this = self.clone();
        self.detached("move_status", async move {
            this.store
                .move_status(&id, change, key.as_ref(), Timestamp::now())
                .await
        })
        .await
    }

    /// Runs a write on its own task: a client that hangs up mid-request
    /// cancels the handler, but the commit and the wake that follows it must
    /// not be cut in half.
    async fn detached<F>(&self, op: &'static str, write: F) -> Result<Outcome, StoreError>
    where
        F: Future<Output = Result<Outcome, StoreError>> + Send + 'static,
    {
        let feed = self.feed.clone();
        let metrics = self.metrics.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let result = write.await;
            metrics.observe_store(op, started.elapsed());
            if let Ok(Outcome::Changed(_)) = &result {
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
