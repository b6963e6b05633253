//! The orders: what the server last told us, and the cards the cook sees,
//! which are that plus the actions made here that the server has not yet
//! answered.
//!
//! Server truth and local guesses are kept apart on purpose: a snapshot or an
//! event replaces the truth, and the cards are rebuilt from the truth with
//! the pending actions laid on top. So an answer to an action (applied,
//! conflict, rejected) only has to drop the action and rebuild: the server's
//! state then shows as it is.
//!
//! A card is one order, or at the expo view one check: the parts of a check
//! made at several stations, shown together so the expo can put it together.

use super::column::{Column, PerColumn};
use super::marks::Marks;
use super::sanitize::sanitize_order;
use crate::msg::{Action, Step};
use kds_protocol::{Event, EventKind, Order, RECENT_LIMIT, Snapshot, Status, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What a restart must not forget: the orders as this screen last held
/// them, and their changes no cook has looked at yet. Carried into the next
/// run ([`Board::carry`]), they are on its screen before the server answers
/// (it may be away a while yet), and its first snapshot marks what changed
/// while the display was off, as a reconnect's snapshot does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub orders: Vec<Order>,
    /// By order id.
    pub marks: BTreeMap<String, Marks>,
}

/// One order on a card, as the cook should see it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub order_id: String,
    /// The server's status, or the one a pending action moved it to.
    pub status: Status,
    /// When that status began, on the server's clock.
    pub since: Timestamp,
    pub voided: bool,
    /// A local action on this order awaits the server's answer.
    pub pending: bool,
}

/// One card on screen: an order, or (at the expo view) a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The order's id, or the check's for a card of several parts.
    pub id: String,
    pub number: i64,
    /// The card's status: its least advanced part still to be made.
    pub status: Status,
    /// How long the card has been in that status: since its oldest part
    /// there got there, on the server's clock.
    pub since: Timestamp,
    pub rush: bool,
    /// A local action on one of its parts awaits the server's answer.
    pub pending: bool,
    /// Every part not yet completed was voided: the card only waits to be cleared.
    pub voided: bool,
    /// Its orders not yet completed, by station; one for an ordinary ticket.
    pub parts: Vec<Part>,
}

impl Ticket {
    /// Whether this card gathers the parts of a check made at several stations.
    pub fn is_check(&self) -> bool {
        self.parts.len() > 1
    }
}

/// What an event did to the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventEffect {
    /// Already seen (seq not above the last one): ignored.
    Duplicate,
    /// Applied to the board.
    Applied,
    /// Applied, and it changed an order in a way a cook must see.
    News,
}

/// The server's picture of the station, and the cards derived from it.
#[derive(Debug, Clone, Default)]
pub struct Board {
    /// Orders not completed, by id.
    active: HashMap<String, Order>,
    /// Completed orders, newest first, at most [`RECENT_LIMIT`].
    recent: Vec<Order>,
    /// The newest event seq applied, if any snapshot or event arrived yet.
    last_seq: Option<i64>,
    /// Changes of active orders no cook has looked at yet, by order id.
    marks: HashMap<String, Marks>,
    /// Counts the changes to the orders held and their marks, so that what
    /// a restart keeps is written only when it changed.
    revision: u64,
    /// Derived: the cards of each column, rush first then oldest first.
    columns: PerColumn<Vec<Ticket>>,
    /// Derived: the completed orders a cook may recall, newest first.
    recall: Vec<Ticket>,
    /// Derived: lines marked done (or undone) here, not yet answered:
    /// order id to line id to done.
    pending_done: HashMap<String, HashMap<String, bool>>,
}

impl Board {
    pub fn last_seq(&self) -> Option<i64> {
        self.last_seq
    }

    pub fn column(&self, column: Column) -> &[Ticket] {
        &self.columns[column]
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

    /// The card with this id in a column.
    pub fn ticket(&self, id: &str) -> Option<&Ticket> {
        self.columns
            .iter()
            .flat_map(|(_, tickets)| tickets)
            .find(|t| t.id == id)
    }

    /// The card an order is shown on, in a column.
    pub fn ticket_of(&self, order_id: &str) -> Option<&Ticket> {
        self.columns
            .iter()
            .flat_map(|(_, tickets)| tickets)
            .find(|t| t.parts.iter().any(|p| p.order_id == order_id))
    }

    /// The status the cook sees for an order (server status with pending actions applied).
    pub fn shown_status(&self, order_id: &str) -> Option<Status> {
        self.columns
            .iter()
            .flat_map(|(_, tickets)| tickets)
            .chain(&self.recall)
            .flat_map(|t| &t.parts)
            .find(|p| p.order_id == order_id)
            .map(|p| p.status)
    }

    /// Whether a line shows as done: the server's mark, or one made here
    /// and not yet answered (then `pending` too).
    pub fn line_done(&self, order_id: &str, item_id: &str) -> (bool, bool) {
        if let Some(&done) = self
            .pending_done
            .get(order_id)
            .and_then(|lines| lines.get(item_id))
        {
            return (done, true);
        }
        let done = self
            .order(order_id)
            .and_then(|o| o.item(item_id))
            .is_some_and(kds_protocol::Item::is_done);
        (done, false)
    }

    /// The orders not completed.
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.active.values()
    }

    /// The changes of an order no cook has looked at yet.
    pub fn marks(&self, order_id: &str) -> Option<&Marks> {
        self.marks.get(order_id)
    }

    /// A cook looked at (or bumped) the card: its changes are seen.
    pub fn acknowledge(&mut self, ticket: &Ticket) {
        for part in &ticket.parts {
            if self.marks.remove(&part.order_id).is_some() {
                self.revision += 1;
            }
        }
    }

    /// Changes with every change to what [`Board::write_seen`] writes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Writes [`Seen`] of this board as JSON: the open orders and their
    /// unseen changes, for the next run. Written from borrows, so keeping
    /// them costs no copy of the orders.
    pub fn write_seen(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        #[derive(Serialize)]
        struct SeenRef<'a> {
            orders: Vec<&'a Order>,
            marks: BTreeMap<&'a str, &'a Marks>,
        }
        let mut orders: Vec<&Order> = self.active.values().collect();
        orders.sort_by(|a, b| a.id.cmp(&b.id));
        let marks = self.marks.iter().map(|(id, m)| (id.as_str(), m)).collect();
        serde_json::to_writer(out, &SeenRef { orders, marks })
    }

    /// Takes what an earlier run held, at start, before any snapshot. Its
    /// orders show as they were: with the server away (the restart was a
    /// power cut of the whole kitchen, the Wi-Fi is not up yet) the cooks
    /// go on from them, and their bumps wait in the queue. The first
    /// snapshot replaces them and marks what changed since as news; the
    /// changes no cook had looked at stay marked.
    pub fn carry(&mut self, seen: Seen) {
        let Seen { orders, marks } = seen;
        for mut order in orders {
            sanitize_order(&mut order);
            if order.status != Status::Completed {
                self.active.insert(order.id.clone(), order);
            }
        }
        for (id, marks) in marks {
            if self.active.contains_key(&id) && !marks.is_empty() {
                self.marks.entry(id).or_default().merge(marks);
            }
        }
    }

    /// The newest `updated_at` the server sent, a lower bound of the server's clock.
    pub fn newest_update(&self) -> Option<Timestamp> {
        self.active
            .values()
            .chain(&self.recent)
            .map(|o| o.updated_at)
            .max()
    }

    /// Replaces everything with a snapshot. Orders held before that changed
    /// meanwhile (a void during an outage) are marked as if their events had
    /// come: returns whether any such change came with it.
    pub fn replace(&mut self, snapshot: Snapshot) -> bool {
        let mut before = std::mem::take(&mut self.active);
        self.revision += 1;
        self.recent.clear();
        let mut news = false;
        for order in snapshot.orders.into_iter().chain(snapshot.recent) {
            let held = before.remove(&order.id);
            news |= self.take(order, held.as_ref());
        }
        self.marks.retain(|id, _| self.active.contains_key(id));
        self.last_seq = Some(snapshot.seq);
        news
    }

    /// Applies one event unless it was seen before.
    pub fn apply_event(&mut self, event: Event) -> EventEffect {
        if self.last_seq.is_some_and(|last| event.seq <= last) {
            return EventEffect::Duplicate;
        }
        self.last_seq = Some(event.seq);
        let created = event.kind == EventKind::Created;
        if self.upsert(event.order) && !created {
            EventEffect::News
        } else {
            EventEffect::Applied
        }
    }

    /// Notes an event that does not concern this screen, so its seq counts as seen.
    pub fn skip(&mut self, seq: i64) {
        self.last_seq = Some(self.last_seq.map_or(seq, |last| last.max(seq)));
    }

    /// Takes the server's copy of an order unless we already hold a newer
    /// one; returns whether it changed the order in a way a cook must see.
    pub fn upsert(&mut self, order: Order) -> bool {
        let held = self.order(&order.id).cloned();
        if held.as_ref().is_some_and(|h| h.version > order.version) {
            return false;
        }
        self.recent.retain(|o| o.id != order.id);
        self.active.remove(&order.id);
        self.revision += 1;
        self.take(order, held.as_ref())
    }

    /// Files a cleaned order as active or recent, marking what changed
    /// since `held`; returns whether anything was marked.
    fn take(&mut self, mut order: Order, held: Option<&Order>) -> bool {
        sanitize_order(&mut order);
        let marks = held
            .map(|held| Marks::between(held, &order))
            .unwrap_or_default();
        let news = !marks.is_empty();
        if order.status == Status::Completed {
            self.marks.remove(&order.id);
            self.recent.push(order);
            self.sort_recent();
        } else {
            if news {
                self.marks.entry(order.id.clone()).or_default().merge(marks);
            }
            self.active.insert(order.id.clone(), order);
        }
        news
    }

    fn sort_recent(&mut self) {
        self.recent.sort_by(|a, b| {
            b.status_at
                .cmp(&a.status_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        self.recent.truncate(RECENT_LIMIT);
    }

    /// Derives the cards and the recall list: server state with `pending`
    /// actions (oldest first) applied on top. `to_server_time` turns the
    /// local instant an action was made into the server's clock; `group`
    /// says whether the parts of a check share one card (the expo view).
    pub fn rebuild(
        &mut self,
        pending: &[Action],
        to_server_time: impl Fn(Timestamp) -> Timestamp,
        group: bool,
    ) {
        let mut moves: HashMap<&str, (Status, Timestamp)> = HashMap::new();
        self.pending_done.clear();
        for action in pending {
            match &action.step {
                Step::Done { item_id, done } => {
                    self.pending_done
                        .entry(action.order_id.clone())
                        .or_default()
                        .insert(item_id.clone(), *done);
                }
                step => {
                    if let Some((_, to)) = step.status_move() {
                        moves.insert(&action.order_id, (to, to_server_time(action.made_at)));
                    }
                }
            }
        }
        let part = |order: &Order| {
            let (status, since, pending) = match moves.get(order.id.as_str()) {
                Some(&(status, since)) => (status, since, true),
                None => (order.status, order.status_at, false),
            };
            Part {
                order_id: order.id.clone(),
                status,
                since,
                voided: order.is_voided(),
                pending: pending || self.pending_done.contains_key(&order.id),
            }
        };
        // Cards by their id, each with its orders; a BTreeMap keeps the
        // build the same from run to run.
        let mut cards: BTreeMap<&str, Vec<&Order>> = BTreeMap::new();
        self.recall.clear();
        for order in self.active.values().chain(&self.recent) {
            let key = match &order.check_id {
                Some(check) if group && !order.also_at.is_empty() => check.as_str(),
                _ => order.id.as_str(),
            };
            cards.entry(key).or_default().push(order);
            let shown = part(order);
            if shown.status == Status::Completed && !shown.voided {
                self.recall
                    .push(ticket(order.id.clone(), &[order], vec![shown]));
            }
        }
        for (_, tickets) in self.columns.iter_mut() {
            tickets.clear();
        }
        for (id, mut orders) in cards {
            orders.sort_by(|a, b| a.station.cmp(&b.station).then_with(|| a.id.cmp(&b.id)));
            // A card shows what is still to come: a completed part (sent
            // out, or a voided part cleared) leaves it.
            let (orders, parts): (Vec<&Order>, Vec<Part>) = orders
                .into_iter()
                .map(|o| (o, part(o)))
                .filter(|(_, p)| p.status != Status::Completed)
                .unzip();
            if orders.is_empty() {
                continue;
            }
            let card = ticket(id.to_owned(), &orders, parts);
            if let Some(column) = Column::of(card.status) {
                self.columns[column].push(card);
            }
        }
        for (_, tickets) in self.columns.iter_mut() {
            // Rush first, then the longest waiting; number and id keep it stable.
            tickets.sort_by(|a, b| {
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

/// The card of `orders` (one, or the open parts of a check) with their
/// `parts` as shown. Its status is that of its least advanced part still
/// to be made, or if every part was voided, that of the least advanced.
fn ticket(id: String, orders: &[&Order], parts: Vec<Part>) -> Ticket {
    let live: Vec<&Part> = parts.iter().filter(|p| !p.voided).collect();
    let voided = live.is_empty();
    let considered: Vec<&Part> = if voided { parts.iter().collect() } else { live };
    let status = considered
        .iter()
        .map(|p| p.status)
        .min()
        .unwrap_or(Status::Completed);
    let since = considered
        .iter()
        .filter(|p| p.status == status)
        .map(|p| p.since)
        .min()
        .unwrap_or(Timestamp::from_millis(0));
    Ticket {
        id,
        number: orders.first().map_or(0, |o| o.number),
        status,
        since,
        rush: orders.iter().any(|o| o.rush),
        pending: parts.iter().any(|p| p.pending),
        voided,
        parts,
    }
}
