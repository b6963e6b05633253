//! Logs go to a file in the data directory, never to the screen: the
//! terminal belongs to the kitchen.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging to `<dir>/kds.log.YYYY-MM-DD` (a week kept). `KDS_LOG`
/// overrides `filter`. Keep the guard alive: dropping it flushes the log.
pub fn to_file(dir: &Path, filter: &str) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("kds")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)?;
    // The default queue holds 128,000 lines, allocated up front: 4 MB of a
    // Pi's memory for a program that logs a few lines a minute. When the queue
    // is full, lines are dropped rather than the display blocked.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(appender);
    let filter = std::env::var("KDS_LOG").unwrap_or_else(|_| filter.to_owned());
    // The HTTP and WebSocket crates are chatty at debug; their warnings are enough.
    let filter = EnvFilter::try_new(format!(
        "{filter},hyper=warn,hyper_util=warn,reqwest=warn,tungstenite=warn,tokio_tungstenite=warn,rustls=warn"
    ))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|err| anyhow::anyhow!(err))?;
    Ok(guard)
}
