//! Writing frames to a terminal: the cells that changed since the frame it
//! shows, found by ratatui's own diff, plus the unchanged cells between two
//! changes on a row wherever writing them again is shorter than the cursor
//! move over them.
//!
//! Why: a card that grows a line (an add-on) moves every card below it down
//! a row. Row against row, most cells differ, but short runs (a space between
//! two words, a border column) happen to match, and the diff jumps over each
//! with a cursor move of 6 to 8 bytes where the run itself is 1 to 3
//! (docs/benchmarks.md, "The painter").
//!
//! [`Painter`] is what ratatui's `Terminal` does for a full-screen viewport
//! (keep the shown frame, diff, draw, flush), with that one step added; the
//! screen thread and the byte benchmark both write through it.

use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

/// Draws frames on `backend`, each as the difference from the one before.
pub struct Painter<B: Backend> {
    backend: B,
    /// What the terminal shows; empty until the first frame (which clears).
    shown: Buffer,
    cursor_hidden: bool,
}

impl<B: Backend> Painter<B> {
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            shown: Buffer::empty(Rect::default()),
            cursor_hidden: false,
        }
    }

    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Shows `frame`. A frame of another area than the last starts over
    /// from a cleared screen (a resize).
    pub fn paint(&mut self, frame: &Buffer) -> Result<(), B::Error> {
        if frame.area != self.shown.area {
            self.backend.clear()?;
            self.shown = Buffer::empty(frame.area);
        }
        let updates = with_short_gaps(frame, self.shown.diff(frame));
        self.backend.draw(updates.into_iter())?;
        if !self.cursor_hidden {
            self.backend.hide_cursor()?;
            self.cursor_hidden = true;
        }
        self.backend.flush()?;
        self.shown.clone_from(frame);
        Ok(())
    }
}

/// `updates` (in row order, as the diff gives them) with the cells of
/// `frame` between two updates on one row added wherever that is shorter
/// than moving the cursor over them.
fn with_short_gaps<'a>(
    frame: &'a Buffer,
    updates: Vec<(u16, u16, &'a Cell)>,
) -> Vec<(u16, u16, &'a Cell)> {
    let mut out = Vec::with_capacity(updates.len());
    let mut before: Option<(u16, u16, &Cell)> = None;
    for (x, y, cell) in updates {
        if let Some((bx, by, last)) = before
            && by == y
            && x > bx.saturating_add(1)
            && gap_worth_writing(frame, last, bx, x, y)
        {
            out.extend((bx + 1..x).filter_map(|gx| frame.cell((gx, y)).map(|c| (gx, y, c))));
        }
        out.push((x, y, cell));
        before = Some((x, y, cell));
    }
    out
}

/// Whether the cells from just after `from` up to `to` (exclusive) on row
/// `y` are worth writing: no more bytes than a cursor move to `to`, each one
/// column wide (so the cursor lands where the next update is written), drawn
/// plainly (no skip or forced width), and in `last`'s style (so no colour
/// change is written for them either).
fn gap_worth_writing(frame: &Buffer, last: &Cell, from: u16, to: u16, y: u16) -> bool {
    if last.symbol().width() != 1 {
        return false;
    }
    let budget = cursor_move_bytes(to, y);
    let mut spent = 0;
    (from + 1..to).all(|x| {
        frame.cell((x, y)).is_some_and(|cell| {
            let symbol = cell.symbol();
            spent += symbol.len();
            spent <= budget
                && symbol.width() == 1
                && cell.diff_option == CellDiffOption::None
                && same_style(cell, last)
        })
    })
}

/// The length of `ESC [ row ; col H`, the move crossterm writes.
fn cursor_move_bytes(x: u16, y: u16) -> usize {
    let digits = |n: u16| (u32::from(n) + 1).ilog10() as usize + 1;
    4 + digits(x) + digits(y)
}

fn same_style(a: &Cell, b: &Cell) -> bool {
    a.fg == b.fg
        && a.bg == b.bg
        && a.modifier == b.modifier
        && a.underline_color == b.underline_color
}

#[cfg(test)]
mod tests;
