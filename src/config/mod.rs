//! Client configuration in layers: defaults in code, then `config.toml`,
//! then `KDS_*` environment variables and flags (clap merges those two, the
//! flag winning). The result is plain data handed down to the parts that
//! need it; nothing reads configuration globally.

pub mod defaults;
mod error;
mod file;

pub use error::ConfigError;

use file::FileConfig;
use kds_protocol::StationScope;
use reqwest::Url;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// Values given on the command line or in `KDS_*` variables; `None` leaves
/// the file's value (or the default) in place.
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is one on/off flag of the command line"
)]
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub servers: Vec<String>,
    pub station: Option<String>,
    pub token: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub ascii: bool,
    pub bell: bool,
    /// `--read-only`: refuse every change, whatever the token allows.
    pub read_only: bool,
    /// `NO_COLOR` is set (to anything non-empty) or `--no-color` was given.
    pub no_color: bool,
}

/// Everything the display needs to start, checked.
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is one on/off setting, as the config file names it"
)]
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file that was read, if there was one.
    pub file: Option<PathBuf>,
    pub servers: Vec<Url>,
    pub station: StationScope,
    pub token: Option<String>,
    pub ascii: bool,
    pub color: bool,
    pub bell: bool,
    /// Ring the bell when an order on screen changes (add-on, void, notes).
    pub change_bell: bool,
    /// A ticket whose every line is marked done bumps itself to ready.
    pub auto_bump_when_done: bool,
    /// The all-day counts list modifiers under their item.
    pub all_day_modifiers: bool,
    /// Refuse every change from the keyboard (a manager's screen).
    pub read_only: bool,
    /// The pickup board shows customers' names.
    pub board_show_names: bool,
    pub warn_after: Duration,
    pub late_after: Duration,
    /// `[keys]`: action name to key names, before the keymap checks them.
    pub keys: BTreeMap<String, Vec<String>>,
    pub network: NetworkSettings,
    pub data_dir: PathBuf,
    /// A tracing filter for the log file (`info`, `kds=debug`...).
    pub log_filter: String,
    key_lines: BTreeMap<String, usize>,
}

/// Timings of the link to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSettings {
    pub backoff_start: Duration,
    pub backoff_cap: Duration,
    pub healthy_after: Duration,
    pub dead_peer: Duration,
    pub poll_wait: Duration,
    pub request_timeout: Duration,
}

impl Settings {
    /// The line of `[keys] action = ...` in the config file, for error messages.
    pub fn key_error(&self, action: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self
                .file
                .as_ref()
                .map_or_else(|| "[keys]".to_owned(), |f| f.display().to_string()),
            line: self.key_lines.get(action).copied(),
            key: format!("keys.{action}"),
            message: message.into(),
        }
    }
}

/// Where `config.toml` lives when `--config` does not say.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join("config.toml"))
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "kds")
}

/// Reads the file (the one named, or the default one if it exists) and lays
/// the overrides over it.
pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
    let path = match &overrides.config {
        Some(path) => Some(path.clone()),
        None => default_config_path().filter(|p| p.exists()),
    };
    let (file, text) = match &path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|err| {
                ConfigError::in_setting(path.display().to_string(), "", err.to_string())
            })?;
            (parse(path, &text)?, text)
        }
        None => (FileConfig::default(), String::new()),
    };
    resolve(path.as_deref(), &text, file, overrides)
}

/// The defaults with `overrides` laid over them, reading no file.
pub fn defaults(overrides: &Overrides) -> Result<Settings, ConfigError> {
    resolve(None, "", FileConfig::default(), overrides)
}

fn parse(path: &Path, text: &str) -> Result<FileConfig, ConfigError> {
    let deserializer = toml::de::Deserializer::parse(text)
        .map_err(|err| ConfigError::in_file(path, text, err.span(), "", err.message()))?;
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        // Spanned values add a private segment to the path; the user never wrote it.
        let key = err
            .path()
            .to_string()
            .split('.')
            .filter(|part| !part.is_empty() && !part.starts_with("$__"))
            .collect::<Vec<_>>()
            .join(".");
        let inner = err.into_inner();
        ConfigError::in_file(path, text, inner.span(), key, inner.message())
    })
}

fn resolve(
    path: Option<&Path>,
    text: &str,
    file: FileConfig,
    overrides: &Overrides,
) -> Result<Settings, ConfigError> {
    let at = |span: std::ops::Range<usize>, key: &str, message: String| match path {
        Some(path) => ConfigError::in_file(path, text, Some(span), key, message),
        None => ConfigError::in_setting("defaults", key, message),
    };

    let servers = if overrides.servers.is_empty() {
        match file.display.server {
            Some(list) => {
                let span = list.span();
                list.into_inner()
                    .into_vec()
                    .iter()
                    .map(|s| parse_server(s).map_err(|m| at(span.clone(), "display.server", m)))
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => {
                vec![parse_server(defaults::SERVER).map_err(|m| at(0..0, "display.server", m))?]
            }
        }
    } else {
        overrides
            .servers
            .iter()
            .map(|s| {
                parse_server(s)
                    .map_err(|m| ConfigError::in_setting("--server / KDS_SERVER", "server", m))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    if servers.is_empty() {
        return Err(at(0..0, "display.server", "needs at least one URL".into()));
    }

    let station = match (&overrides.station, &file.display.station) {
        (Some(name), _) => parse_station(name)
            .map_err(|m| ConfigError::in_setting("--station / KDS_STATION", "station", m))?,
        (None, Some(name)) => {
            parse_station(name.get_ref()).map_err(|m| at(name.span(), "display.station", m))?
        }
        (None, None) => parse_station(defaults::STATION)
            .map_err(|m| ConfigError::in_setting("defaults", "station", m))?,
    };

    let warn = *file.timers.warn_after_secs.get_ref();
    let late = *file.timers.late_after_secs.get_ref();
    if warn == 0 {
        return Err(at(
            file.timers.warn_after_secs.span(),
            "timers.warn_after_secs",
            "must be at least 1 second".into(),
        ));
    }
    if late <= warn {
        return Err(at(
            file.timers.late_after_secs.span(),
            "timers.late_after_secs",
            format!("must be greater than timers.warn_after_secs ({warn})"),
        ));
    }

    let network = network_settings(&file.network, &at)?;
    let key_lines = file
        .keys
        .iter()
        .map(|(action, keys)| (action.clone(), error::line_of(text, keys.span().start)))
        .collect();
    let keys = file
        .keys
        .into_iter()
        .map(|(action, keys)| (action, keys.into_inner()))
        .collect();

    let data_dir = overrides
        .data_dir
        .clone()
        .or(file.display.data_dir)
        .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
        .ok_or_else(|| {
            ConfigError::in_setting(
                "environment",
                "display.data_dir",
                "no home directory found: set display.data_dir or --data-dir",
            )
        })?;

    Ok(Settings {
        file: path.map(Path::to_path_buf),
        servers,
        station,
        token: overrides
            .token
            .clone()
            .or(file.display.token)
            .filter(|t| !t.is_empty()),
        ascii: overrides.ascii || file.display.ascii,
        color: file.display.color && !overrides.no_color,
        bell: overrides.bell || file.display.bell,
        change_bell: file.display.change_bell,
        auto_bump_when_done: file.display.auto_bump_when_done,
        all_day_modifiers: file.display.all_day_modifiers,
        read_only: overrides.read_only || file.display.read_only,
        board_show_names: file.board.show_names,
        warn_after: Duration::from_secs(warn),
        late_after: Duration::from_secs(late),
        keys,
        network,
        data_dir,
        log_filter: file.display.log.unwrap_or_else(|| defaults::LOG.to_owned()),
        key_lines,
    })
}

fn network_settings(
    net: &file::NetworkFile,
    at: &impl Fn(std::ops::Range<usize>, &str, String) -> ConfigError,
) -> Result<NetworkSettings, ConfigError> {
    let within = |value: &Spanned<u64>, key: &str, min: u64, max: u64| {
        let v = *value.get_ref();
        if (min..=max).contains(&v) {
            Ok(v)
        } else {
            Err(at(
                value.span(),
                &format!("network.{key}"),
                format!("must be between {min} and {max}"),
            ))
        }
    };
    let settings = NetworkSettings {
        backoff_start: Duration::from_millis(within(
            &net.backoff_start_ms,
            "backoff_start_ms",
            10,
            60_000,
        )?),
        backoff_cap: Duration::from_secs(within(
            &net.backoff_cap_secs,
            "backoff_cap_secs",
            1,
            3600,
        )?),
        healthy_after: Duration::from_secs(within(
            &net.healthy_after_secs,
            "healthy_after_secs",
            1,
            3600,
        )?),
        dead_peer: Duration::from_secs(within(&net.dead_peer_secs, "dead_peer_secs", 1, 600)?),
        poll_wait: Duration::from_secs(within(&net.poll_wait_secs, "poll_wait_secs", 0, 30)?),
        request_timeout: Duration::from_secs(within(
            &net.request_timeout_secs,
            "request_timeout_secs",
            1,
            300,
        )?),
    };
    if settings.backoff_start > settings.backoff_cap {
        return Err(at(
            net.backoff_start_ms.span(),
            "network.backoff_start_ms",
            "must not exceed network.backoff_cap_secs".into(),
        ));
    }
    Ok(settings)
}

fn parse_server(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("`{text}` is not a URL: {err}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(format!(
            "`{text}` must be an http:// or https:// URL of a kds-server"
        )),
    }
}

fn parse_station(name: &str) -> Result<StationScope, String> {
    name.parse::<StationScope>()
        .map_err(|err| format!("`{name}`: {err}"))
}

#[cfg(test)]
mod tests;
