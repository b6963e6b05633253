//! The decisions every backend makes the same way, kept apart from SQL so
//! the backends differ only in how they read and write.

mod edit;

pub use edit::{Decision, Refusal, apply};

use crate::config::Retention;
use kds_protocol::{Item, ItemDraft, Order, OrderDraft, Station, Status, Timestamp};
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

/// The check an order is a part of, as its parts carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckPart {
    pub check_id: String,
    /// The check's other stations, sorted.
    pub also_at: Vec<Station>,
}

/// A fresh id for an order or a check: unique forever, and sorting by
/// creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The lines of a draft as stored: ids from `first_id` on, added in `version`.
pub fn place_items(
    drafts: &[ItemDraft],
    first_id: u32,
    version: i64,
) -> impl Iterator<Item = Item> + '_ {
    drafts.iter().zip(first_id..).map(move |(draft, id)| Item {
        id: id.to_string(),
        name: draft.name.clone(),
        qty: draft.qty,
        modifiers: draft.modifiers.clone(),
        notes: draft.notes.clone(),
        added_in: version,
        voided_at: None,
        done_at: None,
    })
}

/// A new order as it is first stored.
pub fn new_order(
    draft: &OrderDraft,
    number: i64,
    check: Option<CheckPart>,
    now: Timestamp,
) -> Order {
    let (check_id, also_at) = check.map_or((None, Vec::new()), |c| (Some(c.check_id), c.also_at));
    Order {
        id: new_id(),
        number,
        station: draft.station.clone(),
        status: Status::Pending,
        items: place_items(&draft.items, 1, 1).collect(),
        notes: draft.notes.clone(),
        kind: draft.kind,
        table: draft.table.clone(),
        customer: draft.customer.clone(),
        rush: draft.rush,
        created_at: now,
        updated_at: now,
        status_at: now,
        version: 1,
        check_id,
        also_at,
        voided_at: None,
        void_reason: None,
        ready_at: None,
    }
}

/// The other stations of a check, sorted, for the part made at `own`.
pub fn also_at(stations: &[Station], own: &Station) -> Vec<Station> {
    let mut others: Vec<Station> = stations.iter().filter(|s| *s != own).cloned().collect();
    others.sort();
    others
}

/// The counters row both backends keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub last_seq: i64,
    pub floor_seq: i64,
    pub last_number: i64,
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

    #[test]
    fn a_part_names_the_other_stations_sorted() {
        let s = |n: &str| n.parse::<Station>().unwrap();
        let all = [s("grill"), s("bar"), s("cold")];
        assert_eq!(also_at(&all, &s("grill")), [s("bar"), s("cold")]);
        assert_eq!(also_at(&all, &s("cold")), [s("bar"), s("grill")]);
    }
}
