//! The client's part of `config.toml`, exactly as written in the file.
//!
//! Every table denies unknown keys so a typo is an error, not a silently
//! ignored setting. `[server]` belongs to `kds-server` and is skipped here.

use super::defaults;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use toml::Spanned;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub display: DisplayFile,
    pub board: BoardFile,
    pub timers: TimersFile,
    pub network: NetworkFile,
    /// Action name to key names; see `config.example.toml`.
    pub keys: BTreeMap<String, Spanned<Vec<String>>>,
    /// kds-server's settings: read and checked by the server, not the display.
    pub server: Option<toml::Table>,
}

/// One server URL or several (several instances of one kitchen group).
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[expect(
    clippy::struct_excessive_bools,
    reason = "each is one on/off key of the file, named as the file names it"
)]
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisplayFile {
    pub server: Option<Spanned<OneOrMany>>,
    pub station: Option<Spanned<String>>,
    pub token: Option<String>,
    pub ascii: bool,
    pub color: bool,
    pub bell: bool,
    pub change_bell: bool,
    pub auto_bump_when_done: bool,
    pub all_day_modifiers: bool,
    pub read_only: bool,
    pub data_dir: Option<std::path::PathBuf>,
    pub log: Option<String>,
}

impl Default for DisplayFile {
    fn default() -> Self {
        Self {
            server: None,
            station: None,
            token: None,
            ascii: defaults::ASCII,
            color: defaults::COLOR,
            bell: defaults::BELL,
            change_bell: defaults::CHANGE_BELL,
            auto_bump_when_done: defaults::AUTO_BUMP_WHEN_DONE,
            all_day_modifiers: defaults::ALL_DAY_MODIFIERS,
            read_only: defaults::READ_ONLY,
            data_dir: None,
            log: None,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimersFile {
    pub warn_after_secs: Spanned<u64>,
    pub late_after_secs: Spanned<u64>,
}

/// A default as the file writes it: whole seconds (or ms), spanning nothing.
fn secs(d: Duration) -> Spanned<u64> {
    Spanned::new(0..0, d.as_secs())
}

fn millis(d: Duration) -> Spanned<u64> {
    Spanned::new(0..0, u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Default for TimersFile {
    fn default() -> Self {
        Self {
            warn_after_secs: secs(defaults::WARN_AFTER),
            late_after_secs: secs(defaults::LATE_AFTER),
        }
    }
}

/// `[board]`: the guests' pickup board (`kds board`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoardFile {
    pub show_names: bool,
}

impl Default for BoardFile {
    fn default() -> Self {
        Self {
            show_names: defaults::BOARD_SHOW_NAMES,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkFile {
    pub backoff_start_ms: Spanned<u64>,
    pub backoff_cap_secs: Spanned<u64>,
    pub healthy_after_secs: Spanned<u64>,
    pub dead_peer_secs: Spanned<u64>,
    pub poll_wait_secs: Spanned<u64>,
    pub request_timeout_secs: Spanned<u64>,
}

impl Default for NetworkFile {
    fn default() -> Self {
        Self {
            backoff_start_ms: millis(defaults::BACKOFF_START),
            backoff_cap_secs: secs(defaults::BACKOFF_CAP),
            healthy_after_secs: secs(defaults::HEALTHY_AFTER),
            dead_peer_secs: secs(defaults::DEAD_PEER),
            poll_wait_secs: secs(defaults::POLL_WAIT),
            request_timeout_secs: secs(defaults::REQUEST_TIMEOUT),
        }
    }
}
