//! Screens of orders that changed: CHANGED with NEW, VOID and changed
//! notes, a voided order, lines marked done, a part's other stations, and a
//! check gathered at the expo; in colour, and in ASCII without colour.

use super::*;
use insta::assert_snapshot;
use ratatui::style::Modifier;

/// A grill screen at T0 + 5 s where the till has been busy.
fn changed_kitchen() -> Model {
    let mut screen = model("grill");
    let mut a = order("a", 51, Status::Preparing, 200);
    a.items = vec![line("1", "Burger", 2), line("2", "Fries", 1)];
    a.notes = Some("no sesame".into());
    let mut v = order("v", 52, Status::Pending, 90);
    v.items = vec![line("1", "Steak", 1)];
    let mut d = order("d", 53, Status::Preparing, 60);
    d.items = vec![line("1", "Wings", 6), line("2", "Ribs", 1)];
    d.items[0].done_at = Some(at(-20));
    let mut p = check(
        "c9",
        54,
        &[
            ("p", "grill", Status::Pending),
            ("pb", "bar", Status::Pending),
            ("pc", "cold", Status::Pending),
        ],
    )
    .remove(0);
    p.items = vec![line("1", "Lamb chops", 2)];
    run(
        &mut screen,
        [
            snapshot(10, vec![a.clone(), v.clone(), d, p], vec![]),
            Msg::Resize(80, 24),
        ],
    );
    let a2 = edited(&a, 2, |o| {
        o.items.push(line("3", "Apple pie", 1));
        o.items[1].voided_at = Some(at(2));
        o.notes = Some("SESAME ALLERGY - severe".into());
    });
    let v2 = edited(&v, 3, |o| {
        o.voided_at = Some(at(3));
        o.void_reason = Some("guest left".into());
    });
    run(
        &mut screen,
        [
            events(vec![
                event(11, kds_protocol::EventKind::Updated, a2),
                event(12, kds_protocol::EventKind::Updated, v2),
            ]),
            Msg::Net(NetEvent::Connection(ConnState::Live {
                server: "http://kds.local:8080".to_owned(),
            })),
            Msg::Tick(at(5)),
        ],
    );
    screen
}

#[test]
fn changed_voided_and_done_tickets() {
    let m = changed_kitchen();
    assert_snapshot!("changed_80x24", draw(&m, &Theme::new(false, true), 80, 24));
    assert_snapshot!(
        "changed_ascii_mono_80x24",
        draw(&m, &Theme::new(true, false), 80, 24)
    );
}

/// Restarted while the server is away: the cards the last run held, their
/// marks with them, and a footer that says where they come from.
#[test]
fn a_display_restarted_offline_shows_what_it_kept() {
    let mut m = model("grill");
    run(
        &mut m,
        [
            Msg::Carry(kept(&changed_kitchen())),
            Msg::Resize(80, 24),
            Msg::Net(NetEvent::Connection(ConnState::Offline { retry_at: at(9) })),
            Msg::Tick(at(5)),
        ],
    );
    let screen = draw(&m, &Theme::new(false, true), 80, 24);
    assert_snapshot!("restarted_offline_80x24", screen);
    assert_snapshot!(
        "restarted_offline_ascii_mono_80x24",
        draw(&m, &Theme::new(true, false), 80, 24)
    );
}

#[test]
fn stepping_into_a_ticket_highlights_its_line() {
    let mut m = changed_kitchen();
    // Into #53 (preparing, second), down to its second line.
    run(&mut m, [ch('l'), ch('j'), ch('i'), ch('j')]);
    assert_snapshot!(
        "line_cursor_80x24",
        draw(&m, &Theme::new(false, true), 80, 24)
    );
    let backend = draw(&m, &Theme::new(true, false), 80, 24);
    let rows = lines(backend.buffer());
    let (y, row) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.contains("1x Ribs"))
        .unwrap();
    let x = row[..row.find("1x Ribs").unwrap()].chars().count() as u16;
    assert!(
        backend.buffer()[(x, y as u16)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

#[test]
fn without_colour_or_strikethrough_the_words_still_say_it() {
    let m = changed_kitchen();
    let backend = draw(&m, &Theme::new(true, false), 80, 24);
    let text = lines(backend.buffer()).join("\n");
    for word in [
        "CHANGED",
        "NEW",
        "VOID",
        "guest left",
        "DONE",
        "also: bar, cold",
    ] {
        assert!(text.contains(word), "{word}:\n{text}");
    }
    let buf = backend.buffer();
    let rows = lines(buf);
    let at_word = |needle: &str| {
        let (y, row) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.contains(needle))
            .unwrap();
        let x = row[..row.find(needle).unwrap()].chars().count() as u16;
        buf[(x, y as u16)].clone()
    };
    assert!(at_word("Fries").modifier.contains(Modifier::CROSSED_OUT));
    assert!(at_word("Steak").modifier.contains(Modifier::CROSSED_OUT));
    assert!(
        at_word("SESAME").modifier.contains(Modifier::REVERSED),
        "changed note"
    );
    assert!(!at_word("Burger").modifier.contains(Modifier::CROSSED_OUT));
}

#[test]
fn the_expo_gathers_a_check_under_its_stations() {
    let mut m = model("all");
    let mut parts = check(
        "c1",
        77,
        &[
            ("g", "grill", Status::Ready),
            ("b", "bar", Status::Ready),
            ("k", "cold", Status::Preparing),
        ],
    );
    parts[0].items = vec![line("1", "Burger", 2), line("2", "Fries", 2)];
    parts[1].items = vec![line("1", "Cola", 2)];
    parts[2].items = vec![line("1", "Caesar salad", 1)];
    parts[2].notes = Some("birthday".into());
    parts[0].notes = Some("birthday".into());
    parts[1].notes = Some("birthday".into());
    let mut lone = order("x", 78, Status::Pending, 10);
    lone.station = "fry".parse().unwrap();
    run(
        &mut m,
        [
            snapshot(10, [parts, vec![lone]].concat(), vec![]),
            Msg::Resize(80, 24),
            Msg::Tick(at(5)),
        ],
    );
    assert_snapshot!(
        "expo_check_80x24",
        draw(&m, &Theme::new(false, true), 80, 24)
    );
    assert_snapshot!(
        "expo_check_ascii_mono_80x24",
        draw(&m, &Theme::new(true, false), 80, 24)
    );
}
