//! What an `updated` event changed, so that no change reaches the screen
//! silently: lines added, lines voided, notes changed. A ticket keeps its
//! marks until a cook focuses it or bumps it.

use kds_protocol::Order;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The changes of one order not yet seen by a cook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// Lines added (by id).
    pub added: BTreeSet<String>,
    /// Lines voided (by id).
    pub voided: BTreeSet<String>,
    /// Lines whose notes changed (by id).
    pub item_notes: BTreeSet<String>,
    /// The order's notes changed.
    pub notes: bool,
    /// Table, customer, kind or rush changed.
    pub details: bool,
    /// The whole order was voided.
    pub order_voided: bool,
}

impl Marks {
    /// What changed from `old` to `new` that a cook must see. A line marked
    /// done, or a status move, is no such change.
    pub fn between(old: &Order, new: &Order) -> Marks {
        let mut marks = Marks::default();
        for item in &new.items {
            match old.item(&item.id) {
                None => {
                    marks.added.insert(item.id.clone());
                }
                Some(before) => {
                    if before.voided_at.is_none() && item.voided_at.is_some() {
                        marks.voided.insert(item.id.clone());
                    }
                    if before.notes != item.notes {
                        marks.item_notes.insert(item.id.clone());
                    }
                }
            }
        }
        marks.notes = old.notes != new.notes;
        marks.details = old.table != new.table
            || old.customer != new.customer
            || old.kind != new.kind
            || old.rush != new.rush;
        marks.order_voided = !old.is_voided() && new.is_voided();
        marks
    }

    pub fn is_empty(&self) -> bool {
        *self == Marks::default()
    }

    /// Adds later changes to these.
    pub fn merge(&mut self, later: Marks) {
        self.added.extend(later.added);
        self.voided.extend(later.voided);
        self.item_notes.extend(later.item_notes);
        self.notes |= later.notes;
        self.details |= later.details;
        self.order_voided |= later.order_voided;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{at, order};
    use kds_protocol::{Item, Status};

    fn line(id: &str, name: &str) -> Item {
        let mut item = order("x", 1, Status::Pending, 0).items.remove(0);
        item.id = id.to_owned();
        item.name = name.to_owned();
        item
    }

    #[test]
    fn marks_name_what_a_cook_must_see() {
        let old = order("o1", 1, Status::Preparing, 60);
        let mut new = old.clone();
        assert!(Marks::between(&old, &new).is_empty());
        new.items[0].done_at = Some(at(1));
        new.status = Status::Ready;
        assert!(
            Marks::between(&old, &new).is_empty(),
            "done and moves are no news"
        );
        new.items.push(line("2", "Pie"));
        new.items[0].voided_at = Some(at(2));
        new.notes = Some("sesame allergy".into());
        let marks = Marks::between(&old, &new);
        assert_eq!(marks.added, BTreeSet::from(["2".to_owned()]));
        assert_eq!(marks.voided, BTreeSet::from(["1".to_owned()]));
        assert!(marks.notes && !marks.details && !marks.order_voided);
        let mut later = new.clone();
        later.table = Some("9".into());
        later.voided_at = Some(at(3));
        let mut all = marks.clone();
        all.merge(Marks::between(&new, &later));
        assert!(all.details && all.order_voided && all.notes);
        assert_eq!(all.added.len(), 1);
    }
}
