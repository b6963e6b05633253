//! The stats statements read through an index on both backends, never a
//! scan of every order (a year's orders would be read on every request),
//! and on `SQLite` every read of orders goes through the partial index
//! that holds only the orders it reads.
//!
//! A planner's choice depends on table statistics, so the checks ask
//! whether a usable index exists rather than which plan wins on an empty
//! table: `SQLite` without `ANALYZE` prefers an index for any range or
//! equality it can serve; `PostgreSQL` with `enable_seqscan = off` still
//! scans when no index serves the query, and uses one when one does.

use super::{Store, sql};
use sqlx::{Connection, Executor, Row};

/// Each statement with the values its parameters get.
enum Params {
    /// `$1` a time, `$2` the station.
    TimeStation,
    /// The same and `$3` a rank.
    TimeStationRank,
    /// `$1` a time.
    Time,
    /// `$1` the station, `$2` a count.
    StationCount,
}

const STATEMENTS: [(&str, &str, Params); 3] = [
    ("READY_TIMES", sql::READY_TIMES, Params::TimeStation),
    (
        "READY_TIME_AT_RANK",
        sql::READY_TIME_AT_RANK,
        Params::TimeStationRank,
    ),
    ("OPEN_COUNTS", sql::OPEN_COUNTS, Params::TimeStation),
];

/// Binds the values `params` says to `query` (a time, the station, a rank
/// or a count).
macro_rules! bound {
    ($query:expr, $params:expr, $station:expr) => {{
        const TIME: i64 = 1_800_000_000_000;
        match $params {
            Params::TimeStation => $query.bind(TIME).bind($station),
            Params::TimeStationRank => $query.bind(TIME).bind($station).bind(3_i64),
            Params::Time => $query.bind(TIME),
            Params::StationCount => $query.bind($station).bind(50_i64),
        }
    }};
}

async fn sqlite_plan(
    conn: &mut sqlx::SqliteConnection,
    statement: &str,
    params: &Params,
    station: Option<&str>,
) -> String {
    let text = format!("EXPLAIN QUERY PLAN {statement}");
    let rows = bound!(sqlx::query(&text), params, station)
        .fetch_all(conn)
        .await
        .unwrap();
    let details: Vec<String> = rows.iter().map(|row| row.get("detail")).collect();
    details.join("\n")
}

#[cfg(feature = "postgres")]
async fn postgres_plan(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    params: &Params,
    station: Option<&str>,
) -> String {
    let text = format!("EXPLAIN {statement}");
    let rows = bound!(sqlx::query(&text), params, station)
        .fetch_all(conn)
        .await
        .unwrap();
    let lines: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    lines.join("\n")
}

/// Whether a `SQLite` plan scans the orders table. A scan of a partial
/// index (the open orders) reads only the orders it holds.
fn reads_every_order(plan: &str) -> bool {
    plan.lines()
        .any(|l| l.starts_with("SCAN orders") && !l.contains("INDEX"))
}

/// A connection to a new `SQLite` file the store has migrated: the tables
/// and indexes are the real ones. The file lives as long as the directory.
async fn migrated_sqlite() -> (tempfile::TempDir, sqlx::SqliteConnection) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("kds.db").display());
    Store::open(&url).await.unwrap().close().await;
    let conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    (dir, conn)
}

#[tokio::test]
async fn sqlite_searches_the_stats_through_indexes() {
    let (_dir, mut conn) = migrated_sqlite().await;
    for (name, statement, params) in &STATEMENTS {
        for station in [None, Some("grill")] {
            let plan = sqlite_plan(&mut conn, statement, params, station).await;
            assert!(
                plan.lines()
                    .any(|l| l.contains("USING") && l.contains("INDEX")),
                "{name} ({station:?}) uses no index:\n{plan}"
            );
            assert!(
                !reads_every_order(&plan),
                "{name} ({station:?}) scans the orders:\n{plan}"
            );
        }
    }
}

/// Every read of orders on `SQLite`, with the partial index that holds the
/// orders it reads (`migrations/sqlite/0004_partial_indexes.sql`).
const SQLITE_READS: [(&str, &str, Params, &str); 5] = [
    (
        "OPEN_ORDERS",
        super::sqlite::OPEN_ORDERS,
        Params::StationCount,
        "orders_open",
    ),
    (
        "RECENT_ORDERS",
        super::sqlite::RECENT_ORDERS,
        Params::StationCount,
        "orders_done",
    ),
    (
        "DROP_COMPLETED_BEFORE",
        sql::DROP_COMPLETED_BEFORE,
        Params::Time,
        "orders_done",
    ),
    (
        "OPEN_COUNTS",
        sql::OPEN_COUNTS,
        Params::TimeStation,
        "orders_open",
    ),
    (
        "READY_TIMES",
        sql::READY_TIMES,
        Params::TimeStation,
        "orders_ready_times",
    ),
];

#[tokio::test]
async fn sqlite_reads_orders_through_their_partial_indexes() {
    let (_dir, mut conn) = migrated_sqlite().await;
    for (name, statement, params, index) in &SQLITE_READS {
        for station in [None, Some("grill")] {
            let plan = sqlite_plan(&mut conn, statement, params, station).await;
            assert!(
                plan.contains(&format!("INDEX {index}")),
                "{name} ({station:?}) does not use {index}:\n{plan}"
            );
            assert!(
                !reads_every_order(&plan),
                "{name} ({station:?}) reads every order:\n{plan}"
            );
            assert!(
                !plan.contains("TEMP B-TREE"),
                "{name} ({station:?}) sorts:\n{plan}"
            );
        }
    }
}

#[cfg(feature = "postgres")]
#[path = "../../tests/pg_support/mod.rs"]
mod pg_support;

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_reads_the_stats_through_indexes() {
    let Some(admin) =
        pg_support::admin_url("store::plans::postgres_reads_the_stats_through_indexes")
    else {
        return;
    };
    let database = pg_support::FreshDatabase::create(&admin).await;
    Store::open(&database.url).await.unwrap().close().await;
    let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
    conn.execute("SET enable_seqscan = off").await.unwrap();
    for (name, statement, params) in &STATEMENTS {
        for station in [None, Some("grill")] {
            let plan = postgres_plan(&mut conn, statement, params, station).await;
            assert!(
                plan.contains("Index"),
                "{name} ({station:?}) uses no index:\n{plan}"
            );
            assert!(
                !plan.contains("Seq Scan on orders"),
                "{name} ({station:?}) scans the orders:\n{plan}"
            );
        }
    }
    conn.close().await.unwrap();
}
