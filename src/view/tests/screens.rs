//! Whole-screen snapshots. Review a changed `.snap` by reading it: it is the screen.

use super::*;
use crate::msg::{ActionOutcome, Command};
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use std::fmt::Write;

fn color() -> Theme {
    Theme::new(false, true)
}

#[test]
fn board_80x24() {
    let mut m = kitchen("grill");
    // Bump #35 out of Ready: pending, so it shows in the recall list, not the board;
    // then focus the rush ticket.
    run(&mut m, [ch('l')]);
    let _ = update(&mut m, ch('j'));
    assert_snapshot!("board_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn board_200x50() {
    let mut m = kitchen("grill");
    let extra: Vec<_> = (0..9)
        .map(|i| {
            event(
                101 + i,
                kds_protocol::EventKind::Created,
                order(&format!("n{i}"), 60 + i, Status::Pending, 20 - i),
            )
        })
        .collect();
    run(&mut m, [events(extra)]);
    assert_snapshot!("board_200x50", draw(&m, &color(), 200, 50));
}

#[test]
fn board_ascii_80x24() {
    let m = kitchen("grill");
    assert_snapshot!(
        "board_ascii_80x24",
        draw(&m, &Theme::new(true, false), 80, 24)
    );
}

#[test]
fn expo_view_names_the_station() {
    let mut m = kitchen("all");
    let mut bar = order("b1", 77, Status::Pending, 15);
    bar.station = "bar".parse().unwrap();
    bar.items = vec![item("Negroni", 2, &[], None)];
    run(
        &mut m,
        [events(vec![event(
            101,
            kds_protocol::EventKind::Created,
            bar,
        )])],
    );
    assert_snapshot!("expo_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn overflow_says_more_above_and_below() {
    let mut m = crowd(12);
    // The fifth ticket is on the second page: three above, some below.
    run(&mut m, (0..5).map(|_| ch('j')));
    assert_snapshot!("overflow_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn a_card_taller_than_its_column_is_cut_with_a_count() {
    let mut m = model("grill");
    let mut big = order("big", 7, Status::Pending, 30);
    big.notes = Some("Party of 30, birthday: candles on the cake".to_owned());
    big.items = (1..=25)
        .map(|i| item(&format!("Dish number {i}"), 1, &[], None))
        .collect();
    run(&mut m, [snapshot(1, vec![big], vec![])]);
    assert_snapshot!("tall_card_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn pending_action_and_conflict_message() {
    let mut m = kitchen("grill");
    let commands = update(&mut m, key(KeyCode::Enter));
    let [Command::Send(bump)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let first = draw(&m, &color(), 80, 24);
    assert_snapshot!("pending_80x24", first);
    let theirs = moved(
        &moved(m.order(&bump.order_id).unwrap(), Status::Preparing, 1),
        Status::Ready,
        2,
    );
    apply(
        &mut m,
        Msg::Net(NetEvent::ActionDone {
            id: bump.id.clone(),
            outcome: ActionOutcome::Conflict(theirs),
        }),
    );
    assert_snapshot!("conflict_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn help_overlay() {
    let mut m = kitchen("grill");
    apply(&mut m, ch('?'));
    assert_snapshot!("help_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn recall_list() {
    let mut m = kitchen("grill");
    run(&mut m, [ch('r'), ch('j')]);
    assert_snapshot!("recall_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn too_small() {
    let m = kitchen("grill");
    assert_snapshot!("too_small_39x10", draw(&m, &color(), 39, 10));
    assert_snapshot!("too_small_20x3", draw(&m, &color(), 20, 3));
}

#[test]
fn smallest_supported_40x10() {
    let m = kitchen("grill");
    assert_snapshot!("min_40x10", draw(&m, &color(), 40, 10));
}

/// The two footer lines for every connection state.
#[test]
fn every_connection_state() {
    let states = [
        ConnState::Connecting {
            server: "http://kds.local:8080".to_owned(),
        },
        ConnState::Live {
            server: "http://kds.local:8080".to_owned(),
        },
        ConnState::Reconnecting {
            attempt: 3,
            retry_at: at(9),
        },
        ConnState::Polling {
            server: "http://kds.local:8080".to_owned(),
            interval_secs: 5,
        },
        ConnState::Offline { retry_at: at(12) },
        ConnState::Unauthorized {
            message: "unknown token".to_owned(),
        },
    ];
    let mut out = String::new();
    for state in states {
        let mut m = kitchen("grill");
        run(
            &mut m,
            [
                Msg::Net(NetEvent::Connection(state.clone())),
                Msg::Net(NetEvent::Queued(2)),
            ],
        );
        let backend = draw(&m, &color(), 80, 24);
        let drawn = lines(backend.buffer());
        writeln!(out, "{state:?}\n{}\n{}\n", drawn[22], drawn[23]).unwrap();
    }
    assert_snapshot!("connection_states", out);
}

#[test]
fn before_anything_arrives() {
    let m = model("grill");
    assert_snapshot!("empty_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn a_long_recall_list_scrolls_and_counts() {
    let mut m = model("grill");
    let recent = (0..20)
        .map(|i| {
            let mut o = order(&format!("d{i:02}"), 200 + i, Status::Completed, 30 * i);
            o.kind = kds_protocol::Kind::Takeout;
            o.table = None;
            o.customer = Some(format!("Guest {i}"));
            o
        })
        .collect();
    run(&mut m, [snapshot(1, vec![], recent), Msg::Tick(at(1))]);
    run(&mut m, [ch('r')]);
    run(&mut m, (0..17).map(|_| ch('j')));
    assert_snapshot!("recall_long_80x24", draw(&m, &color(), 80, 24));
}

#[test]
fn help_on_the_smallest_screen_keeps_the_footer() {
    let mut m = kitchen("grill");
    apply(&mut m, ch('?'));
    assert_snapshot!("help_40x10", draw(&m, &color(), 40, 10));
}

#[test]
fn the_header_clock_follows_a_summer_time_switch() {
    let mut m = kitchen("grill");
    let header = |m: &Model| lines(draw(m, &color(), 80, 24).buffer())[0].clone();
    assert!(header(&m).contains("18:04:10"), "{}", header(&m));

    let summer = chrono::FixedOffset::east_opt(3600).unwrap();
    let commands = update(&mut m, Msg::TimeZone(summer));
    assert!(commands.is_empty());
    assert!(header(&m).contains("19:04:10"), "{}", header(&m));
}

/// A display whose clock is 3 h ahead (or behind) of the server's, once an
/// answer's `Date` has said so: timers read seconds, the header shows the
/// server's time, and the footer says the clock is off.
#[test]
fn a_local_clock_off_either_way_is_corrected_and_said() {
    for shift in [3 * 3600, -2 * 3600] {
        let local = |secs: i64| at(secs + shift);
        let mut m =
            crate::model::Model::new(crate::model::ModelOptions::new("grill", "t"), local(0));
        let fresh = order("f", 5, Status::Pending, 4);
        run(
            &mut m,
            [
                Msg::Resize(80, 24),
                Msg::Net(NetEvent::ServerTime {
                    date: at(0),
                    sent: local(0),
                    received: local(0),
                }),
                snapshot(1, vec![fresh], vec![]),
                Msg::Tick(local(1)),
            ],
        );
        let text = lines(draw(&m, &color(), 80, 24).buffer()).join("\n");
        assert!(
            text.contains("00:0"),
            "{shift}: a fresh ticket reads seconds:\n{text}"
        );
        assert!(
            text.contains("18:04:0"),
            "{shift}: the server's time:\n{text}"
        );
        let hours = shift.abs() / 3600;
        assert!(
            text.contains(&format!("clock off by {hours} h")),
            "{shift}:\n{text}"
        );
    }
    // Within a minute, nothing is said.
    let m = kitchen("grill");
    let text = lines(draw(&m, &color(), 80, 24).buffer()).join("\n");
    assert!(!text.contains("clock off"), "{text}");
}
