//! The stats statements read through an index on both backends, never a
//! scan of every order (a year's orders would be read on every request).
//!
//! A planner's choice depends on table statistics, so the checks ask
//! whether a usable index exists rather than which plan wins on an empty
//! table: `SQLite` without `ANALYZE` prefers an index for any range or
//! equality it can serve; `PostgreSQL` with `enable_seqscan = off` still
//! scans when no index serves the query, and uses one when one does.

use super::{Store, sql};
use sqlx::{Connection, Executor, Row};

/// Each stats statement with the values its parameters get.
enum Params {
    /// `$1` a time, `$2` the station.
    TimeStation,
    /// The same and `$3` a rank.
    TimeStationRank,
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

/// Binds the values `params` says to `query` (a time, the station, a rank).
macro_rules! bound {
    ($query:expr, $params:expr, $station:expr) => {{
        let query = $query.bind(1_800_000_000_000_i64).bind($station);
        match $params {
            Params::TimeStation => query,
            Params::TimeStationRank => query.bind(3_i64),
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

#[tokio::test]
async fn sqlite_searches_the_stats_through_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("kds.db").display());
    // Opening migrates: the tables and indexes are the real ones.
    Store::open(&url).await.unwrap().close().await;
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for (name, statement, params) in &STATEMENTS {
        for station in [None, Some("grill")] {
            let plan = sqlite_plan(&mut conn, statement, params, station).await;
            assert!(
                plan.lines()
                    .any(|l| l.contains("USING") && l.contains("INDEX")),
                "{name} ({station:?}) uses no index:\n{plan}"
            );
            // A scan of a partial index reads only the orders it holds (the
            // open ones); a scan of the table reads them all.
            assert!(
                !plan
                    .lines()
                    .any(|l| l.starts_with("SCAN orders") && !l.contains("INDEX")),
                "{name} ({station:?}) scans the orders:\n{plan}"
            );
        }
    }
}

#[path = "../../tests/pg_support/mod.rs"]
mod pg_support;

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
