//! The messages that flow through the client, in one place.
//!
//! Data flows one way: the keyboard, the clock and the network tasks produce
//! [`Msg`]s; `update` applies each to the model and hands back [`Command`]s,
//! which the event loop carries out (sending actions to the network task,
//! ringing the bell, quitting). Nothing else changes the model.

use chrono::FixedOffset;
use crossterm::event::KeyEvent;
use kds_protocol::{Event, Order, Snapshot, StationStats, Status, Timestamp};
use serde::{Deserialize, Serialize};

/// Everything that can change the model.
// Messages are moved once through a channel and consumed; boxing the large
// network variant would cost an allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press from the keyboard or bump bar.
    Key(KeyEvent),
    /// The terminal changed size (columns, rows).
    Resize(u16, u16),
    /// The clock moved on: timers and "last update" ages are computed from this.
    Tick(Timestamp),
    /// The local time zone's offset changed (a switch to or from summer
    /// time): the header clock shows local time.
    TimeZone(FixedOffset),
    /// Something the network task learnt.
    Net(NetEvent),
    /// What this display held when it last ran, read from its data
    /// directory before the first snapshot (see [`crate::seen_file`]).
    Carry(crate::model::Seen),
}

/// What the network task reports to the app. The task keeps its own resume
/// cursor; the model still deduplicates by seq, so a repeat can never show twice.
#[expect(
    clippy::large_enum_variant,
    reason = "moved once through a channel and consumed, like `Msg`"
)]
#[derive(Debug, Clone)]
pub enum NetEvent {
    /// A full picture of the station: replaces whatever the model held.
    Snapshot { snapshot: Snapshot, at: Timestamp },
    /// Events in ascending seq order (one WebSocket frame or one poll page).
    Events { events: Vec<Event>, at: Timestamp },
    /// The link changed state.
    Connection(ConnState),
    /// The server was heard from (any frame, pong or poll answer) at this instant.
    Heard(Timestamp),
    /// An answer's `Date` header: the server's clock read `date` (to the
    /// second) between the local instants `sent` and `received`.
    ServerTime {
        date: Timestamp,
        sent: Timestamp,
        received: Timestamp,
    },
    /// The outcome of an action sent earlier.
    ActionDone {
        id: ActionId,
        outcome: ActionOutcome,
    },
    /// Actions restored from the on-disk queue at start-up, oldest first, so the
    /// screen can show them as pending.
    Restored(Vec<Action>),
    /// How many actions wait to be sent (shown while offline).
    Queued(usize),
    /// The station's speed of service, or `None` when it could not be had
    /// this time (the header hides it rather than show old figures).
    Stats(Option<StationStats>),
    /// What the token may do on the server now reached: a `viewer` token
    /// changes nothing.
    Session { read_only: bool },
    /// The on-disk action queue could not be read at start-up: it was moved
    /// aside to `kept_at` (for a person to inspect) and the client started
    /// with an empty queue. Actions in it were not sent.
    QueueUnreadable { kept_at: String },
}

/// The state of the link to the server, as the footer shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    /// First attempt to reach `server`.
    Connecting { server: String },
    /// WebSocket open, events flowing.
    Live { server: String },
    /// The WebSocket dropped; attempt number `attempt` will be made at `retry_at`.
    Reconnecting { attempt: u32, retry_at: Timestamp },
    /// The WebSocket cannot be opened but HTTP answers: long-polling every `interval_secs` at most.
    Polling { server: String, interval_secs: u32 },
    /// Neither the WebSocket nor HTTP answers; retrying at `retry_at`.
    Offline { retry_at: Timestamp },
    /// The server refused the token: the client has stopped asking.
    Unauthorized { message: String },
}

/// The most actions that may wait for the server at one terminal. Beyond
/// it the keys refuse (and say so) rather than drop anything: ten thousand
/// bumps is days of a busy station offline.
pub const MAX_QUEUED_ACTIONS: usize = 10_000;

/// Identifies one action from the moment the cook presses the key until the
/// server confirms or refuses it. Unique per terminal across restarts.
pub type ActionId = String;

/// Something the cook did at this terminal that the server must hear of.
///
/// The queue file keeps actions as JSON: `kind` with the step's fields
/// beside the common ones, which is also how version 1 of the file wrote
/// the status moves, so a queue from before line-done toggles still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub order_id: String,
    /// The ticket number, so the footer can speak of it.
    pub number: i64,
    /// Sent as `Idempotency-Key`, so a retried action moves the order once.
    pub idempotency_key: String,
    pub made_at: Timestamp,
    #[serde(flatten)]
    pub step: Step,
}

/// What an action does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// One status step on.
    Bump { from: Status, to: Status },
    /// The last bump made here, walked back.
    Undo { from: Status, to: Status },
    /// A completed order brought back to ready.
    Recall { from: Status, to: Status },
    /// A voided order taken off the screen (moved to completed).
    Clear { from: Status },
    /// A line marked done (or not done any more).
    Done { item_id: String, done: bool },
}

impl Step {
    /// The status move this step asks for, if it is one: (from, to).
    pub fn status_move(&self) -> Option<(Status, Status)> {
        match *self {
            Step::Bump { from, to } | Step::Undo { from, to } | Step::Recall { from, to } => {
                Some((from, to))
            }
            Step::Clear { from } => Some((from, Status::Completed)),
            Step::Done { .. } => None,
        }
    }

    /// How the footer names it.
    pub fn label(&self) -> &'static str {
        match self {
            Step::Bump { .. } => "bump",
            Step::Undo { .. } => "undo",
            Step::Recall { .. } => "recall",
            Step::Clear { .. } => "clear",
            Step::Done { done: true, .. } => "line done",
            Step::Done { done: false, .. } => "line not done",
        }
    }
}

/// How the server answered an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Applied (or already applied): the order as the server has it now.
    Applied(Order),
    /// 409: someone else moved it first; the order as it really stands.
    Conflict(Order),
    /// Refused for another reason (404, 422, 403...); the message says why.
    Rejected(String),
}

/// Side effects that `update` asks the event loop to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Hand an action to the network task (which queues, persists and sends it).
    Send(Action),
    /// Ring the terminal bell (a new ticket arrived and the bell is on).
    Bell,
    /// Leave the program, restoring the terminal.
    Quit,
}
