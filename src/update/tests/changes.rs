//! Orders that change after they were sent: CHANGED marks and the bell,
//! voided orders, lines marked done, and checks at the expo.

use crate::model::fixtures::*;
use crate::model::{Column, Model, ModelOptions};
use crate::msg::{Command, Msg, NetEvent, Step};
use crate::update::update;
use crossterm::event::KeyCode;
use kds_protocol::{EventKind, Order, Status};

fn sends(commands: &[Command]) -> Vec<(String, Step)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Send(a) => Some((a.order_id.clone(), a.step.clone())),
            _ => None,
        })
        .collect()
}

fn updated(seq: i64, order: Order) -> Msg {
    events(vec![event(seq, EventKind::Updated, order)])
}

/// An `updated` event that arrived at `at(secs)`.
fn updated_at(seq: i64, order: Order, secs: i64) -> Msg {
    events_at(vec![event(seq, EventKind::Updated, order)], secs)
}

fn grill(orders: Vec<Order>) -> Model {
    let mut m = model("grill");
    run(&mut m, [snapshot(10, orders, vec![])]);
    m
}

#[test]
fn an_add_on_marks_the_ticket_changed_and_rings_once_per_burst() {
    let a = order("a", 1, Status::Preparing, 30);
    let b = order("b", 2, Status::Preparing, 20);
    let mut m = grill(vec![a.clone(), b.clone()]);
    let a2 = edited(&a, 1, |o| o.items.push(line("2", "Pie", 1)));
    assert_eq!(update(&mut m, updated(11, a2.clone())), [Command::Bell]);
    let marks = m.board().marks("a").expect("marked");
    assert!(marks.added.contains("2"));
    // Another change a second later: no second bell.
    let b2 = edited(&b, 2, |o| o.notes = Some("sesame allergy".into()));
    run(&mut m, [Msg::Tick(at(1))]);
    assert!(update(&mut m, updated_at(12, b2, 1)).is_empty());
    assert!(m.board().marks("b").unwrap().notes);
    // After the quiet spell, the bell again.
    run(&mut m, [Msg::Tick(at(5))]);
    let a3 = edited(&a2, 5, |o| o.items[0].voided_at = Some(at(5)));
    assert_eq!(update(&mut m, updated_at(13, a3, 5)), [Command::Bell]);
    // A line marked done elsewhere is no news: no mark, no bell.
    run(&mut m, [Msg::Tick(at(20))]);
    let b3 = edited(&m.order("b").unwrap().clone(), 20, |o| {
        o.items[0].done_at = Some(at(20));
    });
    assert!(update(&mut m, updated_at(14, b3, 20)).is_empty());
}

/// A busy display can be a tick or two behind: the quiet spell is timed on
/// when the changes arrived, so an add-on that came well after the last bell
/// rings even though no tick has moved the clock past the spell.
#[test]
fn the_quiet_spell_is_timed_on_arrival_not_on_the_last_tick() {
    let a = order("a", 1, Status::Preparing, 30);
    let mut m = grill(vec![a.clone()]);
    run(&mut m, [Msg::Tick(at(10))]);
    let a2 = edited(&a, 10, |o| o.notes = Some("no salt".into()));
    assert_eq!(
        update(&mut m, updated_at(11, a2.clone(), 10)),
        [Command::Bell]
    );
    // The ticks at 11..=13 are late; the add-on arrives at 13 all the same.
    let a3 = edited(&a2, 13, |o| o.items.push(line("2", "Olives", 1)));
    assert_eq!(
        update(&mut m, updated_at(12, a3.clone(), 13)),
        [Command::Bell]
    );
    // And within the spell of that arrival, quiet, whatever the tick says.
    run(&mut m, [Msg::Tick(at(20))]);
    let a4 = edited(&a3, 14, |o| o.notes = Some("no salt, no pepper".into()));
    assert!(update(&mut m, updated_at(13, a4, 14)).is_empty());
}

#[test]
fn the_change_bell_can_be_turned_off() {
    let a = order("a", 1, Status::Pending, 30);
    let mut m = Model::new(
        ModelOptions {
            change_bell: false,
            ..ModelOptions::new("grill", "t")
        },
        at(0),
    );
    run(&mut m, [snapshot(10, vec![a.clone()], vec![])]);
    let a2 = edited(&a, 1, |o| o.notes = Some("x".into()));
    assert!(update(&mut m, updated(11, a2)).is_empty());
    assert!(m.board().marks("a").is_some(), "still marked");
}

#[test]
fn marks_stay_until_the_cook_focuses_or_bumps_the_ticket() {
    let a = order("a", 1, Status::Pending, 30);
    let b = order("b", 2, Status::Pending, 20);
    let mut m = grill(vec![a.clone(), b.clone()]);
    let b2 = edited(&b, 1, |o| o.table = Some("9".into()));
    run(&mut m, [updated(11, b2)]);
    // The focus is on a; time passing does not clear b's mark.
    run(&mut m, [Msg::Tick(at(30))]);
    assert!(m.board().marks("b").unwrap().details);
    run(&mut m, [ch('j')]);
    assert_eq!(m.focused_ticket().unwrap().id, "b");
    assert!(m.board().marks("b").is_none(), "looked at");
    // A bump acknowledges too.
    let a2 = edited(&a, 31, |o| o.notes = Some("x".into()));
    run(&mut m, [updated(12, a2), ch('k')]);
    assert!(m.board().marks("a").is_none());
    let a3 = edited(m.order("a").unwrap(), 32, |o| o.notes = Some("y".into()));
    run(&mut m, [updated(13, a3)]);
    assert!(m.board().marks("a").is_some());
    run(&mut m, [key(KeyCode::Enter)]);
    assert!(m.board().marks("a").is_none());
}

#[test]
fn a_snapshot_after_an_outage_marks_what_changed_meanwhile() {
    let a = order("a", 1, Status::Pending, 30);
    let mut m = grill(vec![a.clone()]);
    let voided = edited(&a, 5, |o| {
        o.voided_at = Some(at(5));
        o.void_reason = Some("guest left".into());
    });
    let commands = run(&mut m, [snapshot(20, vec![voided], vec![])]);
    assert_eq!(commands, [Command::Bell]);
    assert!(m.board().marks("a").unwrap().order_voided);
}

#[test]
fn a_voided_order_stays_until_enter_clears_it_and_is_never_recalled() {
    let a = order("a", 1, Status::Preparing, 30);
    let mut m = grill(vec![a.clone()]);
    let voided = edited(&a, 1, |o| o.voided_at = Some(at(1)));
    run(&mut m, [updated(11, voided.clone()), ch('l')]);
    let ticket = m.focused_ticket().unwrap().clone();
    assert!(ticket.voided);
    assert_eq!(ticket.status, Status::Preparing, "stays where it is");
    let sent = sends(&update(&mut m, key(KeyCode::Enter)));
    assert_eq!(
        sent,
        [(
            "a".to_owned(),
            Step::Clear {
                from: Status::Preparing
            }
        )]
    );
    assert!(ids(&m, Column::Preparing).is_empty());
    // Cleared, it is completed: not in the recall list, and not undoable.
    let cleared = edited(&voided, 2, |o| o.status = Status::Completed);
    run(&mut m, [updated(12, cleared)]);
    assert!(m.recall_list().is_empty());
    assert!(update(&mut m, ch('u')).is_empty());
}

/// A preparing order of three lines, one of them voided.
fn three_lines() -> Order {
    let mut a = order("a", 1, Status::Preparing, 30);
    a.items = vec![
        line("1", "Burger", 1),
        line("2", "Fries", 1),
        line("3", "Salad", 1),
    ];
    a.items[1].voided_at = Some(at(-10));
    a
}

#[test]
fn lines_are_marked_done_from_the_keyboard() {
    let mut m = grill(vec![three_lines()]);
    run(&mut m, [ch('l'), ch('i')]);
    let (_, line) = m.line_focus().expect("stepped in");
    assert_eq!(line, (0, 0));
    // Down skips the voided line.
    run(&mut m, [ch('j')]);
    assert_eq!(m.line_focus().unwrap().1, (0, 2));
    let sent = sends(&update(&mut m, key(KeyCode::Enter)));
    assert_eq!(
        sent,
        [(
            "a".to_owned(),
            Step::Done {
                item_id: "3".into(),
                done: true
            }
        )]
    );
    assert_eq!(m.board().line_done("a", "3"), (true, true), "done, pending");
    // Again: not done any more.
    let sent = sends(&update(&mut m, ch('d')));
    assert_eq!(
        sent,
        [(
            "a".to_owned(),
            Step::Done {
                item_id: "3".into(),
                done: false
            }
        )]
    );
    // Esc steps out; Enter bumps again.
    run(&mut m, [key(KeyCode::Esc)]);
    assert!(m.line_focus().is_none());
    let sent = sends(&update(&mut m, key(KeyCode::Enter)));
    assert!(matches!(sent[0].1, Step::Bump { .. }));
}

#[test]
fn the_last_line_done_bumps_the_ticket_to_ready() {
    let mut a = three_lines();
    a.status = Status::Pending;
    let mut m = grill(vec![a]);
    run(&mut m, [ch('i'), ch('1')]);
    let sent = sends(&update(&mut m, ch('2')));
    assert_eq!(
        sent,
        [
            (
                "a".to_owned(),
                Step::Done {
                    item_id: "3".into(),
                    done: true
                }
            ),
            (
                "a".to_owned(),
                Step::Bump {
                    from: Status::Pending,
                    to: Status::Preparing
                }
            ),
            (
                "a".to_owned(),
                Step::Bump {
                    from: Status::Preparing,
                    to: Status::Ready
                }
            ),
        ]
    );
    assert_eq!(ids(&m, Column::Ready), ["a"]);
    assert!(m.line_focus().is_none(), "the ticket left the column");
}

#[test]
fn auto_bump_can_be_turned_off() {
    let mut m = Model::new(
        ModelOptions {
            auto_bump_when_done: false,
            ..ModelOptions::new("grill", "t")
        },
        at(0),
    );
    run(
        &mut m,
        [
            snapshot(10, vec![three_lines()], vec![]),
            ch('l'),
            ch('i'),
            ch('1'),
        ],
    );
    assert_eq!(sends(&update(&mut m, ch('2'))).len(), 1);
    assert_eq!(ids(&m, Column::Preparing), ["a"]);
}

fn expo_check() -> Model {
    let mut m = model("all");
    let parts = check(
        "c1",
        7,
        &[
            ("g", "grill", Status::Ready),
            ("b", "bar", Status::Ready),
            ("k", "cold", Status::Preparing),
        ],
    );
    run(&mut m, [snapshot(10, parts, vec![])]);
    m
}

#[test]
fn the_expo_shows_a_check_as_one_card_in_its_least_advanced_column() {
    let m = expo_check();
    assert_eq!(ids(&m, Column::Preparing), ["c1"]);
    assert!(ids(&m, Column::Ready).is_empty());
    let card = &m.column(Column::Preparing)[0];
    assert_eq!(card.number, 7);
    let stations: Vec<_> = card
        .parts
        .iter()
        .map(|p| m.order(&p.order_id).unwrap().station.as_str())
        .collect();
    assert_eq!(stations, ["bar", "cold", "grill"]);
    // A station sees only its part, as an ordinary card, and ignores the
    // events of the others.
    let mut grill = model("grill");
    let parts = check(
        "c1",
        7,
        &[("g", "grill", Status::Ready), ("b", "bar", Status::Ready)],
    );
    run(
        &mut grill,
        [
            snapshot(10, vec![parts[0].clone()], vec![]),
            events(vec![event(11, EventKind::Updated, parts[1].clone())]),
        ],
    );
    assert_eq!(ids(&grill, Column::Ready), ["g"]);
    assert!(!grill.column(Column::Ready)[0].is_check());
}

#[test]
fn a_bump_at_the_expo_completes_every_part_of_a_ready_check() {
    let mut m = expo_check();
    // Not ready yet: the bump moves the part that lags.
    run(&mut m, [ch('l')]);
    let sent = sends(&update(&mut m, key(KeyCode::Enter)));
    assert_eq!(
        sent,
        [(
            "k".to_owned(),
            Step::Bump {
                from: Status::Preparing,
                to: Status::Ready
            }
        )]
    );
    assert_eq!(ids(&m, Column::Ready), ["c1"], "READY once every part is");
    run(&mut m, [ch('l')]);
    let mut sent = sends(&update(&mut m, key(KeyCode::Enter)));
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    let ready_to_done = Step::Bump {
        from: Status::Ready,
        to: Status::Completed,
    };
    assert_eq!(
        sent,
        [
            ("b".to_owned(), ready_to_done.clone()),
            ("g".to_owned(), ready_to_done.clone()),
            ("k".to_owned(), ready_to_done),
        ]
    );
    assert!(ids(&m, Column::Ready).is_empty());
    // One undo walks the whole check back.
    let back = sends(&update(&mut m, ch('u')));
    assert_eq!(back.len(), 3);
    assert_eq!(ids(&m, Column::Ready), ["c1"]);
}

#[test]
fn a_voided_part_does_not_hold_the_check_back_and_is_cleared_with_it() {
    let mut m = model("all");
    let mut parts = check(
        "c2",
        8,
        &[("g", "grill", Status::Ready), ("b", "bar", Status::Pending)],
    );
    parts[1].voided_at = Some(at(-5));
    run(&mut m, [snapshot(10, parts, vec![]), ch('l'), ch('l')]);
    assert_eq!(ids(&m, Column::Ready), ["c2"]);
    let mut sent = sends(&update(&mut m, key(KeyCode::Enter)));
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sent,
        [
            (
                "b".to_owned(),
                Step::Clear {
                    from: Status::Pending
                }
            ),
            (
                "g".to_owned(),
                Step::Bump {
                    from: Status::Ready,
                    to: Status::Completed
                }
            ),
        ]
    );
}

#[test]
fn a_line_done_refused_for_a_voided_line_says_so() {
    let a = three_lines();
    let mut m = grill(vec![a.clone()]);
    run(&mut m, [ch('l'), ch('i')]);
    let commands = update(&mut m, key(KeyCode::Enter));
    let [Command::Send(action)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let voided = edited(&a, 1, |o| o.items[0].voided_at = Some(at(1)));
    run(
        &mut m,
        [Msg::Net(NetEvent::ActionDone {
            id: action.id.clone(),
            outcome: crate::msg::ActionOutcome::Conflict(voided),
        })],
    );
    assert_eq!(
        m.footer_message().unwrap().text,
        "#1: that line was voided meanwhile"
    );
    assert_eq!(m.board().line_done("a", "1"), (false, false));
}

/// A new run started with `seen`, as `kds` does at start.
fn started_with(seen: crate::model::Seen) -> Model {
    let mut after = model("grill");
    run(&mut after, [Msg::Carry(seen)]);
    after
}

/// What the last run kept, carried into a new one.
fn restarted(before: &Model) -> Model {
    started_with(kept(before))
}

/// A display restarted (a power cut, an upgrade): its first snapshot marks
/// what changed while it was off, as a reconnect's does, and the changes no
/// cook had looked at before stay marked.
#[test]
fn a_restarted_display_marks_what_changed_while_it_was_off() {
    let noted = order("a", 1, Status::Preparing, 30);
    let added = order("b", 2, Status::Pending, 20);
    let same = order("c", 3, Status::Pending, 10);
    let gone = order("d", 4, Status::Pending, 5);
    let mut before = grill(vec![
        noted.clone(),
        added.clone(),
        same.clone(),
        gone.clone(),
    ]);
    let added2 = edited(&added, 1, |o| o.items.push(line("2", "Pie", 1)));
    run(&mut before, [updated(11, added2.clone())]);

    let mut after = restarted(&before);
    assert_eq!(
        ids(&after, Column::Pending),
        ids(&before, Column::Pending),
        "what the last run held shows before the server answers"
    );
    assert_eq!(ids(&after, Column::Preparing), ["a"]);
    assert!(
        after
            .board()
            .marks("b")
            .is_some_and(|m| m.added.contains("2"))
    );
    assert_eq!(after.last_heard(), None, "nothing heard in this run");
    // Meanwhile: an allergy added to a, d completed elsewhere, e new.
    let noted2 = edited(&noted, 5, |o| o.notes = Some("sesame allergy".into()));
    let gone2 = moved(&gone, Status::Completed, 6);
    let new = order("e", 5, Status::Pending, 1);
    let commands = update(
        &mut after,
        snapshot(20, vec![noted2, added2, same, new], vec![gone2]),
    );
    assert_eq!(commands, [Command::Bell], "news: the change bell");
    let board = after.board();
    assert!(board.marks("a").is_some_and(|m| m.notes));
    assert!(board.marks("b").is_some_and(|m| m.added.contains("2")));
    for unchanged in ["c", "d", "e"] {
        assert_eq!(board.marks(unchanged), None, "{unchanged}");
    }
    assert_eq!(ids(&after, Column::Pending), ["b", "c", "e"]);
}

/// A display restarted twice while the server was away still compares with
/// what its cooks last saw.
#[test]
fn what_a_restart_carried_is_kept_until_a_snapshot_answers_it() {
    let a = order("a", 1, Status::Pending, 30);
    let before = grill(vec![a.clone()]);
    let offline = restarted(&before);
    let mut after = restarted(&offline);
    let a2 = edited(&a, 5, |o| o.table = Some("9".into()));
    run(&mut after, [snapshot(20, vec![a2], vec![])]);
    assert!(after.board().marks("a").is_some_and(|m| m.details));
}

/// Restarted while the server is away, the cooks go on from what the
/// screen held: a bump of a kept card is sent (the network task queues it)
/// and shows at once, and the server's snapshot later replaces the cards.
#[test]
fn a_display_restarted_while_the_server_is_away_bumps_what_it_kept() {
    let a = order("a", 1, Status::Pending, 30);
    let b = order("b", 2, Status::Pending, 20);
    let done = moved(&order("c", 3, Status::Ready, 40), Status::Completed, 41);
    let mut seen = kept(&grill(vec![a.clone(), b.clone()]));
    // A completed order in a file is not put back on the screen.
    seen.orders.push(done);
    let mut after = started_with(seen);
    assert_eq!(ids(&after, Column::Pending), ["a", "b"]);

    let commands = update(&mut after, key(KeyCode::Enter));
    assert_eq!(
        sends(&commands),
        [(
            "a".to_owned(),
            Step::Bump {
                from: Status::Pending,
                to: Status::Preparing
            }
        )]
    );
    assert_eq!(ids(&after, Column::Preparing), ["a"]);
    assert!(after.board().ticket("a").is_some_and(|t| t.pending));

    // The server is back: b was completed elsewhere meanwhile.
    let b2 = moved(&b, Status::Completed, 5);
    run(&mut after, [snapshot(20, vec![a], vec![b2])]);
    assert_eq!(ids(&after, Column::Pending), Vec::<&str>::new());
    assert_eq!(
        ids(&after, Column::Preparing),
        ["a"],
        "the bump still laid on top until answered"
    );
}
