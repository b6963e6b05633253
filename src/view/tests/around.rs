//! What the screen shows around the tickets: the all-day counts (beside
//! the columns or over them), the speed of service in the header, and a
//! read-only screen's footer; in colour, and in ASCII without colour.

use super::*;
use insta::assert_snapshot;
use kds_protocol::StationStats;

fn stats() -> Msg {
    Msg::Net(NetEvent::Stats(Some(StationStats {
        window_s: 3600,
        completed: 23,
        avg_ready_s: Some(432.4),
        p90_ready_s: Some(700.0),
        open: 6,
        late: 2,
    })))
}

/// The kitchen with modifiers counted and a few more burgers.
fn counting(modifiers: bool) -> Model {
    let mut m = crate::model::Model::new(
        crate::model::ModelOptions {
            all_day_modifiers: modifiers,
            ..crate::model::ModelOptions::new("grill", "t")
        },
        at(0),
    );
    let mut orders = kitchen_orders();
    orders[1].items.push(item("Burger", 3, &["no onion"], None));
    run(
        &mut m,
        [
            snapshot(100, orders, completed()),
            Msg::Net(NetEvent::Connection(ConnState::Live {
                server: "http://kds.local:8080".to_owned(),
            })),
            Msg::Tick(at(5)),
        ],
    );
    m
}

#[test]
fn all_day_counts_the_open_lines_largest_first() {
    let m = counting(true);
    let counts: Vec<(String, u32)> = m
        .all_day_counts()
        .iter()
        .map(|c| (c.name.clone(), c.qty))
        .collect();
    assert_eq!(counts[0], ("Spring rolls".to_owned(), 12));
    // 2 on #41, 3 added to #42, and one each on #39 and #35.
    assert_eq!(counts[1], ("Burger".to_owned(), 7));
    let burger = &m.all_day_counts()[1];
    assert_eq!(burger.modifiers[0], ("no onion".to_owned(), 5));
    assert_eq!(burger.modifiers[1], ("extra cheese".to_owned(), 2));
    // Without the setting, no modifiers.
    assert!(
        counting(false)
            .all_day_counts()
            .iter()
            .all(|c| c.modifiers.is_empty())
    );
}

#[test]
fn all_day_leaves_out_voided_and_done_lines_and_follows_live() {
    let mut m = model("grill");
    let mut a = order("a", 1, Status::Pending, 10);
    a.items = vec![
        line("1", "Fries", 2),
        line("2", "Fries", 1),
        line("3", "Shake", 1),
    ];
    a.items[1].voided_at = Some(at(-1));
    let mut v = order("v", 2, Status::Pending, 10);
    v.items = vec![line("1", "Fries", 9)];
    v.voided_at = Some(at(-1));
    run(&mut m, [snapshot(1, vec![a.clone(), v], vec![])]);
    let fries = |m: &Model| {
        m.all_day_counts()
            .iter()
            .find(|c| c.name == "Fries")
            .map(|c| c.qty)
    };
    assert_eq!(fries(&m), Some(2));
    let mut done = a.clone();
    done.version += 1;
    done.items[0].done_at = Some(at(1));
    run(
        &mut m,
        [events(vec![event(
            2,
            kds_protocol::EventKind::Updated,
            done,
        )])],
    );
    assert_eq!(fries(&m), None, "done lines are made");
}

#[test]
fn the_all_day_panel_beside_and_over_the_columns() {
    let mut m = counting(true);
    run(&mut m, [ch('a'), Msg::Resize(80, 24)]);
    assert_snapshot!("all_day_80x24", draw(&m, &Theme::new(false, true), 80, 24));
    assert_snapshot!(
        "all_day_ascii_mono_80x24",
        draw(&m, &Theme::new(true, false), 80, 24)
    );
    // Over the columns, the keys only close it: Enter bumps nothing.
    assert!(update(&mut m, key(crossterm::event::KeyCode::Enter)).is_empty());
    run(&mut m, [Msg::Resize(200, 50)]);
    assert_snapshot!(
        "all_day_200x50",
        draw(&m, &Theme::new(false, true), 200, 50)
    );
    // Beside them, the board works as ever.
    assert!(!update(&mut m, key(crossterm::event::KeyCode::Enter)).is_empty());
    run(&mut m, [ch('a')]);
    assert!(m.all_day().is_none());
}

#[test]
fn the_header_shows_the_speed_of_service_while_the_server_answers() {
    let mut m = kitchen("grill");
    run(&mut m, [stats()]);
    assert_snapshot!(
        "stats_header_80x24",
        draw(&m, &Theme::new(false, true), 80, 24)
    );
    assert_snapshot!(
        "stats_header_ascii_mono_200x50",
        draw(&m, &Theme::new(true, false), 200, 50)
    );
    let header = |m: &Model| lines(draw(m, &Theme::new(false, true), 80, 24).buffer())[0].clone();
    assert!(
        header(&m).contains("last hour: avg 07:12 · p90 11:40 · 23 done · 2 late"),
        "{}",
        header(&m)
    );
    // Unreachable: hidden, not shown stale.
    run(
        &mut m,
        [Msg::Net(NetEvent::Connection(ConnState::Offline {
            retry_at: at(9),
        }))],
    );
    assert!(!header(&m).contains("avg"), "{}", header(&m));
    run(
        &mut m,
        [Msg::Net(NetEvent::Connection(ConnState::Live {
            server: "s".into(),
        }))],
    );
    assert!(header(&m).contains("avg"));
    // Not heard again for over a minute: hidden too.
    run(&mut m, [Msg::Tick(at(90))]);
    assert!(!header(&m).contains("avg"), "{}", header(&m));
}

#[test]
fn a_viewer_screen_says_read_only_and_its_keys_change_nothing() {
    let mut m = kitchen("grill");
    run(&mut m, [Msg::Net(NetEvent::Session { read_only: true })]);
    assert_snapshot!(
        "read_only_80x24",
        draw(&m, &Theme::new(false, true), 80, 24)
    );
    assert_snapshot!(
        "read_only_ascii_mono_200x50",
        draw(&m, &Theme::new(true, false), 200, 50)
    );
    for keys in [
        vec![key(crossterm::event::KeyCode::Enter)],
        vec![ch('1')],
        vec![ch('u')],
        vec![ch('i'), ch('d')],
        vec![ch('r'), key(crossterm::event::KeyCode::Enter)],
    ] {
        assert!(run(&mut m, keys).is_empty());
        assert!(m.pending_actions().is_empty());
    }
    assert!(m.footer_message().unwrap().text.contains("read-only"));
    // Moving about, help, recall and the all-day counts still work.
    run(&mut m, [key(crossterm::event::KeyCode::Esc), ch('j')]);
    assert_eq!(m.selected_index(crate::model::Column::Pending), 1);
    run(&mut m, [ch('a')]);
    assert!(m.all_day().is_some());
    // `--read-only` does the same with any token.
    let mut own = crate::model::Model::new(
        crate::model::ModelOptions {
            read_only: true,
            ..crate::model::ModelOptions::new("grill", "t")
        },
        at(0),
    );
    run(&mut own, [snapshot(1, kitchen_orders(), vec![])]);
    assert!(run(&mut own, [key(crossterm::event::KeyCode::Enter)]).is_empty());
    assert!(own.footer_message().unwrap().text.contains("--read-only"));
}
