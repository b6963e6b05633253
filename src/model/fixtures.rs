//! Orders, events and models for tests, with fixed times so results are stable.

use super::{Column, Model, ModelOptions};
use crate::msg::{Msg, NetEvent};
use crate::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kds_protocol::{Event, EventKind, Item, Kind, Order, Snapshot, Status, Timestamp};

/// 2026-11-22T18:04:05.000Z, the instant every test starts at.
pub const T0: i64 = 1_795_370_645_000;

/// `T0` plus `secs` seconds.
pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis(T0 + secs * 1000)
}

pub fn options(station: &str) -> ModelOptions {
    ModelOptions {
        bell: true,
        ..ModelOptions::new(station, "term-1")
    }
}

/// A model for `station` at `T0`, in UTC (a new model's zone) so the header clock is stable.
pub fn model(station: &str) -> Model {
    Model::new(options(station), at(0))
}

/// An order of `grill`, entered its status `age` seconds before `T0`.
pub fn order(id: &str, number: i64, status: Status, age: i64) -> Order {
    Order {
        id: id.to_owned(),
        number,
        station: "grill".parse().expect("valid station"),
        status,
        items: vec![Item {
            id: "1".to_owned(),
            added_in: 1,
            voided_at: None,
            done_at: None,
            name: "Burger".to_owned(),
            qty: 1,
            modifiers: Vec::new(),
            notes: None,
        }],
        notes: None,
        kind: Kind::DineIn,
        table: Some("4".to_owned()),
        customer: None,
        rush: false,
        created_at: at(-age - 60),
        updated_at: at(-age),
        status_at: at(-age),
        version: 1,
        check_id: None,
        also_at: Vec::new(),
        voided_at: None,
        void_reason: None,
        ready_at: None,
    }
}

/// The same order moved to `status` at `secs`, one version later.
pub fn moved(order: &Order, status: Status, secs: i64) -> Order {
    Order {
        status,
        status_at: at(secs),
        updated_at: at(secs),
        version: order.version + 1,
        ..order.clone()
    }
}

pub fn event(seq: i64, kind: EventKind, order: Order) -> Event {
    Event {
        seq,
        kind,
        at: order.updated_at,
        order,
    }
}

pub fn snapshot(seq: i64, orders: Vec<Order>, recent: Vec<Order>) -> Msg {
    Msg::Net(NetEvent::Snapshot {
        snapshot: Snapshot {
            seq,
            orders,
            recent,
        },
        at: at(0),
    })
}

pub fn events(list: Vec<Event>) -> Msg {
    events_at(list, 0)
}

/// Events that arrived `secs` after [`at`]`(0)`, whatever the last tick said.
pub fn events_at(list: Vec<Event>, secs: i64) -> Msg {
    Msg::Net(NetEvent::Events {
        events: list,
        at: at(secs),
    })
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// The ids of a column, top to bottom.
pub fn ids(model: &Model, column: Column) -> Vec<&str> {
    model.column(column).iter().map(|t| t.id.as_str()).collect()
}

/// What `model`'s run keeps for the next (the seen file's body), through
/// its JSON.
pub fn kept(model: &Model) -> super::Seen {
    let mut bytes = Vec::new();
    model
        .board()
        .write_seen(&mut bytes)
        .expect("orders are JSON");
    serde_json::from_slice(&bytes).expect("reads back")
}

/// Applies messages in order, returning every command.
pub fn run(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<crate::msg::Command> {
    msgs.into_iter().flat_map(|m| update(model, m)).collect()
}

/// A line of an order, with its id.
pub fn line(id: &str, name: &str, qty: u8) -> Item {
    Item {
        id: id.to_owned(),
        name: name.to_owned(),
        qty,
        modifiers: Vec::new(),
        notes: None,
        added_in: 1,
        voided_at: None,
        done_at: None,
    }
}

/// The parts of check `check` (number `number`), one per (id, station,
/// status), each with a line named after its station.
pub fn check(check: &str, number: i64, parts: &[(&str, &str, Status)]) -> Vec<Order> {
    let stations: Vec<&str> = parts.iter().map(|(_, s, _)| *s).collect();
    parts
        .iter()
        .map(|(id, station, status)| {
            let mut o = order(id, number, *status, 60);
            o.station = station.parse().expect("valid station");
            o.items = vec![line("1", &format!("{station} dish"), 1)];
            o.check_id = Some(check.to_owned());
            let mut also: Vec<_> = stations
                .iter()
                .filter(|s| *s != station)
                .map(|s| s.parse().expect("valid station"))
                .collect();
            also.sort();
            o.also_at = also;
            o
        })
        .collect()
}

/// `order` changed by the point of sale at `secs`: one version later.
pub fn edited(order: &Order, secs: i64, change: impl FnOnce(&mut Order)) -> Order {
    let mut next = Order {
        updated_at: at(secs),
        version: order.version + 1,
        ..order.clone()
    };
    change(&mut next);
    next
}
