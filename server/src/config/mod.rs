//! What a running server is told: where to listen, where the store is, how
//! long events are kept, who may call it, and whether to simulate a kitchen.
//!
//! [`ServerConfig`] is plain data so tests and the client's `kds demo` can
//! build one in code; [`file`] and [`cli`] fill it from the config file,
//! `KDS_*` variables and flags (defaults < file < environment < flags).

pub mod cli;
pub mod file;

use crate::clock::Clock;
use kds_protocol::{DEAD_PEER_AFTER, PING_INTERVAL, Station};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Idempotency answers are kept at least this long (the contract's promise).
pub const MIN_IDEMPOTENCY_FOR: Duration = Duration::from_secs(24 * 3600);

/// The longest duration any setting may have.
const MAX_DURATION: Duration = Duration::from_secs(3650 * 24 * 3600);

/// Everything `spawn` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// A sqlx URL: `sqlite://PATH`, `sqlite::memory:`, `postgres://USER@HOST/DB`.
    pub database: String,
    pub retention: Retention,
    /// No tokens: the server is open to everyone (and logs so at start-up).
    pub tokens: Vec<TokenConfig>,
    /// `Some`: run the order simulator inside the server.
    pub demo: Option<DemoConfig>,
    pub websocket: WebSocketConfig,
    /// Open orders older than this count as late in the stats.
    pub late_after: Duration,
    /// How long shutdown waits for requests and `WebSocket` sessions to
    /// finish before it cuts them off.
    pub shutdown_grace: Duration,
    pub rate_limits: RateLimits,
    /// What "now" is for writes, stats and pruning; tests set their own.
    pub clock: Clock,
}

/// How long events stay available for `since` resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Keep at most this many of the newest events.
    pub max_events: u64,
    /// Drop events older than this.
    pub max_age: Duration,
    /// How often the pruner runs.
    pub prune_every: Duration,
    /// How long an `Idempotency-Key` answer is kept (the contract wants >= 24 h).
    pub idempotency_for: Duration,
    /// Completed orders are deleted this long after they were completed,
    /// with whatever events and answers of theirs are still kept.
    pub keep_completed: Duration,
}

/// How many requests each client (a token, or a peer address when the
/// server has no tokens) may send: `*_per_second` on average, in bursts of
/// up to `*_burst`. A 0 in either setting of a kind turns its limit off.
/// "Changes" are the API's POST and PATCH requests; "reads" its GETs and the
/// `WebSocket` upgrade (not the frames after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub changes_per_second: u32,
    pub change_burst: u32,
    pub reads_per_second: u32,
    pub read_burst: u32,
}

/// Heartbeat and back-pressure bounds of the WebSocket; shortened in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebSocketConfig {
    pub ping_every: Duration,
    /// A peer silent for this long is closed as dead.
    pub dead_after: Duration,
    /// A frame the peer does not take within this long means it stopped
    /// reading: the connection is closed so it cannot hold memory or others.
    pub send_timeout: Duration,
    /// Events buffered for subscribers; one that falls further behind is resynced.
    pub feed_capacity: usize,
}

/// One accepted bearer token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenConfig {
    pub token: String,
    pub role: Role,
    /// A label for logs (the token itself is never logged).
    pub name: Option<String>,
}

// Hand-written so a token never reaches a log line through `{:?}`.
impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("token", &"<hidden>")
            .field("role", &self.role)
            .field("name", &self.name)
            .finish()
    }
}

/// What a token may do; each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read snapshots, events, stats and the WebSocket; nothing else.
    Viewer,
    /// Also change status and mark lines done.
    Display,
    /// Also create orders and checks, edit and void them.
    Pos,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Display, Role::Pos];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Display => "display",
            Role::Pos => "pos",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role {s:?}: expected \"viewer\", \"display\" or \"pos\"")
            })
    }
}

/// The order simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Time between two new orders.
    pub every: Duration,
    /// The stations orders go to.
    pub stations: Vec<Station>,
    /// Also bump orders along so every column fills.
    pub advance: bool,
    /// A menu file to read instead of the built-in one.
    pub menu: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: default_database_url(),
            retention: Retention::default(),
            tokens: Vec::new(),
            demo: None,
            websocket: WebSocketConfig::default(),
            late_after: Duration::from_secs(10 * 60),
            shutdown_grace: Duration::from_secs(10),
            rate_limits: RateLimits::default(),
            clock: Clock::system(),
        }
    }
}

/// Well above any kitchen (a bump bar is pressed a few times a second), so
/// only a runaway script or a flood meets them.
impl Default for RateLimits {
    fn default() -> Self {
        Self {
            changes_per_second: 100,
            change_burst: 1000,
            reads_per_second: 500,
            read_burst: 1000,
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_events: 100_000,
            max_age: Duration::from_secs(72 * 3600),
            prune_every: Duration::from_secs(60),
            idempotency_for: MIN_IDEMPOTENCY_FOR,
            keep_completed: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            ping_every: PING_INTERVAL,
            dead_after: DEAD_PEER_AFTER,
            send_timeout: Duration::from_secs(10),
            feed_capacity: 1024,
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(4),
            stations: ["grill", "fry", "cold", "bar"]
                .into_iter()
                // The names are literals that satisfy the station rule.
                .filter_map(|name| name.parse().ok())
                .collect(),
            advance: true,
            menu: None,
        }
    }
}

/// The built-in database: `kds.db` in the user's data directory.
pub fn default_database_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "kds").map_or_else(
        || PathBuf::from("kds.db"),
        |dirs| dirs.data_dir().join("kds.db"),
    )
}

fn default_database_url() -> String {
    format!("sqlite://{}", default_database_path().display())
}

/// The config file both the client and the server read, unless `--config` says otherwise.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kds").map(|dirs| dirs.config_dir().join("config.toml"))
}

/// A setting that cannot work; start-up stops with this message.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{key}: {message}")]
    Value { key: String, message: String },
}

impl ConfigError {
    pub(crate) fn value(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Value {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl ServerConfig {
    /// Checks what the types alone cannot; names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.database.trim().is_empty() {
            return Err(ConfigError::value("server.database", "must not be empty"));
        }
        if self.retention.max_events == 0 {
            return Err(ConfigError::value(
                "server.retention.max_events",
                "must be at least 1",
            ));
        }
        if self.retention.max_age.is_zero() {
            return Err(ConfigError::value(
                "server.retention.max_age",
                "must be longer than 0s",
            ));
        }
        if self.retention.prune_every.is_zero() {
            return Err(ConfigError::value(
                "server.retention.prune_every",
                "must be longer than 0s",
            ));
        }
        let durations = [
            ("server.retention.max_age", self.retention.max_age),
            ("server.retention.prune_every", self.retention.prune_every),
            (
                "server.retention.idempotency_for",
                self.retention.idempotency_for,
            ),
            (
                "server.retention.keep_completed",
                self.retention.keep_completed,
            ),
            ("server.late_after", self.late_after),
            ("server.shutdown_grace", self.shutdown_grace),
            ("server.websocket.ping_every", self.websocket.ping_every),
            ("server.websocket.dead_after", self.websocket.dead_after),
            ("server.websocket.send_timeout", self.websocket.send_timeout),
            (
                "server.demo.every",
                self.demo.as_ref().map_or(Duration::ZERO, |d| d.every),
            ),
        ];
        // Timers add these to the clock; a century would overflow it.
        if let Some((key, _)) = durations.iter().find(|(_, d)| *d > MAX_DURATION) {
            return Err(ConfigError::value(*key, "must be at most 3650 days"));
        }
        if self.retention.idempotency_for < MIN_IDEMPOTENCY_FOR {
            return Err(ConfigError::value(
                "server.retention.idempotency_for",
                "must be at least 24h: the contract promises a day of safe retries",
            ));
        }
        if self.retention.keep_completed < MIN_IDEMPOTENCY_FOR {
            return Err(ConfigError::value(
                "server.retention.keep_completed",
                "must be at least 24h: answers to retried requests are kept that long",
            ));
        }
        if self.shutdown_grace.is_zero() {
            return Err(ConfigError::value(
                "server.shutdown_grace",
                "must be longer than 0s: displays are sent their close frames within it",
            ));
        }
        if self.late_after.is_zero() {
            return Err(ConfigError::value(
                "server.late_after",
                "must be longer than 0s",
            ));
        }
        let ws = &self.websocket;
        if ws.ping_every.is_zero() || ws.dead_after <= ws.ping_every {
            return Err(ConfigError::value(
                "server.websocket.dead_after",
                "must be longer than server.websocket.ping_every (and both above 0s)",
            ));
        }
        if ws.send_timeout.is_zero() {
            return Err(ConfigError::value(
                "server.websocket.send_timeout",
                "must be longer than 0s",
            ));
        }
        if ws.feed_capacity == 0 {
            return Err(ConfigError::value(
                "server.websocket.feed_capacity",
                "must be at least 1",
            ));
        }
        for (i, token) in self.tokens.iter().enumerate() {
            if token.token.trim().is_empty() || token.token.chars().any(char::is_whitespace) {
                return Err(ConfigError::value(
                    format!("server.tokens[{i}].token"),
                    "must be non-empty and contain no whitespace",
                ));
            }
            if self.tokens[..i].iter().any(|t| t.token == token.token) {
                return Err(ConfigError::value(
                    format!("server.tokens[{i}].token"),
                    "is listed twice",
                ));
            }
        }
        if let Some(demo) = &self.demo {
            if demo.every.is_zero() {
                return Err(ConfigError::value(
                    "server.demo.every",
                    "must be longer than 0s",
                ));
            }
            if demo.stations.is_empty() {
                return Err(ConfigError::value(
                    "server.demo.stations",
                    "must name at least one station",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_listen_locally() {
        let config = ServerConfig::default();
        config.validate().unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert!(config.database.starts_with("sqlite://"));
        assert_eq!(config.retention.max_events, 100_000);
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = TokenConfig {
            token: "s3cret".into(),
            role: Role::Pos,
            name: None,
        };
        assert!(!format!("{token:?}").contains("s3cret"));
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut config = ServerConfig::default();
        config.websocket.dead_after = config.websocket.ping_every;
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("server.websocket.dead_after"), "{message}");
        let mut config = ServerConfig::default();
        config.retention.prune_every = Duration::from_secs(u64::MAX);
        let message = config.validate().unwrap_err().to_string();
        assert!(
            message.contains("server.retention.prune_every"),
            "{message}"
        );
    }
}
