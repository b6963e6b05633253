//! The writer's own transactions: what a write that never reaches its
//! `COMMIT` leaves behind (nothing), and that the next write still runs.

use super::super::backend::{Backend, WriteTx};
use super::super::tests::draft;
use super::super::{Created, ops, order_json, rules};
use super::SqliteStore;
use kds_protocol::{EventKind, Order, Timestamp};
use std::sync::atomic::Ordering;

fn now() -> Timestamp {
    Timestamp::from_millis(1_000)
}

async fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path().join("kds.db").to_str().expect("a UTF-8 path"))
        .await
        .expect("the store opens");
    (dir, store)
}

async fn create(store: &SqliteStore) -> Result<Order, super::StoreError> {
    match ops::create_order(store, &draft("grill"), None, now()).await? {
        Created::New(order, _) => Ok(order),
        other => panic!("a new order, not {other:?}"),
    }
}

/// Also what tells the pool's release hook to send its `ROLLBACK` (a
/// round trip to the worker thread): only a write that did not commit.
#[tokio::test]
async fn a_write_dropped_after_its_statements_ran_leaves_nothing() {
    let (_dir, store) = open().await;
    let open_write = || store.open_write.load(Ordering::Acquire);
    assert!(!open_write(), "open before any write");
    let first = create(&store).await.expect("the first order");
    assert!(!open_write(), "a committed write left its flag set");

    let mut tx = store.write().await.expect("a write");
    assert!(
        open_write(),
        "a write in progress must be rolled back if dropped"
    );
    let order = rules::new_order(&draft("grill"), 2, None, now());
    let body = order_json(&order).expect("JSON");
    tx.insert_order(&order, &body, 2).await.expect("held");
    tx.append_event(2, EventKind::Created, &order, &body, now())
        .await
        .expect("held");
    // A read sends what was held: the rows are in the transaction.
    assert_eq!(
        tx.order(&order.id).await.expect("a read"),
        Some(order.clone())
    );
    drop(tx);

    assert_eq!(ops::order(&store, &order.id).await.expect("a read"), None);
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), 1);
    // The hook ran before the connection went back to the pool.
    let next = create(&store).await.expect("the next write runs");
    assert_eq!(next.number, first.number + 1);
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), 2);
    assert!(!open_write());
}

#[tokio::test]
async fn a_full_database_refuses_the_write_keeps_the_rest_and_recovers() {
    let (_dir, store) = open().await;
    let first = create(&store).await.expect("the first order");

    // The single writer connection: it can grow the file no further.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&store.writer)
        .await
        .expect("page count");
    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
        .execute(&store.writer)
        .await
        .expect("a limit");
    let mut refused = 0;
    for _ in 0..20 {
        if create(&store).await.is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "no write met the full database");
    let seq = ops::newest_seq(&store).await.expect("a read");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(&store.readers)
        .await
        .expect("a count");
    // Every event the counters name is there, and no more.
    assert_eq!(count, seq);

    sqlx::query("PRAGMA max_page_count = 1073741823")
        .execute(&store.writer)
        .await
        .expect("no limit");
    let next = create(&store).await.expect("writes run again");
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), seq + 1);
    assert!(next.number > first.number);
    assert_eq!(
        ops::order(&store, &next.id).await.expect("a read"),
        Some(next)
    );
}
