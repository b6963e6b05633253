//! Store semantics the HTTP suite cannot reach directly: pruning by age
//! and count, and the expiry of idempotency answers, with explicit clocks,
//! through the store's own API on each backend.

use crate::support::{Backend, TestDatabase};
use kds_protocol::{Edit, NewOrder, OrderDraft, StationScope, Status, StatusMove, Timestamp};
use kds_server::Retention;
use kds_server::store::{Created, EventsRead, IdempotencyKey, Outcome, Store};
use std::time::Duration;

const HOUR_MS: i64 = 3_600_000;

fn draft(station: &str) -> OrderDraft {
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

fn seqs(read: &EventsRead) -> Vec<i64> {
    match read {
        EventsRead::Page(page) => page.events.iter().map(|e| e.seq).collect(),
        EventsRead::Gone => panic!("gone"),
    }
}

/// A fresh store; the database lives as long as the second value.
async fn open(backend: Backend) -> (Store, (TestDatabase, tempfile::TempDir)) {
    let dir = tempfile::tempdir().unwrap();
    let database = backend.database(&dir).await;
    let store = Store::open(&database.url).await.unwrap();
    (store, (database, dir))
}

pub async fn pruning_by_age_moves_the_floor_exactly(backend: Backend) {
    let (store, _database) = open(backend).await;
    let t0 = 1_800_000_000_000;
    for _ in 0..3 {
        create(&store, "grill", t0).await;
    }
    for _ in 0..2 {
        create(&store, "grill", t0 + 2 * HOUR_MS).await;
    }
    let retention = Retention {
        max_age: Duration::from_secs(3600),
        ..Retention::default()
    };
    let report = store
        .prune(&retention, Timestamp::from_millis(t0 + 2 * HOUR_MS))
        .await
        .unwrap();
    assert_eq!((report.events, report.floor), (3, 3));
    let grill = StationScope::All;
    assert_eq!(
        store.events(&grill, 2, 500).await.unwrap(),
        EventsRead::Gone
    );
    assert_eq!(
        seqs(&store.events(&grill, 3, 500).await.unwrap()),
        vec![4, 5]
    );
    // Pruning again changes nothing.
    let again = store
        .prune(&retention, Timestamp::from_millis(t0 + 2 * HOUR_MS))
        .await
        .unwrap();
    assert_eq!((again.events, again.floor), (0, 3));
}

pub async fn pruning_by_count_keeps_the_newest(backend: Backend) {
    let (store, _database) = open(backend).await;
    let order = create(&store, "grill", 1_000).await;
    for to in [Status::Preparing, Status::Ready, Status::Completed] {
        let change = StatusMove { to, from: None };
        let outcome = store
            .change(
                &order.id,
                &Edit::Status(change),
                None,
                Timestamp::from_millis(2_000),
            )
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Changed(_)));
    }
    let retention = Retention {
        max_events: 2,
        ..Retention::default()
    };
    store
        .prune(&retention, Timestamp::from_millis(3_000))
        .await
        .unwrap();
    assert_eq!(
        seqs(&store.events(&StationScope::All, 2, 500).await.unwrap()),
        vec![3, 4]
    );
    assert_eq!(
        store.events(&StationScope::All, 1, 500).await.unwrap(),
        EventsRead::Gone
    );
    // The order itself is never pruned with its events.
    assert_eq!(
        store.order(&order.id).await.unwrap().unwrap().status,
        Status::Completed
    );
}

pub async fn idempotency_answers_expire_after_their_time(backend: Backend) {
    let (store, _database) = open(backend).await;
    let key = IdempotencyKey {
        scope: "create",
        key: "k".into(),
        request: "r".into(),
    };
    let t0 = 1_800_000_000_000;
    let first = store
        .create_order(&draft("bar"), Some(&key), Timestamp::from_millis(t0))
        .await
        .unwrap();
    assert!(matches!(first, Created::New(..)));
    let day = Retention::default();
    // 23 h later the key is still remembered...
    store
        .prune(&day, Timestamp::from_millis(t0 + 23 * HOUR_MS))
        .await
        .unwrap();
    let repeat = store
        .create_order(
            &draft("bar"),
            Some(&key),
            Timestamp::from_millis(t0 + 23 * HOUR_MS),
        )
        .await
        .unwrap();
    assert!(matches!(repeat, Created::Replayed(_)));
    // ...and forgotten after 24 h.
    let report = store
        .prune(&day, Timestamp::from_millis(t0 + 25 * HOUR_MS))
        .await
        .unwrap();
    assert_eq!(report.keys, 1);
    let fresh = store
        .create_order(
            &draft("bar"),
            Some(&key),
            Timestamp::from_millis(t0 + 25 * HOUR_MS),
        )
        .await
        .unwrap();
    assert!(matches!(fresh, Created::New(..)));
}

/// Moves `id` through `to`, in turn, at `at`; the last move with `key`.
async fn moves(store: &Store, id: &str, to: &[Status], at: i64, key: Option<&IdempotencyKey>) {
    for (n, &status) in to.iter().enumerate() {
        let change = Edit::Status(StatusMove {
            to: status,
            from: None,
        });
        let key = key.filter(|_| n + 1 == to.len());
        let outcome = store
            .change(id, &change, key, Timestamp::from_millis(at))
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Changed(_)), "{outcome:?}");
    }
}

fn key(scope: &'static str, key: &str) -> IdempotencyKey {
    IdempotencyKey {
        scope,
        key: key.into(),
        request: format!("{scope} {key}"),
    }
}

pub async fn completed_orders_past_keep_completed_go_with_their_events_and_answers(
    backend: Backend,
) {
    let (store, _database) = open(backend).await;
    let t0 = 1_800_000_000_000;
    let to_completed = [Status::Preparing, Status::Ready, Status::Completed];
    // Hour 0: an order completed an hour later (its creation and last move
    // keyed), and one that stays open. Hour 30: one completed at hour 31.
    let (create_key, bump_key) = (key("create", "till-1"), key("status", "screen-1"));
    let old_done = match store
        .create_order(
            &draft("grill"),
            Some(&create_key),
            Timestamp::from_millis(t0),
        )
        .await
        .unwrap()
    {
        Created::New(order, _) => order,
        other => panic!("{other:?}"),
    };
    let old_open = create(&store, "grill", t0).await;
    moves(
        &store,
        &old_done.id,
        &to_completed,
        t0 + HOUR_MS,
        Some(&bump_key),
    )
    .await;
    let young_done = create(&store, "grill", t0 + 30 * HOUR_MS).await;
    moves(
        &store,
        &young_done.id,
        &to_completed,
        t0 + 31 * HOUR_MS,
        None,
    )
    .await;
    // Seqs: 1 and 2 the creations at hour 0, 3..=5 the moves at hour 1,
    // 6..=9 the young order's.
    let retention = Retention {
        keep_completed: Duration::from_secs(36 * 3600),
        max_age: Duration::from_secs(72 * 3600),
        idempotency_for: Duration::from_secs(72 * 3600),
        ..Retention::default()
    };
    let now = Timestamp::from_millis(t0 + 40 * HOUR_MS);
    let report = store.prune(&retention, now).await.unwrap();
    // Completed 39 h ago: deleted. Its events and answers, kept 72 h on
    // their own, go at keep_completed's 36 h with it (and so does the open
    // order's creation event, which is as old; the open order stays).
    assert_eq!(
        (report.orders, report.events, report.keys, report.floor),
        (1, 5, 2, 5)
    );
    assert_eq!(store.order(&old_done.id).await.unwrap(), None);
    assert_eq!(
        store.order(&old_open.id).await.unwrap().unwrap().status,
        Status::Pending
    );
    let young = store.order(&young_done.id).await.unwrap().unwrap();
    assert_eq!(young.status, Status::Completed);
    let snapshot = store.snapshot(&StationScope::All).await.unwrap();
    let ids = |orders: &[kds_protocol::Order]| -> Vec<String> {
        orders.iter().map(|o| o.id.clone()).collect()
    };
    assert_eq!(ids(&snapshot.orders), vec![old_open.id.clone()]);
    assert_eq!(ids(&snapshot.recent), vec![young_done.id.clone()]);
    assert_eq!(snapshot.seq, 9);
    let all = StationScope::All;
    assert_eq!(store.events(&all, 4, 500).await.unwrap(), EventsRead::Gone);
    assert_eq!(
        seqs(&store.events(&all, 5, 500).await.unwrap()),
        vec![6, 7, 8, 9]
    );
    // A second pass finds nothing more.
    let again = store.prune(&retention, now).await.unwrap();
    assert_eq!((again.orders, again.events, again.keys), (0, 0, 0));
    // The answers went with the order: the keys are new requests again.
    let repeat = store
        .create_order(&draft("grill"), Some(&create_key), now)
        .await
        .unwrap();
    assert!(matches!(repeat, Created::New(..)), "{repeat:?}");
    let change = Edit::Status(StatusMove {
        to: Status::Ready,
        from: None,
    });
    let replay = store
        .change(&old_done.id, &change, Some(&bump_key), now)
        .await
        .unwrap();
    assert_eq!(replay, Outcome::NotFound);
}
