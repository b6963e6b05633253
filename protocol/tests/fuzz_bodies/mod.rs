//! The bodies of the fuzz targets, shared: `fuzz/fuzz_targets/*.rs` call
//! them under libFuzzer (nightly, by hand), `protocol/tests/decoders.rs`
//! calls them in CI over a fixed corpus, a seeded run and proptest's inputs.
//!
//! Each takes arbitrary bytes, must never panic on them, and checks what the
//! contract promises about whatever does decode. It uses nothing but
//! `kds_protocol`, `serde_json` and std, so both crates can include it.

use kds_protocol::{
    ErrorBody, Event, EventsPage, MAX_CUSTOMER_CHARS, MAX_IDEMPOTENCY_KEY_BYTES,
    MAX_ITEM_NAME_CHARS, MAX_ITEM_NOTES_CHARS, MAX_ITEMS, MAX_MODIFIER_CHARS, MAX_MODIFIERS,
    MAX_NOTES_CHARS, MAX_QTY, MAX_TABLE_CHARS, NewOrder, Order, ServerFrame, Snapshot, Station,
    StationScope, StatusChange, Timestamp, validate_idempotency_key,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What a decoded value must survive: written back and read again, it is
/// the same value (nothing the reader accepted is lost or changed by the writer).
fn round_trips<T>(data: &[u8])
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let text = serde_json::to_string(&value).expect("a decoded value encodes");
    let back: T = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{text} does not decode again: {err}"));
    assert_eq!(back, value, "{text}");
}

/// Everything a client decodes from the server: WebSocket frames, event
/// pages, snapshots, error bodies, orders, timestamps.
pub fn decode_frames(data: &[u8]) {
    round_trips::<ServerFrame>(data);
    round_trips::<Event>(data);
    round_trips::<EventsPage>(data);
    round_trips::<Snapshot>(data);
    round_trips::<ErrorBody>(data);
    round_trips::<Order>(data);
    round_trips::<Timestamp>(data);
    if let Ok(ServerFrame::Event { order, .. }) = serde_json::from_slice::<ServerFrame>(data) {
        // A station that decoded is a station the contract allows.
        assert!(order.station.as_str().parse::<Station>().is_ok());
    }
}

fn chars(text: Option<&String>) -> usize {
    text.map_or(0, |t| t.chars().count())
}

/// Everything the server decodes from a request: order and status bodies
/// as `ApiJson` reads them (JSON, then the loose type, then `validate`),
/// the `Idempotency-Key` header and station path segments. A draft that
/// passes validation obeys every rule; a refusal names a field and says why.
pub fn request_bodies(data: &[u8]) {
    // As the server's extractor reads a body: JSON first, an object only,
    // then the loose type (a wrong JSON type is a 400 before validation).
    let object = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .filter(serde_json::Value::is_object);
    let as_type = |object: &serde_json::Value| serde_json::from_value::<NewOrder>(object.clone());
    if let Some(Ok(body)) = object.as_ref().map(as_type) {
        match body.validate() {
            Ok(draft) => {
                assert!((1..=MAX_ITEMS).contains(&draft.items.len()));
                for item in &draft.items {
                    let name = item.name.chars().count();
                    assert!(
                        (1..=MAX_ITEM_NAME_CHARS).contains(&name) && !item.name.trim().is_empty()
                    );
                    assert!((1..=MAX_QTY).contains(&i64::from(item.qty)));
                    assert!(item.modifiers.len() <= MAX_MODIFIERS);
                    assert!(
                        item.modifiers
                            .iter()
                            .all(|m| m.chars().count() <= MAX_MODIFIER_CHARS)
                    );
                    assert!(chars(item.notes.as_ref()) <= MAX_ITEM_NOTES_CHARS);
                }
                assert!(chars(draft.notes.as_ref()) <= MAX_NOTES_CHARS);
                assert!(chars(draft.table.as_ref()) <= MAX_TABLE_CHARS);
                assert!(chars(draft.customer.as_ref()) <= MAX_CUSTOMER_CHARS);
                assert_ne!(draft.station.as_str(), "all");
            }
            Err(invalid) => {
                let top = invalid.field.split(['[', '.']).next().unwrap_or_default();
                assert!(
                    ["station", "items", "notes", "kind", "table", "customer"].contains(&top),
                    "{invalid:?}"
                );
                assert!(!invalid.message.is_empty());
            }
        }
    }
    if let Some(Ok(body)) = object.map(serde_json::from_value::<StatusChange>) {
        match body.validate() {
            Ok(change) => {
                assert_eq!(Some(change.to.as_str()), body.status.as_deref());
                assert_eq!(
                    change.from.map(kds_protocol::Status::as_str),
                    body.from.as_deref()
                );
            }
            Err(invalid) => {
                assert!(
                    ["status", "from"].contains(&invalid.field.as_str()),
                    "{invalid:?}"
                );
                assert!(!invalid.message.is_empty());
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let printable = text.bytes().all(|b| (0x20..0x7f).contains(&b));
        let fits = (1..=MAX_IDEMPOTENCY_KEY_BYTES).contains(&text.len());
        assert_eq!(
            validate_idempotency_key(text).is_ok(),
            printable && fits,
            "{text:?}"
        );
        if let Ok(scope) = text.parse::<StationScope>() {
            assert_eq!(scope.as_str(), text);
        }
    }
}
