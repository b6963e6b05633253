//! The decisions every backend makes the same way, kept apart from SQL so
//! the backends differ only in how they read and write.

use super::Outcome;
use crate::config::Retention;
use kds_protocol::{Order, OrderDraft, Status, StatusMove, Timestamp};
use std::time::Duration;

/// Ticket numbers run 1..=9999 and then start again at 1.
const MAX_TICKET_NUMBER: i64 = 9999;

/// The ticket number after `last`.
pub fn next_number(last: i64) -> i64 {
    if last >= MAX_TICKET_NUMBER {
        1
    } else {
        last + 1
    }
}

/// A new order as it is first stored.
pub fn new_order(draft: &OrderDraft, number: i64, now: Timestamp) -> Order {
    Order {
        id: uuid::Uuid::now_v7().to_string(),
        number,
        station: draft.station.clone(),
        status: Status::Pending,
        items: draft.items.clone(),
        notes: draft.notes.clone(),
        kind: draft.kind,
        table: draft.table.clone(),
        customer: draft.customer.clone(),
        rush: draft.rush,
        created_at: now,
        updated_at: now,
        status_at: now,
        version: 1,
    }
}

/// What a status move does to an order.
#[derive(Debug)]
pub enum Move {
    /// Store this order (the state after the move) and its event.
    Apply(Order),
    /// Already where the client expected it: write nothing but the key.
    Same(Order),
    /// Refused; answer this.
    Refuse(Outcome),
}

pub fn decide_move(mut order: Order, change: StatusMove, now: Timestamp) -> Move {
    if change.from.is_some_and(|from| from != order.status) {
        return Move::Refuse(Outcome::Conflict(order));
    }
    if change.from == Some(change.to) {
        return Move::Same(order);
    }
    if !order.status.can_move_to(change.to) {
        return Move::Refuse(Outcome::InvalidTransition(order));
    }
    order.status = change.to;
    order.status_at = now;
    order.updated_at = now;
    order.version += 1;
    Move::Apply(order)
}

/// The counters row both backends keep.
#[derive(Debug, Clone, Copy)]
pub struct State {
    pub last_seq: i64,
    pub floor_seq: i64,
    pub last_number: i64,
}

impl State {
    /// The seq the next event takes: only a writer holding the counters
    /// asks, so no other can take it first.
    pub fn next_seq(self) -> i64 {
        self.last_seq + 1
    }
}

/// The new floor: everything beyond `max_events` from the newest, or older
/// than `max_age` (`newest_too_old` is the newest seq written before that),
/// never below the current floor.
pub fn prune_floor(state: State, retention: &Retention, newest_too_old: Option<i64>) -> i64 {
    let max_events = i64::try_from(retention.max_events).unwrap_or(i64::MAX);
    (state.last_seq.saturating_sub(max_events))
        .max(newest_too_old.unwrap_or(0))
        .max(state.floor_seq)
}

/// `now` minus `age`, in Unix ms.
pub fn millis_before(now: Timestamp, age: Duration) -> i64 {
    let age = i64::try_from(age.as_millis()).unwrap_or(i64::MAX / 2);
    now.as_millis().saturating_sub(age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_wrap_after_9999() {
        assert_eq!(next_number(0), 1);
        assert_eq!(next_number(9998), 9999);
        assert_eq!(next_number(9999), 1);
    }

    #[test]
    fn the_floor_is_the_highest_of_count_age_and_the_old_floor() {
        let state = State {
            last_seq: 10,
            floor_seq: 5,
            last_number: 0,
        };
        let keep = |max_events| Retention {
            max_events,
            ..Retention::default()
        };
        // By count: keep the newest two.
        assert_eq!(prune_floor(state, &keep(2), None), 8);
        // By age: everything up to seq 9 is too old.
        assert_eq!(prune_floor(state, &keep(100), Some(9)), 9);
        // Never back below the current floor.
        assert_eq!(prune_floor(state, &keep(100), Some(3)), 5);
        assert_eq!(prune_floor(state, &keep(u64::MAX), None), 5);
    }
}
