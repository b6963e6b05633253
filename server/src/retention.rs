//! The pruner: keeps the event log within its retention, forgets
//! idempotency answers after their time and deletes long-completed orders.

use crate::clock::Clock;
use crate::config::Retention;
use crate::store::Store;
use tokio_util::sync::CancellationToken;

/// Prunes once at start and then every `retention.prune_every`, until `stop`.
pub async fn run_pruner(store: Store, retention: Retention, clock: Clock, stop: CancellationToken) {
    let mut tick = tokio::time::interval(retention.prune_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match store.prune(&retention, clock.now()).await {
            Ok(report) if report.events > 0 || report.keys > 0 || report.orders > 0 => {
                tracing::info!(
                    events = report.events,
                    idempotency_keys = report.keys,
                    completed_orders = report.orders,
                    floor = report.floor,
                    "pruned"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "pruning failed; will retry"),
        }
    }
}
