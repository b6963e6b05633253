//! Orders as the server sends them, and the requests that create and move them.

use crate::{Station, Status, Timestamp};
use serde::{Deserialize, Serialize};

/// How the food leaves the kitchen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    DineIn,
    Takeout,
    Delivery,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::DineIn, Kind::Takeout, Kind::Delivery];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DineIn => "dine_in",
            Kind::Takeout => "takeout",
            Kind::Delivery => "delivery",
        }
    }
}

/// One line of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub name: String,
    pub qty: u8,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// An order as the server keeps and sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub number: i64,
    pub station: Station,
    pub status: Status,
    pub items: Vec<Item>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub kind: Kind,
    #[serde(default)]
    pub table: Option<String>,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub rush: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub status_at: Timestamp,
    pub version: i64,
}

/// The body of `POST /api/orders` as it arrives.
///
/// Fields are loose on purpose (options, strings, wide integers) so that a
/// well-formed body that breaks a rule gets a 422 naming the field, and only
/// malformed JSON or a wrong JSON type gets a 400. [`NewOrder::validate`]
/// turns it into an [`OrderDraft`].
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

/// One item of a [`NewOrder`], as loose as its parent.
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
}

/// A new order that passed every rule: what the store needs to create it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    pub station: Station,
    pub items: Vec<Item>,
    pub notes: Option<String>,
    pub kind: Kind,
    pub table: Option<String>,
    pub customer: Option<String>,
    pub rush: bool,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
