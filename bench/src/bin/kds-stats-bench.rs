//! `kds-stats-bench`: the stats endpoint's latency over a month of orders
//! (see `kds_bench::stats_endpoint`).

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args = kds_bench::stats_endpoint::Args::parse();
    match kds_bench::stats_endpoint::run(&args).await {
        Ok(report) if args.json => match serde_json::to_string_pretty(&report) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("kds-stats-bench: {err}");
                ExitCode::FAILURE
            }
        },
        Ok(report) => {
            print!("{}", kds_bench::stats_endpoint::table(&report));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kds-stats-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
