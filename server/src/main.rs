//! `kds-server`: parse flags, load config, start logging, serve until
//! SIGINT/SIGTERM. Everything else lives in the library.

use clap::Parser;
use kds_server::Cli;
use std::process::ExitCode;

/// Exit code for configuration that cannot work (as clap uses for bad flags).
const BAD_CONFIG: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let loaded = match cli.load() {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("kds-server: bad configuration: {err}");
            return ExitCode::from(BAD_CONFIG);
        }
    };
    let filter = match kds_server::logging::filter(loaded.log.as_deref()) {
        Ok(filter) => filter,
        Err(err) => {
            let spec = loaded.log.as_deref().unwrap_or_default();
            eprintln!("kds-server: bad configuration: log filter {spec:?}: {err}");
            return ExitCode::from(BAD_CONFIG);
        }
    };
    // ANSI colours only on a terminal.
    kds_server::logging::install(filter, std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if let Some(file) = &loaded.file {
        tracing::info!(file = %file.display(), "read config file");
    }
    let server = match kds_server::spawn(loaded.config).await {
        Ok(server) => server,
        Err(err) => {
            // Once, on stderr, where the log goes too: a log line as well
            // would say it twice.
            eprintln!("kds-server: cannot start: {err}");
            return match err {
                kds_server::StartError::Config(_) | kds_server::StartError::Demo(_) => {
                    ExitCode::from(BAD_CONFIG)
                }
                _ => ExitCode::FAILURE,
            };
        }
    };
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
