//! Store semantics only the embedded backend has: the in-memory database.
//! (Pruning and key expiry, with explicit clocks, are in the contract
//! suite's `retention` module, run against every backend.)

use super::{Created, Store};
use kds_protocol::{NewOrder, OrderDraft, StationScope, Timestamp};

/// A valid one-line order for `station` (also the feed's tests).
pub(crate) fn draft(station: &str) -> OrderDraft {
    serde_json::from_value::<NewOrder>(serde_json::json!({
        "station": station,
        "items": [{"name": "Fries", "qty": 1}]
    }))
    .unwrap()
    .validate()
    .unwrap()
}

async fn create(store: &Store, station: &str, at: i64) -> kds_protocol::Order {
    match store
        .create_order(&draft(station), None, Timestamp::from_millis(at))
        .await
        .unwrap()
    {
        Created::New(order, _) => order,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_in_memory_database_is_one_database() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let order = create(&store, "grill", 1_000).await;
    // Reads see the writer's data: one shared connection, not two databases.
    assert_eq!(store.order(&order.id).await.unwrap(), Some(order.clone()));
    let snapshot = store.snapshot(&StationScope::All).await.unwrap();
    assert_eq!(snapshot.orders, vec![order]);
    assert_eq!(snapshot.seq, 1);
    assert_eq!(store.newest_seq().await.unwrap(), 1);
}
