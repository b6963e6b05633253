//! The columns: title, a page of cards, and `+N more` where tickets are hidden.

use super::Theme;
use super::card::Card;
use crate::model::layout::Screen;
use crate::model::{Column, Model, Page, PerColumn};
use crate::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

pub fn render(
    buf: &mut Buffer,
    screen: &Screen,
    pages: &PerColumn<Page>,
    model: &Model,
    theme: &Theme,
) {
    for rule in screen.rules {
        for y in rule.top()..rule.bottom() {
            buf.set_string(rule.x, y, theme.symbols.column_rule, theme.column_rule);
        }
    }
    for column in Column::ALL {
        render_title(buf, screen.titles[column], model, theme, column);
        render_list(buf, &pages[column], model, theme, column);
    }
}

fn render_title(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme, column: Column) {
    let focused = model.focused_column() == column;
    let style = if focused {
        theme.column_title_focused
    } else {
        theme.column_title
    };
    buf.set_style(area, style);
    let title = format!(
        "{} {}",
        column.name().to_uppercase(),
        model.column(column).len()
    );
    let title = text::truncate(&title, usize::from(area.width), theme.symbols.ellipsis);
    centered(buf, area, &title, style);
}

fn render_list(buf: &mut Buffer, page: &Page, model: &Model, theme: &Theme, column: Column) {
    let tickets = model.column(column);
    let focused = (model.focused_column() == column).then(|| model.selected_index(column));
    for (ticket_index, slot) in page.range().zip(&page.slots) {
        let Some(ticket) = tickets.get(ticket_index) else {
            continue;
        };
        Card {
            model,
            theme,
            ticket,
            focused: focused == Some(ticket_index),
        }
        .render(*slot, buf);
    }
    if let Some(line) = page.above {
        more_line(buf, line, theme, theme.symbols.more_above, page.start);
    }
    if let Some(line) = page.below {
        more_line(
            buf,
            line,
            theme,
            theme.symbols.more_below,
            tickets.len() - page.end,
        );
    }
}

fn more_line(buf: &mut Buffer, area: Rect, theme: &Theme, mark: &str, hidden: usize) {
    let text = format!("{mark} +{hidden} more {mark}");
    centered(buf, area, &text, theme.more);
}

/// Writes `text` centred in a one-row area.
pub fn centered(buf: &mut Buffer, area: Rect, text: &str, style: ratatui::style::Style) {
    let width = text::width(text).min(usize::from(area.width));
    let x = area.x + ((usize::from(area.width) - width) / 2) as u16;
    buf.set_stringn(x, area.y, text, width, style);
}
