//! Orders, events and models for tests, with fixed times so results are stable.

use super::{Model, ModelOptions, Thresholds};
use crate::keymap::KeyMap;
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
        station: station.to_owned(),
        thresholds: Thresholds::default(),
        keymap: KeyMap::default(),
        bell: true,
        terminal_id: "term-1".to_owned(),
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
    Msg::Net(NetEvent::Events {
        events: list,
        at: at(0),
    })
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// The ids of a column, top to bottom.
pub fn ids(model: &Model, column: usize) -> Vec<&str> {
    model.column(column).iter().map(|t| t.id.as_str()).collect()
}

/// Applies messages in order, returning every command.
pub fn run(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<crate::msg::Command> {
    msgs.into_iter().flat_map(|m| update(model, m)).collect()
}
