//! The client's part of `config.toml`, exactly as written in the file.
//!
//! Every table denies unknown keys so a typo is an error, not a silently
//! ignored setting. `[server]` belongs to `kds-server` and is skipped here.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    pub display: DisplayFile,
    pub timers: TimersFile,
    pub network: NetworkFile,
    /// Action name to key names; see `config.example.toml`.
    pub keys: BTreeMap<String, Spanned<Vec<String>>>,
    /// kds-server's settings: read and checked by the server, not the display.
    pub server: Option<toml::Table>,
}

/// One server URL or several (several instances of one kitchen group).
#[derive(Debug, Deserialize)]
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
#[derive(Debug, Deserialize)]
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
    pub data_dir: Option<std::path::PathBuf>,
    pub log: Option<String>,
}

impl Default for DisplayFile {
    fn default() -> Self {
        Self {
            server: None,
            station: None,
            token: None,
            ascii: false,
            color: true,
            bell: false,
            change_bell: true,
            auto_bump_when_done: true,
            data_dir: None,
            log: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimersFile {
    pub warn_after_secs: Spanned<u64>,
    pub late_after_secs: Spanned<u64>,
}

impl Default for TimersFile {
    fn default() -> Self {
        Self {
            warn_after_secs: Spanned::new(0..0, 5 * 60),
            late_after_secs: Spanned::new(0..0, 10 * 60),
        }
    }
}

#[derive(Debug, Deserialize)]
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
        let at = |v| Spanned::new(0..0, v);
        Self {
            backoff_start_ms: at(500),
            backoff_cap_secs: at(30),
            healthy_after_secs: at(60),
            dead_peer_secs: at(45),
            poll_wait_secs: at(25),
            request_timeout_secs: at(10),
        }
    }
}
