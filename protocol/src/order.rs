//! Orders as the server keeps and sends them.

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

/// The version an item that carries no `added_in` was added in: a version
/// 1.0 server's items all came with the order.
fn first_version() -> i64 {
    1
}

/// One line of a ticket.
///
/// `id` is empty only on an order from a version 1.0 server (or stored by
/// one); [`Order::fill_v1_defaults`] gives such lines their ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub qty: u8,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The order version that added this line (1: it came with the order).
    #[serde(default = "first_version")]
    pub added_in: i64,
    /// The point of sale took this line back.
    #[serde(default)]
    pub voided_at: Option<Timestamp>,
    /// A cook marked this line done.
    #[serde(default)]
    pub done_at: Option<Timestamp>,
}

impl Item {
    /// Still to be made: not voided.
    pub fn is_live(&self) -> bool {
        self.voided_at.is_none()
    }

    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
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
    /// Set when the order is one station's part of a check.
    #[serde(default)]
    pub check_id: Option<String>,
    /// The check's other stations, sorted.
    #[serde(default)]
    pub also_at: Vec<Station>,
    /// The whole order was voided at the point of sale.
    #[serde(default)]
    pub voided_at: Option<Timestamp>,
    #[serde(default)]
    pub void_reason: Option<String>,
    /// When the order last entered `ready`; null while it is not ready or
    /// completed by way of ready.
    #[serde(default)]
    pub ready_at: Option<Timestamp>,
}

impl Order {
    pub fn is_voided(&self) -> bool {
        self.voided_at.is_some()
    }

    /// The lines still to be made (not voided), with their indexes.
    pub fn live_items(&self) -> impl Iterator<Item = (usize, &Item)> {
        self.items.iter().enumerate().filter(|(_, i)| i.is_live())
    }

    /// Whether every line still to be made is marked done (and there is one).
    pub fn all_live_done(&self) -> bool {
        let mut live = self.live_items().peekable();
        live.peek().is_some() && live.all(|(_, item)| item.is_done())
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id == id)
    }

    /// Gives an order of a version 1.0 server what version 1.1 always sends:
    /// an id for each line (its place, counted from 1, which is what this
    /// server would have given it) and `added_in` 1.
    pub fn fill_v1_defaults(&mut self) {
        for (index, item) in self.items.iter_mut().enumerate() {
            if item.id.is_empty() {
                item.id = (index + 1).to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_fields_are_always_written_and_default_when_missing() {
        let v1 = json!({
            "id": "o1", "number": 7, "station": "grill", "status": "pending",
            "items": [{"name": "Burger", "qty": 1}, {"name": "Fries", "qty": 2}],
            "created_at": "2026-11-22T18:04:05.123Z",
            "updated_at": "2026-11-22T18:04:05.123Z",
            "status_at": "2026-11-22T18:04:05.123Z",
            "version": 1
        });
        let mut order: Order = serde_json::from_value(v1).unwrap();
        order.fill_v1_defaults();
        let written = serde_json::to_value(&order).unwrap();
        for field in ["check_id", "voided_at", "void_reason", "ready_at"] {
            assert_eq!(written[field], serde_json::Value::Null, "{field}");
        }
        assert_eq!(written["also_at"], json!([]));
        assert_eq!(written["items"][0]["id"], "1");
        assert_eq!(written["items"][1]["id"], "2");
        assert_eq!(written["items"][1]["added_in"], 1);
        assert_eq!(written["items"][1]["voided_at"], serde_json::Value::Null);
        assert_eq!(written["items"][1]["done_at"], serde_json::Value::Null);
        assert!(!order.all_live_done());
    }
}
