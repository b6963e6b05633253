//! Fixtures shared by the client benchmarks: a model at a fixed instant and
//! orders shaped like a real kitchen's (one to three items, modifiers, the
//! odd allergy note), so the measured work is the work a cook's screen does.

// Each benchmark uses its own part of this module.
#![allow(dead_code)]

use kds::model::{Column, Model, ModelOptions};
use kds::msg::{Msg, NetEvent};
use kds::update::update;
use kds_protocol::{Event, EventKind, Item, Kind, Order, Snapshot, Status, Timestamp};

/// 2026-11-22T18:04:05.000Z: every benchmark starts here.
pub const T0: i64 = 1_795_370_645_000;
pub const STATION: &str = "grill";

pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis(T0 + secs * 1000)
}

/// An empty model of `STATION` on a `cols` x `rows` screen, in UTC.
pub fn model(cols: u16, rows: u16) -> Model {
    let options = ModelOptions::new(STATION, "bench");
    let mut model = Model::new(options, at(0));
    update(&mut model, Msg::Resize(cols, rows));
    model
}

const MENU: [(&str, &[&str]); 8] = [
    ("Cheeseburger", &["no onion", "extra pickles"]),
    ("Fries", &[]),
    ("Caesar salad", &["dressing on the side"]),
    ("Margherita pizza", &["gluten-free base"]),
    ("Grilled salmon", &["medium", "no butter"]),
    ("Chicken wings", &["hot sauce"]),
    ("Veggie wrap", &[]),
    ("Lemonade", &[]),
];

/// Order number `n` of `STATION`, in `status` since `age` seconds before T0.
pub fn order(n: i64, status: Status, age: i64) -> Order {
    let k = n as usize;
    let items = (0..=k % 3)
        .map(|i| {
            let (name, modifiers) = MENU[(k + i * 3) % MENU.len()];
            Item {
                id: (i + 1).to_string(),
                added_in: 1,
                voided_at: None,
                done_at: None,
                name: name.to_owned(),
                qty: 1 + ((k + i) % 3) as u8,
                modifiers: modifiers.iter().map(|&m| m.to_owned()).collect(),
                notes: (i == 1 && k.is_multiple_of(4)).then(|| "well done".to_owned()),
            }
        })
        .collect();
    Order {
        id: format!("order-{n:06}"),
        number: n,
        station: STATION.parse().expect("a valid station"),
        status,
        items,
        notes: k
            .is_multiple_of(7)
            .then(|| "NUT ALLERGY, no sesame".to_owned()),
        kind: [Kind::DineIn, Kind::Takeout, Kind::Delivery][k % 3],
        table: k.is_multiple_of(3).then(|| format!("{}", 1 + k % 24)),
        customer: (!k.is_multiple_of(3)).then(|| format!("Guest {n}")),
        rush: k.is_multiple_of(11),
        created_at: at(-age - 30),
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

/// `n` active orders as a busy board holds them: half pending, the rest
/// preparing or ready, their ages spread over the last twenty minutes.
pub fn board(n: usize) -> Vec<Order> {
    (0..n)
        .map(|i| {
            let status = match i % 10 {
                0..=4 => Status::Pending,
                5..=7 => Status::Preparing,
                _ => Status::Ready,
            };
            let age = 1200 - (i as i64 * 1200 / n.max(1) as i64);
            order(i as i64 + 1, status, age)
        })
        .collect()
}

pub fn snapshot(seq: i64, orders: Vec<Order>) -> Msg {
    Msg::Net(NetEvent::Snapshot {
        snapshot: Snapshot {
            seq,
            orders,
            recent: Vec::new(),
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

/// A model of `STATION` holding `board(n)`.
pub fn loaded(n: usize, cols: u16, rows: u16) -> Model {
    let mut model = model(cols, rows);
    update(&mut model, snapshot(n as i64, board(n)));
    model
}

/// The expo (`all`) on a `cols` x `rows` screen holding `orders` open orders
/// in `checks` checks, each check's parts at three or four of four stations
/// (every part of a check shares its number, as the server gives them).
pub fn expo(orders: usize, checks: usize, cols: u16, rows: u16) -> Model {
    const STATIONS: [&str; 4] = ["bar", "fry", "grill", "pastry"];
    let mut parts: Vec<Order> = board(orders);
    // Order i belongs to check i % checks; its station is the check's
    // (i / checks)th, so a check's parts are at different stations.
    let check_of = |i: usize| i % checks.max(1);
    let station_of = |i: usize| STATIONS[(i / checks.max(1) + check_of(i)) % STATIONS.len()];
    let mut at_check = std::collections::BTreeMap::<usize, Vec<&str>>::new();
    for i in 0..orders {
        at_check.entry(check_of(i)).or_default().push(station_of(i));
    }
    for (i, order) in parts.iter_mut().enumerate() {
        let check = check_of(i);
        let here = station_of(i);
        order.station = here.parse().expect("a valid station");
        order.number = check as i64 + 1;
        order.check_id = Some(format!("check-{check:04}"));
        let mut also: Vec<_> = at_check[&check]
            .iter()
            .filter(|s| **s != here)
            .map(|s| s.parse().expect("a valid station"))
            .collect();
        also.sort();
        also.dedup();
        order.also_at = also;
    }
    let options = ModelOptions::new("all", "bench");
    let mut model = Model::new(options, at(0));
    update(&mut model, Msg::Resize(cols, rows));
    update(&mut model, snapshot(orders as i64, parts));
    // The fixture is only worth measuring if the checks did group.
    let cards: usize = [Column::Pending, Column::Preparing, Column::Ready]
        .iter()
        .map(|&c| model.column(c).len())
        .sum();
    assert!(
        cards < orders,
        "{cards} cards for {orders} orders: no check grouped"
    );
    model
}

/// The same order one status further along, `secs` after T0.
pub fn advanced(order: &Order, secs: i64) -> Order {
    let status = order.status.next().unwrap_or(Status::Completed);
    Order {
        status,
        status_at: at(secs),
        updated_at: at(secs),
        version: order.version + 1,
        ..order.clone()
    }
}

/// `count` events after seq `first_seq - 1`, as a lunch rush produces them on
/// top of `start`: every third a new order, the others bump the oldest
/// order not yet completed one step (so orders flow through to completed).
pub fn rush(start: &[Order], first_seq: i64, count: usize) -> Vec<Event> {
    let mut active: std::collections::VecDeque<Order> = start.iter().cloned().collect();
    let mut next_number = start.iter().map(|o| o.number).max().unwrap_or(0) + 1;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let seq = first_seq + i as i64;
        let secs = i as i64 / 10;
        let event = if i % 3 == 0 || active.is_empty() {
            let mut new = order(next_number, Status::Pending, 0);
            new.created_at = at(secs);
            new.updated_at = at(secs);
            new.status_at = at(secs);
            next_number += 1;
            active.push_back(new.clone());
            Event {
                seq,
                kind: EventKind::Created,
                at: at(secs),
                order: new,
            }
        } else {
            let oldest = active.pop_front().expect("checked non-empty");
            let moved = advanced(&oldest, secs);
            if moved.status != Status::Completed {
                active.push_back(moved.clone());
            }
            Event {
                seq,
                kind: EventKind::StatusChanged,
                at: at(secs),
                order: moved,
            }
        };
        out.push(event);
    }
    out
}
