//! Every default of the display, in one table: the config file's defaults
//! (`file.rs`), the network engine's timings (`net::NetTiming`), the
//! model's thresholds and options all read them from here, and the test
//! that parses `config.example.toml` checks the example says the same.

use std::time::Duration;

// [display]
/// The server a display talks to when nothing says otherwise.
pub const SERVER: &str = "http://127.0.0.1:8080";
/// The expo view of every station.
pub const STATION: &str = "all";
pub const ASCII: bool = false;
pub const COLOR: bool = true;
/// The new-ticket bell.
pub const BELL: bool = false;
/// The bell when a ticket on screen changes (add-on, void, notes).
pub const CHANGE_BELL: bool = true;
/// A ticket whose every line is marked done bumps itself to ready.
pub const AUTO_BUMP_WHEN_DONE: bool = true;
/// The all-day counts list modifiers under their item.
pub const ALL_DAY_MODIFIERS: bool = false;
/// Refuse every change from the keyboard, whatever the token allows.
pub const READ_ONLY: bool = false;
pub const LOG: &str = "info";

// [timers]
pub const WARN_AFTER: Duration = Duration::from_secs(5 * 60);
pub const LATE_AFTER: Duration = Duration::from_secs(10 * 60);

// [network]
pub const BACKOFF_START: Duration = Duration::from_millis(500);
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);
pub const HEALTHY_AFTER: Duration = Duration::from_secs(60);
pub const DEAD_PEER: Duration = kds_protocol::DEAD_PEER_AFTER;
pub const POLL_WAIT: Duration = Duration::from_secs(25);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Not in the file: opening a connection or a WebSocket handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Not in the file: after a refused token, how long before asking again.
pub const UNAUTHORIZED_RETRY: Duration = Duration::from_secs(300);
/// Not in the file: how often the speed of service is asked for (at most).
pub const STATS_EVERY: Duration = Duration::from_secs(30);

// [board]
/// Customers' names beside their numbers on the pickup board.
pub const BOARD_SHOW_NAMES: bool = false;
/// How long a number that just became ready is highlighted on the board.
pub const BOARD_FRESH_FOR: Duration = Duration::from_secs(30);
