//! `kds-server`'s flags. Each has a `KDS_*` variable; clap gives the flag
//! precedence over the variable, and both override the config file.

use super::file::FileSettings;
use super::{ConfigError, DemoConfig, Role, ServerConfig, TokenConfig};
use clap::Parser;
use kds_protocol::Station;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The kds order server: keeps orders and streams them to kitchen displays.
#[derive(Debug, Clone, Default, Parser)]
#[command(name = "kds-server", version, about)]
pub struct Cli {
    /// Config file (its [server] table); default: the kds config dir's config.toml.
    #[arg(long, env = "KDS_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "KDS_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Database URL (`sqlite://PATH`, `sqlite::memory:`, or `postgres://USER@HOST/DB`
    /// to share one store between several instances) or a plain file path.
    #[arg(long, env = "KDS_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// Accepted tokens as ROLE:TOKEN (role `viewer`, `display` or `pos`); repeat or comma-separate.
    #[arg(
        long = "token",
        env = "KDS_TOKENS",
        value_name = "ROLE:TOKEN",
        value_delimiter = ','
    )]
    pub tokens: Vec<String>,
    /// Keep at most this many events for resumes.
    #[arg(long, env = "KDS_RETENTION_EVENTS", value_name = "N")]
    pub retention_events: Option<u64>,
    /// Drop events older than this (e.g. `72h`).
    #[arg(long, env = "KDS_RETENTION_AGE", value_name = "DURATION", value_parser = parse_duration)]
    pub retention_age: Option<Duration>,
    /// Changes (POST, PATCH) each client may send per second; 0: no limit.
    #[arg(long, env = "KDS_CHANGES_PER_SECOND", value_name = "N")]
    pub changes_per_second: Option<u32>,
    /// Changes a client may send at once before the rate applies; 0: no limit.
    #[arg(long, env = "KDS_CHANGE_BURST", value_name = "N")]
    pub change_burst: Option<u32>,
    /// Reads (GET, WebSocket upgrades) each client may send per second; 0: no limit.
    #[arg(long, env = "KDS_READS_PER_SECOND", value_name = "N")]
    pub reads_per_second: Option<u32>,
    /// Reads a client may send at once before the rate applies; 0: no limit.
    #[arg(long, env = "KDS_READ_BURST", value_name = "N")]
    pub read_burst: Option<u32>,
    /// Run the order simulator.
    #[arg(long, env = "KDS_DEMO", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// Time between simulated orders (e.g. `4s`).
    #[arg(long, env = "KDS_DEMO_EVERY", value_name = "DURATION", value_parser = parse_duration)]
    pub demo_every: Option<Duration>,
    /// Stations the simulator sends orders to, comma-separated.
    #[arg(
        long,
        env = "KDS_DEMO_STATIONS",
        value_name = "LIST",
        value_delimiter = ','
    )]
    pub demo_stations: Option<Vec<Station>>,
    /// A menu file for the simulator (default: the built-in menu).
    #[arg(long, env = "KDS_DEMO_MENU", value_name = "PATH")]
    pub demo_menu: Option<PathBuf>,
    /// Log filter, e.g. `info` or `kds_server=debug` (logs go to stderr).
    #[arg(long, env = "KDS_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// WebSocket ping interval (tests shorten it).
    #[arg(long, env = "KDS_PING_EVERY", hide = true, value_parser = parse_duration)]
    pub ping_every: Option<Duration>,
    /// Close a WebSocket silent for this long.
    #[arg(long, env = "KDS_DEAD_AFTER", hide = true, value_parser = parse_duration)]
    pub dead_after: Option<Duration>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|err| format!("{err} (write e.g. \"15s\", \"72h\")"))
}

/// The configuration a start-up ends with, and the log filter to install.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: ServerConfig,
    pub log: Option<String>,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
}

impl Cli {
    /// Defaults, then the config file, then environment and flags (already
    /// merged by clap); the result is validated.
    pub fn load(&self) -> Result<Loaded, ConfigError> {
        let mut config = ServerConfig::default();
        let mut demo = DemoConfig::default();
        let mut demo_on = false;
        let mut log = None;
        let (path, required) = match &self.config {
            Some(path) => (Some(path.clone()), true),
            None => (super::default_config_path(), false),
        };
        let mut file = None;
        if let Some(path) = path
            && let Some(settings) = FileSettings::load(&path, required)?
        {
            demo_on = settings.apply(&mut config, &mut demo);
            log.clone_from(&settings.section.log);
            file = Some(path);
        }
        self.apply(&mut config, &mut demo)?;
        demo_on |= self.demo;
        config.demo = demo_on.then_some(demo);
        if self.log.is_some() {
            log.clone_from(&self.log);
        }
        config.validate()?;
        Ok(Loaded { config, log, file })
    }

    fn apply(&self, config: &mut ServerConfig, demo: &mut DemoConfig) -> Result<(), ConfigError> {
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        if let Some(database) = &self.database {
            config.database.clone_from(database);
        }
        if !self.tokens.is_empty() {
            config.tokens = self
                .tokens
                .iter()
                .map(|spec| parse_token(spec))
                .collect::<Result<_, _>>()?;
        }
        if let Some(n) = self.retention_events {
            config.retention.max_events = n;
        }
        if let Some(age) = self.retention_age {
            config.retention.max_age = age;
        }
        let limits = &mut config.rate_limits;
        for (target, value) in [
            (&mut limits.changes_per_second, self.changes_per_second),
            (&mut limits.change_burst, self.change_burst),
            (&mut limits.reads_per_second, self.reads_per_second),
            (&mut limits.read_burst, self.read_burst),
        ] {
            if let Some(value) = value {
                *target = value;
            }
        }
        if let Some(every) = self.demo_every {
            demo.every = every;
        }
        if let Some(stations) = &self.demo_stations {
            demo.stations.clone_from(stations);
        }
        if self.demo_menu.is_some() {
            demo.menu.clone_from(&self.demo_menu);
        }
        if let Some(ping) = self.ping_every {
            config.websocket.ping_every = ping;
        }
        if let Some(dead) = self.dead_after {
            config.websocket.dead_after = dead;
        }
        Ok(())
    }
}

fn parse_token(spec: &str) -> Result<TokenConfig, ConfigError> {
    // The message must not echo the spec: it holds a secret.
    let (role, token) = spec.split_once(':').ok_or_else(|| {
        ConfigError::value("--token / KDS_TOKENS", "each entry must be ROLE:TOKEN")
    })?;
    let role: Role = role
        .parse()
        .map_err(|message: String| ConfigError::value("--token / KDS_TOKENS", message))?;
    Ok(TokenConfig {
        token: token.to_owned(),
        role,
        name: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn flags_override_the_file() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            file,
            "[server]\nlisten = \"127.0.0.1:9001\"\ndatabase = \"sqlite::memory:\"\n[server.demo]\nevery = \"2s\""
        )
        .unwrap();
        let cli = Cli::try_parse_from([
            "kds-server",
            "--config",
            file.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:9002",
            "--demo",
            "--token",
            "pos:abc,display:def",
            "--reads-per-second",
            "0",
        ])
        .unwrap();
        let loaded = cli.load().unwrap();
        assert_eq!(loaded.config.listen.port(), 9002);
        assert_eq!(loaded.config.database, "sqlite::memory:");
        assert_eq!(loaded.config.demo.unwrap().every, Duration::from_secs(2));
        assert_eq!(loaded.config.tokens.len(), 2);
        assert_eq!(loaded.config.tokens[1].role, Role::Display);
        assert_eq!(loaded.config.rate_limits.reads_per_second, 0);
        assert_eq!(loaded.config.rate_limits.read_burst, 1000);
    }

    #[test]
    fn viewer_tokens_are_read_from_flags() {
        let cli = Cli::try_parse_from([
            "kds-server",
            "--config",
            "/dev/null",
            "--token",
            "viewer:SECRET",
            "--token",
            "pos:till",
        ])
        .unwrap();
        let tokens = cli.load().unwrap().config.tokens;
        assert_eq!(
            tokens
                .iter()
                .map(|t| (t.token.as_str(), t.role))
                .collect::<Vec<_>>(),
            [("SECRET", Role::Viewer), ("till", Role::Pos)]
        );
    }

    #[test]
    fn a_named_file_must_exist_and_bad_tokens_do_not_echo() {
        let cli = Cli {
            config: Some("/nonexistent/kds.toml".into()),
            ..Cli::default()
        };
        assert!(cli.load().is_err());
        let err = parse_token("admin:s3cret").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }
}
