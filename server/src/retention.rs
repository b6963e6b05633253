//! The pruner: keeps the event log within its retention and forgets
//! idempotency answers after their time.

use crate::config::Retention;
use crate::store::Store;
use kds_protocol::Timestamp;
use tokio_util::sync::CancellationToken;

/// Prunes once at start and then every `retention.prune_every`, until `stop`.
pub async fn run_pruner(store: Store, retention: Retention, stop: CancellationToken) {
    let mut tick = tokio::time::interval(retention.prune_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match store.prune(&retention, Timestamp::now()).await {
            Ok(report) if report.events > 0 || report.keys > 0 => tracing::info!(
                events = report.events,
                idempotency_keys = report.keys,
                floor = report.floor,
                "pruned"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "pruning failed; will retry"),
        }
    }
}
