//! The guests' pickup board: numbers being prepared and ready, in big
//! digits, at 80x24 and 200x50, in colour and in ASCII without colour.

use super::*;
use crate::view::board;
use insta::assert_snapshot;

/// Eleven orders: pending, preparing, ready (one just now), a voided one.
fn dining_room() -> Model {
    let mut m = model("grill");
    let mut orders = Vec::new();
    for (i, status, age) in [
        (101, Status::Pending, 30),
        (102, Status::Pending, 20),
        (103, Status::Preparing, 200),
        (104, Status::Preparing, 100),
        (95, Status::Ready, 300),
        (97, Status::Ready, 120),
        (99, Status::Ready, 5),
    ] {
        let mut o = order(&format!("o{i}"), i, status, age);
        o.customer = Some(format!("Guest {i}"));
        orders.push(o);
    }
    let mut gone = order("v", 100, Status::Pending, 10);
    gone.voided_at = Some(at(-1));
    orders.push(gone);
    run(&mut m, [snapshot(1, orders, vec![]), Msg::Tick(at(0))]);
    m
}

fn draw_board(model: &Model, theme: &Theme, width: u16, height: u16, names: bool) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            let area = frame.area();
            board::draw(frame.buffer_mut(), area, model, theme, names);
        })
        .unwrap();
    terminal.backend().clone()
}

#[test]
fn the_pickup_board_in_big_digits() {
    let m = dining_room();
    let color = Theme::new(false, true);
    let mono = Theme::new(true, false);
    assert_snapshot!("pickup_80x24", draw_board(&m, &color, 80, 24, false));
    assert_snapshot!(
        "pickup_ascii_mono_80x24",
        draw_board(&m, &mono, 80, 24, false)
    );
    assert_snapshot!("pickup_200x50", draw_board(&m, &color, 200, 50, true));
    assert_snapshot!(
        "pickup_ascii_mono_200x50",
        draw_board(&m, &mono, 200, 50, true)
    );
}

#[test]
fn the_pickup_board_shows_every_number_once_and_never_a_voided_one() {
    let m = dining_room();
    let text = lines(draw_board(&m, &Theme::new(true, false), 200, 50, true).buffer()).join("\n");
    for name in ["Guest 95", "Guest 97", "Guest 99", "Guest 101", "Guest 104"] {
        assert_eq!(text.matches(name).count(), 1, "{name}:\n{text}");
    }
    assert!(!text.contains("Guest 100"), "voided");
    // Without show_names, no names.
    let text = lines(draw_board(&m, &Theme::new(true, false), 200, 50, false).buffer()).join("\n");
    assert!(!text.contains("Guest"), "{text}");
    // The newest ready number (99) comes first, highlighted; an older one is not.
    let backend = draw_board(&m, &Theme::new(false, false), 200, 50, true);
    let rows = lines(backend.buffer());
    let (y, row) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.contains("Guest 99"))
        .unwrap();
    let x = row[..row.find("Guest 99").unwrap()].chars().count() as u16;
    let ready_x = rows[0].find("READY").unwrap();
    assert!(
        usize::from(x) < ready_x + 20,
        "99 leads the ready pane: {row}"
    );
    assert!(
        backend.buffer()[(x, y as u16)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
    let (y, row) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.contains("Guest 95"))
        .unwrap();
    let x = row[..row.find("Guest 95").unwrap()].chars().count() as u16;
    assert!(
        !backend.buffer()[(x, y as u16)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

#[test]
fn too_many_numbers_say_how_many_more() {
    let mut m = model("grill");
    let orders: Vec<_> = (0..60)
        .map(|i| order(&format!("p{i}"), 1000 + i, Status::Pending, 60 - i))
        .collect();
    run(&mut m, [snapshot(1, orders, vec![])]);
    let text = lines(draw_board(&m, &Theme::new(false, true), 80, 24, false).buffer()).join("\n");
    assert!(text.contains("more"), "{text}");
}
