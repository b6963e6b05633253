//! The guests' pickup board (`kds board`): two panes of ticket numbers in
//! big digits, readable across a dining room.
//!
//! ```text
//!  PREPARING                      │ READY
//!  ▄▄  ▄▄▄   ▄▄  ▄▄▄              │ █▀▀  ▀▀█     (newest first; numbers
//!   █   ▄▀    █  ▄▄▀              │ ▀▀▄   █       ready for less than
//!  ▄█▄ █▄▄   ▄█▄ ▄▄▀              │ ▄▄▀  ▄█▄      half a minute stand out)
//! ```
//!
//! The digits take the largest size at which every number fits (8x8 cells
//! a digit, then 8x4, then 4x4); when not even the smallest fits, the pane
//! says how many more there are. In ASCII the digits are drawn with `#` at
//! their largest size only.

use super::Theme;
use crate::config::defaults::BOARD_FRESH_FOR;
use crate::model::{Column, Model, Ticket};
use crate::text;
use kds_protocol::Status;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;
use tui_big_text::{BigText, PixelSize};

/// Cells between two numbers on a row.
const GAP: u16 = 3;

/// A number on the board, and what goes under it.
struct Shown<'a> {
    number: String,
    name: Option<&'a str>,
    fresh: bool,
}

/// The cells one digit takes at a size: (columns, rows).
fn glyph(size: PixelSize) -> (u16, u16) {
    match size {
        PixelSize::Full => (8, 8),
        PixelSize::HalfHeight => (8, 4),
        _ => (4, 4),
    }
}

/// How the numbers of a pane are laid out: a size, how many per row, and
/// the cells of each slot.
struct Grid {
    size: PixelSize,
    per_row: usize,
    slot: (u16, u16),
}

/// The largest size at which `numbers` all fit in `area` (the smallest
/// when none does).
fn grid(area: Rect, numbers: &[Shown], names: bool, sizes: &[PixelSize]) -> Grid {
    let digits = numbers.iter().map(|n| n.number.len()).max().unwrap_or(1) as u16;
    let fit = |size: PixelSize| {
        let (w, h) = glyph(size);
        let slot = (digits * w + GAP, h + u16::from(names) + 1);
        let per_row = (area.width / slot.0.max(1)).max(1) as usize;
        let rows = (area.height / slot.1.max(1)) as usize;
        (
            Grid {
                size,
                per_row,
                slot,
            },
            per_row * rows,
        )
    };
    let mut last = None;
    for &size in sizes {
        let (grid, room) = fit(size);
        if room >= numbers.len() {
            return grid;
        }
        last = Some(grid);
    }
    last.unwrap_or_else(|| fit(PixelSize::Quadrant).0)
}

fn pane(buf: &mut Buffer, area: Rect, title: &str, numbers: &[Shown], theme: &Theme, ascii: bool) {
    let title_line = Line::styled(format!(" {title}"), theme.column_title);
    buf.set_line(area.x, area.y, &title_line, area.width);
    let body = Rect {
        y: area.y + 2,
        height: area.height.saturating_sub(2),
        ..area
    };
    let names = numbers.iter().any(|n| n.name.is_some());
    let sizes: &[PixelSize] = if ascii {
        &[PixelSize::Full]
    } else {
        &[PixelSize::Full, PixelSize::HalfHeight, PixelSize::Quadrant]
    };
    let grid = grid(body, numbers, names, sizes);
    let rows = (body.height / grid.slot.1.max(1)) as usize;
    let room = grid.per_row * rows;
    let shown = if numbers.len() > room {
        room.saturating_sub(1)
    } else {
        numbers.len()
    };
    if room == 0 {
        // Not even one big number fits: plain text, so nothing is hidden.
        let plain: Vec<&str> = numbers.iter().map(|n| n.number.as_str()).collect();
        let text = text::truncate(
            &plain.join("  "),
            usize::from(body.width),
            theme.symbols.ellipsis,
        );
        buf.set_line(
            body.x,
            body.y,
            &Line::styled(text, theme.card_number),
            body.width,
        );
        return;
    }
    for (i, shown) in numbers.iter().take(shown).enumerate() {
        let (row, col) = (i / grid.per_row, i % grid.per_row);
        let at = Rect::new(
            body.x + 1 + col as u16 * grid.slot.0,
            body.y + row as u16 * grid.slot.1,
            grid.slot.0 - GAP,
            grid.slot.1 - 1,
        )
        .intersection(body);
        let style = if shown.fresh {
            theme.board_fresh
        } else {
            theme.board_number
        };
        BigText::builder()
            .pixel_size(grid.size)
            .style(style)
            .lines(vec![Line::from(shown.number.clone())])
            .build()
            .render(at, buf);
        if ascii {
            for y in at.top()..at.bottom() {
                for x in at.left()..at.right() {
                    if buf[(x, y)].symbol() != " " {
                        buf[(x, y)].set_symbol("#");
                    }
                }
            }
        }
        if let Some(name) = shown.name {
            let y = at.bottom().saturating_sub(u16::from(names));
            let name = text::truncate(name, usize::from(at.width), theme.symbols.ellipsis);
            buf.set_line(at.x, y, &Line::styled(name, style), at.width);
        }
    }
    if shown < numbers.len() {
        let more = format!(
            "{} +{} more",
            theme.symbols.more_below,
            numbers.len() - shown
        );
        let y = body.bottom().saturating_sub(1);
        buf.set_line(body.x + 1, y, &Line::styled(more, theme.more), body.width);
    }
}

/// The numbers of tickets in `columns`, not voided.
fn numbers<'a>(
    model: &'a Model,
    columns: &[Column],
    show_names: bool,
) -> Vec<(Shown<'a>, &'a Ticket)> {
    let fresh_ms = i64::try_from(BOARD_FRESH_FOR.as_millis()).unwrap_or(i64::MAX);
    let server_now = model.server_now().as_millis();
    columns
        .iter()
        .flat_map(|c| model.column(*c))
        .filter(|t| !t.voided)
        .map(|ticket| {
            let name = show_names
                .then(|| {
                    ticket
                        .parts
                        .iter()
                        .find_map(|p| model.order(&p.order_id)?.customer.as_deref())
                })
                .flatten();
            let fresh = ticket.status == Status::Ready
                && server_now.saturating_sub(ticket.since.as_millis()) < fresh_ms;
            let shown = Shown {
                number: ticket.number.to_string(),
                name,
                fresh,
            };
            (shown, ticket)
        })
        .collect()
}

/// Draws the pickup board on `area`.
pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme, show_names: bool) {
    buf.set_style(area, Style::new());
    let mut preparing = numbers(model, &[Column::Pending, Column::Preparing], show_names);
    // Oldest first: the next to come out leads.
    preparing.sort_by_key(|(_, t)| (t.since, t.number));
    let mut ready = numbers(model, &[Column::Ready], show_names);
    // Newest ready first: the guest just called is on top.
    ready.sort_by_key(|(_, t)| std::cmp::Reverse((t.since, t.number)));
    let half = area.width / 2;
    let left = Rect {
        width: half,
        ..area
    };
    let right = Rect {
        x: area.x + half + 1,
        width: area.width.saturating_sub(half + 1),
        ..area
    };
    for y in area.top()..area.bottom() {
        buf.set_string(
            area.x + half,
            y,
            theme.symbols.column_rule,
            theme.column_rule,
        );
    }
    let ascii = theme.symbols.ascii;
    let preparing: Vec<Shown> = preparing.into_iter().map(|(s, _)| s).collect();
    let ready: Vec<Shown> = ready.into_iter().map(|(s, _)| s).collect();
    pane(buf, left, "PREPARING", &preparing, theme, ascii);
    pane(buf, right, "READY", &ready, theme, ascii);
}
