//! `kds-retention-bench`: a year of a busy kitchen on a real `SQLite` file,
//! measured month by month (see `kds_bench::retention_year`).

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args = kds_bench::retention_year::Args::parse();
    match kds_bench::retention_year::run(&args).await {
        Ok(report) if args.json => match serde_json::to_string_pretty(&report) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("kds-retention-bench: {err}");
                ExitCode::FAILURE
            }
        },
        Ok(report) => {
            print!("{}", kds_bench::retention_year::table(&report));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kds-retention-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
