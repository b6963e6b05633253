//! Drawing the model: a pure function of it, one function per region.
//!
//! Nothing here reads a clock, the environment or the terminal: "now" is the
//! model's last tick, the theme was chosen at start. The regions and the
//! column pages are the model's ([`crate::model::layout`], which has the
//! screen sketch): the view draws the pages the keys address.

mod all_day;
pub mod board;
mod card;
mod columns;
mod footer;
mod header;
mod overlay;
mod theme;

#[cfg(test)]
mod tests;

pub use theme::{Symbols, Theme};

use crate::model::{Model, Overlay, layout};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use std::borrow::Cow;

/// Draws the whole screen into a frame.
pub fn render(frame: &mut Frame, model: &Model, theme: &Theme) {
    let area = frame.area();
    draw(frame.buffer_mut(), area, model, theme);
}

/// Draws the whole screen into `buf` at `area`: what the event loop does,
/// handing the buffer to the screen thread ([`crate::output`]).
pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    // The model laid the screen out at the size it was told; a frame of
    // another size (a resize not yet seen) is laid out the same way.
    let laid_out = if model.layout().area == area {
        Cow::Borrowed(model.layout())
    } else {
        Cow::Owned(layout::layout(model, area, None))
    };
    let Some(screen) = laid_out.screen else {
        render_too_small(buf, area);
        return;
    };
    header::render(buf, screen.header, model, theme);
    columns::render(buf, &screen, &laid_out.pages, model, theme);
    footer::render(buf, screen.footer, model, theme);
    // Overlays cover the columns only: the header and the link state stay in view.
    let body = Rect {
        y: screen.header.bottom(),
        height: screen.footer.y.saturating_sub(screen.header.bottom()),
        ..area
    };
    if let Some(side) = screen.side {
        all_day::render_side(buf, side, model, theme);
    }
    match model.overlay() {
        Overlay::None if model.all_day() == Some(false) => {
            all_day::render_overlay(buf, body, model, theme);
        }
        Overlay::None => {}
        Overlay::Help => overlay::render_help(buf, body, model, theme),
        Overlay::Recall => overlay::render_recall(buf, body, model, theme),
    }
}

/// A screen too small for the board says so, plainly, in whatever room there is.
fn render_too_small(buf: &mut Buffer, area: Rect) {
    let text = format!(
        "terminal too small ({}x{}), need {}x{}",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    let y = area.y + area.height.saturating_sub(1) / 2;
    let rows = area.bottom().saturating_sub(y);
    let paragraph = Paragraph::new(Line::from(text).centered()).wrap(Wrap { trim: true });
    paragraph.render(
        Rect {
            y,
            height: rows,
            ..area
        },
        buf,
    );
}
