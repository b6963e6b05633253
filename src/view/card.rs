//! One ticket card.
//!
//! ```text
//! ╭ #42  RUSH ─────── 03:12 ╮   number, rush mark, time in this status
//! │Takeout · Bob            │   kind with table or customer (station in expo)
//! │! NUT ALLERGY, no sesame │   order notes, highlighted: allergies first
//! │2× Burger                │
//! │  + no onion             │   one line per modifier
//! │  » well done            │   item notes
//! │… 3 more items           │   only when the card is taller than the room
//! ╰ sending… ───── age 12m ╯   pending mark, total age
//! ```
//!
//! The rows of a card are produced by one function, [`rows`], used both to
//! measure a card (for paging, without allocating) and to draw it, so the two
//! can never disagree.

use super::Theme;
use super::text::{self, wrap};
use crate::model::{Model, Ticket, Urgency};
use kds_protocol::{Kind, Order};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};
use std::ops::ControlFlow;

/// Rows a card spends on its border.
pub const BORDER_ROWS: u16 = 2;
/// Indent of modifiers and item notes: two spaces, the mark, a space.
const DETAIL_INDENT: usize = 4;
/// Indent of order-note continuation lines.
const NOTE_INDENT: usize = 2;

/// One row inside a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row<'a> {
    Kind,
    Notes {
        text: &'a str,
        first: bool,
    },
    Name {
        item: usize,
        text: &'a str,
        first: bool,
    },
    Modifier {
        item: usize,
        text: &'a str,
        first: bool,
    },
    ItemNote {
        item: usize,
        text: &'a str,
        first: bool,
    },
}

impl Row<'_> {
    fn item(self) -> Option<usize> {
        match self {
            Row::Kind | Row::Notes { .. } => None,
            Row::Name { item, .. } | Row::Modifier { item, .. } | Row::ItemNote { item, .. } => {
                Some(item)
            }
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

/// Cells of the `×` (or `x`) mark; both themes use a one-cell mark, which
/// keeps card heights independent of the theme (a test checks it).
pub const TIMES_WIDTH: usize = 1;

/// Width of `2× ` before an item name.
fn qty_width(qty: u8) -> usize {
    digits(qty) + TIMES_WIDTH + 1
}

/// Calls `f` with each row of the card, top to bottom, until it breaks.
fn rows<'a>(order: &'a Order, width: usize, mut f: impl FnMut(Row<'a>) -> ControlFlow<()>) {
    let mut go = || -> ControlFlow<()> {
        f(Row::Kind)?;
        if let Some(notes) = order.notes.as_deref().filter(|n| !n.trim().is_empty()) {
            let wrap_width = width.saturating_sub(NOTE_INDENT);
            for (i, text) in wrap(notes, wrap_width).enumerate() {
                f(Row::Notes {
                    text,
                    first: i == 0,
                })?;
            }
        }
        let detail_width = width.saturating_sub(DETAIL_INDENT);
        for (item, it) in order.items.iter().enumerate() {
            let name_width = width.saturating_sub(qty_width(it.qty));
            let mut first = true;
            for text in wrap(&it.name, name_width) {
                f(Row::Name { item, text, first })?;
                first = false;
            }
            if first {
                f(Row::Name {
                    item,
                    text: "",
                    first,
                })?;
            }
            for modifier in &it.modifiers {
                for (i, text) in wrap(modifier, detail_width).enumerate() {
                    f(Row::Modifier {
                        item,
                        text,
                        first: i == 0,
                    })?;
                }
            }
            if let Some(notes) = it.notes.as_deref() {
                for (i, text) in wrap(notes, detail_width).enumerate() {
                    f(Row::ItemNote {
                        item,
                        text,
                        first: i == 0,
                    })?;
                }
            }
        }
        ControlFlow::Continue(())
    };
    let _ = go();
}

/// Rows of content (borders excluded) a card needs at an inner `width`.
pub fn content_rows(order: &Order, width: u16) -> u16 {
    let mut count: u16 = 0;
    rows(order, usize::from(width), |_| {
        count = count.saturating_add(1);
        ControlFlow::Continue(())
    });
    count
}

/// The full height of a card (borders included) at an outer `width`.
pub fn height(order: &Order, width: u16) -> u16 {
    content_rows(order, width.saturating_sub(2)).saturating_add(BORDER_ROWS)
}

/// Rows a card for a missing order takes (cannot happen; drawn as an empty box).
pub const MISSING_HEIGHT: u16 = 3;

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::DineIn => "Dine-in",
        Kind::Takeout => "Takeout",
        Kind::Delivery => "Delivery",
    }
}

/// `Takeout · Bob`, `Dine-in · table 12 · Ann`.
fn kind_text(order: &Order, theme: &Theme) -> String {
    let mut out = kind_label(order.kind).to_owned();
    if let Some(table) = order.table.as_deref().filter(|t| !t.is_empty()) {
        out.push_str(theme.symbols.separator);
        out.push_str("table ");
        out.push_str(table);
    }
    if let Some(customer) = order.customer.as_deref().filter(|c| !c.is_empty()) {
        out.push_str(theme.symbols.separator);
        out.push_str(customer);
    }
    out
}

/// Draws a line of `left` text and `right` text, right-aligned, in `width` cells.
fn spread<'a>(left: &str, right: &'a str, width: usize, theme: &Theme, style: Style) -> Line<'a> {
    let right_width = text::width(right);
    if right.is_empty() || right_width + 2 > width {
        return Line::styled(text::truncate(left, width, theme.symbols.ellipsis), style);
    }
    let left = text::truncate(left, width - right_width - 1, theme.symbols.ellipsis);
    let gap = width - text::width(&left) - right_width;
    Line::from(vec![
        Span::styled(left, style),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, theme.dim),
    ])
}

fn row_line<'a>(
    row: Row<'a>,
    order: &'a Order,
    model: &Model,
    theme: &Theme,
    width: usize,
) -> Line<'a> {
    let s = &theme.symbols;
    match row {
        Row::Kind => {
            let station = if model.is_expo() {
                order.station.as_str()
            } else {
                ""
            };
            spread(
                &kind_text(order, theme),
                station,
                width,
                theme,
                Style::new(),
            )
        }
        Row::Notes { text, first } => {
            let lead = if first {
                format!("{} ", s.order_note)
            } else {
                " ".repeat(NOTE_INDENT)
            };
            // Padded to the full width so the highlight reads as a bar.
            let pad = width.saturating_sub(text::width(&lead) + text::width(text));
            Line::from(vec![
                Span::raw(lead),
                Span::raw(text),
                Span::raw(" ".repeat(pad)),
            ])
            .style(theme.order_notes)
        }
        Row::Name { item, text, first } => {
            let qty = order.items.get(item).map_or(0, |i| i.qty);
            let lead = if first {
                format!("{qty}{} ", s.times)
            } else {
                " ".repeat(qty_width(qty))
            };
            Line::from(vec![
                Span::styled(lead, theme.qty),
                Span::styled(text, theme.item),
            ])
        }
        Row::Modifier { text, first, .. } | Row::ItemNote { text, first, .. } => {
            let (mark, style) = match row {
                Row::Modifier { .. } => (s.modifier, theme.modifier),
                _ => (s.item_note, theme.item_notes),
            };
            let lead = if first {
                format!("  {mark} ")
            } else {
                " ".repeat(DETAIL_INDENT)
            };
            Line::from(vec![Span::raw(lead), Span::styled(text, style)])
        }
    }
}

/// What a card needs to be drawn.
pub struct Card<'a> {
    pub model: &'a Model,
    pub theme: &'a Theme,
    pub ticket: &'a Ticket,
    pub order: Option<&'a Order>,
    pub focused: bool,
}

impl Card<'_> {
    fn block(&self, width: usize) -> Block<'static> {
        let theme = self.theme;
        let ticket = self.ticket;
        let elapsed = self.model.elapsed_since(ticket.since);
        let urgency: Urgency = self.model.options().thresholds.urgency(elapsed);
        let timer = text::clock(elapsed);
        // Number first, timer second, rush mark third: at narrow widths the
        // padding goes, then the rush word shrinks, then the timer.
        let bare = text::width(&ticket.number.to_string()) + 1 + timer.len();
        // Four cells of padding and at least one of border between the two.
        let padded = bare + 4 < width;
        let (number, timer) = if padded {
            (format!(" #{} ", ticket.number), format!(" {timer} "))
        } else {
            (format!("#{}", ticket.number), timer)
        };
        let show_timer = text::width(&number) + timer.len() < width;
        let taken = text::width(&number) + if show_timer { timer.len() } else { 0 };
        let room = width.saturating_sub(taken);
        let mut left = vec![Span::styled(
            number,
            if self.focused {
                theme.card_number_focused
            } else {
                theme.card_number
            },
        )];
        if ticket.rush && room >= 2 {
            let mark = if room >= 7 { " RUSH " } else { "R" };
            left.push(Span::styled(mark, theme.rush));
        }
        let mut block = Block::bordered()
            .border_set(if self.focused {
                theme.symbols.card_focused
            } else {
                theme.symbols.card
            })
            .border_style(if self.focused {
                theme.card_border_focused
            } else {
                theme.card_border(urgency)
            })
            .title_top(Line::from(left));
        if show_timer {
            block = block
                .title_top(Line::from(Span::styled(timer, theme.timer(urgency))).right_aligned());
        }
        // Whole minutes: the total age matters in minutes, and a figure that
        // changes once a minute instead of every second halves what an idle
        // screen sends over SSH (docs/benchmarks.md).
        let age = text::minutes(
            self.model
                .elapsed_since(self.order.map_or(ticket.since, |o| o.created_at)),
        );
        let sending = if width >= 20 {
            format!(" sending{} ", theme.symbols.ellipsis)
        } else {
            theme.symbols.ellipsis.to_owned()
        };
        let mut bottom_room = width;
        if ticket.pending {
            bottom_room = bottom_room.saturating_sub(text::width(&sending) + 1);
            block = block.title_bottom(Line::from(Span::styled(sending, theme.pending)));
        }
        let age = if bottom_room >= 12 {
            format!(" age {age} ")
        } else {
            format!(" {age} ")
        };
        if text::width(&age) <= bottom_room {
            block = block.title_bottom(Line::from(Span::styled(age, theme.dim)).right_aligned());
        }
        block
    }
}

impl Widget for Card<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner_width = area.width.saturating_sub(2);
        let block = self.block(usize::from(inner_width));
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(order) = self.order else { return };
        let width = usize::from(inner.width);
        let room = usize::from(inner.height);
        let total = usize::from(content_rows(order, inner.width));
        // When the card does not fit, the last row says how many items are hidden.
        let shown = if total > room {
            room.saturating_sub(1)
        } else {
            room
        };
        let mut y = inner.y;
        let mut first_hidden_item = None;
        let mut index = 0;
        rows(order, width, |row| {
            if index < shown {
                let line = row_line(row, order, self.model, self.theme, width);
                buf.set_line(inner.x, y, &line, inner.width);
                y += 1;
            } else {
                first_hidden_item = Some(row.item().unwrap_or(0));
                return ControlFlow::Break(());
            }
            index += 1;
            ControlFlow::Continue(())
        });
        if let Some(first) = first_hidden_item.filter(|_| room > 0) {
            let hidden = order.items.len().saturating_sub(first);
            let noun = if hidden == 1 { "item" } else { "items" };
            let ellipsis = self.theme.symbols.ellipsis;
            let mut text = format!("{ellipsis} {hidden} more {noun}");
            if text::width(&text) > width {
                text = format!("{ellipsis}+{hidden}");
            }
            buf.set_line(
                inner.x,
                y,
                &Line::styled(text, self.theme.more),
                inner.width,
            );
        }
    }
}
