//! Optimistic actions: shown at once, then settled by the server's answer.

use crate::model::fixtures::*;
use crate::model::{Column, Level, Model};
use crate::msg::{Action, ActionOutcome, Command, Msg, NetEvent, Step};
use crate::update::update;
use crossterm::event::KeyCode;
use kds_protocol::{EventKind, Order, Status, validate_idempotency_key};

/// One pending (a), one preparing (b), one ready (c).
fn board() -> (Model, [Order; 3]) {
    let orders = [
        order("a", 1, Status::Pending, 30),
        order("b", 2, Status::Preparing, 20),
        order("c", 3, Status::Ready, 10),
    ];
    let mut m = model("grill");
    run(&mut m, [snapshot(10, orders.to_vec(), vec![])]);
    (m, orders)
}

fn sent(commands: &[Command]) -> Action {
    match commands {
        [Command::Send(action)] => action.clone(),
        other => panic!("expected one Send, got {other:?}"),
    }
}

fn done(id: &str, outcome: ActionOutcome) -> Msg {
    Msg::Net(NetEvent::ActionDone {
        id: id.to_owned(),
        outcome,
    })
}

#[test]
fn a_bump_shows_at_once_with_a_pending_mark() {
    let (mut m, _) = board();
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    assert_eq!(action.order_id, "a");
    assert_eq!(action.number, 1);
    assert_eq!(
        action.step,
        Step::Bump {
            from: Status::Pending,
            to: Status::Preparing
        }
    );
    assert_eq!(action.made_at, at(0));
    assert_eq!(action.idempotency_key, action.id);
    assert!(validate_idempotency_key(&action.idempotency_key).is_ok());
    assert!(action.id.starts_with("term-1-"), "{}", action.id);

    assert!(ids(&m, Column::Pending).is_empty());
    let ticket = m
        .column(Column::Preparing)
        .iter()
        .find(|t| t.id == "a")
        .unwrap();
    assert!(ticket.pending);
    assert_eq!(ticket.status, Status::Preparing);
    assert_eq!(m.pending_actions(), [action]);
    // Its timer starts now, not when the server saw it pending.
    assert_eq!(m.elapsed_since(ticket.since).as_secs(), 0);
}

#[test]
fn action_ids_are_unique_and_deterministic() {
    let (mut m, _) = board();
    let first = sent(&update(&mut m, ch('1')));
    update(&mut m, ch('l'));
    let second = sent(&update(&mut m, ch(' ')));
    assert_ne!(first.id, second.id);
    let (mut again, _) = board();
    assert_eq!(sent(&update(&mut again, ch('1'))).id, first.id);
}

#[test]
fn applied_clears_the_mark_and_takes_the_servers_order() {
    let (mut m, [a, ..]) = board();
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    let server = moved(&a, Status::Preparing, 1);
    update(
        &mut m,
        done(&action.id, ActionOutcome::Applied(server.clone())),
    );
    assert!(m.pending_actions().is_empty());
    let ticket = m
        .column(Column::Preparing)
        .iter()
        .find(|t| t.id == "a")
        .unwrap();
    assert!(!ticket.pending);
    assert_eq!(ticket.since, server.status_at);
    assert_eq!(m.order("a").unwrap().version, 2);
    assert!(m.footer_message().is_none());
}

#[test]
fn a_conflict_shows_the_servers_state_and_says_so() {
    let (mut m, [a, ..]) = board();
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    // Another station took it all the way to Ready.
    let theirs = moved(&moved(&a, Status::Preparing, 0), Status::Ready, 1);
    update(&mut m, done(&action.id, ActionOutcome::Conflict(theirs)));
    assert!(m.pending_actions().is_empty());
    assert!(ids(&m, Column::Preparing).iter().all(|id| *id != "a"));
    assert!(ids(&m, Column::Ready).contains(&"a"));
    let message = m.footer_message().unwrap();
    assert_eq!(
        message.text,
        "#1 was already moved to Ready by another station"
    );
    assert_eq!(message.level, Level::Error);
    // The failed bump is not undoable.
    update(&mut m, ch('u'));
    assert_eq!(m.footer_message().unwrap().text, "nothing to undo");
}

#[test]
fn a_rejection_reverts_and_says_why() {
    let (mut m, _) = board();
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    update(
        &mut m,
        done(
            &action.id,
            ActionOutcome::Rejected("order not found".to_owned()),
        ),
    );
    assert!(m.pending_actions().is_empty());
    assert_eq!(ids(&m, Column::Pending), ["a"]);
    assert!(!m.column(Column::Pending)[0].pending);
    assert_eq!(
        m.footer_message().unwrap().text,
        "#1: bump refused: order not found"
    );
}

#[test]
fn the_server_wins_once_our_answer_arrives() {
    let (mut m, [a, ..]) = board();
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    // While ours is in flight, an event says another station moved it on to
    // Ready. Until our answer arrives, our guess stays on screen.
    let theirs = moved(&moved(&a, Status::Preparing, 0), Status::Ready, 1);
    run(
        &mut m,
        [events(vec![event(
            11,
            EventKind::StatusChanged,
            theirs.clone(),
        )])],
    );
    let ticket = m
        .column(Column::Preparing)
        .iter()
        .find(|t| t.id == "a")
        .unwrap();
    assert!(ticket.pending);
    // The answer is a conflict carrying an older copy than the event's: the
    // newer one (the event's) is what shows.
    let older = moved(&a, Status::Preparing, 0);
    update(&mut m, done(&action.id, ActionOutcome::Conflict(older)));
    assert!(ids(&m, Column::Ready).contains(&"a"));
    assert_eq!(m.order("a").unwrap(), &theirs);
}

#[test]
fn our_own_event_before_our_answer_changes_nothing_visible() {
    let (mut m, [a, ..]) = board();
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    let ours = moved(&a, Status::Preparing, 0);
    run(
        &mut m,
        [events(vec![event(
            11,
            EventKind::StatusChanged,
            ours.clone(),
        )])],
    );
    assert!(ids(&m, Column::Preparing).contains(&"a"));
    update(&mut m, done(&action.id, ActionOutcome::Applied(ours)));
    assert!(ids(&m, Column::Preparing).contains(&"a"));
    assert!(m.column(Column::Preparing).iter().all(|t| !t.pending));
}

#[test]
fn a_snapshot_keeps_pending_actions_on_top() {
    let (mut m, orders) = board();
    sent(&update(&mut m, key(KeyCode::Enter)));
    run(&mut m, [snapshot(12, orders.to_vec(), vec![])]);
    let ticket = m
        .column(Column::Preparing)
        .iter()
        .find(|t| t.id == "a")
        .unwrap();
    assert!(ticket.pending);
    assert!(ids(&m, Column::Pending).is_empty());
}

#[test]
fn undo_walks_back_the_last_bump_made_here() {
    let (mut m, _) = board();
    let bump = sent(&update(&mut m, key(KeyCode::Enter)));
    let undo = sent(&update(&mut m, key(KeyCode::Backspace)));
    assert_eq!(undo.order_id, "a");
    assert_eq!(
        undo.step,
        Step::Undo {
            from: Status::Preparing,
            to: Status::Pending
        }
    );
    assert_ne!(undo.id, bump.id);
    // Both still in flight, applied in order: the ticket is back, pending.
    assert_eq!(ids(&m, Column::Pending), ["a"]);
    assert!(m.column(Column::Pending)[0].pending);
    assert_eq!(m.pending_actions().len(), 2);
    // Only one bump was made: a second undo has nothing to do.
    assert!(update(&mut m, ch('u')).is_empty());
}

#[test]
fn undo_refuses_when_the_order_has_moved_on() {
    let (mut m, [a, ..]) = board();
    let bump = sent(&update(&mut m, key(KeyCode::Enter)));
    let ours = moved(&a, Status::Preparing, 0);
    update(&mut m, done(&bump.id, ActionOutcome::Applied(ours.clone())));
    let on = moved(&ours, Status::Ready, 1);
    run(
        &mut m,
        [events(vec![event(11, EventKind::StatusChanged, on)])],
    );
    assert!(update(&mut m, ch('u')).is_empty());
    assert_eq!(
        m.footer_message().unwrap().text,
        "#1 has moved on to Ready since; nothing undone"
    );
}

#[test]
fn bumping_from_ready_completes_and_undo_brings_it_back() {
    let (mut m, _) = board();
    run(&mut m, [ch('l'), ch('l')]);
    let bump = sent(&update(&mut m, key(KeyCode::Enter)));
    assert_eq!(
        bump.step.status_move(),
        Some((Status::Ready, Status::Completed))
    );
    assert!(ids(&m, Column::Ready).is_empty());
    assert_eq!(m.recall_list()[0].id, "c");
    assert!(m.recall_list()[0].pending);
    let undo = sent(&update(&mut m, ch('u')));
    assert_eq!(
        undo.step.status_move(),
        Some((Status::Completed, Status::Ready))
    );
    assert_eq!(ids(&m, Column::Ready), ["c"]);
}

#[test]
fn recall_brings_a_completed_order_back_to_ready_and_focuses_it() {
    let mut m = model("grill");
    let done_order = order("z", 9, Status::Completed, 40);
    run(
        &mut m,
        [snapshot(
            5,
            vec![order("a", 1, Status::Pending, 0)],
            vec![done_order],
        )],
    );
    update(&mut m, ch('r'));
    assert_eq!(m.overlay(), crate::model::Overlay::Recall);
    let action = sent(&update(&mut m, key(KeyCode::Enter)));
    assert_eq!(
        action.step,
        Step::Recall {
            from: Status::Completed,
            to: Status::Ready
        }
    );
    assert_eq!(action.order_id, "z");
    assert_eq!(m.overlay(), crate::model::Overlay::None);
    assert_eq!(ids(&m, Column::Ready), ["z"]);
    assert_eq!(m.focused_column(), Column::Ready);
    assert_eq!(m.focused_ticket().unwrap().id, "z");
    assert!(m.recall_list().is_empty());
}

#[test]
fn restored_actions_show_as_pending() {
    let (mut m, _) = board();
    let restored = Action {
        id: "term-1-1-7".to_owned(),
        order_id: "b".to_owned(),
        number: 2,
        step: Step::Bump {
            from: Status::Preparing,
            to: Status::Ready,
        },
        idempotency_key: "term-1-1-7".to_owned(),
        made_at: at(-5),
    };
    let restore = || Msg::Net(NetEvent::Restored(vec![restored.clone()]));
    run(&mut m, [restore(), restore()]);
    assert_eq!(m.pending_actions().len(), 1, "restored once, not twice");
    // Its timer runs from when it was made (5 s ago), younger than c (10 s).
    assert_eq!(ids(&m, Column::Ready), ["c", "b"]);
    assert!(m.column(Column::Ready)[1].pending);
}
