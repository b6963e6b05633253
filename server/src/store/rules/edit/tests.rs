use super::*;
use crate::store::rules::new_order;
use kds_protocol::Field;
use kds_protocol::{NewOrder, OrderPatch};

const T0: i64 = 1_800_000_000_000;

fn at(offset_s: i64) -> Timestamp {
    Timestamp::from_millis(T0 + offset_s * 1000)
}

fn order(items: &[&str]) -> Order {
    let items: Vec<_> = items
        .iter()
        .map(|name| serde_json::json!({"name": name, "qty": 1}))
        .collect();
    let draft =
        serde_json::from_value::<NewOrder>(serde_json::json!({"station": "grill", "items": items}))
            .unwrap()
            .validate()
            .unwrap();
    new_order(&draft, 1, None, at(0))
}

fn applied(decision: Decision) -> (Order, EventKind) {
    match decision {
        Decision::Apply(order, kind) => (order, kind),
        other => panic!("expected a change, got {other:?}"),
    }
}

fn moved(order: Order, to: Status, from: Status, t: i64) -> Order {
    applied(apply(
        order,
        &Edit::Status(StatusMove {
            to,
            from: Some(from),
        }),
        at(t),
    ))
    .0
}

fn add(names: &[&str], version: Option<i64>) -> Edit {
    Edit::AddItems {
        items: order(names)
            .items
            .iter()
            .map(|i| ItemDraft {
                name: i.name.clone(),
                qty: i.qty,
                modifiers: Vec::new(),
                notes: None,
                station: None,
            })
            .collect(),
        version,
    }
}

#[test]
fn ready_at_follows_the_status() {
    let o = moved(order(&["Burger"]), Status::Preparing, Status::Pending, 1);
    assert_eq!(o.ready_at, None);
    let o = moved(o, Status::Ready, Status::Preparing, 2);
    assert_eq!(o.ready_at, Some(at(2)));
    let o = moved(o, Status::Completed, Status::Ready, 3);
    assert_eq!(o.ready_at, Some(at(2)), "kept on the way to completed");
    let o = moved(o, Status::Ready, Status::Completed, 4);
    assert_eq!(o.ready_at, Some(at(4)), "entered ready again");
    let o = moved(o, Status::Preparing, Status::Ready, 5);
    assert_eq!(o.ready_at, None, "cleared on the way back");
    assert_eq!(o.version, 6);
}

#[test]
fn an_add_on_gets_new_ids_and_sends_finished_food_back() {
    let o = moved(
        order(&["Burger", "Fries"]),
        Status::Preparing,
        Status::Pending,
        1,
    );
    let o = moved(o, Status::Ready, Status::Preparing, 2);
    let o = moved(o, Status::Completed, Status::Ready, 3);
    let (o, kind) = applied(apply(o, &add(&["Pie", "Tea"], Some(4)), at(4)));
    assert_eq!(kind, EventKind::Updated);
    assert_eq!(o.status, Status::Preparing);
    assert_eq!(o.status_at, at(4));
    assert_eq!(o.ready_at, None);
    assert_eq!(o.version, 5);
    let ids: Vec<_> = o
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.added_in))
        .collect();
    assert_eq!(ids, [("1", 1), ("2", 1), ("3", 5), ("4", 5)]);
}

#[test]
fn an_add_on_to_a_pending_order_leaves_it_pending() {
    let (o, _) = applied(apply(order(&["Burger"]), &add(&["Pie"], None), at(1)));
    assert_eq!(o.status, Status::Pending);
    assert_eq!(o.status_at, at(0));
}

#[test]
fn a_stale_version_conflicts() {
    for edit in [
        add(&["Pie"], Some(7)),
        Edit::Patch {
            patch: OrderPatch {
                rush: Some(true),
                ..OrderPatch::default()
            },
            version: Some(2),
        },
        Edit::Void {
            reason: None,
            version: Some(9),
        },
        Edit::VoidItem {
            item_id: "1".into(),
            version: Some(3),
        },
    ] {
        assert!(
            matches!(
                apply(order(&["Burger"]), &edit, at(1)),
                Decision::Refuse(Refusal::Conflict(_))
            ),
            "{edit:?}"
        );
    }
}

#[test]
fn lines_are_limited_to_a_hundred_voided_ones_included() {
    let names: Vec<String> = (0..99).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let o = order(&names);
    let (o, _) = applied(apply(
        o,
        &Edit::VoidItem {
            item_id: "1".into(),
            version: None,
        },
        at(1),
    ));
    let (o, _) = applied(apply(o, &add(&["one more"], None), at(2)));
    assert_eq!(o.items.len(), 100);
    match apply(o, &add(&["too many"], None), at(3)) {
        Decision::Refuse(Refusal::Invalid(invalid)) => assert_eq!(invalid.field, "items"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn voiding_the_last_live_line_voids_the_order() {
    let o = order(&["Burger", "Fries"]);
    let (o, _) = applied(apply(
        o,
        &Edit::VoidItem {
            item_id: "2".into(),
            version: Some(1),
        },
        at(1),
    ));
    assert!(!o.is_voided());
    assert!(matches!(
        apply(
            o.clone(),
            &Edit::VoidItem {
                item_id: "2".into(),
                version: None
            },
            at(2)
        ),
        Decision::Same(_)
    ));
    let (o, _) = applied(apply(
        o,
        &Edit::VoidItem {
            item_id: "1".into(),
            version: None,
        },
        at(3),
    ));
    assert_eq!(o.voided_at, Some(at(3)));
    assert_eq!(o.void_reason.as_deref(), Some(ALL_LINES_VOIDED));
    assert_eq!(o.status, Status::Pending, "the status stays");
    assert!(matches!(
        apply(o, &Edit::VoidItem { item_id: "9".into(), version: None }, at(4)),
        Decision::Refuse(Refusal::ItemNotFound(id)) if id == "9"
    ));
}

#[test]
fn a_voided_order_can_only_be_cleared() {
    let o = moved(order(&["Burger"]), Status::Preparing, Status::Pending, 1);
    let (o, _) = applied(apply(
        o,
        &Edit::Void {
            reason: Some("walked out".into()),
            version: None,
        },
        at(2),
    ));
    assert_eq!(o.void_reason.as_deref(), Some("walked out"));
    assert_eq!(o.status, Status::Preparing);
    assert!(matches!(
        apply(
            o.clone(),
            &Edit::Void {
                reason: None,
                version: None
            },
            at(3)
        ),
        Decision::Same(_)
    ));
    let refused = |edit: Edit| {
        matches!(
            apply(o.clone(), &edit, at(3)),
            Decision::Refuse(Refusal::InvalidTransition { .. })
        )
    };
    assert!(refused(Edit::Status(StatusMove {
        to: Status::Ready,
        from: None
    })));
    assert!(refused(Edit::Status(StatusMove {
        to: Status::Pending,
        from: Some(Status::Preparing)
    })));
    assert!(refused(Edit::Done {
        item_id: "1".into(),
        done: true
    }));
    assert!(refused(add(&["Pie"], None)));
    assert!(refused(Edit::Patch {
        patch: OrderPatch {
            rush: Some(true),
            ..OrderPatch::default()
        },
        version: None
    }));
    // A `from` that is given must still match.
    assert!(matches!(
        apply(
            o.clone(),
            &Edit::Status(StatusMove {
                to: Status::Completed,
                from: Some(Status::Pending)
            }),
            at(3)
        ),
        Decision::Refuse(Refusal::Conflict(_))
    ));
    // From any status, with or without `from`, straight to completed.
    let (cleared, kind) = applied(apply(
        o.clone(),
        &Edit::Status(StatusMove {
            to: Status::Completed,
            from: None,
        }),
        at(4),
    ));
    assert_eq!(
        (cleared.status, kind),
        (Status::Completed, EventKind::StatusChanged)
    );
    assert!(matches!(
        apply(
            cleared,
            &Edit::Status(StatusMove {
                to: Status::Ready,
                from: Some(Status::Completed)
            }),
            at(5)
        ),
        Decision::Refuse(Refusal::InvalidTransition { .. })
    ));
}

#[test]
fn a_line_is_marked_done_once_and_never_when_voided() {
    let o = order(&["Burger", "Fries"]);
    let done = |id: &str, done| Edit::Done {
        item_id: id.into(),
        done,
    };
    let (o, kind) = applied(apply(o, &done("1", true), at(1)));
    assert_eq!(kind, EventKind::Updated);
    assert_eq!(o.items[0].done_at, Some(at(1)));
    assert!(matches!(
        apply(o.clone(), &done("1", true), at(2)),
        Decision::Same(_)
    ));
    let (o, _) = applied(apply(o, &done("1", false), at(3)));
    assert_eq!(o.items[0].done_at, None);
    let (o, _) = applied(apply(
        o,
        &Edit::VoidItem {
            item_id: "2".into(),
            version: None,
        },
        at(4),
    ));
    assert!(matches!(
        apply(o, &done("2", true), at(5)),
        Decision::Refuse(Refusal::InvalidTransition { .. })
    ));
}

#[test]
fn a_patch_that_changes_nothing_is_no_change() {
    let o = order(&["Burger"]);
    let same = OrderPatch {
        kind: Some(o.kind),
        notes: Field::Clear,
        ..OrderPatch::default()
    };
    assert!(matches!(
        apply(
            o.clone(),
            &Edit::Patch {
                patch: same,
                version: Some(1)
            },
            at(1)
        ),
        Decision::Same(_)
    ));
    let allergy = OrderPatch {
        notes: Field::Set("sesame allergy".into()),
        ..OrderPatch::default()
    };
    let (o, kind) = applied(apply(
        o,
        &Edit::Patch {
            patch: allergy,
            version: None,
        },
        at(2),
    ));
    assert_eq!(
        (o.notes.as_deref(), kind, o.version),
        (Some("sesame allergy"), EventKind::Updated, 2)
    );
}
