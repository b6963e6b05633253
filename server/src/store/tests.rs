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

/// The small build (`--no-default-features`) says what it lacks: it does
/// not take a PostgreSQL URL for a SQLite file name.
#[cfg(not(feature = "postgres"))]
#[tokio::test]
async fn a_build_without_postgres_refuses_its_url_saying_why() {
    for url in [
        "postgres://kds@db.local/kds",
        "postgresql://kds@db.local/kds",
    ] {
        let err = Store::open(url).await.unwrap_err();
        assert!(matches!(err, super::StoreError::Url(_)), "{err:?}");
        assert!(err.to_string().contains("without PostgreSQL"), "{err}");
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
