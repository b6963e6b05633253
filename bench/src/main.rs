//! `kds-bench`: parse the flags and hand over to the library.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args = kds_bench::cli::Args::parse();
    match kds_bench::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kds-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
