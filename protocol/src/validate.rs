//! The contract's rules for request bodies, in one place.

use crate::limits::{
    MAX_CUSTOMER_CHARS, MAX_IDEMPOTENCY_KEY_BYTES, MAX_ITEM_NAME_CHARS, MAX_ITEM_NOTES_CHARS,
    MAX_ITEMS, MAX_MODIFIER_CHARS, MAX_MODIFIERS, MAX_NOTES_CHARS, MAX_QTY, MAX_TABLE_CHARS,
};
use crate::{Item, Kind, NewItem, NewOrder, OrderDraft, Station, StatusChange, StatusMove};

/// A well-formed request that breaks a rule: answered with 422 `invalid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The offending field, as a path (`items[2].qty`).
    pub field: String,
    pub message: String,
}

impl Invalid {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    match value {
        Some(text) if text.chars().count() > max => Err(Invalid::new(
            field,
            format!("must be at most {max} characters"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

impl NewItem {
    fn validate(&self, index: usize) -> Result<Item, Invalid> {
        let field = |name: &str| format!("items[{index}].{name}");
        let name = self
            .name
            .as_deref()
            .ok_or_else(|| Invalid::new(field("name"), "is required"))?;
        let name_chars = name.chars().count();
        if name.trim().is_empty() || name_chars > MAX_ITEM_NAME_CHARS {
            return Err(Invalid::new(
                field("name"),
                format!("must be 1 to {MAX_ITEM_NAME_CHARS} characters and not blank"),
            ));
        }
        let qty = self
            .qty
            .ok_or_else(|| Invalid::new(field("qty"), "is required"))?;
        let qty = u8::try_from(qty)
            .ok()
            .filter(|q| (1..=MAX_QTY).contains(&i64::from(*q)))
            .ok_or_else(|| Invalid::new(field("qty"), format!("must be 1 to {MAX_QTY}")))?;
        let modifiers = self.modifiers.clone().unwrap_or_default();
        if modifiers.len() > MAX_MODIFIERS {
            return Err(Invalid::new(
                field("modifiers"),
                format!("at most {MAX_MODIFIERS} modifiers"),
            ));
        }
        if let Some(pos) = modifiers
            .iter()
            .position(|m| m.chars().count() > MAX_MODIFIER_CHARS)
        {
            return Err(Invalid::new(
                format!("items[{index}].modifiers[{pos}]"),
                format!("must be at most {MAX_MODIFIER_CHARS} characters"),
            ));
        }
        let notes = optional_text(&field("notes"), self.notes.as_deref(), MAX_ITEM_NOTES_CHARS)?;
        Ok(Item {
            name: name.to_owned(),
            qty,
            modifiers,
            notes,
        })
    }
}

impl NewOrder {
    /// Checks every rule of the contract and returns the order to create.
    pub fn validate(&self) -> Result<OrderDraft, Invalid> {
        let station: Station = self
            .station
            .as_deref()
            .ok_or_else(|| Invalid::new("station", "is required"))?
            .parse()
            .map_err(|err: crate::StationError| Invalid::new("station", err.to_string()))?;
        let items = self
            .items
            .as_ref()
            .ok_or_else(|| Invalid::new("items", "is required"))?;
        if items.is_empty() || items.len() > MAX_ITEMS {
            return Err(Invalid::new(
                "items",
                format!("must hold 1 to {MAX_ITEMS} items"),
            ));
        }
        let items = items
            .iter()
            .enumerate()
            .map(|(i, item)| item.validate(i))
            .collect::<Result<Vec<_>, _>>()?;
        let kind = match self.kind.as_deref() {
            None => Kind::default(),
            Some(text) => Kind::ALL
                .into_iter()
                .find(|k| k.as_str() == text)
                .ok_or_else(|| Invalid::new("kind", "must be one of dine_in, takeout, delivery"))?,
        };
        Ok(OrderDraft {
            station,
            items,
            notes: optional_text("notes", self.notes.as_deref(), MAX_NOTES_CHARS)?,
            kind,
            table: optional_text("table", self.table.as_deref(), MAX_TABLE_CHARS)?,
            customer: optional_text("customer", self.customer.as_deref(), MAX_CUSTOMER_CHARS)?,
            rush: self.rush.unwrap_or(false),
        })
    }
}

impl StatusChange {
    /// Checks that `status` (and `from`, when given) name real statuses.
    pub fn validate(&self) -> Result<StatusMove, Invalid> {
        const STATUSES: &str = "must be one of pending, preparing, ready, completed";
        let to = self
            .status
            .as_deref()
            .ok_or_else(|| Invalid::new("status", "is required"))?
            .parse()
            .map_err(|()| Invalid::new("status", STATUSES))?;
        let from = self
            .from
            .as_deref()
            .map(|text| text.parse().map_err(|()| Invalid::new("from", STATUSES)))
            .transpose()?;
        Ok(StatusMove { to, from })
    }
}

/// `Idempotency-Key`: 1 to 128 printable ASCII characters.
pub fn validate_idempotency_key(key: &str) -> Result<(), Invalid> {
    let printable = key.bytes().all(|b| (0x20..0x7f).contains(&b));
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES || !printable {
        return Err(Invalid::new(
            "Idempotency-Key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} printable ASCII characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
