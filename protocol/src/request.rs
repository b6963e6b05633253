//! Request bodies as they arrive, and what they become once every rule of
//! the contract is checked (the `*Draft` and `*Edit` types; see `validate`).
//!
//! The arriving types are loose on purpose (options, strings, wide
//! integers) so that a well-formed body that breaks a rule gets a 422
//! naming the field, and only malformed JSON or a wrong JSON type a 400.

use crate::{Kind, Order, Station, Status};
use serde::{Deserialize, Deserializer, Serialize};

/// What a PATCH does to one field: absent leaves it alone, null clears
/// it, a value sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Field<T> {
    /// The field's new value, if it changes: `Some(None)` clears it.
    pub fn change(&self) -> Option<Option<&T>> {
        match self {
            Field::Keep => None,
            Field::Clear => Some(None),
            Field::Set(value) => Some(Some(value)),
        }
    }
}

/// Reads a present field (serde's `default` gives `Keep` to an absent one).
fn present<'de, D, T>(deserializer: D) -> Result<Field<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Option::<T>::deserialize(deserializer)? {
        None => Field::Clear,
        Some(value) => Field::Set(value),
    })
}

/// The body of `POST /api/orders`, and of `POST /api/checks` (where
/// `station` may be left to the items).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    #[serde(default)]
    pub station: Option<String>,
    #[serde(default)]
    pub items: Option<Vec<NewItem>>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub table: Option<String>,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub rush: Option<bool>,
}

/// A check: the same fields as an order; each item may name its station.
pub type NewCheck = NewOrder;

/// One item of a request, as loose as its parent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewItem {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub qty: Option<i64>,
    #[serde(default)]
    pub modifiers: Option<Vec<String>>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Where the line is made: meant for checks. Elsewhere it may only
    /// repeat the order's own station.
    #[serde(default)]
    pub station: Option<String>,
}

/// A line that passed every rule; the server gives it its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemDraft {
    pub name: String,
    pub qty: u8,
    pub modifiers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The station the line named, if any. Not part of the line once it is
    /// placed (the order's station is), so not written.
    #[serde(skip)]
    pub station: Option<Station>,
}

/// A new order that passed every rule: what the store needs to create it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    pub station: Station,
    pub items: Vec<ItemDraft>,
    pub notes: Option<String>,
    pub kind: Kind,
    pub table: Option<String>,
    pub customer: Option<String>,
    pub rush: bool,
}

/// A check that passed every rule: one draft per station, in the order the
/// stations first appear, each holding only that station's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDraft {
    pub parts: Vec<OrderDraft>,
}

/// The answer to `POST /api/checks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCreated {
    pub check_id: String,
    pub number: i64,
    pub orders: Vec<Order>,
}

/// The body of `POST /api/orders/{id}/status` as it arrives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
}

/// A status change that passed validation. Whether the move is allowed
/// depends on the order's current status, which only the store knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatusMove {
    pub to: Status,
    pub from: Option<Status>,
}

impl StatusChange {
    /// A bump or recall guarded by the status the client believes the order has.
    pub fn guarded(to: Status, from: Status) -> Self {
        Self {
            status: Some(to.as_str().to_owned()),
            from: Some(from.as_str().to_owned()),
        }
    }
}

/// The body of `PATCH /api/orders/{id}`: absent leaves a field alone, null
/// clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    #[serde(default, deserialize_with = "present")]
    pub notes: Field<String>,
    #[serde(default, deserialize_with = "present")]
    pub table: Field<String>,
    #[serde(default, deserialize_with = "present")]
    pub customer: Field<String>,
    #[serde(default, deserialize_with = "present")]
    pub kind: Field<String>,
    #[serde(default, deserialize_with = "present")]
    pub rush: Field<bool>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// A checked PATCH. `kind` and `rush` have defaults, so they cannot be
/// cleared, only set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderPatch {
    pub notes: Field<String>,
    pub table: Field<String>,
    pub customer: Field<String>,
    pub kind: Option<Kind>,
    pub rush: Option<bool>,
}

/// The body of `POST /api/orders/{id}/items`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddItemsRequest {
    #[serde(default)]
    pub items: Option<Vec<NewItem>>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// The body of `POST /api/orders/{id}/void` (every field optional, and so
/// is the body).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VoidRequest {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// The body of `POST /api/orders/{id}/items/{item_id}/void`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemVoidRequest {
    #[serde(default)]
    pub version: Option<i64>,
}

/// The body of `POST /api/orders/{id}/items/{item_id}/done`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DoneRequest {
    #[serde(default)]
    pub done: Option<bool>,
}

impl DoneRequest {
    pub fn new(done: bool) -> Self {
        Self { done: Some(done) }
    }
}

/// One change of one order that passed validation. Whether it applies
/// depends on the order as it stands, which only the store knows.
/// Written as JSON it is the change's canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edit {
    Status(StatusMove),
    Patch {
        patch: OrderPatch,
        version: Option<i64>,
    },
    AddItems {
        items: Vec<ItemDraft>,
        version: Option<i64>,
    },
    VoidItem {
        item_id: String,
        version: Option<i64>,
    },
    Void {
        reason: Option<String>,
        version: Option<i64>,
    },
    Done {
        item_id: String,
        done: bool,
    },
}

impl Edit {
    /// The order version the client saw, when it asked to be guarded by it.
    pub fn version(&self) -> Option<i64> {
        match self {
            Edit::Status(_) | Edit::Done { .. } => None,
            Edit::Patch { version, .. }
            | Edit::AddItems { version, .. }
            | Edit::VoidItem { version, .. }
            | Edit::Void { version, .. } => *version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_tells_absent_from_null() {
        let patch: PatchRequest =
            serde_json::from_value(json!({"notes": null, "table": "4", "version": 3})).unwrap();
        assert_eq!(patch.notes, Field::Clear);
        assert_eq!(patch.table, Field::Set("4".into()));
        assert_eq!(patch.customer, Field::Keep);
        assert_eq!(patch.version, Some(3));
        assert!(serde_json::from_value::<PatchRequest>(json!({"rush": "yes"})).is_err());
    }
}
