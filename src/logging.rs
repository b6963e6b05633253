//! Logs go to a file in the data directory, never to the screen: the
//! terminal belongs to the kitchen.

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The log writer's guard, kept where the panic hook can reach it ([`flush`]).
static WRITER: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// The open log: dropping it writes out what is queued ([`flush`]).
#[must_use = "the log is written out when this is dropped"]
pub struct Log(());

impl Drop for Log {
    fn drop(&mut self) {
        flush();
    }
}

/// Starts logging to `<dir>/kds.log.YYYY-MM-DD` (a week kept). `KDS_LOG`
/// overrides `filter`. Keep the [`Log`] alive for as long as the program runs.
pub fn to_file(dir: &Path, filter: &str) -> anyhow::Result<Log> {
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
    let filter = targets(&std::env::var("KDS_LOG").unwrap_or_else(|_| filter.to_owned()))?;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false),
        )
        .with(filter)
        .try_init()
        .map_err(|err| anyhow::anyhow!(err))?;
    *WRITER.lock().unwrap_or_else(PoisonError::into_inner) = Some(guard);
    Ok(Log(()))
}

/// Writes out every queued line and stops the writer (waiting for it at
/// most a second); what is logged afterwards is lost. For the end of the
/// process only: the normal end through [`Log`], and a panic in a build
/// that aborts on panic, where no destructor runs after the hook.
pub fn flush() {
    // Taken out before it is dropped, so the lock is not held while waiting.
    let writer = WRITER.lock().unwrap_or_else(PoisonError::into_inner).take();
    drop(writer);
}

/// The filter: `level` and `target=level` lists (`KDS_LOG=debug`,
/// `kds=debug,info`), which is all a display's log needs; `Targets` reads
/// them without the regex engine `EnvFilter` would add to the binary. The
/// HTTP and WebSocket crates are chatty at debug: their warnings are enough.
fn targets(filter: &str) -> anyhow::Result<Targets> {
    let quiet = "hyper=warn,hyper_util=warn,reqwest=warn,tungstenite=warn,tokio_tungstenite=warn,rustls=warn";
    format!("{filter},{quiet}").parse().map_err(|err| {
        anyhow::anyhow!("bad log filter {filter:?} (KDS_LOG, or `log` in [display]): {err}")
    })
}

#[cfg(test)]
mod tests {
    use super::targets;
    use tracing::Level;

    #[test]
    fn filters_are_levels_per_target_and_bad_ones_say_why() {
        let filter = targets("kds=debug,info").unwrap();
        assert!(filter.would_enable("kds::net", &Level::DEBUG));
        assert!(!filter.would_enable("other", &Level::DEBUG));
        assert!(filter.would_enable("other", &Level::INFO));
        assert!(
            !targets("debug")
                .unwrap()
                .would_enable("hyper::proto", &Level::INFO)
        );
        let err = targets("kds=loud").unwrap_err().to_string();
        assert!(err.contains("kds=loud"), "{err}");
    }
}
