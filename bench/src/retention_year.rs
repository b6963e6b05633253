//! `kds-retention-bench`: a year of a busy kitchen on a real `SQLite`
//! file, to see whether the database stops growing once completed orders
//! are deleted after `keep_completed`.
//!
//! The store is driven directly, on a manual clock, as the server drives
//! it: every order created with an `Idempotency-Key` (as the point of sale
//! sends them), bumped to completed with keyed moves (as displays do), some
//! recalled on the way; the prune pass runs every simulated hour with the
//! retention given (the server's default unless told). At the end of every
//! 30-day month the file is measured: its size and its WAL's as they stand,
//! then both after `PRAGMA wal_checkpoint(TRUNCATE)`, with the page and
//! free-page counts and the rows of each table.

use anyhow::{Context, bail};
use clap::Parser;
use kds_protocol::{Edit, NewOrder, OrderDraft, Status, StatusMove, Timestamp};
use kds_server::Retention;
use kds_server::store::{Created, IdempotencyKey, Outcome, Store};
use serde::Serialize;
use sqlx::{Connection, Row};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const MONTH_DAYS: u32 = 30;
/// Service from 11:00 to 23:00; orders arrive evenly in it.
const OPEN_AT_MS: i64 = 11 * HOUR_MS;
const SERVICE_MS: i64 = 12 * HOUR_MS;
const STATIONS: [&str; 4] = ["grill", "fry", "cold", "bar"];
const MENU: [&str; 8] = [
    "Classic Burger",
    "Cheeseburger",
    "Fries",
    "Onion Rings",
    "Caesar Salad",
    "Lemonade",
    "Milkshake",
    "Chicken Wings",
];

#[derive(Debug, Clone, Parser)]
#[command(name = "kds-retention-bench", version, about)]
pub struct Args {
    /// Days to simulate (at most 3650).
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Orders a day (at most 100,000).
    #[arg(long, default_value_t = 800)]
    pub orders_per_day: u32,
    /// How long completed orders are kept; `off` keeps them for the
    /// longest the server allows (3650 days), which in a year is never.
    #[arg(long, default_value = "30days", value_parser = parse_keep)]
    pub keep_completed: Duration,
    /// Where the database file goes (default: a new temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

fn parse_keep(text: &str) -> Result<Duration, String> {
    if text == "off" {
        return Ok(Duration::from_secs(3650 * 86_400));
    }
    humantime::parse_duration(text).map_err(|err| format!("{err} (write e.g. \"30days\" or off)"))
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub days: u32,
    pub orders_per_day: u32,
    pub keep_completed_days: f64,
    pub writes: u64,
    pub seconds: f64,
    pub months: Vec<Month>,
}

/// The file at the end of one month (or of the run).
#[derive(Debug, Serialize)]
pub struct Month {
    pub day: u32,
    /// The main file and the WAL as they stood, in bytes.
    pub db_bytes: u64,
    pub wal_bytes: u64,
    /// The main file after the WAL was checkpointed and truncated.
    pub checkpointed_bytes: u64,
    pub page_count: i64,
    pub free_pages: i64,
    pub orders: i64,
    pub events: i64,
    pub answers: i64,
}

/// One write of the simulation, at a time of day.
#[derive(Debug, Clone, Copy)]
enum Step {
    Create,
    Move(Status),
}

pub async fn run(args: &Args) -> anyhow::Result<Report> {
    if args.days == 0 || args.days > 3650 {
        bail!("--days must be 1 to 3650");
    }
    if args.orders_per_day == 0 || args.orders_per_day > 100_000 {
        bail!("--orders-per-day must be 1 to 100000");
    }
    let dir = tempfile::Builder::new()
        .prefix("kds-retention-bench")
        .tempdir_in(args.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let file = dir.path().join("kds.db");
    let url = format!("sqlite://{}", file.display());
    let store = Store::open(&url).await?;
    let retention = Retention {
        keep_completed: args.keep_completed,
        ..Retention::default()
    };
    // Midnight UTC of a day in 2027.
    let start = 1_800_000_000_000 / DAY_MS * DAY_MS;
    let started = Instant::now();
    let mut writes = 0;
    let mut months = Vec::new();
    let mut serial = 0_u64;
    for day in 0..args.days {
        let midnight = start + i64::from(day) * DAY_MS;
        let schedule = day_schedule(args.orders_per_day, midnight);
        let mut ids: Vec<Option<String>> = vec![None; args.orders_per_day as usize];
        let mut next_prune = midnight;
        for (at, order, step) in schedule {
            while next_prune <= at {
                store
                    .prune(&retention, Timestamp::from_millis(next_prune))
                    .await?;
                next_prune += HOUR_MS;
            }
            serial += 1;
            let key = |scope| IdempotencyKey {
                scope,
                key: format!("k{serial}"),
                request: format!("request {serial}"),
            };
            let now = Timestamp::from_millis(at);
            match step {
                Step::Create => {
                    let station = STATIONS[order % STATIONS.len()];
                    match store
                        .create_order(&draft(station, order)?, Some(&key("create")), now)
                        .await?
                    {
                        Created::New(created, _) => ids[order] = Some(created.id),
                        other => bail!("creating: {other:?}"),
                    }
                }
                Step::Move(to) => {
                    let id = ids[order].as_deref().context("a move before its order")?;
                    let edit = Edit::Status(StatusMove { to, from: None });
                    let outcome = store.change(id, &edit, Some(&key("status")), now).await?;
                    if !matches!(outcome, Outcome::Changed(_)) {
                        bail!("moving to {to:?}: {outcome:?}");
                    }
                }
            }
            writes += 1;
        }
        // The rest of the day's hourly passes, up to midnight.
        while next_prune < midnight + DAY_MS {
            store
                .prune(&retention, Timestamp::from_millis(next_prune))
                .await?;
            next_prune += HOUR_MS;
        }
        let done = day + 1;
        if done % MONTH_DAYS == 0 || done == args.days {
            let month = measure(&url, &file, done).await?;
            eprintln!(
                "day {:>4}: {:>6.1} MiB + WAL {:>5.1} MiB, checkpointed {:>6.1} MiB, {} orders ({:.0} s)",
                month.day,
                mib(month.db_bytes),
                mib(month.wal_bytes),
                mib(month.checkpointed_bytes),
                month.orders,
                started.elapsed().as_secs_f64()
            );
            months.push(month);
        }
    }
    store.close().await;
    Ok(Report {
        days: args.days,
        orders_per_day: args.orders_per_day,
        keep_completed_days: args.keep_completed.as_secs_f64() / 86_400.0,
        writes,
        seconds: started.elapsed().as_secs_f64(),
        months,
    })
}

/// Every write of one day in time order: each order created in service
/// hours, preparing 2 minutes later, ready at 10, completed at 15. One in
/// 20 is recalled from ready to preparing at 11 and ready again at 13; one
/// in 50 is recalled from completed at 20 and cleared again at 22.
fn day_schedule(orders: u32, midnight: i64) -> Vec<(i64, usize, Step)> {
    use Status::{Completed, Preparing, Ready};
    let minute = 60_000;
    let every = SERVICE_MS / i64::from(orders);
    let mut steps = Vec::new();
    for n in 0..orders as usize {
        let t = midnight + OPEN_AT_MS + n as i64 * every;
        steps.push((t, n, Step::Create));
        steps.push((t + 2 * minute, n, Step::Move(Preparing)));
        steps.push((t + 10 * minute, n, Step::Move(Ready)));
        if n % 20 == 7 {
            steps.push((t + 11 * minute, n, Step::Move(Preparing)));
            steps.push((t + 13 * minute, n, Step::Move(Ready)));
        }
        steps.push((t + 15 * minute, n, Step::Move(Completed)));
        if n % 50 == 11 {
            steps.push((t + 20 * minute, n, Step::Move(Ready)));
            steps.push((t + 22 * minute, n, Step::Move(Completed)));
        }
    }
    // Stable: an order's steps keep their order at equal times.
    steps.sort_by_key(|&(at, _, _)| at);
    steps
}

/// One to three lines from the menu, some with modifiers or a note.
fn draft(station: &str, n: usize) -> anyhow::Result<OrderDraft> {
    let lines = 1 + n % 3;
    let items: Vec<_> = (0..lines)
        .map(|i| {
            let mut item =
                serde_json::json!({"name": MENU[(n + i * 3) % MENU.len()], "qty": 1 + (n + i) % 2});
            if (n + i).is_multiple_of(4) {
                item["modifiers"] = serde_json::json!(["no onion", "extra pickles"]);
            }
            item
        })
        .collect();
    let mut order = serde_json::json!({"station": station, "items": items, "kind": "takeout"});
    if n.is_multiple_of(7) {
        order["notes"] = serde_json::json!("nut allergy");
    }
    let order: NewOrder = serde_json::from_value(order)?;
    order.validate().map_err(|err| anyhow::anyhow!("{err:?}"))
}

async fn measure(url: &str, file: &Path, day: u32) -> anyhow::Result<Month> {
    let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
    let wal = file.with_extension("db-wal");
    let (db_bytes, wal_bytes) = (size(file), size(&wal));
    let mut conn = sqlx::SqliteConnection::connect(url).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    let scalar = async |conn: &mut sqlx::SqliteConnection, sql: &str| -> anyhow::Result<i64> {
        Ok(sqlx::query(sql).fetch_one(conn).await?.try_get(0)?)
    };
    let month = Month {
        day,
        db_bytes,
        wal_bytes,
        checkpointed_bytes: size(file) + size(&wal),
        page_count: scalar(&mut conn, "PRAGMA page_count").await?,
        free_pages: scalar(&mut conn, "PRAGMA freelist_count").await?,
        orders: scalar(&mut conn, "SELECT COUNT(*) FROM orders").await?,
        events: scalar(&mut conn, "SELECT COUNT(*) FROM events").await?,
        answers: scalar(&mut conn, "SELECT COUNT(*) FROM idempotency").await?,
    };
    conn.close().await?;
    Ok(month)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub fn table(report: &Report) -> String {
    let mut out = format!(
        "{} days, {} orders a day, keep_completed {} days: {} writes in {:.0} s\n\
         day   db MiB  WAL MiB  checkpointed MiB  pages  free   orders   events  answers\n",
        report.days,
        report.orders_per_day,
        report.keep_completed_days,
        report.writes,
        report.seconds
    );
    for m in &report.months {
        let _ = writeln!(
            out,
            "{:>4}  {:>7.1}  {:>7.1}  {:>16.1}  {:>6}  {:>4}  {:>7}  {:>7}  {:>7}",
            m.day,
            mib(m.db_bytes),
            mib(m.wal_bytes),
            mib(m.checkpointed_bytes),
            m.page_count,
            m.free_pages,
            m.orders,
            m.events,
            m.answers
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_in_time_order_and_every_order_ends_completed() {
        let day = day_schedule(800, 0);
        assert!(day.windows(2).all(|w| w[0].0 <= w[1].0));
        // 4 writes each, 2 more for one in 20 and one in 50.
        assert_eq!(day.len(), 800 * 4 + 40 * 2 + 16 * 2);
        for n in [0, 7, 11, 799] {
            let steps: Vec<_> = day.iter().filter(|s| s.1 == n).collect();
            assert!(matches!(steps[0].2, Step::Create));
            assert!(matches!(
                steps.last().unwrap().2,
                Step::Move(Status::Completed)
            ));
        }
        // The last order is cleared before midnight.
        assert!(day.last().unwrap().0 < DAY_MS);
    }

    #[test]
    fn keep_completed_reads_durations_and_off() {
        assert_eq!(
            parse_keep("30days").unwrap(),
            Duration::from_secs(30 * 86_400)
        );
        assert_eq!(
            parse_keep("off").unwrap(),
            Duration::from_secs(3650 * 86_400)
        );
        assert!(parse_keep("soon").is_err());
    }
}
