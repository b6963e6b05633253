//! proptest strategies for hostile JSON, shared by the decoder tests here
//! and the server's bad-input suite (`tests/fault_input.rs`, which includes
//! this file by path).

use proptest::prelude::*;
use serde_json::Value;

/// The fields of the request bodies (`NewOrder`, `Item` and a status move).
pub const REQUEST_KEYS: [&str; 12] = [
    "station",
    "items",
    "name",
    "qty",
    "modifiers",
    "notes",
    "kind",
    "table",
    "customer",
    "rush",
    "status",
    "from",
];

/// How much JSON [`json`] makes, and from which words.
pub struct JsonShape {
    /// Strings a protocol field might hold, mixed with random ones.
    pub words: Vec<&'static str>,
    /// Object keys, the protocol's own so that decoders get past the first field.
    pub keys: Vec<&'static str>,
    /// Longest random string, in characters.
    pub max_string: usize,
    /// Nesting depth, the total number of elements aimed at, and the most
    /// elements per array or object (proptest's `prop_recursive`).
    pub depth: u32,
    pub size: u32,
    pub width: u32,
}

/// Random JSON of the given shape.
pub fn json(shape: JsonShape) -> impl Strategy<Value = Value> {
    let JsonShape {
        words,
        keys,
        max_string,
        depth,
        size,
        width,
    } = shape;
    // A u32 always fits in a usize on the platforms kds runs on.
    let most = usize::try_from(width).unwrap_or(usize::MAX);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        proptest::string::string_regex(&format!("\\PC{{0,{max_string}}}"))
            .unwrap()
            .prop_map(Value::String),
        prop::sample::select(words).prop_map(Value::from),
    ];
    leaf.prop_recursive(depth, size, width, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..most).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(keys.clone()).prop_map(str::to_owned),
                inner,
                0..most
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One of `documents` with one field replaced by `replacement` JSON or removed.
pub fn mutated(
    documents: Vec<Value>,
    replacement: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(documents),
        any::<prop::sample::Index>(),
        replacement,
        any::<bool>(),
    )
        .prop_map(|(mut doc, index, replacement, remove)| {
            if let Value::Object(map) = &mut doc {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = index.get(&keys).clone();
                if remove {
                    map.remove(&key);
                } else {
                    map.insert(key, replacement);
                }
            }
            doc
        })
}
