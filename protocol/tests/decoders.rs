//! Bad input never panics the decoders and never slips past validation.
//!
//! Three layers: the fuzz targets' bodies over a fixed corpus of hostile
//! inputs and a seeded, deterministic run (the "short seeded fuzz run" CI
//! can afford without nightly); proptest over random bytes, random JSON and
//! mutated valid documents; and a model of the validation rules checked
//! against `NewOrder::validate` on generated orders near every limit.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used)]

mod fuzz_bodies;
mod strategies;

use kds_protocol::{
    MAX_CUSTOMER_CHARS, MAX_ITEM_NAME_CHARS, MAX_ITEM_NOTES_CHARS, MAX_ITEMS, MAX_MODIFIER_CHARS,
    MAX_MODIFIERS, MAX_NOTES_CHARS, MAX_QTY, MAX_TABLE_CHARS, NewOrder, Station,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};
use strategies::JsonShape;

/// Inputs that have broken JSON decoders before: deep nesting, odd numbers,
/// escapes, invalid UTF-8, duplicate keys, wrong types in every place.
fn corpus() -> Vec<Vec<u8>> {
    let order = valid_order_json();
    let mut texts: Vec<String> = vec![
        String::new(),
        "null".into(),
        "{}".into(),
        "[]".into(),
        "\"\"".into(),
        "{".into(),
        "{\"type\":".into(),
        "[".repeat(100_000),
        "{\"a\":".repeat(10_000),
        r#"{"type":"event","seq":1e400}"#.into(),
        r#"{"type":"event","seq":-9223372036854775809}"#.into(),
        r#"{"type":"snapshot","seq":9223372036854775807,"orders":[],"recent":[]}"#.into(),
        r#"{"type":"snapshot","seq":1,"orders":[],"recent":[],"type":"event"}"#.into(),
        r#"{"type":"\ud800","seq":1}"#.into(),
        "\u{feff}{}".into(),
        r#"{"station":"grill\u0000","items":[{"name":"a","qty":1}]}"#.into(),
        r#"{"station":"grill","items":[{"name":"a","qty":1.0}]}"#.into(),
        r#"{"station":"grill","items":[{"name":"a","qty":-0}]}"#.into(),
        r#"{"station":"grill","items":[{"name":"a","qty":99999999999999999999}]}"#.into(),
        r#"{"station":"grill","items":[{"name":" \t\n","qty":1}]}"#.into(),
        r#"{"station":"all","items":[{"name":"a","qty":1}]}"#.into(),
        r#"{"status":"ready","from":"ready"}"#.into(),
        r#"{"status":"READY"}"#.into(),
        r#"{"status":null,"from":null}"#.into(),
        "\"2026-11-22T18:04:05.123Z\"".into(),
        "\"9999-12-31T23:59:59.999-01:00\"".into(),
        "\"0000-01-01T00:00:00+01:00\"".into(),
        "\"2026-02-30T00:00:00Z\"".into(),
        "\"2026-11-22T18:04:05.123456789123Z\"".into(),
        r#"{"error":{"code":"teapot","message":""},"current":null}"#.into(),
        "x".repeat(200),
        "\u{7f}\u{80}".into(),
    ];
    for (field, bad) in [
        ("number", json!("7")),
        ("station", json!("Grill")),
        ("status", json!("done")),
        ("items", json!({})),
        ("version", json!(1.5)),
        ("created_at", json!("yesterday")),
        ("kind", json!("drive_thru")),
        ("rush", json!("yes")),
    ] {
        let mut broken = order.clone();
        broken[field] = bad;
        texts.push(json!({"type": "event", "seq": 1, "event": "created", "at": "2026-11-22T18:04:05.123Z", "order": broken}).to_string());
        texts.push(broken.to_string());
    }
    let mut bytes: Vec<Vec<u8>> = texts.into_iter().map(String::into_bytes).collect();
    bytes.push(vec![0xff, 0xfe, 0x00]);
    bytes.push(b"{\"station\":\"\xc3\x28\"}".to_vec());
    bytes.push(vec![b'"'; 4096]);
    bytes
}

fn valid_order_json() -> Value {
    json!({
        "id": "o1", "number": 7, "station": "grill", "status": "pending",
        "items": [{"name": "Burger", "qty": 1, "modifiers": ["no onion"], "notes": "well done"}],
        "notes": "nut allergy", "kind": "takeout", "table": "4", "customer": "Sam", "rush": true,
        "created_at": "2026-11-22T18:04:05.123Z",
        "updated_at": "2026-11-22T18:04:05.123Z",
        "status_at": "2026-11-22T18:04:05.123Z",
        "version": 1
    })
}

fn run_both(data: &[u8]) {
    fuzz_bodies::decode_frames(data);
    fuzz_bodies::request_bodies(data);
}

#[test]
fn the_fuzz_targets_survive_the_corpus() {
    for input in corpus() {
        run_both(&input);
    }
}

/// The CI stand-in for a fuzzing session: a fixed seed, so a failure here
/// reproduces exactly, over bytes, JSON and mutated documents.
#[test]
fn the_fuzz_targets_survive_a_seeded_run() {
    let config = Config {
        cases: 3000,
        failure_persistence: None,
        ..Config::default()
    };
    let seed = *b"kds fuzz bodies, seeded for CI!!";
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    runner
        .run(&fuzz_input(), |data| {
            run_both(&data);
            Ok(())
        })
        .unwrap();
}

/// Random JSON of a few levels, in the protocol's words.
fn any_json() -> impl Strategy<Value = Value> {
    strategies::json(JsonShape {
        words: vec![
            "pending",
            "ready",
            "all",
            "grill",
            "event",
            "snapshot",
            "2026-11-22T18:04:05.123Z",
        ],
        // The request fields, and those only the server's answers have.
        keys: [
            strategies::REQUEST_KEYS.as_slice(),
            &[
                "type",
                "seq",
                "event",
                "at",
                "order",
                "orders",
                "recent",
                "events",
                "id",
                "number",
                "created_at",
                "updated_at",
                "status_at",
                "version",
                "error",
                "code",
                "message",
                "current",
            ],
        ]
        .concat(),
        max_string: 90,
        depth: 4,
        size: 64,
        width: 8,
    })
}

/// A valid document with one field replaced by random JSON or removed.
fn mutated_document() -> impl Strategy<Value = Value> {
    let order = valid_order_json();
    let documents = vec![
        order.clone(),
        json!({"type": "event", "seq": 3, "event": "status_changed", "at": "2026-11-22T18:04:05.123Z", "order": order}),
        json!({"type": "snapshot", "seq": 3, "orders": [order], "recent": []}),
        json!({"seq": 3, "events": [{"seq": 3, "type": "created", "at": "2026-11-22T18:04:05.123Z", "order": order}]}),
        json!({"station": "grill", "items": [{"name": "Burger", "qty": 2}], "kind": "delivery"}),
        json!({"status": "ready", "from": "preparing"}),
        json!({"error": {"code": "conflict", "message": "moved"}, "current": order}),
    ];
    strategies::mutated(documents, any_json())
}

fn fuzz_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        mutated_document().prop_map(|v| v.to_string().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 512, failure_persistence: None, ..Config::default() })]

    #[test]
    fn decoders_never_panic_and_what_decodes_round_trips(data in fuzz_input()) {
        run_both(&data);
    }
}

/// One field of a generated order: its JSON and whether the rules allow it.
type Field = (Value, bool);

/// A string of `len` characters drawn from plain, accented and blank ones.
fn text_of(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!['a', 'Z', '9', 'é', '漢', ' ', '-']),
        len,
    )
    .prop_map(|c| c.into_iter().collect())
}

fn optional_text(max: usize) -> impl Strategy<Value = Field> {
    prop_oneof![
        Just((Value::Null, true)),
        text_of(0..=max + 2).prop_map(move |t| {
            let ok = t.chars().count() <= max;
            (Value::String(t), ok)
        }),
    ]
}

fn station() -> impl Strategy<Value = Field> {
    prop_oneof![
        "[a-z0-9][a-z0-9_-]{0,31}".prop_map(|s| {
            let ok = s != "all";
            (Value::String(s), ok)
        }),
        prop::sample::select(
            ["", "all", "Grill", "-x", "_x", "a b", "é", &"x".repeat(33)]
                .map(str::to_owned)
                .to_vec()
        )
        .prop_map(|s| (Value::String(s), false)),
    ]
}

fn item() -> impl Strategy<Value = Field> {
    (
        text_of(0..=MAX_ITEM_NAME_CHARS + 2),
        -2_i64..=MAX_QTY + 2,
        prop::collection::vec(text_of(0..=MAX_MODIFIER_CHARS + 2), 0..=MAX_MODIFIERS + 1),
        optional_text(MAX_ITEM_NOTES_CHARS),
    )
        .prop_map(|(name, qty, modifiers, (notes, notes_ok))| {
            let name_ok = !name.trim().is_empty() && name.chars().count() <= MAX_ITEM_NAME_CHARS;
            let ok = name_ok
                && (1..=MAX_QTY).contains(&qty)
                && modifiers.len() <= MAX_MODIFIERS
                && modifiers
                    .iter()
                    .all(|m| m.chars().count() <= MAX_MODIFIER_CHARS)
                && notes_ok;
            (
                json!({"name": name, "qty": qty, "modifiers": modifiers, "notes": notes}),
                ok,
            )
        })
}

fn items() -> impl Strategy<Value = Field> {
    prop_oneof![
        prop::collection::vec(item(), 0..4),
        // Around the count limit, with items that are all fine.
        (MAX_ITEMS - 1..=MAX_ITEMS + 1)
            .prop_map(|n| { vec![(json!({"name": "Burger", "qty": 1}), true); n] }),
    ]
    .prop_map(|items| {
        let ok = (1..=MAX_ITEMS).contains(&items.len()) && items.iter().all(|(_, ok)| *ok);
        (
            Value::Array(items.into_iter().map(|(v, _)| v).collect()),
            ok,
        )
    })
}

fn kind() -> impl Strategy<Value = Field> {
    prop::sample::select(vec![
        (Value::Null, true),
        (json!("dine_in"), true),
        (json!("takeout"), true),
        (json!("delivery"), true),
        (json!("drive_thru"), false),
        (json!("Takeout"), false),
    ])
}

proptest! {
    #![proptest_config(Config { cases: 512, failure_persistence: None, ..Config::default() })]

    /// `validate` accepts exactly the orders the rules allow; a refusal names
    /// a field that really breaks a rule.
    #[test]
    fn validation_matches_the_rules(
        station in station(),
        items in items(),
        kind in kind(),
        notes in optional_text(MAX_NOTES_CHARS),
        table in optional_text(MAX_TABLE_CHARS),
        customer in optional_text(MAX_CUSTOMER_CHARS),
        rush in prop::option::of(any::<bool>()),
    ) {
        let fields = [
            ("station", &station),
            ("items", &items),
            ("kind", &kind),
            ("notes", &notes),
            ("table", &table),
            ("customer", &customer),
        ];
        let body = json!({
            "station": station.0, "items": items.0, "kind": kind.0, "notes": notes.0,
            "table": table.0, "customer": customer.0, "rush": rush,
        });
        let decoded: NewOrder = serde_json::from_value(body.clone()).unwrap();
        let broken: Vec<&str> = fields.iter().filter(|(_, f)| !f.1).map(|(name, _)| *name).collect();
        match decoded.validate() {
            Ok(draft) => {
                prop_assert!(broken.is_empty(), "accepted {body} though {broken:?} break rules");
                prop_assert_eq!(draft.station, body["station"].as_str().unwrap().parse::<Station>().unwrap());
                prop_assert_eq!(draft.rush, rush.unwrap_or(false));
            }
            Err(invalid) => {
                let top = invalid.field.split(['[', '.']).next().unwrap_or_default();
                prop_assert!(broken.contains(&top), "refused {body} for {invalid:?}; broken: {broken:?}");
            }
        }
    }
}
