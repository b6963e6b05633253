//! The server's log: one default filter, one parser and one subscriber, for
//! the binary and for the tests that start a server in a child process.

use tracing_subscriber::filter::{ParseError, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Without `--log`: requests at info, sqlx's per-statement lines off.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=info";

/// Reads `--log` / `KDS_LOG`: a default level and `target=level` pairs
/// (`warn`, `info,kds_server=debug`). `Targets` reads exactly that without
/// the regex engine `EnvFilter` links in, 0.6 MB of the binary, all of it
/// resident (docs/benchmarks.md, issue 12, item 5).
pub fn filter(spec: Option<&str>) -> Result<Targets, ParseError> {
    spec.unwrap_or(DEFAULT_FILTER).parse()
}

/// Logs to stderr (journald, docker logs) through `filter`, with colours
/// only if `ansi`. Once per process: a second call leaves the first one's.
pub fn install(filter: Targets, ansi: bool) {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(ansi),
        )
        .with(filter)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn reads_levels_and_targets() {
        let filter = filter(Some("warn,kds_server=debug")).expect("a valid filter");
        assert!(filter.would_enable("kds_server::routes", &Level::DEBUG));
        assert!(!filter.would_enable("kds_server::routes", &Level::TRACE));
        assert!(filter.would_enable("hyper", &Level::WARN));
        assert!(!filter.would_enable("hyper", &Level::INFO));
    }

    #[test]
    fn the_default_keeps_sqlx_quiet() {
        let filter = filter(None).expect("the default parses");
        assert!(filter.would_enable("kds_server", &Level::INFO));
        assert!(!filter.would_enable("sqlx::query", &Level::INFO));
        assert!(filter.would_enable("sqlx::query", &Level::WARN));
    }

    #[test]
    fn refuses_what_is_not_a_filter() {
        assert!(filter(Some("kds_server=loud")).is_err());
        assert!(filter(Some("=debug=")).is_err());
    }
}
