//! Boxes drawn over the board: the key help and the recall list.

use super::Theme;
use super::columns::centered;
use crate::keymap::KeyAction;
use crate::model::Model;
use crate::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

/// Widest an overlay gets, so lines stay readable on big screens.
const OVERLAY_MAX_WIDTH: u16 = 72;
/// Rows an overlay spends besides its lines: borders and the hint line.
const OVERLAY_CHROME_ROWS: u16 = 3;

/// A centred box for `rows` lines of content; cleared and framed.
pub(super) fn frame(
    buf: &mut Buffer,
    area: Rect,
    rows: usize,
    title: &str,
    hint: &str,
    theme: &Theme,
) -> Rect {
    let width = area.width.saturating_sub(4).min(OVERLAY_MAX_WIDTH);
    let wanted = (rows as u16).saturating_add(OVERLAY_CHROME_ROWS);
    let height = wanted.min(area.height);
    let outer = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(outer, buf);
    let block = Block::bordered()
        .border_set(theme.symbols.overlay)
        .border_style(theme.overlay_title)
        .style(theme.overlay)
        .title_top(Line::from(Span::styled(format!(" {title} "), theme.overlay_title)).centered());
    let inner = block.inner(outer);
    block.render(outer, buf);
    if inner.height > 0 {
        let hint_row = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
        centered(buf, hint_row, hint, theme.hint);
    }
    Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

pub fn render_help(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let lines = model.options().keymap.describe();
    let hint = format!(
        "any key closes{}remap in [keys] of the config",
        theme.symbols.separator
    );
    let inner = frame(buf, area, lines.len(), "Keys", &hint, theme);
    let width = usize::from(inner.width);
    let key_width = lines
        .iter()
        .map(|(keys, _)| text::width(keys))
        .max()
        .unwrap_or(0)
        .min(width / 2);
    // On a tiny screen the last row says how many keys did not fit.
    let rows = usize::from(inner.height);
    let shown = if lines.len() > rows {
        rows.saturating_sub(1)
    } else {
        rows
    };
    for ((keys, what), y) in lines.iter().take(shown).zip(inner.top()..) {
        let keys = text::truncate(keys, key_width, theme.symbols.ellipsis);
        let pad = key_width.saturating_sub(text::width(&keys));
        let line = Line::from(vec![
            Span::raw(" "),
            Span::styled(keys, theme.hint_key),
            Span::raw(" ".repeat(pad + 2)),
            Span::raw(what.as_str()),
        ]);
        buf.set_line(inner.x, y, &line, inner.width);
    }
    if lines.len() > shown && rows > 0 {
        let row = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
        let text = format!(
            "{} +{} more: enlarge the terminal",
            theme.symbols.more_below,
            lines.len() - shown
        );
        centered(buf, row, &text, theme.more);
    }
}

pub fn render_recall(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let keymap = &model.options().keymap;
    let key = |action| {
        keymap
            .keys(action)
            .first()
            .map_or_else(|| "?".to_owned(), ToString::to_string)
    };
    let hint = format!(
        "{} back to Ready{}{} close",
        key(KeyAction::Bump),
        theme.symbols.separator,
        key(KeyAction::Close)
    );
    let list = model.recall_list();
    let inner = frame(
        buf,
        area,
        list.len().max(1),
        "Recall: completed orders",
        &hint,
        theme,
    );
    if list.is_empty() {
        let row = Rect { height: 1, ..inner };
        centered(buf, row, "No completed orders yet.", theme.dim);
        return;
    }
    let rows = usize::from(inner.height);
    if rows == 0 {
        return;
    }
    let selected = model.recall_index().min(list.len() - 1);
    // When the list is longer than the box, the first and last rows say what
    // is hidden, and the window follows the highlighted line.
    let fits = list.len() <= rows;
    let window = if fits {
        rows
    } else {
        rows.saturating_sub(2).max(1)
    };
    let start = (selected + 1).saturating_sub(window);
    let end = (start + window).min(list.len());
    let first_row = inner.y + u16::from(!fits);
    let width = usize::from(inner.width);
    for (i, y) in (start..end).zip(first_row..) {
        let ticket = &list[i];
        let cursor = if i == selected {
            theme.symbols.cursor
        } else {
            " "
        };
        let what = model.order(&ticket.id).map_or(String::new(), |order| {
            let items = order
                .items
                .iter()
                .map(|it| usize::from(it.qty))
                .sum::<usize>();
            let who = order
                .customer
                .as_deref()
                .or(order.table.as_deref())
                .unwrap_or("");
            let noun = if items == 1 { "item" } else { "items" };
            // At the expo the recall list holds each part of a check.
            if model.is_expo() {
                format!("{} {items} {noun} {who}", order.station)
            } else {
                format!("{items} {noun} {who}")
            }
        });
        let when = if ticket.pending {
            format!("sending{}", theme.symbols.ellipsis)
        } else {
            format!("done {} ago", text::age(model.elapsed_since(ticket.since)))
        };
        let left = format!("{cursor} #{:<5} {what}", ticket.number);
        let room = width.saturating_sub(text::width(&when) + 2);
        let left = text::truncate(&left, room, theme.symbols.ellipsis);
        let gap = width.saturating_sub(text::width(&left) + text::width(&when) + 1);
        let line = format!("{left}{}{when} ", " ".repeat(gap));
        let style = if i == selected {
            theme.selected_row
        } else {
            theme.overlay
        };
        buf.set_stringn(inner.x, y, line, width, style);
    }
    if !fits && inner.height >= 3 {
        let s = &theme.symbols;
        if start > 0 {
            let row = Rect { height: 1, ..inner };
            centered(
                buf,
                row,
                &format!("{} +{start} more", s.more_above),
                theme.more,
            );
        }
        if end < list.len() {
            let row = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
            let text = format!("{} +{} more", s.more_below, list.len() - end);
            centered(buf, row, &text, theme.more);
        }
    }
}
