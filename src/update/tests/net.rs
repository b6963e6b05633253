use crate::model::fixtures::*;
use crate::model::{Column, Model, ModelOptions};
use crate::msg::{Command, ConnState, Msg, NetEvent};
use crate::update::update;
use kds_protocol::{EventKind, Status};
use std::time::Duration;

fn board() -> Model {
    let mut m = model("grill");
    let mut rush = order("c", 3, Status::Pending, 10);
    rush.rush = true;
    let commands = run(
        &mut m,
        [snapshot(
            10,
            vec![
                order("a", 1, Status::Pending, 300),
                order("b", 2, Status::Pending, 600),
                rush,
                order("d", 4, Status::Preparing, 60),
                order("e", 5, Status::Ready, 30),
            ],
            vec![
                order("y", 8, Status::Completed, 100),
                order("z", 9, Status::Completed, 50),
            ],
        )],
    );
    assert!(commands.is_empty(), "a snapshot never rings: {commands:?}");
    m
}

#[test]
fn a_snapshot_fills_the_columns_rush_first_then_oldest() {
    let m = board();
    assert_eq!(ids(&m, Column::Pending), ["c", "b", "a"]);
    assert_eq!(ids(&m, Column::Preparing), ["d"]);
    assert_eq!(ids(&m, Column::Ready), ["e"]);
    let recent: Vec<&str> = m.recall_list().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(recent, ["z", "y"], "newest first");
    assert_eq!(m.last_seq(), Some(10));
    assert_eq!(m.focused_ticket().map(|t| t.id.as_str()), Some("c"));
}

#[test]
fn a_snapshot_replaces_the_board_wholesale() {
    let mut m = board();
    run(
        &mut m,
        [snapshot(3, vec![order("q", 7, Status::Ready, 5)], vec![])],
    );
    assert!(ids(&m, Column::Pending).is_empty());
    assert_eq!(ids(&m, Column::Ready), ["q"]);
    assert!(m.recall_list().is_empty());
    // A server that restarted with a new store starts its seq over: believe it.
    assert_eq!(m.last_seq(), Some(3));
}

#[test]
fn events_apply_once_and_in_order() {
    let mut m = board();
    let a = order("a", 1, Status::Pending, 300);
    let a2 = moved(&a, Status::Preparing, 0);
    let commands = run(
        &mut m,
        [events(vec![event(
            11,
            EventKind::StatusChanged,
            a2.clone(),
        )])],
    );
    assert!(commands.is_empty());
    assert_eq!(ids(&m, Column::Preparing), ["d", "a"]);
    assert_eq!(m.last_seq(), Some(11));

    // A replay of seq 11 (or anything older, like the snapshot's 10) is ignored,
    // even if it carries an older state.
    let stale = moved(&a2, Status::Pending, 1);
    run(
        &mut m,
        [events(vec![
            event(5, EventKind::StatusChanged, stale.clone()),
            event(11, EventKind::StatusChanged, stale),
        ])],
    );
    assert_eq!(ids(&m, Column::Preparing), ["d", "a"]);
    assert_eq!(m.last_seq(), Some(11));
}

#[test]
fn an_event_older_than_what_we_hold_does_not_win() {
    let mut m = board();
    let a = order("a", 1, Status::Pending, 300);
    let newer = moved(&moved(&a, Status::Preparing, 0), Status::Ready, 1);
    let older = moved(&a, Status::Preparing, 0);
    run(
        &mut m,
        [events(vec![
            event(12, EventKind::StatusChanged, newer),
            event(13, EventKind::StatusChanged, older),
        ])],
    );
    assert_eq!(ids(&m, Column::Ready), ["e", "a"]);
    assert_eq!(m.last_seq(), Some(13));
}

#[test]
fn new_tickets_ring_the_bell_once_per_batch_when_it_is_on() {
    let mut m = board();
    let n1 = order("n1", 20, Status::Pending, 0);
    let n2 = order("n2", 21, Status::Pending, 0);
    let commands = run(
        &mut m,
        [events(vec![
            event(11, EventKind::Created, n1),
            event(12, EventKind::Created, n2),
        ])],
    );
    assert_eq!(commands, [Command::Bell]);
    // A status change is not a new ticket.
    let d = moved(&order("d", 4, Status::Preparing, 60), Status::Ready, 0);
    assert!(
        run(
            &mut m,
            [events(vec![event(13, EventKind::StatusChanged, d)])]
        )
        .is_empty()
    );
    // Bell off: silence.
    let mut quiet = Model::new(
        ModelOptions {
            bell: false,
            ..options("grill")
        },
        at(0),
    );
    let n3 = order("n3", 22, Status::Pending, 0);
    assert!(run(&mut quiet, [events(vec![event(1, EventKind::Created, n3)])]).is_empty());
}

#[test]
fn completed_orders_move_to_the_recall_list_capped_at_twenty() {
    let mut m = board();
    let e = order("e", 5, Status::Ready, 30);
    run(
        &mut m,
        [events(vec![event(
            11,
            EventKind::StatusChanged,
            moved(&e, Status::Completed, 0),
        )])],
    );
    assert!(ids(&m, Column::Ready).is_empty());
    assert_eq!(m.recall_list()[0].id, "e");
    let many: Vec<_> = (0..25)
        .map(|i| {
            let o = order(&format!("x{i}"), 100 + i, Status::Ready, 0);
            event(
                20 + i,
                EventKind::StatusChanged,
                moved(&o, Status::Completed, i),
            )
        })
        .collect();
    run(&mut m, [events(many)]);
    assert_eq!(m.recall_list().len(), 20);
    assert_eq!(m.recall_list()[0].id, "x24");
}

#[test]
fn other_stations_are_ignored_except_in_the_expo_view() {
    let mut other = order("o", 50, Status::Pending, 0);
    other.station = "bar".parse().unwrap();
    let mut m = board();
    run(
        &mut m,
        [events(vec![event(11, EventKind::Created, other.clone())])],
    );
    assert_eq!(ids(&m, Column::Pending), ["c", "b", "a"]);
    assert_eq!(m.last_seq(), Some(11), "the seq still counts as seen");

    let mut expo = model("all");
    assert!(expo.is_expo());
    run(
        &mut expo,
        [events(vec![event(11, EventKind::Created, other)])],
    );
    assert_eq!(ids(&expo, Column::Pending), ["o"]);
}

#[test]
fn resuming_after_a_snapshot_skips_what_it_already_holds() {
    let mut m = model("grill");
    let a = order("a", 1, Status::Pending, 0);
    let a_ready = moved(&moved(&a, Status::Preparing, 1), Status::Ready, 2);
    run(&mut m, [snapshot(7, vec![a_ready.clone()], vec![])]);
    // The server replays from an older cursor: 6 and 7 are in the snapshot already.
    let replay = vec![
        event(6, EventKind::StatusChanged, moved(&a, Status::Preparing, 1)),
        event(7, EventKind::StatusChanged, a_ready.clone()),
        event(
            8,
            EventKind::StatusChanged,
            moved(&a_ready, Status::Completed, 3),
        ),
    ];
    run(&mut m, [events(replay)]);
    assert!(ids(&m, Column::Ready).is_empty());
    assert_eq!(m.recall_list()[0].id, "a");
    assert_eq!(m.last_seq(), Some(8));
}

#[test]
fn focus_stays_on_its_ticket_and_falls_to_the_neighbour() {
    let mut m = board();
    run(&mut m, [ch('j')]);
    assert_eq!(m.focused_ticket().unwrap().id, "b");
    // A rush order arrives above it (after the older rush c): the focus stays on b.
    let mut r = order("r", 30, Status::Pending, 0);
    r.rush = true;
    run(&mut m, [events(vec![event(11, EventKind::Created, r)])]);
    assert_eq!(ids(&m, Column::Pending), ["c", "r", "b", "a"]);
    assert_eq!(m.focused_ticket().unwrap().id, "b");
    // b is bumped elsewhere: the ticket that took its place gets the focus.
    let b = moved(&order("b", 2, Status::Pending, 600), Status::Preparing, 0);
    run(
        &mut m,
        [events(vec![event(12, EventKind::StatusChanged, b)])],
    );
    assert_eq!(m.focused_ticket().unwrap().id, "a");
    // The last one leaves: focus moves up.
    let a = moved(&order("a", 1, Status::Pending, 300), Status::Preparing, 0);
    run(
        &mut m,
        [events(vec![event(13, EventKind::StatusChanged, a)])],
    );
    assert_eq!(m.focused_ticket().unwrap().id, "r");
}

#[test]
fn timers_follow_the_server_clock_when_the_local_one_is_wrong() {
    // The Pi thinks it is 1970; the server's events say otherwise.
    let boot = kds_protocol::Timestamp::from_millis(5_000);
    let mut m = Model::new(options("grill"), boot);
    let a = order("a", 1, Status::Pending, 120);
    let created = event(1, EventKind::Created, moved(&a, Status::Pending, 0));
    // Heard one second after the event happened (network delay).
    update(
        &mut m,
        Msg::Net(NetEvent::Events {
            events: vec![created],
            at: kds_protocol::Timestamp::from_millis(6_000),
        }),
    );
    update(
        &mut m,
        Msg::Tick(kds_protocol::Timestamp::from_millis(36_000)),
    );
    update(
        &mut m,
        Msg::Tick(kds_protocol::Timestamp::from_millis(66_000)),
    );
    let ticket = &m.column(Column::Pending)[0];
    let elapsed = m.elapsed_since(ticket.since);
    // One minute on the local clock since we heard it, plus the unknown delay.
    assert_eq!(elapsed, Duration::from_secs(60));
}

#[test]
fn hostile_text_is_cleaned_as_it_arrives() {
    let mut m = model("grill");
    let mut evil = order("a", 1, Status::Pending, 0);
    evil.notes = Some("\u{1b}[2J\u{1b}]52;c;AAAA\u{7}NUTS".to_owned());
    evil.items[0].name = "Burger\u{1b}[31m".to_owned();
    evil.customer = Some("Bob\r\nX".to_owned());
    run(&mut m, [events(vec![event(1, EventKind::Created, evil)])]);
    let order = m.order("a").unwrap();
    assert_eq!(order.notes.as_deref(), Some("[2J]52;c;AAAANUTS"));
    assert_eq!(order.items[0].name, "Burger[31m");
    assert_eq!(order.customer.as_deref(), Some("Bob  X"));
    update(
        &mut m,
        Msg::Net(NetEvent::Connection(ConnState::Unauthorized {
            message: "bad\u{1b}[5mtoken".to_owned(),
        })),
    );
    assert_eq!(
        m.connection(),
        &ConnState::Unauthorized {
            message: "bad[5mtoken".to_owned()
        }
    );
}

#[test]
fn link_state_heard_and_queue_are_recorded() {
    let mut m = model("grill");
    assert_eq!(m.last_heard(), None);
    let live = ConnState::Live {
        server: "http://kds:8080".to_owned(),
    };
    run(
        &mut m,
        [
            Msg::Net(NetEvent::Connection(live.clone())),
            Msg::Net(NetEvent::Heard(at(3))),
            Msg::Net(NetEvent::Heard(at(2))),
            Msg::Net(NetEvent::Queued(4)),
        ],
    );
    assert_eq!(m.connection(), &live);
    assert_eq!(m.last_heard(), Some(at(3)), "never goes back in time");
    assert_eq!(m.queued(), 4);
    run(
        &mut m,
        [Msg::Net(NetEvent::QueueUnreadable {
            kept_at: "/var/lib/kds/queue.json.bad".to_owned(),
        })],
    );
    let message = m.footer_message().unwrap();
    assert!(message.text.contains("queue.json.bad"), "{message:?}");
}

#[test]
fn footer_messages_expire_with_time() {
    let mut m = board();
    run(&mut m, [ch('u')]);
    assert_eq!(m.footer_message().unwrap().text, "nothing to undo");
    update(&mut m, Msg::Tick(at(5)));
    assert!(m.footer_message().is_some());
    update(&mut m, Msg::Tick(at(7)));
    assert!(m.footer_message().is_none());
}
