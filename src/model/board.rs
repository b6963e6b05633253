//! The orders: what the server last told us, and the columns the cook sees,
//! which are that plus the actions made here that the server has not yet
//! answered.
//!
//! Server truth and local guesses are kept apart on purpose: a snapshot or an
//! event replaces the truth, and the columns are rebuilt from the truth with
//! the pending actions laid on top. So an answer to an action (applied,
//! conflict, rejected) only has to drop the action and rebuild: the server's
//! state then shows as it is.

use super::sanitize::sanitize_order;
use crate::msg::Action;
use kds_protocol::{Event, Order, RECENT_LIMIT, Snapshot, Status, Timestamp};
use std::collections::HashMap;

/// The statuses that have a column on screen, left to right.
pub const COLUMNS: [Status; 3] = [Status::Pending, Status::Preparing, Status::Ready];

/// The column of a status; `None` for completed orders (they live in the recall list).
pub fn column_of(status: Status) -> Option<usize> {
    COLUMNS.iter().position(|s| *s == status)
}

/// One card on screen: an order as the cook should see it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: String,
    pub number: i64,
    /// The status shown: the server's, or the one a pending action moved it to.
    pub status: Status,
    /// When that status began, on the server's clock.
    pub since: Timestamp,
    pub rush: bool,
    /// A local action on this order awaits the server's answer.
    pub pending: bool,
}

/// What an event did to the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventEffect {
    /// Already seen (seq not above the last one): ignored.
    Duplicate,
    /// Applied to the board.
    Applied,
}

/// The server's picture of the station, and the columns derived from it.
#[derive(Debug, Clone, Default)]
pub struct Board {
    /// Orders not completed, by id.
    active: HashMap<String, Order>,
    /// Completed orders, newest first, at most [`RECENT_LIMIT`].
    recent: Vec<Order>,
    /// The newest event seq applied, if any snapshot or event arrived yet.
    last_seq: Option<i64>,
    /// Derived: the three columns, sorted rush first then oldest first.
    columns: [Vec<Ticket>; 3],
    /// Derived: the completed orders, newest first.
    recall: Vec<Ticket>,
}

impl Board {
    pub fn last_seq(&self) -> Option<i64> {
        self.last_seq
    }

    pub fn column(&self, index: usize) -> &[Ticket] {
        self.columns.get(index).map_or(&[], Vec::as_slice)
    }

    pub fn recall(&self) -> &[Ticket] {
        &self.recall
    }

    /// The server's copy of an order, active or recently completed.
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.active
            .get(id)
            .or_else(|| self.recent.iter().find(|o| o.id == id))
    }

    /// The ticket of an order shown in a column.
    pub fn column_ticket(&self, id: &str) -> Option<&Ticket> {
        self.columns.iter().flatten().find(|t| t.id == id)
    }

    /// The status the cook sees for an order (server status with pending actions applied).
    pub fn shown_status(&self, id: &str) -> Option<Status> {
        self.columns
            .iter()
            .flatten()
            .chain(&self.recall)
            .find(|t| t.id == id)
            .map(|t| t.status)
    }

    /// The newest `updated_at` the server sent, a lower bound of the server's clock.
    pub fn newest_update(&self) -> Option<Timestamp> {
        self.active
            .values()
            .chain(&self.recent)
            .map(|o| o.updated_at)
            .max()
    }

    /// Replaces everything with a snapshot.
    pub fn replace(&mut self, snapshot: Snapshot) {
        self.active = snapshot
            .orders
            .into_iter()
            .filter(|o| o.status != Status::Completed)
            .map(|mut o| {
                sanitize_order(&mut o);
                (o.id.clone(), o)
            })
            .collect();
        let mut recent: Vec<Order> = snapshot
            .recent
            .into_iter()
            .filter(|o| o.status == Status::Completed)
            .collect();
        recent.iter_mut().for_each(sanitize_order);
        self.recent = recent;
        self.sort_recent();
        self.last_seq = Some(snapshot.seq);
    }

    /// Applies one event unless it was seen before.
    pub fn apply_event(&mut self, event: Event) -> EventEffect {
        if self.last_seq.is_some_and(|last| event.seq <= last) {
            return EventEffect::Duplicate;
        }
        self.last_seq = Some(event.seq);
        self.upsert(event.order);
        EventEffect::Applied
    }

    /// Notes an event that does not concern this screen, so its seq counts as seen.
    pub fn skip(&mut self, seq: i64) {
        self.last_seq = Some(self.last_seq.map_or(seq, |last| last.max(seq)));
    }

    /// Takes the server's copy of an order unless we already hold a newer one.
    pub fn upsert(&mut self, mut order: Order) {
        if self
            .order(&order.id)
            .is_some_and(|held| held.version > order.version)
        {
            return;
        }
        sanitize_order(&mut order);
        self.recent.retain(|o| o.id != order.id);
        if order.status == Status::Completed {
            self.active.remove(&order.id);
            self.recent.push(order);
            self.sort_recent();
        } else {
            self.active.insert(order.id.clone(), order);
        }
    }

    fn sort_recent(&mut self) {
        self.recent.sort_by(|a, b| {
            b.status_at
                .cmp(&a.status_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        self.recent.truncate(RECENT_LIMIT);
    }

    /// Derives the columns and the recall list: server state with `pending`
    /// actions (oldest first) applied on top. `to_server_time` turns the local
    /// instant an action was made into the server's clock.
    pub fn rebuild(&mut self, pending: &[Action], to_server_time: impl Fn(Timestamp) -> Timestamp) {
        let mut overlay: HashMap<&str, (Status, Timestamp)> = HashMap::new();
        for action in pending {
            overlay.insert(
                &action.order_id,
                (action.to, to_server_time(action.made_at)),
            );
        }
        for column in &mut self.columns {
            column.clear();
        }
        self.recall.clear();
        for order in self.active.values().chain(&self.recent) {
            let (status, since, pending) = match overlay.get(order.id.as_str()) {
                Some(&(status, since)) => (status, since, true),
                None => (order.status, order.status_at, false),
            };
            let ticket = Ticket {
                id: order.id.clone(),
                number: order.number,
                status,
                since,
                rush: order.rush,
                pending,
            };
            match column_of(status) {
                Some(index) => self.columns[index].push(ticket),
                None => self.recall.push(ticket),
            }
        }
        for column in &mut self.columns {
            // Rush first, then the longest waiting; number and id keep it stable.
            column.sort_by(|a, b| {
                b.rush
                    .cmp(&a.rush)
                    .then_with(|| a.since.cmp(&b.since))
                    .then_with(|| a.number.cmp(&b.number))
                    .then_with(|| a.id.cmp(&b.id))
            });
        }
        self.recall
            .sort_by(|a, b| b.since.cmp(&a.since).then_with(|| b.number.cmp(&a.number)));
    }
}
