use super::*;
use crate::Status;
use serde_json::json;

fn order(value: serde_json::Value) -> Result<OrderDraft, Invalid> {
    serde_json::from_value::<NewOrder>(value)
        .unwrap()
        .validate()
}

fn field_of(value: serde_json::Value) -> String {
    order(value).unwrap_err().field
}

#[test]
fn a_minimal_order_gets_the_defaults() {
    let draft =
        order(json!({"station": "grill", "items": [{"name": "Burger", "qty": 2}]})).unwrap();
    assert_eq!(draft.station.as_str(), "grill");
    assert_eq!(draft.kind, Kind::DineIn);
    assert!(!draft.rush);
    assert_eq!(draft.items[0].qty, 2);
    assert!(draft.items[0].modifiers.is_empty());
}

#[test]
fn each_broken_rule_names_its_field() {
    let item = json!({"name": "Burger", "qty": 1});
    assert_eq!(field_of(json!({"items": [item]})), "station");
    assert_eq!(
        field_of(json!({"station": "all", "items": [item]})),
        "station"
    );
    assert_eq!(
        field_of(json!({"station": "Grill", "items": [item]})),
        "station"
    );
    assert_eq!(field_of(json!({"station": "grill"})), "items");
    assert_eq!(field_of(json!({"station": "grill", "items": []})), "items");
    let many: Vec<_> = (0..101).map(|_| item.clone()).collect();
    assert_eq!(
        field_of(json!({"station": "grill", "items": many})),
        "items"
    );
    for (bad, field) in [
        (json!({"qty": 1}), "items[0].name"),
        (json!({"name": "", "qty": 1}), "items[0].name"),
        (json!({"name": "x".repeat(81), "qty": 1}), "items[0].name"),
        (json!({"name": "a", "qty": 0}), "items[0].qty"),
        (json!({"name": "a", "qty": 100}), "items[0].qty"),
        (json!({"name": "a", "qty": -1}), "items[0].qty"),
        (json!({"name": "a"}), "items[0].qty"),
        (
            json!({"name": "a", "qty": 1, "modifiers": vec!["m"; 21]}),
            "items[0].modifiers",
        ),
        (
            json!({"name": "a", "qty": 1, "modifiers": ["ok", "y".repeat(81)]}),
            "items[0].modifiers[1]",
        ),
        (
            json!({"name": "a", "qty": 1, "notes": "n".repeat(201)}),
            "items[0].notes",
        ),
    ] {
        assert_eq!(field_of(json!({"station": "grill", "items": [bad]})), field);
    }
    let base = |extra: (&str, serde_json::Value)| {
        let mut v = json!({"station": "grill", "items": [item]});
        v[extra.0] = extra.1;
        field_of(v)
    };
    assert_eq!(base(("notes", json!("n".repeat(501)))), "notes");
    assert_eq!(base(("table", json!("t".repeat(33)))), "table");
    assert_eq!(base(("customer", json!("c".repeat(65)))), "customer");
    assert_eq!(base(("kind", json!("drive_thru"))), "kind");
}

#[test]
fn limits_count_characters_not_bytes() {
    let name = "é".repeat(80);
    assert!(order(json!({"station": "grill", "items": [{"name": name, "qty": 1}]})).is_ok());
}

#[test]
fn wrong_json_types_fail_to_decode() {
    for body in [
        json!({"station": 5, "items": []}),
        json!({"station": "grill", "items": "burger"}),
        json!({"station": "grill", "items": [{"name": "a", "qty": "2"}]}),
        json!({"station": "grill", "items": [{"name": "a", "qty": 1.5}]}),
        json!({"station": "grill", "items": [], "rush": "yes"}),
    ] {
        assert!(serde_json::from_value::<NewOrder>(body).is_err());
    }
}

#[test]
fn status_changes_name_real_statuses() {
    let ok = StatusChange::guarded(Status::Ready, Status::Preparing)
        .validate()
        .unwrap();
    assert_eq!(
        ok,
        StatusMove {
            to: Status::Ready,
            from: Some(Status::Preparing)
        }
    );
    let bad = StatusChange {
        status: Some("done".into()),
        from: None,
    };
    assert_eq!(bad.validate().unwrap_err().field, "status");
    let bad_from = StatusChange {
        status: Some("ready".into()),
        from: Some("x".into()),
    };
    assert_eq!(bad_from.validate().unwrap_err().field, "from");
    assert_eq!(
        StatusChange::default().validate().unwrap_err().field,
        "status"
    );
}

#[test]
fn idempotency_keys() {
    assert!(validate_idempotency_key("abc-123").is_ok());
    assert!(validate_idempotency_key(&"k".repeat(128)).is_ok());
    assert!(validate_idempotency_key("").is_err());
    assert!(validate_idempotency_key(&"k".repeat(129)).is_err());
    assert!(validate_idempotency_key("tab\there").is_err());
    assert!(validate_idempotency_key("ünïcode").is_err());
}

#[test]
fn an_order_line_may_only_name_its_own_station() {
    let ok =
        order(json!({"station": "grill", "items": [{"name": "a", "qty": 1, "station": "grill"}]}));
    assert!(ok.is_ok());
    let item = json!({"name": "a", "qty": 1});
    let bad =
        json!({"station": "grill", "items": [item, {"name": "b", "qty": 1, "station": "bar"}]});
    assert_eq!(field_of(bad), "items[1].station");
}

fn check(value: serde_json::Value) -> Result<CheckDraft, Invalid> {
    serde_json::from_value::<NewOrder>(value)
        .unwrap()
        .validate_check()
}

#[test]
fn a_check_splits_by_station_in_order_of_first_appearance() {
    let draft = check(json!({
        "station": "grill", "table": "7",
        "items": [
            {"name": "Burger", "qty": 1},
            {"name": "Cola", "qty": 2, "station": "bar"},
            {"name": "Salad", "qty": 1, "station": "cold"},
            {"name": "Fries", "qty": 1, "station": "grill"},
            {"name": "Beer", "qty": 1, "station": "bar"},
        ]
    }))
    .unwrap();
    let stations: Vec<_> = draft.parts.iter().map(|p| p.station.as_str()).collect();
    assert_eq!(stations, ["grill", "bar", "cold"]);
    let names = |i: usize| -> Vec<&str> {
        draft.parts[i]
            .items
            .iter()
            .map(|it| it.name.as_str())
            .collect()
    };
    assert_eq!(names(0), ["Burger", "Fries"]);
    assert_eq!(names(1), ["Cola", "Beer"]);
    assert!(draft.parts.iter().all(|p| p.table.as_deref() == Some("7")));
}

#[test]
fn a_check_line_needs_a_station_from_somewhere() {
    let err = check(
        json!({"items": [{"name": "Cola", "qty": 1, "station": "bar"}, {"name": "x", "qty": 1}]}),
    )
    .unwrap_err();
    assert_eq!(err.field, "items[1].station");
    let err = check(json!({"items": [{"name": "Cola", "qty": 1, "station": "all"}]})).unwrap_err();
    assert_eq!(err.field, "items[0].station");
    assert_eq!(check(json!({"station": "bar"})).unwrap_err().field, "items");
}

#[test]
fn patch_rules() {
    let patch = |v| {
        serde_json::from_value::<PatchRequest>(v)
            .unwrap()
            .validate()
    };
    let Edit::Patch { patch: p, version } =
        patch(json!({"notes": null, "kind": "takeout", "rush": true, "version": 2})).unwrap()
    else {
        panic!("a patch");
    };
    assert_eq!(p.notes, crate::request::Field::Clear);
    assert_eq!(p.kind, Some(Kind::Takeout));
    assert_eq!(p.rush, Some(true));
    assert_eq!(p.table, crate::request::Field::Keep);
    assert_eq!(version, Some(2));
    for (body, field) in [
        (json!({"kind": null}), "kind"),
        (json!({"rush": null}), "rush"),
        (json!({"kind": "drive_thru"}), "kind"),
        (json!({"notes": "n".repeat(501)}), "notes"),
        (json!({"table": "t".repeat(33)}), "table"),
        (json!({"customer": "c".repeat(65)}), "customer"),
        (json!({"version": 0}), "version"),
    ] {
        assert_eq!(patch(body).unwrap_err().field, field);
    }
}

#[test]
fn edits_name_their_fields() {
    let add = |v| {
        serde_json::from_value::<AddItemsRequest>(v)
            .unwrap()
            .validate()
    };
    assert_eq!(add(json!({})).unwrap_err().field, "items");
    assert_eq!(add(json!({"items": []})).unwrap_err().field, "items");
    assert_eq!(
        add(json!({"items": [{"name": "a", "qty": 0}]}))
            .unwrap_err()
            .field,
        "items[0].qty"
    );
    let Edit::AddItems { items, version } =
        add(json!({"items": [{"name": "Pie", "qty": 1, "station": "grill"}], "version": 4}))
            .unwrap()
    else {
        panic!("an add-on");
    };
    assert_eq!(version, Some(4));
    assert_eq!(
        items[0].station.as_ref().map(Station::as_str),
        Some("grill")
    );
    let own: Station = "bar".parse().unwrap();
    assert_eq!(
        same_station(&items, &own).unwrap_err().field,
        "items[0].station"
    );

    let void = |v| serde_json::from_value::<VoidRequest>(v).unwrap().validate();
    assert_eq!(
        void(json!({"reason": "r".repeat(201)})).unwrap_err().field,
        "reason"
    );
    assert_eq!(
        void(json!({"reason": "  "})).unwrap(),
        Edit::Void {
            reason: None,
            version: None
        }
    );
    assert_eq!(
        DoneRequest::default().validate("1").unwrap_err().field,
        "done"
    );
    assert_eq!(
        DoneRequest::new(true).validate("3").unwrap(),
        Edit::Done {
            item_id: "3".into(),
            done: true
        }
    );
    assert_eq!(
        ItemVoidRequest { version: Some(-1) }
            .validate("1")
            .unwrap_err()
            .field,
        "version"
    );
}
