//! All-day counts: how many of each item the open tickets still need, so a
//! cook can batch ("eight burgers on"). Voided orders and lines, and lines
//! marked done, are left out; a line marked done here (not yet answered)
//! counts as done.

use super::board::Board;
use std::collections::BTreeMap;

/// One item's total over the open tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllDay {
    pub name: String,
    pub qty: u32,
    /// Its modifiers and how many of the item carry each, most first
    /// (filled when `[display] all_day_modifiers` is on).
    pub modifiers: Vec<(String, u32)>,
}

/// The counts over every open order of `board`, largest first (then by
/// name, so the list holds still).
pub fn count(board: &Board, with_modifiers: bool) -> Vec<AllDay> {
    let mut items: BTreeMap<&str, (u32, BTreeMap<&str, u32>)> = BTreeMap::new();
    for order in board.open_orders().filter(|o| !o.is_voided()) {
        for (_, line) in order.live_items() {
            if board.line_done(&order.id, &line.id).0 {
                continue;
            }
            let qty = u32::from(line.qty);
            let (total, modifiers) = items.entry(line.name.as_str()).or_default();
            *total += qty;
            if with_modifiers {
                for modifier in &line.modifiers {
                    *modifiers.entry(modifier.as_str()).or_default() += qty;
                }
            }
        }
    }
    let mut counts: Vec<AllDay> = items
        .into_iter()
        .map(|(name, (qty, modifiers))| {
            let mut modifiers: Vec<(String, u32)> = modifiers
                .into_iter()
                .map(|(m, n)| (m.to_owned(), n))
                .collect();
            modifiers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            AllDay {
                name: name.to_owned(),
                qty,
                modifiers,
            }
        })
        .collect();
    counts.sort_by(|a, b| b.qty.cmp(&a.qty).then_with(|| a.name.cmp(&b.name)));
    counts
}
