//! The numeric limits of the contract, named once.

use std::time::Duration;

/// Largest request body the server accepts (413 `too_large` beyond it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest text frame a client may send on the WebSocket (close 1008 beyond it).
pub const MAX_CLIENT_FRAME_BYTES: usize = 4 * 1024;
/// Most events one `events` page carries.
pub const MAX_EVENTS_PAGE: usize = 500;
/// Longest long poll a client may ask for with `wait`.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// How many completed orders a snapshot's `recent` holds.
pub const RECENT_LIMIT: usize = 20;
/// The server pings each WebSocket at least this often.
pub const PING_INTERVAL: Duration = Duration::from_secs(15);
/// A peer that has not answered for this long is dead.
pub const DEAD_PEER_AFTER: Duration = Duration::from_secs(45);

pub const MAX_ITEMS: usize = 100;
pub const MAX_ITEM_NAME_CHARS: usize = 80;
pub const MAX_QTY: i64 = 99;
pub const MAX_MODIFIERS: usize = 20;
pub const MAX_MODIFIER_CHARS: usize = 80;
pub const MAX_ITEM_NOTES_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 500;
pub const MAX_TABLE_CHARS: usize = 32;
pub const MAX_CUSTOMER_CHARS: usize = 64;
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;
/// Voids may say why, in at most this many characters.
pub const MAX_VOID_REASON_CHARS: usize = 200;

/// The stats window, in seconds: its bounds and the default.
pub const MIN_STATS_WINDOW_S: u32 = 60;
pub const MAX_STATS_WINDOW_S: u32 = 86_400;
pub const DEFAULT_STATS_WINDOW_S: u32 = 3600;
