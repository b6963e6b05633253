//! The writer's own transactions: what a write that never reaches its
//! `COMMIT` leaves behind (nothing), and that the next write still runs.

use super::super::backend::{Backend, WriteTx};
use super::super::tests::draft;
use super::super::{Created, ops, order_json, rules};
use super::SqliteStore;
use super::tx::WRITER_STATEMENTS;
use futures_util::FutureExt;
use kds_protocol::{EventKind, Order, Timestamp};

fn now() -> Timestamp {
    Timestamp::from_millis(1_000)
}

async fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open_in(&dir).await;
    (dir, store)
}

/// A store on the database file in `dir`, a second one if one is open.
async fn open_in(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("kds.db").to_str().expect("a UTF-8 path"))
        .await
        .expect("the store opens")
}

async fn create(store: &SqliteStore) -> Result<Order, super::StoreError> {
    match ops::create_order(store, &draft("grill"), None, now()).await? {
        Created::New(order, _) => Ok(order),
        other => panic!("a new order, not {other:?}"),
    }
}

/// Whether the writer's connection is outside any transaction, asked in
/// the writer's next turn.
async fn writer_idle(store: &SqliteStore) -> bool {
    let turn = store.writer.turn().await.expect("a turn");
    turn.call(|conn| Ok(conn.is_autocommit()))
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_write_dropped_after_its_statements_ran_leaves_nothing() {
    let (_dir, store) = open().await;
    let first = create(&store).await.expect("the first order");
    assert!(writer_idle(&store).await, "a committed write left it open");

    let mut tx = store.write().await.expect("a write");
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

    // The ROLLBACK ran before the next turn began.
    assert!(writer_idle(&store).await, "the dropped write is still open");
    assert_eq!(ops::order(&store, &order.id).await.expect("a read"), None);
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), 1);
    let next = create(&store).await.expect("the next write runs");
    assert_eq!(next.number, first.number + 1);
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), 2);
}

/// A request given up while its `BEGIN` is on the writer's thread (the
/// client went away): the `BEGIN` still runs, and is rolled back after it.
#[tokio::test]
async fn a_write_given_up_during_its_begin_is_rolled_back() {
    let (_dir, store) = open().await;
    // The thread is kept busy by a job queued in a turn already given
    // back, so the BEGIN below waits in the queue however fast the thread
    // is (without this the thread could answer before the poll looked).
    let (release, held) = std::sync::mpsc::channel::<()>();
    let busy = store.writer.turn().await.expect("a turn");
    busy.send(move |_| {
        let _ = held.recv();
    })
    .expect("queued");
    drop(busy);
    // Polled once: the turn is free, so the BEGIN is sent; then dropped.
    let given_up = store.write().now_or_never();
    assert!(
        given_up.is_none(),
        "the BEGIN answered while the thread was busy"
    );
    drop(release);
    assert!(writer_idle(&store).await, "the BEGIN given up left it open");
    create(&store).await.expect("the next write runs");
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), 1);
}

/// The writer binds arguments by position: `SQLite` numbers `$N` by first
/// appearance, so each statement must name them in order.
#[tokio::test]
async fn the_writers_statements_name_their_parameters_in_order() {
    let (_dir, store) = open().await;
    let turn = store.writer.turn().await.expect("a turn");
    let misnamed = turn
        .call(|conn| {
            let mut misnamed = Vec::new();
            for statement in WRITER_STATEMENTS {
                let prepared = conn.prepare(statement)?;
                for index in 1..=prepared.parameter_count() {
                    if prepared.parameter_name(index) != Some(&format!("${index}")) {
                        misnamed.push((statement, index));
                    }
                }
            }
            Ok(misnamed)
        })
        .await
        .expect("prepared");
    assert!(misnamed.is_empty(), "{misnamed:?}");
}

#[tokio::test]
async fn a_full_database_refuses_the_write_keeps_the_rest_and_recovers() {
    let (_dir, store) = open().await;
    let first = create(&store).await.expect("the first order");

    // On the writer's connection: it can grow the file no further.
    let limit = |pages: Option<i64>| {
        let store = store.clone();
        async move {
            let turn = store.writer.turn().await.expect("a turn");
            turn.call(move |conn| {
                let pages = match pages {
                    Some(pages) => pages,
                    None => conn.query_row("PRAGMA page_count", [], |row| row.get(0))?,
                };
                conn.execute_batch(&format!("PRAGMA max_page_count = {pages}"))
            })
            .await
            .expect("a limit");
        }
    };
    limit(None).await;
    let mut refused = 0;
    for _ in 0..20 {
        if create(&store).await.is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "no write met the full database");
    assert!(writer_idle(&store).await, "a refused write left it open");
    let seq = ops::newest_seq(&store).await.expect("a read");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(&store.readers)
        .await
        .expect("a count");
    // Every event the counters name is there, and no more.
    assert_eq!(count, seq);

    limit(Some(1_073_741_823)).await;
    let next = create(&store).await.expect("writes run again");
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), seq + 1);
    assert!(next.number > first.number);
    assert_eq!(
        ops::order(&store, &next.id).await.expect("a read"),
        Some(next)
    );
}

/// A bug that panics inside a write ends that write only: the writer's
/// thread goes on, outside any transaction, and the next write runs.
#[tokio::test]
async fn a_write_that_panics_on_the_writers_thread_ends_that_write_only() {
    let (_dir, store) = open().await;
    let turn = store.writer.turn().await.expect("a turn");
    let answer = turn
        .call(|conn| -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            panic!("a bug in a write");
        })
        .await;
    assert!(
        matches!(answer, Err(super::StoreError::Writer(_))),
        "{answer:?}"
    );
    drop(turn);
    assert!(writer_idle(&store).await, "the panicked write left it open");
    create(&store).await.expect("the next write runs");
    assert_eq!(ops::newest_seq(&store).await.expect("a read"), 1);
}

/// Two stores on one file, as two servers on it would be. A write starts
/// from the counters its store's last commit left; when the other store
/// has moved them, it is refused before it writes anything, and run again
/// it reads them under its lock.
#[tokio::test]
async fn a_write_from_counters_another_connection_moved_is_refused_then_run_again() {
    let (dir, first) = open().await;
    let second = open_in(&dir).await;
    let one = create(&first).await.expect("on the first store");
    create(&second).await.expect("on the second");

    let refused = create(&first).await;
    assert!(
        matches!(refused, Err(super::StoreError::Stale)),
        "{refused:?}"
    );
    assert!(writer_idle(&first).await, "the refused write left it open");
    assert_eq!(ops::newest_seq(&first).await.expect("a read"), 2);

    create(&first)
        .await
        .expect("the first store reads them afresh");
    // The second store's counters are the ones it committed, now moved.
    let fourth = ops::retried(|| create(&second)).await.expect("run again");
    assert_eq!(fourth.number, one.number + 3);
    assert_eq!(ops::newest_seq(&second).await.expect("a read"), 4);
    let events: Vec<i64> = sqlx::query_scalar("SELECT seq FROM events ORDER BY seq")
        .fetch_all(&first.readers)
        .await
        .expect("the events");
    assert_eq!(events, [1, 2, 3, 4]);
}
