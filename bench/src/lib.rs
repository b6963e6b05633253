//! kds-bench: the project's own load and footprint tools.
//!
//! `kds-bench` drives a kds-server: [`fanout`] times every delivery of
//! posted orders to many WebSocket clients, [`idle`] holds as many idle
//! connections as the server takes. `kds-footprint` measures the terminal
//! client ([`footprint`]), `kds-check-bench` the creation of a check
//! against that of one order ([`checks`]), `kds-stats-bench` the stats endpoint over a
//! month of orders ([`stats_endpoint`]), `kds-retention-bench` the size of
//! the database over a simulated year ([`retention_year`]). Results and the commands that produced them are
//! in docs/benchmarks.md.

pub mod arrival;
pub mod checks;
pub mod cli;
pub mod clients;
pub mod fanout;
pub mod fdlimit;
pub mod footprint;
pub mod idle;
pub mod orders;
pub mod procstat;
pub mod pty;
pub mod report;
pub mod retention_year;
pub mod stats;
pub mod stats_endpoint;
pub mod target;
pub mod watcher;

use anyhow::Context;
use clients::ConnectPlan;
use kds_protocol::{Station, StationScope};

/// Sockets beyond the clients themselves: the POST pool, stdio, slack.
const SPARE_FILES: u64 = 256;

/// Runs the workload `args` asks for and prints its report.
pub async fn run(args: cli::Args) -> anyhow::Result<()> {
    let target = target::Target::new(&args.url, args.token.as_deref())?;
    let station: Station = args
        .station
        .parse()
        .with_context(|| format!("--station {:?}", args.station))?;
    let watch: StationScope = match &args.watch {
        Some(name) => name.parse().with_context(|| format!("--watch {name:?}"))?,
        None => StationScope::One(station.clone()),
    };
    let watch = watch.to_string();
    let limit = fdlimit::raise_open_files(args.clients as u64 + SPARE_FILES)
        .context("raising the limit of open files")?;
    if limit < args.clients as u64 + SPARE_FILES {
        eprintln!("kds-bench: the open files limit is {limit}: some clients will fail to connect");
    }
    let connect = ConnectPlan {
        parallel: args.connect_parallel,
        timeout: args.connect_timeout,
    };
    if args.idle {
        let plan = idle::Plan {
            clients: args.clients,
            watch,
            hold: args.hold,
            connect,
            server_pid: args.server_pid,
        };
        let report = idle::run(&target, &plan).await?;
        print(args.json, &report, report::idle_table)?;
    } else {
        let plan = fanout::Plan {
            clients: args.clients,
            orders: args.orders,
            every: args.every().map_err(anyhow::Error::msg)?,
            station: station.to_string(),
            watch,
            drain: args.drain,
            connect,
            server_pid: args.server_pid,
        };
        let report = fanout::run(&target, &plan).await?;
        print(args.json, &report, report::fanout_table)?;
    }
    Ok(())
}

fn print<T: serde::Serialize>(
    json: bool,
    report: &T,
    table: fn(&T) -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", table(report));
    }
    Ok(())
}
