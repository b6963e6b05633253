//! View tests: whole screens as insta snapshots of ratatui's `TestBackend`
//! (text only, styles are checked separately), and properties every screen
//! must have (nothing hidden silently, no control characters, cheap to draw).

mod around;
mod changes;
mod pickup;
mod properties;
mod screens;

use super::{Theme, render};
use crate::model::Model;
use crate::model::fixtures::*;
use crate::msg::{ConnState, Msg, NetEvent};
use crate::update::update;
use kds_protocol::{Item, Kind, Order, Status};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// Draws the model on a `width` x `height` test terminal.
fn draw(model: &Model, theme: &Theme, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, model, theme)).unwrap();
    terminal.backend().clone()
}

/// The drawn buffer as plain lines.
fn lines(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (area.top()..area.bottom())
        .map(|y| {
            (area.left()..area.right())
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

fn item(name: &str, qty: u8, modifiers: &[&str], notes: Option<&str>) -> Item {
    // Ids are given on arrival, as a version 1.0 server's lines get them.
    Item {
        id: String::new(),
        name: name.to_owned(),
        qty,
        modifiers: modifiers.iter().map(|m| (*m).to_owned()).collect(),
        notes: notes.map(str::to_owned),
        added_in: 1,
        voided_at: None,
        done_at: None,
    }
}

/// A Saturday-night board: every kind of card, every timer colour.
fn kitchen_orders() -> Vec<Order> {
    let mut o41 = order("o41", 41, Status::Pending, 12 * 60 + 3);
    o41.items = vec![
        item(
            "Burger",
            2,
            &["no onion", "extra cheese"],
            Some("well done"),
        ),
        item("Fries", 1, &[], None),
    ];
    let mut o42 = order("o42", 42, Status::Pending, 6 * 60 + 30);
    o42.kind = Kind::Takeout;
    o42.table = None;
    o42.customer = Some("Bob".to_owned());
    o42.notes = Some("NUT ALLERGY - no sesame, clean board".to_owned());
    o42.items = vec![item("Falafel wrap", 1, &["gluten free"], None)];
    let mut o44 = order("o44", 44, Status::Pending, 41);
    o44.rush = true;
    o44.kind = Kind::Delivery;
    o44.table = None;
    o44.customer = Some("Alice Longname-Smythe".to_owned());
    o44.items = vec![
        item("Pad thai", 3, &[], None),
        item("Spring rolls", 12, &[], None),
    ];
    let mut o38 = order("o38", 38, Status::Preparing, 4 * 60 + 10);
    o38.items = vec![item("Steak frites", 1, &["medium rare"], None)];
    let o39 = order("o39", 39, Status::Preparing, 90);
    let mut o35 = order("o35", 35, Status::Ready, 70);
    o35.kind = Kind::Takeout;
    o35.table = None;
    o35.customer = Some("Dana".to_owned());
    vec![o41, o42, o44, o38, o39, o35]
}

fn completed() -> Vec<Order> {
    (0..3)
        .map(|i| {
            let mut o = order(&format!("done{i}"), 30 + i, Status::Completed, 60 * (i + 1));
            o.customer = Some(format!("Guest {i}"));
            o
        })
        .collect()
}

/// The kitchen at T0 + 5 s, live, last heard 2 s ago.
fn kitchen(station: &str) -> Model {
    let mut m = model(station);
    run(
        &mut m,
        [
            snapshot(100, kitchen_orders(), completed()),
            Msg::Net(NetEvent::Connection(ConnState::Live {
                server: "http://kds.local:8080".to_owned(),
            })),
            Msg::Net(NetEvent::Heard(at(3))),
            Msg::Tick(at(5)),
        ],
    );
    m
}

/// `count` plain pending tickets, oldest first.
fn crowd(count: usize) -> Model {
    let mut m = model("grill");
    let orders = (0..count)
        .map(|i| {
            order(
                &format!("c{i:03}"),
                100 + i as i64,
                Status::Pending,
                3000 - i as i64 * 10,
            )
        })
        .collect();
    run(&mut m, [snapshot(1, orders, vec![]), Msg::Tick(at(1))]);
    m
}

/// Sends a message and ignores the commands.
fn apply(model: &mut Model, msg: Msg) {
    let _ = update(model, msg);
}
