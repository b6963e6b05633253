//! What a card holds, row by row, at a given width.
//!
//! ```text
//! ╭ #42 RUSH CHANGED ── 03:12 ╮   number, marks, time in this status
//! │Takeout · Bob              │   kind with table or customer (station in expo)
//! │also: bar, cold            │   the check's other stations (prep stations)
//! │VOID · guest left          │   a voided order, and why
//! │! NUT ALLERGY      CHANGED │   order notes, highlighted; changed ones tagged
//! │── bar · preparing ────────│   a check at expo: each station's part
//! │2× Burger             DONE │   lines, tagged NEW / VOID / DONE
//! │  + no onion               │   one line per modifier
//! │  » well done              │   item notes
//! ╰ sending… ───── age 12m ╯    pending mark, total age
//! ```
//!
//! The rows are produced by one function, [`rows`], used both to measure a
//! card (for paging, without allocating) and to draw it, so the two can
//! never disagree. It lives in the model because the model computes the
//! pages that the view draws and the keys address.

use super::board::{Board, Ticket};
use super::marks::Marks;
use crate::text::wrap;
use kds_protocol::Order;
use std::ops::ControlFlow;

/// Rows a card spends on its border.
pub const BORDER_ROWS: u16 = 2;
/// Indent of modifiers and item notes: two spaces, the mark, a space.
pub const DETAIL_INDENT: usize = 4;
/// Indent of order-note continuation lines.
pub const NOTE_INDENT: usize = 2;
/// Cells of the `×` (or `x`) mark; both themes use a one-cell mark, which
/// keeps card heights independent of the theme (a test checks it).
pub const TIMES_WIDTH: usize = 1;
/// Rows a card for a missing order takes (cannot happen; drawn as an empty box).
pub const MISSING_HEIGHT: u16 = 3;

/// A word at the right end of a row that says what happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    New,
    Void,
    Done,
    Changed,
}

impl Tag {
    pub fn text(self) -> &'static str {
        match self {
            Tag::New => "NEW",
            Tag::Void => "VOID",
            Tag::Done => "DONE",
            Tag::Changed => "CHANGED",
        }
    }

    /// Cells it takes with the space before it.
    fn room(tag: Option<Tag>) -> usize {
        tag.map_or(0, |t| t.text().len() + 1)
    }
}

/// One row inside a card. `part` indexes the ticket's parts, `item` the
/// part's order's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<'a> {
    Kind {
        tag: Option<Tag>,
    },
    /// The other stations of a check, on a card of one of its parts.
    Also {
        part: usize,
    },
    /// The part's order was voided.
    Void {
        part: usize,
    },
    /// The heading of one station's part, on a check's card.
    Part {
        part: usize,
    },
    Notes {
        part: usize,
        text: &'a str,
        first: bool,
        tag: Option<Tag>,
    },
    Name {
        part: usize,
        item: usize,
        text: &'a str,
        first: bool,
        tag: Option<Tag>,
    },
    Modifier {
        part: usize,
        item: usize,
        text: &'a str,
        first: bool,
    },
    ItemNote {
        part: usize,
        item: usize,
        text: &'a str,
        first: bool,
        tag: Option<Tag>,
    },
}

impl Row<'_> {
    /// The part and line this row belongs to, if it is part of a line.
    pub fn line(self) -> Option<(usize, usize)> {
        match self {
            Row::Name { part, item, .. }
            | Row::Modifier { part, item, .. }
            | Row::ItemNote { part, item, .. } => Some((part, item)),
            _ => None,
        }
    }
}

fn digits(qty: u8) -> usize {
    match qty {
        0..=9 => 1,
        10..=99 => 2,
        _ => 3,
    }
}

/// Width of `2× ` before an item name.
pub fn qty_width(qty: u8) -> usize {
    digits(qty) + TIMES_WIDTH + 1
}

/// The orders of a card and what the board knows of them.
pub struct Content<'a> {
    pub ticket: &'a Ticket,
    /// The order of each part (`None` cannot happen: a card is built from
    /// orders the board holds).
    pub orders: Vec<Option<&'a Order>>,
    board: &'a Board,
}

impl<'a> Content<'a> {
    pub fn new(board: &'a Board, ticket: &'a Ticket) -> Self {
        let orders = ticket
            .parts
            .iter()
            .map(|p| board.order(&p.order_id))
            .collect();
        Self {
            ticket,
            orders,
            board,
        }
    }

    /// The order of part `part`.
    pub fn order(&self, part: usize) -> Option<&'a Order> {
        self.orders.get(part).copied().flatten()
    }

    fn marks(&self, part: usize) -> Option<&'a Marks> {
        let order = self.order(part)?;
        self.board.marks(&order.id)
    }

    /// Whether any part has changes no cook has looked at.
    pub fn changed(&self) -> bool {
        (0..self.orders.len()).any(|part| self.marks(part).is_some())
    }

    /// Whether a line shows as done (and whether that is still pending).
    pub fn line_done(&self, part: usize, item: usize) -> (bool, bool) {
        let Some(order) = self.orders.get(part).copied().flatten() else {
            return (false, false);
        };
        order
            .items
            .get(item)
            .map_or((false, false), |it| self.board.line_done(&order.id, &it.id))
    }

    fn line_tag(&self, part: usize, item: usize, order: &Order) -> Option<Tag> {
        let line = order.items.get(item)?;
        let marks = self.marks(part);
        if line.voided_at.is_some() && !order.is_voided() {
            Some(Tag::Void)
        } else if marks.is_some_and(|m| m.added.contains(&line.id)) {
            Some(Tag::New)
        } else if self.line_done(part, item).0 {
            Some(Tag::Done)
        } else {
            None
        }
    }
}

/// Calls `f` with each row of the card, top to bottom, until it breaks.
pub fn rows<'a>(
    content: &Content<'a>,
    width: usize,
    mut f: impl FnMut(Row<'a>) -> ControlFlow<()>,
) {
    let mut go = || -> ControlFlow<()> {
        let check = content.ticket.is_check();
        let details =
            (0..content.orders.len()).any(|p| content.marks(p).is_some_and(|m| m.details));
        f(Row::Kind {
            tag: details.then_some(Tag::Changed),
        })?;
        let first_notes = content
            .orders
            .first()
            .copied()
            .flatten()
            .and_then(|o| o.notes.as_deref());
        for (part, order) in content.orders.iter().enumerate() {
            let Some(order) = *order else { continue };
            if check {
                f(Row::Part { part })?;
            } else if !order.also_at.is_empty() {
                f(Row::Also { part })?;
            }
            if order.is_voided() && !check {
                f(Row::Void { part })?;
            }
            // A check's parts share their notes: shown once, unless a part's differ.
            let notes = order.notes.as_deref().filter(|n| !n.trim().is_empty());
            if notes.is_some() && (part == 0 || order.notes.as_deref() != first_notes) {
                let changed = content.marks(part).is_some_and(|m| m.notes);
                let wrap_width =
                    width.saturating_sub(NOTE_INDENT + Tag::room(changed.then_some(Tag::Changed)));
                for (i, text) in wrap(notes.unwrap_or_default(), wrap_width).enumerate() {
                    let first = i == 0;
                    let tag = (first && changed).then_some(Tag::Changed);
                    f(Row::Notes {
                        part,
                        text,
                        first,
                        tag,
                    })?;
                }
            }
            let marks = content.marks(part);
            let detail_width = width.saturating_sub(DETAIL_INDENT);
            for (item, it) in order.items.iter().enumerate() {
                let tag = content.line_tag(part, item, order);
                let name_width = width.saturating_sub(qty_width(it.qty) + Tag::room(tag));
                let mut first = true;
                for text in wrap(&it.name, name_width) {
                    f(Row::Name {
                        part,
                        item,
                        text,
                        first,
                        tag: if first { tag } else { None },
                    })?;
                    first = false;
                }
                if first {
                    f(Row::Name {
                        part,
                        item,
                        text: "",
                        first,
                        tag,
                    })?;
                }
                for modifier in &it.modifiers {
                    for (i, text) in wrap(modifier, detail_width).enumerate() {
                        f(Row::Modifier {
                            part,
                            item,
                            text,
                            first: i == 0,
                        })?;
                    }
                }
                if let Some(notes) = it.notes.as_deref() {
                    let changed = marks.is_some_and(|m| m.item_notes.contains(&it.id));
                    let note_width =
                        detail_width.saturating_sub(Tag::room(changed.then_some(Tag::Changed)));
                    for (i, text) in wrap(notes, note_width).enumerate() {
                        let first = i == 0;
                        let tag = (first && changed).then_some(Tag::Changed);
                        f(Row::ItemNote {
                            part,
                            item,
                            text,
                            first,
                            tag,
                        })?;
                    }
                }
            }
        }
        ControlFlow::Continue(())
    };
    let _ = go();
}

/// Rows of content (borders excluded) a card needs at an inner `width`.
pub fn content_rows(content: &Content<'_>, width: u16) -> u16 {
    let mut count: u16 = 0;
    rows(content, usize::from(width), |_| {
        count = count.saturating_add(1);
        ControlFlow::Continue(())
    });
    count
}

/// The full height of a card (borders included) at an outer `width`.
pub fn height(board: &Board, ticket: &Ticket, width: u16) -> u16 {
    let content = Content::new(board, ticket);
    if content.orders.iter().all(Option::is_none) {
        return MISSING_HEIGHT;
    }
    content_rows(&content, width.saturating_sub(2)).saturating_add(BORDER_ROWS)
}
