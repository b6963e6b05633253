//! Everything the screen shows, as plain data.
//!
//! Only [`crate::update::update`] changes the model; the view reads it. Time
//! is data too: `now` is the instant of the last [`crate::msg::Msg::Tick`], so
//! rendering the same model always draws the same screen.

pub mod all_day;
mod board;
pub mod card;
mod clock;
mod column;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod layout;
mod marks;
mod sanitize;
mod selection;

pub use board::{EventEffect, Part, Seen, Ticket};
pub use column::{Column, PerColumn};
pub use layout::{Layout, Page};
pub use marks::Marks;
pub use sanitize::sanitize_text;
pub use selection::{LineFocus, LineRef};

pub(crate) use board::Board;
pub(crate) use clock::ServerClock;
pub(crate) use selection::{Selection, live_lines};

use crate::config::defaults;
use crate::keymap::KeyMap;
use crate::msg::{Action, ConnState};
use all_day::AllDay;
use chrono::FixedOffset;
use kds_protocol::{Order, StationStats, Status, Timestamp};
use ratatui::layout::Rect;
use std::time::Duration;

/// Ticket timer thresholds: a timer is "warn" from `warn` and "late" from `late`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warn: Duration,
    pub late: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            warn: defaults::WARN_AFTER,
            late: defaults::LATE_AFTER,
        }
    }
}

/// How urgent a timer is, by the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    Warn,
    Late,
}

impl Thresholds {
    pub fn urgency(&self, elapsed: Duration) -> Urgency {
        if elapsed >= self.late {
            Urgency::Late
        } else if elapsed >= self.warn {
            Urgency::Warn
        } else {
            Urgency::Normal
        }
    }
}

/// What the model is built from (the lead fills it from the config).
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is one on/off setting of the display, as the config names it"
)]
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// The station shown, or `all` for the expo view.
    pub station: String,
    pub thresholds: Thresholds,
    pub keymap: KeyMap,
    /// Ring the terminal bell when a new ticket arrives.
    pub bell: bool,
    /// Ring the terminal bell when an order on screen changes (add-on, void, notes).
    pub change_bell: bool,
    /// A ticket whose every line is marked done here bumps itself to ready.
    pub auto_bump_when_done: bool,
    /// The all-day counts list modifiers under their item.
    pub all_day_modifiers: bool,
    /// This screen changes nothing (`--read-only`), whatever the token may do.
    pub read_only: bool,
    /// Makes action ids and idempotency keys unique to this terminal.
    pub terminal_id: String,
}

impl ModelOptions {
    /// The options of a display of `station` with every default.
    pub fn new(station: impl Into<String>, terminal_id: impl Into<String>) -> Self {
        Self {
            station: station.into(),
            thresholds: Thresholds::default(),
            keymap: KeyMap::default(),
            bell: defaults::BELL,
            change_bell: defaults::CHANGE_BELL,
            auto_bump_when_done: defaults::AUTO_BUMP_WHEN_DONE,
            all_day_modifiers: defaults::ALL_DAY_MODIFIERS,
            read_only: defaults::READ_ONLY,
            terminal_id: terminal_id.into(),
        }
    }
}

/// What is drawn over the board, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Recall,
}

/// How a footer message should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// A short message in the footer, shown until `until` (local clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FooterMessage {
    pub text: String,
    pub level: Level,
    pub until: Timestamp,
}

/// The station name that means every station (the expo view).
pub const EXPO_STATION: &str = "all";
/// Speed-of-service figures older than this are hidden (the engine asks
/// every 30 s; two misses in a row mean the figures are stale).
pub const STATS_FRESH_FOR: Duration = Duration::from_secs(75);
/// A local clock off by more than this is worth telling the kitchen.
pub const CLOCK_OFF_SAYS: Duration = Duration::from_secs(60);
/// How long a footer message stays.
pub const FOOTER_MESSAGE_TTL: Duration = Duration::from_secs(6);
/// How many bumps Undo can walk back.
pub const UNDO_DEPTH: usize = 16;
/// Until the first resize says otherwise, assume the smallest supported screen.
pub const DEFAULT_SIZE: (u16, u16) = (80, 24);

/// How long after a change bell another change stays quiet: a burst of
/// edits from the till rings once.
pub const CHANGE_BELL_QUIET: Duration = Duration::from_secs(3);

/// One order's move within a bump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoMove {
    pub action_id: String,
    pub order_id: String,
    /// The status the bump moved the order to.
    pub to: Status,
}

/// A bump made at this terminal, remembered so Undo can walk it back: one
/// move, or one per part of a check bumped at the expo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    pub number: i64,
    pub moves: Vec<UndoMove>,
}

/// The whole client state.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) options: ModelOptions,
    /// The local clock at the last tick.
    pub(crate) now: Timestamp,
    pub(crate) clock: ServerClock,
    /// The kitchen's time zone for the header clock, fixed at start.
    pub(crate) utc_offset: FixedOffset,
    pub(crate) board: Board,
    pub(crate) selection: Selection,
    pub(crate) connection: ConnState,
    /// When the server was last heard from (local clock).
    pub(crate) last_heard: Option<Timestamp>,
    /// Actions waiting in the network task's queue.
    pub(crate) queued: usize,
    /// Actions sent or queued, not yet answered, oldest first.
    pub(crate) pending: Vec<Action>,
    pub(crate) undo: Vec<UndoEntry>,
    pub(crate) overlay: Overlay,
    pub(crate) footer: Option<FooterMessage>,
    pub(crate) size: (u16, u16),
    /// Derived: the regions and the pages at `size` (see [`Model::relayout`]).
    pub(crate) layout: Layout,
    /// When the last change bell rang (local clock).
    pub(crate) change_bell_at: Option<Timestamp>,
    /// When the layout last changed (local clock): holes close after a
    /// still spell.
    pub(crate) changed_at: Timestamp,
    /// When a key was last pressed (local clock): holes that keep tickets
    /// off the screen close after a spell without keys alone.
    pub(crate) key_at: Timestamp,
    /// The server said this token is a viewer's: nothing may change.
    pub(crate) viewer: bool,
    /// The speed of service last heard, and when (local clock).
    pub(crate) stats: Option<(StationStats, Timestamp)>,
    /// The all-day counts are shown (beside the columns, or over them on a
    /// narrow screen).
    pub(crate) all_day: bool,
    /// Derived: the counts, kept with the cards.
    pub(crate) all_day_counts: Vec<AllDay>,
    pub(crate) quit: bool,
    /// Action ids are `{prefix}-{counter}`; the prefix holds the terminal id and start time.
    pub(crate) action_prefix: String,
    pub(crate) next_action: u64,
}

impl Model {
    /// A model with no orders yet, at local instant `now`.
    ///
    /// The terminal size is taken as [`DEFAULT_SIZE`] until a
    /// [`crate::msg::Msg::Resize`] arrives: send one with the real size at
    /// start, so the bump-bar digits address the tickets actually on screen.
    pub fn new(options: ModelOptions, now: Timestamp) -> Self {
        let mut terminal: String = options
            .terminal_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(64)
            .collect();
        if terminal.is_empty() {
            terminal.push_str("kds");
        }
        // The start time keeps ids unique across restarts, where the counter starts over.
        let action_prefix = format!("{terminal}-{}", now.as_millis());
        let mut clock = ServerClock::default();
        clock.tick(now);
        let mut model = Self {
            options,
            now,
            clock,
            // UTC until the app reads the local zone (`Msg::TimeZone`): the
            // model does not read the system.
            utc_offset: FixedOffset::east_opt(0).expect("zero is a valid offset"),
            board: Board::default(),
            selection: Selection::default(),
            connection: ConnState::Connecting {
                server: String::new(),
            },
            last_heard: None,
            queued: 0,
            pending: Vec::new(),
            undo: Vec::new(),
            overlay: Overlay::None,
            footer: None,
            size: DEFAULT_SIZE,
            layout: Layout::default(),
            change_bell_at: None,
            changed_at: now,
            key_at: now,
            viewer: false,
            stats: None,
            all_day: false,
            all_day_counts: Vec::new(),
            quit: false,
            action_prefix,
            next_action: 0,
        };
        model.relayout();
        model
    }

    /// Sets the time zone of the header clock (`Msg::TimeZone`).
    pub fn set_utc_offset(&mut self, offset: FixedOffset) {
        self.utc_offset = offset;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn options(&self) -> &ModelOptions {
        &self.options
    }

    /// Whether this is the expo view of every station.
    pub fn is_expo(&self) -> bool {
        self.options.station == EXPO_STATION
    }

    /// The local instant of the last tick.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The current instant on the server's clock (local time corrected for skew).
    pub fn server_now(&self) -> Timestamp {
        self.clock.to_server(self.now)
    }

    /// How far the local clock is off the server's, when that is more than
    /// a minute: the footer says so (timers and the header clock are
    /// corrected either way).
    pub fn clock_off(&self) -> Option<Duration> {
        let off = self.clock.offset_ms().unsigned_abs();
        (off > CLOCK_OFF_SAYS.as_millis() as u64).then(|| Duration::from_millis(off))
    }

    /// Time since `since` (a server timestamp), never negative.
    pub fn elapsed_since(&self, since: Timestamp) -> Duration {
        let ms = self
            .server_now()
            .as_millis()
            .saturating_sub(since.as_millis());
        Duration::from_millis(ms.max(0) as u64)
    }

    pub fn utc_offset(&self) -> FixedOffset {
        self.utc_offset
    }

    pub fn connection(&self) -> &ConnState {
        &self.connection
    }

    pub fn last_heard(&self) -> Option<Timestamp> {
        self.last_heard
    }

    pub fn queued(&self) -> usize {
        self.queued
    }

    /// The newest event seq applied.
    pub fn last_seq(&self) -> Option<i64> {
        self.board.last_seq()
    }

    /// The cards of a column, in screen order.
    pub fn column(&self, column: Column) -> &[Ticket] {
        self.board.column(column)
    }

    /// Completed orders for the recall list, newest first.
    pub fn recall_list(&self) -> &[Ticket] {
        self.board.recall()
    }

    /// The server's copy of an order we hold (active or recently completed).
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.board.order(id)
    }

    /// The board: orders, cards and their marks.
    pub fn board(&self) -> &Board {
        &self.board
    }

    pub fn focused_column(&self) -> Column {
        self.selection.column()
    }

    /// The selected card's index in a column.
    pub fn selected_index(&self, column: Column) -> usize {
        self.selection.index(column)
    }

    /// The focused card of the focused column.
    pub fn focused_ticket(&self) -> Option<&Ticket> {
        let column = self.selection.column();
        let id = self.selection.id(column)?;
        self.column(column).iter().find(|t| t.id == id)
    }

    /// The card stepped into and its highlighted line, when a cook marks lines.
    pub fn line_focus(&self) -> Option<(&LineFocus, LineRef)> {
        let focus = self.selection.line()?;
        let ticket = self.board.ticket(&focus.ticket)?;
        let line = live_lines(&self.board, ticket).get(focus.index).copied()?;
        Some((focus, line))
    }

    /// Whether this screen may change nothing: `--read-only`, or a viewer's
    /// token.
    pub fn read_only(&self) -> bool {
        self.options.read_only || self.viewer
    }

    /// Why this screen is read-only, as the footer says it.
    pub fn read_only_because(&self) -> &'static str {
        if self.options.read_only {
            "this screen is read-only (--read-only)"
        } else {
            "this screen is read-only (a viewer token)"
        }
    }

    /// The speed of service, while it is fresh and the server reachable:
    /// hidden rather than shown wrong.
    pub fn stats(&self) -> Option<&StationStats> {
        let reachable = matches!(
            self.connection,
            ConnState::Live { .. } | ConnState::Polling { .. }
        );
        let (stats, at) = self.stats.as_ref()?;
        let age = self.now.as_millis().saturating_sub(at.as_millis());
        let fresh = age <= i64::try_from(STATS_FRESH_FOR.as_millis()).unwrap_or(i64::MAX);
        (reachable && fresh).then_some(stats)
    }

    /// Whether the all-day counts are shown, and as a panel beside the
    /// columns (a wide screen) or over them.
    pub fn all_day(&self) -> Option<bool> {
        self.all_day
            .then_some(self.size.0 >= layout::ALL_DAY_SIDE_MIN_WIDTH)
    }

    /// The all-day counts of the open tickets.
    pub fn all_day_counts(&self) -> &[AllDay] {
        &self.all_day_counts
    }

    /// The regions and pages of the screen at the size last reported.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The page of a column on screen now.
    pub fn page(&self, column: Column) -> &Page {
        &self.layout.pages[column]
    }

    pub fn recall_index(&self) -> usize {
        self.selection.recall_index()
    }

    /// Actions not yet answered by the server, oldest first.
    pub fn pending_actions(&self) -> &[Action] {
        &self.pending
    }

    pub fn overlay(&self) -> Overlay {
        self.overlay
    }

    /// The footer message, unless it has expired.
    pub fn footer_message(&self) -> Option<&FooterMessage> {
        self.footer.as_ref().filter(|m| m.until > self.now)
    }

    /// The terminal size last reported, (columns, rows).
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// Re-derives the cards and follows the selection; call after any change
    /// to the orders or the pending actions.
    pub(crate) fn rebuild(&mut self) {
        let clock = &self.clock;
        let group = self.options.station == EXPO_STATION;
        self.board
            .rebuild(&self.pending, |local| clock.to_server(local), group);
        self.selection.reconcile(&self.board);
        self.all_day_counts = all_day::count(&self.board, self.options.all_day_modifiers);
    }

    /// Lays the screen out again at the size last reported: the one page
    /// computation, done once per change, which the view draws and the
    /// keys address. Cards stay where they were; the holes of cards that
    /// went close once the kitchen has been still for [`layout::SETTLE`].
    pub(crate) fn relayout(&mut self) {
        let (width, height) = self.size;
        let next = layout::layout(self, Rect::new(0, 0, width, height), Some(&self.layout));
        if next != self.layout {
            self.changed_at = self.now;
            self.layout = next;
        }
    }

    /// Closes the holes of cards that went, if the kitchen has been still
    /// long enough; returns whether it did. Holes while tickets wait below
    /// the fold wait only for the cook's keys to rest: at a rush the orders
    /// never stop long enough, and a ticket hidden under an empty slot is
    /// worse than cards that move up.
    pub(crate) fn settle(&mut self) -> bool {
        let since = if self.layout.hides_tickets_under_holes() {
            self.key_at
        } else {
            self.changed_at
        };
        let still = self.now.as_millis().saturating_sub(since.as_millis());
        let long = i64::try_from(layout::SETTLE.as_millis()).unwrap_or(i64::MAX);
        if !self.layout.has_holes() || still < long {
            return false;
        }
        let (width, height) = self.size;
        self.layout = layout::layout(self, Rect::new(0, 0, width, height), None);
        true
    }

    /// Shows a message in the footer for [`FOOTER_MESSAGE_TTL`].
    pub(crate) fn say(&mut self, level: Level, text: String) {
        self.say_for(level, text, FOOTER_MESSAGE_TTL);
    }

    /// Shows a message in the footer for `ttl`.
    pub(crate) fn say_for(&mut self, level: Level, text: String, ttl: Duration) {
        let ttl = ttl.as_millis() as i64;
        self.footer = Some(FooterMessage {
            text,
            level,
            until: Timestamp::from_millis(self.now.as_millis().saturating_add(ttl)),
        });
    }

    /// A fresh action id (also its idempotency key): unique per terminal, and
    /// deterministic given the start time, which keeps tests stable.
    pub(crate) fn next_action_id(&mut self) -> String {
        self.next_action += 1;
        format!("{}-{}", self.action_prefix, self.next_action)
    }
}
