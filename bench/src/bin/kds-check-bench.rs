//! `kds-check-bench`: a three-station check's creation against one order's
//! (see `kds_bench::checks`).

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args = kds_bench::checks::Args::parse();
    match kds_bench::checks::run(&args).await {
        Ok(report) if args.json => match serde_json::to_string_pretty(&report) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("kds-check-bench: {err}");
                ExitCode::FAILURE
            }
        },
        Ok(report) => {
            print!("{}", kds_bench::checks::table(&report));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kds-check-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
