//! The `[server]` part of the shared `config.toml`.
//!
//! The client keeps its own tables (`[display]`, `[keys]`, ...) in the same
//! file; they are ignored here. Inside `[server]` every key must be known, so
//! a typo stops start-up with the key, file, line and column.

use super::{ConfigError, DemoConfig, Role, ServerConfig, TokenConfig};
use kds_protocol::Station;
use serde::{Deserialize, Deserializer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a config file says about the server, before flags and environment.
#[derive(Debug, Clone, Default)]
pub struct FileSettings {
    pub section: ServerSection,
}

/// The whole file: only `server` matters to us.
#[derive(Debug, Default, Deserialize)]
struct Root {
    #[serde(default)]
    server: Option<ServerSection>,
}

/// `[server]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    pub listen: Option<SocketAddr>,
    pub database: Option<String>,
    /// A tracing filter such as `info,kds_server=debug`.
    pub log: Option<String>,
    pub retention: Option<RetentionSection>,
    pub tokens: Option<Vec<TokenSection>>,
    pub demo: Option<DemoSection>,
    pub websocket: Option<WebSocketSection>,
    /// Open orders older than this are late in the stats.
    pub late_after: Option<HumanDuration>,
    /// How long shutdown waits for requests and `WebSocket`s.
    pub shutdown_grace: Option<HumanDuration>,
    pub rate_limits: Option<RateLimitsSection>,
}

/// `[server.rate_limits]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsSection {
    pub changes_per_second: Option<u32>,
    pub change_burst: Option<u32>,
    pub reads_per_second: Option<u32>,
    pub read_burst: Option<u32>,
}

/// `[server.retention]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    pub max_events: Option<u64>,
    pub max_age: Option<HumanDuration>,
    pub prune_every: Option<HumanDuration>,
    pub idempotency_for: Option<HumanDuration>,
    pub keep_completed: Option<HumanDuration>,
}

/// `[[server.tokens]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSection {
    pub token: String,
    pub role: Role,
    pub name: Option<String>,
}

/// `[server.demo]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSection {
    /// Run the simulator without `--demo`.
    pub enabled: Option<bool>,
    pub every: Option<HumanDuration>,
    pub stations: Option<Vec<Station>>,
    pub advance: Option<bool>,
    pub menu: Option<PathBuf>,
}

/// `[server.websocket]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocketSection {
    pub ping_every: Option<HumanDuration>,
    pub dead_after: Option<HumanDuration>,
    pub send_timeout: Option<HumanDuration>,
    pub feed_capacity: Option<usize>,
}

/// A duration written for people: `"15s"`, `"72h"`, `"1h 30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|err| serde::de::Error::custom(format!("{err} (write e.g. \"15s\", \"72h\")")))
    }
}

impl FileSettings {
    /// Reads `path`; `Ok(None)` when it does not exist and `required` is false.
    pub fn load(path: &Path, required: bool) -> Result<Option<Self>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|message| ConfigError::File {
                path: path.to_owned(),
                message,
            })
    }

    /// Parses the text of a config file; the error carries toml's line and column.
    pub fn parse(text: &str) -> Result<Self, String> {
        let root: Root = toml::from_str(text).map_err(|err| err.to_string())?;
        Ok(Self {
            section: root.server.unwrap_or_default(),
        })
    }

    /// Lays the file's values over `config`. `demo` collects the simulator's
    /// settings even when the file does not turn it on, so `--demo` uses them.
    pub fn apply(&self, config: &mut ServerConfig, demo: &mut DemoConfig) -> bool {
        let s = &self.section;
        if let Some(listen) = s.listen {
            config.listen = listen;
        }
        if let Some(database) = &s.database {
            config.database.clone_from(database);
        }
        if let Some(r) = &s.retention {
            let target = &mut config.retention;
            set(&mut target.max_events, r.max_events);
            set_duration(&mut target.max_age, r.max_age);
            set_duration(&mut target.prune_every, r.prune_every);
            set_duration(&mut target.idempotency_for, r.idempotency_for);
            set_duration(&mut target.keep_completed, r.keep_completed);
        }
        set_duration(&mut config.late_after, s.late_after);
        set_duration(&mut config.shutdown_grace, s.shutdown_grace);
        if let Some(r) = &s.rate_limits {
            let target = &mut config.rate_limits;
            set(&mut target.changes_per_second, r.changes_per_second);
            set(&mut target.change_burst, r.change_burst);
            set(&mut target.reads_per_second, r.reads_per_second);
            set(&mut target.read_burst, r.read_burst);
        }
        if let Some(tokens) = &s.tokens {
            config.tokens = tokens
                .iter()
                .map(|t| TokenConfig {
                    token: t.token.clone(),
                    role: t.role,
                    name: t.name.clone(),
                })
                .collect();
        }
        if let Some(ws) = &s.websocket {
            let target = &mut config.websocket;
            set_duration(&mut target.ping_every, ws.ping_every);
            set_duration(&mut target.dead_after, ws.dead_after);
            set_duration(&mut target.send_timeout, ws.send_timeout);
            set(&mut target.feed_capacity, ws.feed_capacity);
        }
        let Some(d) = &s.demo else { return false };
        set_duration(&mut demo.every, d.every);
        set(&mut demo.stations, d.stations.clone());
        set(&mut demo.advance, d.advance);
        if d.menu.is_some() {
            demo.menu.clone_from(&d.menu);
        }
        d.enabled.unwrap_or(false)
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

fn set_duration(target: &mut Duration, value: Option<HumanDuration>) {
    if let Some(HumanDuration(value)) = value {
        *target = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_server_table() {
        let text = r#"
            [display]
            theme = "dark"
            whatever = 3

            [server]
            listen = "0.0.0.0:9000"
            database = "sqlite:///tmp/x.db"

            [server.retention]
            max_events = 50
            max_age = "2h"

            [[server.tokens]]
            token = "abc"
            role = "pos"

            [server.demo]
            enabled = true
            every = "500ms"
            stations = ["grill", "bar"]

            [server.rate_limits]
            changes_per_second = 0
            read_burst = 50
        "#;
        let settings = FileSettings::parse(text).unwrap();
        let mut config = ServerConfig::default();
        let mut demo = DemoConfig::default();
        assert!(settings.apply(&mut config, &mut demo));
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.retention.max_events, 50);
        assert_eq!(config.retention.max_age, Duration::from_secs(7200));
        assert_eq!(config.tokens[0].role, Role::Pos);
        assert_eq!(demo.every, Duration::from_millis(500));
        assert_eq!(demo.stations.len(), 2);
        let limits = config.rate_limits;
        assert_eq!((limits.changes_per_second, limits.read_burst), (0, 50));
        assert_eq!((limits.change_burst, limits.reads_per_second), (1000, 500));
    }

    #[test]
    fn viewer_tokens_are_read() {
        let text =
            "[[server.tokens]]\ntoken = \"office-secret\"\nrole = \"viewer\"\nname = \"office\"\n";
        let mut config = ServerConfig::default();
        FileSettings::parse(text)
            .unwrap()
            .apply(&mut config, &mut DemoConfig::default());
        assert_eq!(config.tokens.len(), 1);
        assert_eq!(config.tokens[0].role, Role::Viewer);
        assert_eq!(config.tokens[0].name.as_deref(), Some("office"));
        config.validate().unwrap();
    }

    /// Every value `config.example.toml` writes in `[server]` is the
    /// default it documents, the tables the display reads are ignored, and
    /// the commented-out tokens stay comments.
    #[test]
    fn the_example_file_holds_the_server_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config.example.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let mut config = ServerConfig::default();
        let mut demo = DemoConfig::default();
        let enabled = FileSettings::parse(&text)
            .unwrap()
            .apply(&mut config, &mut demo);
        let defaults = ServerConfig::default();
        assert!(!enabled);
        assert_eq!(config.listen, defaults.listen);
        assert_eq!(config.database, defaults.database);
        assert_eq!(config.retention, defaults.retention);
        assert_eq!(config.websocket, defaults.websocket);
        assert_eq!(config.rate_limits, defaults.rate_limits);
        assert_eq!(config.late_after, defaults.late_after);
        assert_eq!(config.shutdown_grace, defaults.shutdown_grace);
        assert!(config.tokens.is_empty());
        assert_eq!(demo, DemoConfig::default());
    }

    #[test]
    fn unknown_keys_inside_server_name_the_key_and_line() {
        let text = "[display]\nx = 1\n\n[server]\nlisten = \"127.0.0.1:1\"\nlistne = 3\n";
        let message = FileSettings::parse(text).unwrap_err();
        assert!(message.contains("listne"), "{message}");
        assert!(message.contains("line 6"), "{message}");
    }

    #[test]
    fn bad_values_are_refused() {
        for text in [
            "[server]\nlisten = \"nowhere\"",
            "[server.retention]\nmax_age = \"forever\"",
            "[[server.tokens]]\ntoken = \"a\"\nrole = \"admin\"",
            "[server.demo]\nstations = [\"Grill\"]",
            "[server.rate_limits]\nreads_per_second = -1",
            "[server.rate_limits]\nreads_per_sec = 5",
        ] {
            assert!(FileSettings::parse(text).is_err(), "{text}");
        }
    }
}
