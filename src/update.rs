//! The one place the model changes: `update(model, msg) -> commands`.
//!
//! Pure and synchronous: no clock reads (time arrives as `Msg::Tick`), no I/O.
//! What must happen outside (sending an action, the bell, quitting) comes back
//! as [`Command`]s for the event loop.

mod keys;

use crate::model::{EventEffect, Level, Model, sanitize_text};
use crate::msg::ConnState;
use crate::msg::{Action, ActionKind, ActionOutcome, Command, Msg, NetEvent};
use kds_protocol::{EventKind, Order, Status, Timestamp};
use std::time::Duration;

/// Lost actions matter more than a conflict: the message stays longer.
const QUEUE_LOST_TTL: Duration = Duration::from_secs(60);

/// Applies one message to the model and returns what the event loop must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => keys::on_key(model, &key),
        Msg::Resize(width, height) => {
            model.size = (width, height);
            Vec::new()
        }
        Msg::Tick(now) => {
            on_tick(model, now);
            Vec::new()
        }
        Msg::TimeZone(offset) => {
            model.set_utc_offset(offset);
            Vec::new()
        }
        Msg::Net(event) => on_net(model, event),
    }
}

fn on_tick(model: &mut Model, now: Timestamp) {
    let offset = model.clock.offset_ms();
    model.now = now;
    model.clock.tick(now);
    if model.footer.as_ref().is_some_and(|m| m.until <= now) {
        model.footer = None;
    }
    // Pending tickets' timers start from a local instant put on the server's clock.
    if model.clock.offset_ms() != offset {
        model.rebuild();
    }
}

fn heard(model: &mut Model, at: Timestamp) {
    model.last_heard = Some(model.last_heard.map_or(at, |last| last.max(at)));
}

/// Whether an order belongs on this screen (all of them in the expo view).
fn in_scope(model: &Model, order: &Order) -> bool {
    model.is_expo() || order.station.as_str() == model.options.station
}

fn on_net(model: &mut Model, event: NetEvent) -> Vec<Command> {
    let mut commands = Vec::new();
    match event {
        NetEvent::Snapshot { snapshot, at } => {
            heard(model, at);
            model.board.replace(snapshot);
            if let Some(newest) = model.board.newest_update() {
                model.clock.observe(newest, at);
            }
            model.rebuild();
        }
        NetEvent::Events { events, at } => {
            heard(model, at);
            let mut created = false;
            for event in events {
                if !in_scope(model, &event.order) {
                    model.board.skip(event.seq);
                    continue;
                }
                let (kind, server_at) = (event.kind, event.at);
                if model.board.apply_event(event) == EventEffect::Applied {
                    model.clock.observe(server_at, at);
                    created |= kind == EventKind::Created;
                }
            }
            // One bell per batch: a replay after a reconnect must not ring fifty times.
            if created && model.options.bell {
                commands.push(Command::Bell);
            }
            model.rebuild();
        }
        NetEvent::Connection(mut state) => {
            if let ConnState::Unauthorized { message } = &mut state {
                sanitize_text(message);
            }
            model.connection = state;
        }
        NetEvent::Heard(at) => heard(model, at),
        NetEvent::ActionDone { id, outcome } => on_action_done(model, &id, outcome),
        NetEvent::Restored(actions) => {
            for action in actions {
                if !model.pending.iter().any(|a| a.id == action.id) {
                    model.pending.push(action);
                }
            }
            model.rebuild();
        }
        NetEvent::Queued(count) => model.queued = count,
        NetEvent::QueueUnreadable { kept_at } => {
            let mut text =
                format!("saved actions could not be read and were not sent (kept at {kept_at})");
            sanitize_text(&mut text);
            model.say_for(Level::Error, text, QUEUE_LOST_TTL);
        }
    }
    commands
}

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Pending => "Pending",
        Status::Preparing => "Preparing",
        Status::Ready => "Ready",
        Status::Completed => "Completed",
    }
}

fn kind_label(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Bump => "bump",
        ActionKind::Undo => "undo",
        ActionKind::Recall => "recall",
    }
}

/// The server answered an action: drop its pending mark and let the server's
/// state show. Whatever events said meanwhile is already in the board; the
/// answer's order is taken only if it is not older than that.
fn on_action_done(model: &mut Model, id: &str, outcome: ActionOutcome) {
    let action: Option<Action> = model
        .pending
        .iter()
        .position(|a| a.id == id)
        .map(|i| model.pending.remove(i));
    let number = action.as_ref().map(|a| a.number);
    match outcome {
        ActionOutcome::Applied(order) => model.board.upsert(order),
        ActionOutcome::Conflict(order) => {
            let text = if order.status == Status::Completed {
                format!("#{} was already completed by another station", order.number)
            } else {
                format!(
                    "#{} was already moved to {} by another station",
                    order.number,
                    status_label(order.status)
                )
            };
            model.undo.retain(|u| u.action_id != id);
            model.board.upsert(order);
            model.say(Level::Error, text);
        }
        ActionOutcome::Rejected(reason) => {
            model.undo.retain(|u| u.action_id != id);
            let what = action.as_ref().map_or("action", |a| kind_label(a.kind));
            let text = match number {
                Some(n) => format!("#{n}: {what} refused: {reason}"),
                None => format!("{what} refused: {reason}"),
            };
            // The reason is the server's text: keep escape sequences off the screen.
            let mut text = text;
            sanitize_text(&mut text);
            model.say(Level::Error, text);
        }
    }
    model.rebuild();
}

/// Makes an action for an order, shows it at once with a
/// pending mark, and hands it to the network task.
pub(crate) fn act(
    model: &mut Model,
    kind: ActionKind,
    order_id: &str,
    number: i64,
    from: Status,
    to: Status,
) -> Vec<Command> {
    let id = model.next_action_id();
    let action = Action {
        idempotency_key: id.clone(),
        id,
        kind,
        order_id: order_id.to_owned(),
        number,
        from,
        to,
        made_at: model.now,
    };
    model.pending.push(action.clone());
    model.rebuild();
    vec![Command::Send(action)]
}

#[cfg(test)]
mod tests;
