//! `kds-footprint`: measure the terminal client (see `kds_bench::footprint`).

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args = kds_bench::footprint::Args::parse();
    match kds_bench::footprint::run(&args).await {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(err) => {
                        eprintln!("kds-footprint: {err}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", kds_bench::footprint::table(&report));
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kds-footprint: {err:#}");
            ExitCode::FAILURE
        }
    }
}
