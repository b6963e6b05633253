//! `kds-stats-bench`: the latency of `GET /api/stations/{station}/stats`
//! over a store holding a month of a very busy kitchen: 1,000,000
//! completed orders (ready times spread evenly over the 30 days that
//! `keep_completed` keeps them) and 200 open ones.
//!
//! The open orders and one completed order are made through the store's
//! own API; the other completed orders are copies of that one, written
//! with one `INSERT ... SELECT` (a million transactions would take an
//! hour), into the same columns the server writes. A kds-server runs in
//! this process on 127.0.0.1 port 0 with its rate limits off, and each
//! path is asked `requests` times, one request after the other, each timed
//! from send to the whole body read.

use crate::stats::{Summary, ms};
use anyhow::{Context, bail};
use clap::Parser;
use kds_protocol::{Edit, NewOrder, OrderDraft, Status, StatusMove, Timestamp};
use kds_server::store::{Created, Outcome, Store};
use kds_server::{RateLimits, ServerConfig};
use serde::Serialize;
use sqlx::{Connection, Executor};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Completed orders are spread over this many days before now.
const SPREAD_DAYS: i64 = 30;
const STATIONS: [&str; 4] = ["grill", "fry", "cold", "bar"];
/// Requests before the timed ones, to fill caches as a running server has.
const WARM_UP: usize = 50;
/// Any one request slower than this fails the run.
const REQUEST_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Parser)]
#[command(name = "kds-stats-bench", version, about)]
pub struct Args {
    /// `sqlite` (a file in a temp dir) or `postgres`.
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    /// The `PostgreSQL` server to make (and afterwards drop) a database on.
    #[arg(long, env = "KDS_TEST_DATABASE_URL")]
    pub postgres: Option<String>,
    /// Where the `SQLite` file goes (default: a new temp dir).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    #[arg(long, default_value_t = 1_000_000)]
    pub completed: i64,
    #[arg(long, default_value_t = 200)]
    pub open: usize,
    /// Timed requests per path (at most 100,000).
    #[arg(long, default_value_t = 1000)]
    pub requests: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub backend: String,
    pub completed_orders: i64,
    pub open_orders: usize,
    pub load_seconds: f64,
    pub paths: Vec<PathReport>,
}

#[derive(Debug, Serialize)]
pub struct PathReport {
    pub path: String,
    /// The answer's `completed`, to show what the window held.
    pub in_window: u64,
    pub latency: Summary,
}

/// The paths asked: one station and every station over the default hour,
/// and every station over the longest window.
const PATHS: [&str; 3] = [
    "/api/stations/grill/stats",
    "/api/stations/all/stats",
    "/api/stations/all/stats?window=86400",
];

pub async fn run(args: &Args) -> anyhow::Result<Report> {
    if args.requests == 0 || args.requests > 100_000 {
        bail!("--requests must be 1 to 100000");
    }
    if !(1..=10_000_000).contains(&args.completed) {
        bail!("--completed must be 1 to 10000000");
    }
    let dir = tempfile::Builder::new()
        .prefix("kds-stats-bench")
        .tempdir_in(args.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let database = match args.backend.as_str() {
        "sqlite" => Database::Sqlite(format!("sqlite://{}", dir.path().join("kds.db").display())),
        "postgres" => {
            let admin = args
                .postgres
                .clone()
                .context("--postgres (or KDS_TEST_DATABASE_URL) is needed")?;
            Database::postgres(&admin).await?
        }
        other => bail!("--backend {other:?}: sqlite or postgres"),
    };
    let result = measure(args, database.url()).await;
    database.drop().await?;
    result
}

async fn measure(args: &Args, url: &str) -> anyhow::Result<Report> {
    let started = Instant::now();
    let now = Timestamp::now().as_millis();
    let store = Store::open(url).await?;
    for n in 0..args.open {
        // Created over the last 20 minutes, so some are late.
        let at = now - (n as i64 % 1200) * 1000;
        create(&store, STATIONS[n % STATIONS.len()], at).await?;
    }
    let template = completed_template(&store, now).await?;
    store.close().await;
    bulk_copy(url, &template, args.completed, now).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    let server = kds_server::spawn(ServerConfig {
        listen: "127.0.0.1:0".parse()?,
        database: url.to_owned(),
        rate_limits: RateLimits {
            changes_per_second: 0,
            change_burst: 0,
            reads_per_second: 0,
            read_burst: 0,
        },
        ..ServerConfig::default()
    })
    .await?;
    let http = reqwest::Client::builder().timeout(REQUEST_LIMIT).build()?;
    let mut paths = Vec::new();
    for path in PATHS {
        let url = format!("{}{path}", server.base_url());
        let mut samples = Vec::with_capacity(args.requests);
        let mut in_window = 0;
        for n in 0..WARM_UP + args.requests {
            let sent = Instant::now();
            let response = http.get(&url).send().await?.error_for_status()?;
            let body: serde_json::Value = response.json().await?;
            if n >= WARM_UP {
                samples.push(sent.elapsed());
            }
            in_window = body["completed"].as_u64().unwrap_or(0);
        }
        paths.push(PathReport {
            path: path.to_owned(),
            in_window,
            latency: Summary::of(&mut samples).context("no samples")?,
        });
    }
    server.shutdown().await;
    Ok(Report {
        backend: args.backend.clone(),
        completed_orders: args.completed + 1,
        open_orders: args.open,
        load_seconds,
        paths,
    })
}

fn draft(station: &str) -> anyhow::Result<OrderDraft> {
    let order: NewOrder = serde_json::from_value(serde_json::json!({
        "station": station,
        "items": [{"name": "Classic Burger", "qty": 2, "modifiers": ["no onion"]},
                  {"name": "Fries", "qty": 1}],
    }))?;
    order.validate().map_err(|err| anyhow::anyhow!("{err:?}"))
}

async fn create(store: &Store, station: &str, at: i64) -> anyhow::Result<String> {
    match store
        .create_order(&draft(station)?, None, Timestamp::from_millis(at))
        .await?
    {
        Created::New(order, _) => Ok(order.id),
        other => bail!("creating an order: {other:?}"),
    }
}

/// One order taken through every status, as a cook would; its row is the
/// one the bulk copy repeats.
async fn completed_template(store: &Store, now: i64) -> anyhow::Result<String> {
    let id = create(store, "grill", now - 600_000).await?;
    for (to, at) in [
        (Status::Preparing, now - 500_000),
        (Status::Ready, now - 200_000),
        (Status::Completed, now - 100_000),
    ] {
        let edit = Edit::Status(StatusMove { to, from: None });
        let outcome = store
            .change(&id, &edit, None, Timestamp::from_millis(at))
            .await?;
        if !matches!(outcome, Outcome::Changed(_)) {
            bail!("moving the template to {to:?}: {outcome:?}");
        }
    }
    Ok(id)
}

/// Copies the template `count` times: ready times evenly over the last
/// `SPREAD_DAYS`, ticket times of 2 to 15 minutes, stations in turn.
async fn bulk_copy(url: &str, template: &str, count: i64, now: i64) -> anyhow::Result<()> {
    let spacing = SPREAD_DAYS * 86_400_000 / count;
    // Shared by both dialects: `i` is the copy's number.
    let columns = "'bench-' || i, \
         CASE i % 4 WHEN 0 THEN 'grill' WHEN 1 THEN 'fry' WHEN 2 THEN 'cold' ELSE 'bar' END, \
         'completed', $2 - i * $3 - (120000 + (i * 7919) % 780000), $2 - i * $3, body, $2 - i * $3";
    if url.starts_with("sqlite:") {
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO orders (id, station, status, created_at, status_at, body, ready_at) \
             SELECT {columns} FROM n, (SELECT body FROM orders WHERE id = $4)"
        );
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query(&sql)
            .bind(count)
            .bind(now)
            .bind(spacing)
            .bind(template)
            .execute(&mut conn)
            .await?;
        conn.close().await?;
    } else {
        let sql = format!(
            "INSERT INTO orders (id, station, status, created_at, status_at, body, ready_at, created_seq) \
             SELECT {columns}, 0 FROM generate_series(1, $1::bigint) AS i, \
             (SELECT body FROM orders WHERE id = $4) AS t"
        );
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query(&sql)
            .bind(count)
            .bind(now)
            .bind(spacing)
            .bind(template)
            .execute(&mut conn)
            .await?;
        // What autovacuum does on its own soon after a bulk change.
        conn.execute("ANALYZE orders").await?;
        conn.close().await?;
    }
    Ok(())
}

enum Database {
    Sqlite(String),
    Postgres {
        admin: String,
        name: String,
        url: String,
    },
}

impl Database {
    async fn postgres(admin: &str) -> anyhow::Result<Self> {
        let name = format!("kds_stats_bench_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(admin).await?;
        conn.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await?;
        conn.execute(format!("CREATE DATABASE {name} TEMPLATE template0").as_str())
            .await?;
        conn.close().await?;
        let mut url = url::Url::parse(admin)?;
        url.set_path(&format!("/{name}"));
        Ok(Self::Postgres {
            admin: admin.to_owned(),
            name,
            url: url.to_string(),
        })
    }

    fn url(&self) -> &str {
        match self {
            Self::Sqlite(url) | Self::Postgres { url, .. } => url,
        }
    }

    async fn drop(self) -> anyhow::Result<()> {
        if let Self::Postgres { admin, name, .. } = self {
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await?;
            conn.close().await?;
        }
        Ok(())
    }
}

pub fn table(report: &Report) -> String {
    let mut out = format!(
        "{}: {} completed and {} open orders (loaded in {:.1} s)\n\
         path                                      in window   p50 ms    p90 ms    p99 ms    max ms\n",
        report.backend, report.completed_orders, report.open_orders, report.load_seconds
    );
    for path in &report.paths {
        let l = &path.latency;
        let _ = writeln!(
            out,
            "{:<42}{:>9}  {:>8}  {:>8}  {:>8}  {:>8}",
            path.path,
            path.in_window,
            ms(l.p50_us),
            ms(l.p90_us),
            ms(l.p99_us),
            ms(l.max_us)
        );
    }
    out
}
