//! What each change does to an order, decided without the database: the
//! status moves, the point of sale's edits and voids, and a cook's line done.

use super::place_items;
use kds_protocol::{
    Edit, EventKind, Invalid, ItemDraft, MAX_ITEMS, Order, OrderPatch, Status, StatusMove,
    Timestamp, same_station,
};

/// Why a change was refused; the order is as it stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// A guard (`from` or `version`) did not match: 409 `conflict`.
    Conflict(Order),
    /// Not a move or edit this order allows: 409 `invalid_transition`.
    InvalidTransition { order: Order, message: String },
    /// The line named does not exist: 404.
    ItemNotFound(String),
    /// The change breaks a rule only the order can tell (too many lines, a
    /// line for another station): 422.
    Invalid(Invalid),
}

/// What a change does to an order.
#[derive(Debug)]
pub enum Decision {
    /// Store this order (the state after the change) and its event.
    Apply(Order, EventKind),
    /// Nothing to change: write nothing but the idempotency answer.
    Same(Order),
    Refuse(Refusal),
}

/// Decides `edit` on `order` at `now`.
pub fn apply(order: Order, edit: &Edit, now: Timestamp) -> Decision {
    let stale = edit.version().is_some_and(|v| v != order.version);
    let voided = order.is_voided();
    let missing = match edit {
        Edit::VoidItem { item_id, .. } | Edit::Done { item_id, .. } => {
            order.item(item_id).is_none().then(|| item_id.clone())
        }
        _ => None,
    };
    match edit {
        Edit::Status(change) => status(order, *change, now),
        _ if stale => Decision::Refuse(Refusal::Conflict(order)),
        // A line that does not exist is not found, whatever the order's state.
        _ if missing.is_some() => {
            Decision::Refuse(Refusal::ItemNotFound(missing.unwrap_or_default()))
        }
        Edit::Void { reason, .. } => void(order, reason.as_deref(), now),
        Edit::VoidItem { item_id, .. } => void_item(order, item_id, now),
        // On a voided order the one thing left to do is to clear it.
        _ if voided => refuse(
            order,
            "the order was voided: it can only be cleared (moved to completed)",
        ),
        Edit::Patch { patch, .. } => patched(order, patch, now),
        Edit::AddItems { items, .. } => add_items(order, items, now),
        Edit::Done { item_id, done } => line_done(order, item_id, *done, now),
    }
}

fn refuse(order: Order, message: impl Into<String>) -> Decision {
    Decision::Refuse(Refusal::InvalidTransition {
        order,
        message: message.into(),
    })
}

/// Marks `order` changed at `now`: one more version.
fn changed(mut order: Order, kind: EventKind, now: Timestamp) -> Decision {
    order.updated_at = now;
    order.version += 1;
    Decision::Apply(order, kind)
}

/// Puts the order in `to` at `now`; `ready_at` follows: set on entering
/// ready, kept on the way to completed, cleared on the way back.
fn enter(order: &mut Order, to: Status, now: Timestamp) {
    order.status = to;
    order.status_at = now;
    match to {
        Status::Ready => order.ready_at = Some(now),
        Status::Completed => {}
        Status::Pending | Status::Preparing => order.ready_at = None,
    }
}

fn status(mut order: Order, change: StatusMove, now: Timestamp) -> Decision {
    if change.from.is_some_and(|from| from != order.status) {
        return Decision::Refuse(Refusal::Conflict(order));
    }
    if change.from == Some(change.to) {
        return Decision::Same(order);
    }
    if order.is_voided() {
        if change.to != Status::Completed || order.status == Status::Completed {
            return refuse(
                order,
                "the order was voided: the one move left is to completed",
            );
        }
    } else if !order.status.can_move_to(change.to) {
        let message = format!(
            "cannot move from {} to {}: status moves one step at a time",
            order.status, change.to
        );
        return refuse(order, message);
    }
    enter(&mut order, change.to, now);
    changed(order, EventKind::StatusChanged, now)
}

fn patched(mut order: Order, patch: &OrderPatch, now: Timestamp) -> Decision {
    let before = order.clone();
    for (field, value) in [
        (&mut order.notes, &patch.notes),
        (&mut order.table, &patch.table),
        (&mut order.customer, &patch.customer),
    ] {
        if let Some(new) = value.change() {
            *field = new.cloned();
        }
    }
    if let Some(kind) = patch.kind {
        order.kind = kind;
    }
    if let Some(rush) = patch.rush {
        order.rush = rush;
    }
    if order == before {
        return Decision::Same(order);
    }
    changed(order, EventKind::Updated, now)
}

/// The id the next line gets: one past the highest ever given, so an id is
/// never reused.
fn next_item_id(order: &Order) -> u32 {
    let highest = order
        .items
        .iter()
        .filter_map(|item| item.id.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    highest.max(u32::try_from(order.items.len()).unwrap_or(u32::MAX)) + 1
}

fn add_items(mut order: Order, items: &[ItemDraft], now: Timestamp) -> Decision {
    if let Err(invalid) = same_station(items, &order.station) {
        return Decision::Refuse(Refusal::Invalid(invalid));
    }
    let held = order.items.len();
    if held + items.len() > MAX_ITEMS {
        return Decision::Refuse(Refusal::Invalid(Invalid::new(
            "items",
            format!(
                "an order holds at most {MAX_ITEMS} lines, voided ones included; this one has {held}"
            ),
        )));
    }
    let first = next_item_id(&order);
    let version = order.version + 1;
    order.items.extend(place_items(items, first, version));
    // Finished food with a new line is not finished: back to the station.
    if matches!(order.status, Status::Ready | Status::Completed) {
        enter(&mut order, Status::Preparing, now);
    }
    changed(order, EventKind::Updated, now)
}

fn void(mut order: Order, reason: Option<&str>, now: Timestamp) -> Decision {
    if order.is_voided() {
        return Decision::Same(order);
    }
    order.voided_at = Some(now);
    order.void_reason = reason.map(str::to_owned);
    changed(order, EventKind::Updated, now)
}

/// What a voided order says when its last line went.
pub const ALL_LINES_VOIDED: &str = "every line was voided";

fn void_item(mut order: Order, item_id: &str, now: Timestamp) -> Decision {
    let Some(item) = order.items.iter_mut().find(|item| item.id == item_id) else {
        return Decision::Refuse(Refusal::ItemNotFound(item_id.to_owned()));
    };
    if item.voided_at.is_some() {
        return Decision::Same(order);
    }
    item.voided_at = Some(now);
    if !order.is_voided() && order.live_items().next().is_none() {
        order.voided_at = Some(now);
        order.void_reason = Some(ALL_LINES_VOIDED.to_owned());
    }
    changed(order, EventKind::Updated, now)
}

fn line_done(mut order: Order, item_id: &str, done: bool, now: Timestamp) -> Decision {
    let Some(item) = order.items.iter_mut().find(|item| item.id == item_id) else {
        return Decision::Refuse(Refusal::ItemNotFound(item_id.to_owned()));
    };
    if item.voided_at.is_some() {
        return refuse(order, "that line was voided: there is nothing to make");
    }
    if item.done_at.is_some() == done {
        return Decision::Same(order);
    }
    item.done_at = done.then_some(now);
    changed(order, EventKind::Updated, now)
}

#[cfg(test)]
mod tests;
