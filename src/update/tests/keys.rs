//! Keys through the keymap: moving, overlays, bump-bar digits, quitting.

use crate::keymap::KeyMap;
use crate::model::fixtures::*;
use crate::model::{Column, Model, ModelOptions, Overlay};
use crate::msg::{Command, Msg};
use crate::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kds_protocol::{EventKind, Status};
use std::collections::BTreeMap;

fn board(pending: usize) -> Model {
    let mut m = model("grill");
    let orders = (0..pending)
        .map(|i| {
            order(
                &format!("p{i}"),
                i as i64 + 1,
                Status::Pending,
                1000 - i as i64,
            )
        })
        .chain([order("r1", 50, Status::Ready, 5)])
        .collect();
    run(&mut m, [snapshot(1, orders, vec![])]);
    m
}

#[test]
fn arrows_and_vim_keys_move_the_focus_within_bounds() {
    let mut m = board(3);
    assert_eq!(
        (m.focused_column(), m.focused_ticket().unwrap().id.as_str()),
        (Column::Pending, "p0")
    );
    run(&mut m, [key(KeyCode::Down), ch('j'), ch('j'), ch('j')]);
    assert_eq!(m.focused_ticket().unwrap().id, "p2", "stops at the bottom");
    run(&mut m, [key(KeyCode::Up), ch('k'), ch('k')]);
    assert_eq!(m.focused_ticket().unwrap().id, "p0", "stops at the top");
    run(&mut m, [key(KeyCode::Right)]);
    assert_eq!(m.focused_column(), Column::Preparing);
    assert!(m.focused_ticket().is_none(), "preparing is empty");
    assert!(
        update(&mut m, key(KeyCode::Enter)).is_empty(),
        "nothing to bump"
    );
    run(&mut m, [ch('l'), ch('l'), ch('l')]);
    assert_eq!(m.focused_column(), Column::Ready);
    assert_eq!(m.focused_ticket().unwrap().id, "r1");
    run(&mut m, [ch('h'), key(KeyCode::Left), ch('h')]);
    assert_eq!(m.focused_column(), Column::Pending);
    // Each column remembers its own selection.
    assert_eq!(m.selected_index(Column::Pending), 0);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut m = board(1);
    assert_eq!(update(&mut m, ch('q')), [Command::Quit]);
    assert!(m.should_quit());

    let keys: BTreeMap<String, Vec<String>> = [("quit".to_owned(), vec!["F10".to_owned()])]
        .into_iter()
        .collect();
    let mut m = Model::new(
        ModelOptions {
            keymap: KeyMap::from_bindings(&keys).unwrap(),
            ..options("grill")
        },
        at(0),
    );
    assert!(update(&mut m, ch('q')).is_empty(), "q was remapped away");
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut m, ctrl_c), [Command::Quit]);
}

#[test]
fn help_opens_and_any_key_closes_it_without_acting() {
    let mut m = board(2);
    update(&mut m, ch('?'));
    assert_eq!(m.overlay(), Overlay::Help);
    assert!(
        update(&mut m, key(KeyCode::Enter)).is_empty(),
        "Enter only closes help"
    );
    assert_eq!(m.overlay(), Overlay::None);
    assert_eq!(ids(&m, Column::Pending), ["p0", "p1"]);
    update(&mut m, ch('?'));
    update(&mut m, ch('x'));
    assert_eq!(m.overlay(), Overlay::Help, "unbound keys do nothing");
    update(&mut m, ch('?'));
    assert_eq!(m.overlay(), Overlay::None);
    // Quit works from inside an overlay.
    update(&mut m, ch('?'));
    assert_eq!(update(&mut m, ch('q')), [Command::Quit]);
}

#[test]
fn the_recall_list_moves_and_closes() {
    let mut m = model("grill");
    let recent = (0..3)
        .map(|i| order(&format!("z{i}"), 90 + i, Status::Completed, 10 * i))
        .collect();
    run(&mut m, [snapshot(1, vec![], recent)]);
    run(&mut m, [ch('r'), ch('j'), ch('j'), ch('j')]);
    assert_eq!(m.recall_index(), 2);
    run(&mut m, [ch('k')]);
    assert_eq!(m.recall_index(), 1);
    run(&mut m, [key(KeyCode::Esc)]);
    assert_eq!(m.overlay(), Overlay::None);
    run(&mut m, [ch('r')]);
    assert_eq!(m.recall_index(), 0, "reopens at the newest");
    run(&mut m, [ch('r')]);
    assert_eq!(m.overlay(), Overlay::None, "r toggles");
}

#[test]
fn digits_bump_the_nth_visible_ticket() {
    // At 80x24 a pending column has 20 rows: four 4-row cards and a "+N more" line.
    let mut m = board(8);
    update(&mut m, Msg::Resize(80, 24));
    let visible = m.page(Column::Pending).range();
    assert_eq!(visible, 0..4);
    let commands = update(&mut m, ch('2'));
    let [Command::Send(action)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(action.order_id, "p1");
    // Beyond the page: nothing happens.
    assert!(update(&mut m, ch('9')).is_empty());
    // On the next page, 1 is the first ticket of that page.
    run(&mut m, [ch('j'), ch('j'), ch('j'), ch('j')]);
    let visible = m.page(Column::Pending).range();
    assert!(visible.start > 0, "{visible:?}");
    let expected = m.column(Column::Pending)[visible.start].id.clone();
    let commands = update(&mut m, ch('1'));
    let [Command::Send(action)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(action.order_id, expected);
}

#[test]
fn releases_and_unbound_keys_do_nothing() {
    let mut m = board(2);
    let before = format!("{m:?}");
    let release = KeyEvent::new_with_kind(
        KeyCode::Enter,
        KeyModifiers::NONE,
        crossterm::event::KeyEventKind::Release,
    );
    assert!(update(&mut m, Msg::Key(release)).is_empty());
    assert!(update(&mut m, ch('z')).is_empty());
    assert_eq!(format!("{m:?}"), before);
}

#[test]
fn a_bumped_card_leaves_a_hole_that_closes_when_the_kitchen_is_still() {
    let mut m = board(4);
    update(&mut m, Msg::Resize(80, 24));
    let slot = |m: &Model, id: &str| {
        let page = m.page(Column::Pending);
        page.ids.iter().position(|i| i == id).map(|k| page.slots[k])
    };
    let before = slot(&m, "p1").unwrap();
    run(&mut m, [key(KeyCode::Enter)]);
    // p0 went; p1 stays where it was, and it is still the first visible.
    assert_eq!(slot(&m, "p1"), Some(before));
    assert!(m.layout().has_holes());
    let visible = m.page(Column::Pending).range();
    assert_eq!(m.column(Column::Pending)[visible.start].id, "p1");
    let commands = update(&mut m, ch('1'));
    let [Command::Send(action)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(action.order_id, "p1", "1 bumps the first card shown");
    // Still for a moment: not yet; still long enough: the column closes up.
    run(&mut m, [Msg::Tick(at(2))]);
    assert!(m.layout().has_holes());
    run(&mut m, [Msg::Tick(at(5))]);
    assert!(!m.layout().has_holes());
    let top = m.page(Column::Pending).slots[0];
    assert_eq!(
        slot(&m, "p2"),
        Some(top),
        "the next card moved up to the top"
    );
}

#[test]
fn holes_over_hidden_tickets_close_when_the_keys_rest_though_orders_keep_coming() {
    let mut m = board(12);
    update(&mut m, Msg::Resize(80, 24));
    assert!(
        m.page(Column::Pending).below.is_some(),
        "tickets below the fold"
    );
    let top = m.page(Column::Pending).slots[0];
    run(&mut m, [key(KeyCode::Enter)]);
    assert!(m.layout().hides_tickets_under_holes());
    // An order a second, each changing the screen: the kitchen is never
    // still, but nobody touches the keys.
    for second in 1..=3 {
        let before = m.changed_at;
        let new = order(&format!("n{second}"), 100 + second, Status::Ready, 0);
        run(
            &mut m,
            [
                Msg::Tick(at(second)),
                events_at(vec![event(1 + second, EventKind::Created, new)], second),
            ],
        );
        assert_ne!(m.changed_at, before, "the screen changed at {second} s");
        assert!(m.layout().has_holes(), "closed already at {second} s");
    }
    run(&mut m, [Msg::Tick(at(5))]);
    assert!(!m.layout().has_holes(), "still open 5 s after the last key");
    let page = m.page(Column::Pending);
    assert_eq!(
        (
            m.column(Column::Pending)[page.start].id.as_str(),
            page.slots[0]
        ),
        ("p1", top),
        "the next ticket moved up to the top"
    );
}
