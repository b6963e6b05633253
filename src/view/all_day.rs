//! The all-day counts: beside the columns on a wide screen, over them on a
//! narrow one.
//!
//! ```text
//! ╔══ All day ═══════════╗
//! ║  12  Classic Burger  ║
//! ║        3  no onion   ║   modifiers, with `all_day_modifiers`
//! ║   8  Fries           ║
//! ║ ▼ +4 more            ║
//! ╚══════════════════════╝
//! ```

use super::Theme;
use super::overlay::frame;
use crate::keymap::KeyAction;
use crate::model::Model;
use crate::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

/// The rows: (indent, quantity, name), items and their modifiers in order.
fn rows(model: &Model) -> Vec<(bool, u32, &str)> {
    let mut rows = Vec::new();
    for item in model.all_day_counts() {
        rows.push((false, item.qty, item.name.as_str()));
        for (modifier, qty) in &item.modifiers {
            rows.push((true, *qty, modifier.as_str()));
        }
    }
    rows
}

/// Draws `rows` into `inner`, the last row counting what did not fit.
fn list(buf: &mut Buffer, inner: Rect, model: &Model, theme: &Theme) {
    let rows = rows(model);
    if rows.is_empty() {
        let line = Line::styled(" nothing open", theme.dim);
        buf.set_line(inner.x, inner.y, &line, inner.width);
        return;
    }
    let room = usize::from(inner.height);
    let shown = if rows.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    let qty_width = rows
        .iter()
        .map(|(_, q, _)| q.to_string().len())
        .max()
        .unwrap_or(1);
    let width = usize::from(inner.width);
    for ((modifier, qty, name), y) in rows.iter().take(shown).zip(inner.top()..) {
        let indent = if *modifier { qty_width + 3 } else { 1 };
        let qty = format!("{qty:>qty_width$}");
        let name_room = width.saturating_sub(indent + qty.len() + 2);
        let name = text::truncate(name, name_room, theme.symbols.ellipsis);
        let (qty_style, name_style) = if *modifier {
            (theme.dim, theme.modifier)
        } else {
            (theme.qty, theme.item)
        };
        let line = Line::from(vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(qty, qty_style),
            Span::raw("  "),
            Span::styled(name, name_style),
        ]);
        buf.set_line(inner.x, y, &line, inner.width);
    }
    if rows.len() > shown && room > 0 {
        let more = format!(" {} +{} more", theme.symbols.more_below, rows.len() - shown);
        buf.set_line(
            inner.x,
            inner.bottom() - 1,
            &Line::styled(more, theme.more),
            inner.width,
        );
    }
}

/// The counts in a panel of their own, beside the columns.
pub fn render_side(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    Clear.render(area, buf);
    let block = Block::bordered()
        .border_set(theme.symbols.card)
        .border_style(theme.column_rule)
        .title_top(Line::from(Span::styled(" All day ", theme.overlay_title)));
    let inner = block.inner(area);
    block.render(area, buf);
    list(buf, inner, model, theme);
}

/// The counts over the columns, on a screen too narrow to have them beside.
pub fn render_overlay(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let keymap = &model.options().keymap;
    let close = keymap
        .keys(KeyAction::AllDay)
        .first()
        .or_else(|| keymap.keys(KeyAction::Close).first())
        .map_or_else(|| "Esc".to_owned(), ToString::to_string);
    let hint = format!("{close} closes");
    let inner = frame(buf, area, rows(model).len().max(1), "All day", &hint, theme);
    list(buf, inner, model, theme);
}
