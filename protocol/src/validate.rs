//! The contract's rules for request bodies, in one place.

use crate::limits::{
    MAX_CUSTOMER_CHARS, MAX_IDEMPOTENCY_KEY_BYTES, MAX_ITEM_NAME_CHARS, MAX_ITEM_NOTES_CHARS,
    MAX_ITEMS, MAX_MODIFIER_CHARS, MAX_MODIFIERS, MAX_NOTES_CHARS, MAX_QTY, MAX_TABLE_CHARS,
    MAX_VOID_REASON_CHARS,
};
use crate::request::{
    AddItemsRequest, CheckDraft, DoneRequest, Edit, Field, ItemDraft, ItemVoidRequest, NewItem,
    NewOrder, OrderDraft, OrderPatch, PatchRequest, StatusChange, StatusMove, VoidRequest,
};
use crate::{Kind, Station};

/// A well-formed request that breaks a rule: answered with 422 `invalid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The offending field, as a path (`items[2].qty`).
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
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

fn station(field: &str, name: &str) -> Result<Station, Invalid> {
    name.parse()
        .map_err(|err: crate::StationError| Invalid::new(field, err.to_string()))
}

fn kind(text: &str) -> Result<Kind, Invalid> {
    Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| Invalid::new("kind", "must be one of dine_in, takeout, delivery"))
}

/// A `version` guard: absent, or a version an order can have.
fn version(value: Option<i64>) -> Result<Option<i64>, Invalid> {
    match value {
        Some(v) if v < 1 => Err(Invalid::new("version", "must be 1 or more")),
        other => Ok(other),
    }
}

impl NewItem {
    /// Checks one line; `index` names it in errors. Its `station` is checked
    /// (and kept) but what it must be is the caller's rule.
    fn validate(&self, index: usize) -> Result<ItemDraft, Invalid> {
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
        let station = self
            .station
            .as_deref()
            .map(|name| station(&field("station"), name))
            .transpose()?;
        Ok(ItemDraft {
            name: name.to_owned(),
            qty,
            modifiers,
            notes,
            station,
        })
    }
}

/// 1 to 100 lines, each checked.
fn lines(items: Option<&Vec<NewItem>>) -> Result<Vec<ItemDraft>, Invalid> {
    let items = items.ok_or_else(|| Invalid::new("items", "is required"))?;
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(Invalid::new(
            "items",
            format!("must hold 1 to {MAX_ITEMS} items"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| item.validate(i))
        .collect()
}

/// Lines that name a station may only name the order's own: lines for
/// other stations are sent as a check.
pub fn same_station(items: &[ItemDraft], own: &Station) -> Result<(), Invalid> {
    match items
        .iter()
        .position(|item| item.station.as_ref().is_some_and(|named| named != own))
    {
        Some(index) => Err(Invalid::new(
            format!("items[{index}].station"),
            format!("this order is made at {own}; send lines for other stations as a check"),
        )),
        None => Ok(()),
    }
}

impl NewOrder {
    /// Checks every rule of the contract and returns the order to create.
    pub fn validate(&self) -> Result<OrderDraft, Invalid> {
        let own = station(
            "station",
            self.station
                .as_deref()
                .ok_or_else(|| Invalid::new("station", "is required"))?,
        )?;
        let items = lines(self.items.as_ref())?;
        same_station(&items, &own)?;
        self.draft(own, items)
    }

    /// Checks a check: every line goes to its own `station` or, without
    /// one, to the check's. One draft per station, in order of first
    /// appearance.
    pub fn validate_check(&self) -> Result<CheckDraft, Invalid> {
        let default = self
            .station
            .as_deref()
            .map(|name| station("station", name))
            .transpose()?;
        let mut parts: Vec<(Station, Vec<ItemDraft>)> = Vec::new();
        for (index, item) in lines(self.items.as_ref())?.into_iter().enumerate() {
            let Some(at) = item.station.clone().or_else(|| default.clone()) else {
                return Err(Invalid::new(
                    format!("items[{index}].station"),
                    "is required when the check has no station",
                ));
            };
            match parts.iter_mut().find(|(s, _)| *s == at) {
                Some((_, items)) => items.push(item),
                None => parts.push((at, vec![item])),
            }
        }
        let parts = parts
            .into_iter()
            .map(|(at, items)| self.draft(at, items))
            .collect::<Result<_, _>>()?;
        Ok(CheckDraft { parts })
    }

    /// The order-level fields, checked, around `items`.
    fn draft(&self, station: Station, items: Vec<ItemDraft>) -> Result<OrderDraft, Invalid> {
        Ok(OrderDraft {
            station,
            items,
            notes: optional_text("notes", self.notes.as_deref(), MAX_NOTES_CHARS)?,
            kind: self.kind.as_deref().map_or(Ok(Kind::default()), kind)?,
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

impl PatchRequest {
    pub fn validate(&self) -> Result<Edit, Invalid> {
        let text = |field: &str, value: &Field<String>, max| {
            if let Field::Set(text) = value {
                optional_text(field, Some(text), max)?;
            }
            Ok::<_, Invalid>(value.clone())
        };
        let not_null = |field: &str| {
            Invalid::new(
                field,
                "cannot be null: it has a default, set it to the value wanted",
            )
        };
        let patch = OrderPatch {
            notes: text("notes", &self.notes, MAX_NOTES_CHARS)?,
            table: text("table", &self.table, MAX_TABLE_CHARS)?,
            customer: text("customer", &self.customer, MAX_CUSTOMER_CHARS)?,
            kind: match &self.kind {
                Field::Keep => None,
                Field::Clear => return Err(not_null("kind")),
                Field::Set(text) => Some(kind(text)?),
            },
            rush: match self.rush {
                Field::Keep => None,
                Field::Clear => return Err(not_null("rush")),
                Field::Set(rush) => Some(rush),
            },
        };
        Ok(Edit::Patch {
            patch,
            version: version(self.version)?,
        })
    }
}

impl AddItemsRequest {
    /// The new lines. A line's `station`, if named, must be the order's,
    /// which only the store knows: it checks with [`same_station`].
    pub fn validate(&self) -> Result<Edit, Invalid> {
        Ok(Edit::AddItems {
            items: lines(self.items.as_ref())?,
            version: version(self.version)?,
        })
    }
}

impl VoidRequest {
    pub fn validate(&self) -> Result<Edit, Invalid> {
        Ok(Edit::Void {
            reason: optional_text("reason", self.reason.as_deref(), MAX_VOID_REASON_CHARS)?
                .filter(|r| !r.trim().is_empty()),
            version: version(self.version)?,
        })
    }
}

impl ItemVoidRequest {
    pub fn validate(&self, item_id: &str) -> Result<Edit, Invalid> {
        Ok(Edit::VoidItem {
            item_id: item_id.to_owned(),
            version: version(self.version)?,
        })
    }
}

impl DoneRequest {
    pub fn validate(&self, item_id: &str) -> Result<Edit, Invalid> {
        let done = self
            .done
            .ok_or_else(|| Invalid::new("done", "is required (true or false)"))?;
        Ok(Edit::Done {
            item_id: item_id.to_owned(),
            done,
        })
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
mod tests;
