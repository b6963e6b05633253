//! The one place the model changes: `update(model, msg) -> commands`.
//!
//! Pure and synchronous: no clock reads (time arrives as `Msg::Tick`), no I/O.
//! What must happen outside (sending an action, the bell, quitting) comes back
//! as [`Command`]s for the event loop.

mod keys;

use crate::model::{EventEffect, Level, Model, sanitize_text};
use crate::msg::ConnState;
use crate::msg::{Action, ActionOutcome, Command, MAX_QUEUED_ACTIONS, Msg, NetEvent, Step};
use kds_protocol::{EventKind, Order, Status, Timestamp};
use std::time::Duration;

/// Lost actions matter more than a conflict: the message stays longer.
const QUEUE_LOST_TTL: Duration = Duration::from_secs(60);

/// Applies one message to the model and returns what the event loop must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Command> {
    let commands = match msg {
        Msg::Key(key) => {
            // A cook at the keys: the cards stay put while they work.
            model.changed_at = model.now;
            model.key_at = model.now;
            keys::on_key(model, &key)
        }
        Msg::Resize(width, height) => {
            model.size = (width, height);
            model.layout = crate::model::Layout::default();
            Vec::new()
        }
        Msg::Tick(now) => {
            // Timers move; the layout only if pending cards' timers moved,
            // or the holes of cards that went are due to close.
            if on_tick(model, now) {
                model.relayout();
            }
            model.settle();
            return Vec::new();
        }
        Msg::TimeZone(offset) => {
            model.set_utc_offset(offset);
            return Vec::new();
        }
        Msg::Net(event) => on_net(model, event),
        Msg::Carry(seen) => {
            model.board.carry(seen);
            model.rebuild();
            Vec::new()
        }
    };
    model.relayout();
    commands
}

/// Returns whether the cards were rebuilt.
fn on_tick(model: &mut Model, now: Timestamp) -> bool {
    let offset = model.clock.offset_ms();
    model.now = now;
    model.clock.tick(now);
    if model.footer.as_ref().is_some_and(|m| m.until <= now) {
        model.footer = None;
    }
    // Pending tickets' timers start from a local instant put on the server's clock.
    let moved = model.clock.offset_ms() != offset;
    if moved {
        model.rebuild();
    }
    moved
}

fn heard(model: &mut Model, at: Timestamp) {
    model.last_heard = Some(model.last_heard.map_or(at, |last| last.max(at)));
}

/// Whether an order belongs on this screen (all of them in the expo view).
fn in_scope(model: &Model, order: &Order) -> bool {
    model.is_expo() || order.station.as_str() == model.options.station
}

/// The change bell, if it is on and has not rung within the last few
/// seconds: a burst of edits from the till rings once. The spell is timed on
/// when the changes arrived (`at`), not on the last tick: `now` can lag a
/// busy second behind, and an add-on 3.2 s after a void must still ring.
fn change_bell(model: &mut Model, at: Timestamp) -> Option<Command> {
    if !model.options.change_bell {
        return None;
    }
    let quiet = i64::try_from(crate::model::CHANGE_BELL_QUIET.as_millis()).unwrap_or(i64::MAX);
    let recently = model
        .change_bell_at
        .is_some_and(|rung| at.as_millis().saturating_sub(rung.as_millis()) < quiet);
    if recently {
        return None;
    }
    model.change_bell_at = Some(at);
    Some(Command::Bell)
}

fn on_net(model: &mut Model, event: NetEvent) -> Vec<Command> {
    let mut commands = Vec::new();
    match event {
        NetEvent::Snapshot { snapshot, at } => {
            heard(model, at);
            // Changes that came while we were away are news too.
            let news = model.board.replace(snapshot);
            if let Some(newest) = model.board.newest_update() {
                model.clock.observe(newest, at);
            }
            commands.extend(news.then(|| change_bell(model, at)).flatten());
            model.rebuild();
        }
        NetEvent::Events { events, at } => {
            heard(model, at);
            let (mut created, mut news) = (false, false);
            for event in events {
                if !in_scope(model, &event.order) {
                    model.board.skip(event.seq);
                    continue;
                }
                let (kind, server_at) = (event.kind, event.at);
                let effect = model.board.apply_event(event);
                if effect != EventEffect::Duplicate {
                    model.clock.observe(server_at, at);
                    created |= kind == EventKind::Created;
                    news |= effect == EventEffect::News;
                }
            }
            // One bell per batch: a replay after a reconnect must not ring fifty times.
            if created && model.options.bell {
                commands.push(Command::Bell);
            } else if news {
                commands.extend(change_bell(model, at));
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
        NetEvent::ServerTime {
            date,
            sent,
            received,
        } => {
            let offset = model.clock.offset_ms();
            model.clock.observe_date(date, sent, received);
            // Pending tickets' timers start from a local instant put on the server's clock.
            if model.clock.offset_ms() != offset {
                model.rebuild();
            }
        }
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
        NetEvent::Stats(stats) => model.stats = stats.map(|stats| (stats, model.now)),
        NetEvent::Session { read_only } => {
            model.viewer = read_only;
            // A read-only screen is not in the middle of marking lines.
            if read_only {
                model.selection.leave_lines();
            }
        }
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

/// What the footer says when the server refused an action because the
/// order was not as this screen believed.
fn conflict_text(action: Option<&Action>, order: &Order) -> String {
    let n = order.number;
    if let Some(Step::Done { item_id, .. }) = action.map(|a| &a.step) {
        let voided = order.is_voided() || order.item(item_id).is_some_and(|i| !i.is_live());
        return if voided {
            format!("#{n}: that line was voided meanwhile")
        } else {
            format!("#{n} changed meanwhile; showing it as it is")
        };
    }
    if order.is_voided() {
        format!("#{n} was voided meanwhile: clear it with a bump")
    } else if order.status == Status::Completed {
        format!("#{n} was already completed by another station")
    } else {
        format!(
            "#{n} was already moved to {} by another station",
            status_label(order.status)
        )
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
    match outcome {
        ActionOutcome::Applied(order) => {
            model.board.upsert(order);
        }
        ActionOutcome::Conflict(order) => {
            let text = conflict_text(action.as_ref(), &order);
            forget_undo(model, id);
            model.board.upsert(order);
            model.say(Level::Error, text);
        }
        ActionOutcome::Rejected(reason) => {
            forget_undo(model, id);
            let what = action.as_ref().map_or("action", |a| a.step.label());
            let mut text = match action.as_ref().map(|a| a.number) {
                Some(n) => format!("#{n}: {what} refused: {reason}"),
                None => format!("{what} refused: {reason}"),
            };
            // The reason is the server's text: keep escape sequences off the screen.
            sanitize_text(&mut text);
            model.say(Level::Error, text);
        }
    }
    model.rebuild();
}

/// An action that did not happen cannot be undone.
fn forget_undo(model: &mut Model, action_id: &str) {
    for entry in &mut model.undo {
        entry.moves.retain(|m| m.action_id != action_id);
    }
    model.undo.retain(|entry| !entry.moves.is_empty());
}

/// Makes an action for an order, shows it at once with a pending mark, and
/// hands it to the network task; `None` when as many actions as may wait
/// already do (the footer says so: nothing is dropped behind the cook's back).
pub(crate) fn act(model: &mut Model, order_id: &str, number: i64, step: Step) -> Option<Command> {
    if model.read_only() {
        let text = format!(
            "#{number}: not done: {}; bumps are off",
            model.read_only_because()
        );
        model.say(Level::Info, text);
        return None;
    }
    if model.pending.len() >= MAX_QUEUED_ACTIONS {
        let text = format!(
            "#{number}: not done: {MAX_QUEUED_ACTIONS} actions already wait for the server"
        );
        model.say(Level::Error, text);
        return None;
    }
    let id = model.next_action_id();
    let action = Action {
        idempotency_key: id.clone(),
        id,
        order_id: order_id.to_owned(),
        number,
        made_at: model.now,
        step,
    };
    model.pending.push(action.clone());
    model.rebuild();
    Some(Command::Send(action))
}

#[cfg(test)]
mod tests;
