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
//! (keep the shown frame, diff, draw, flush), with that step added and the
//! cells written in shorter sequences than its crossterm backend's
//! ([`pen`]); the screen thread and the byte benchmark both write through it.

mod pen;

use pen::{Look, Move, Pen, erases_as_blank, erasing_pays};
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::Rect;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// Draws frames on the terminal behind `out`, each as the difference from
/// the one before.
pub struct Painter<W: Write> {
    out: W,
    /// What the terminal shows; empty until the first frame (which clears).
    shown: Buffer,
    cursor_hidden: bool,
}

impl<W: Write> Painter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            shown: Buffer::empty(Rect::default()),
            cursor_hidden: false,
        }
    }

    /// The terminal, for what is not a frame (the bell, the cursor at exit).
    pub fn out(&mut self) -> &mut W {
        &mut self.out
    }

    /// Shows `frame`, and keeps it as what the terminal shows. A frame of
    /// another area than the last starts over from a cleared screen (a
    /// resize). Gives back the frame shown before, to draw the next one
    /// into: handing buffers round instead of copying into one kept here
    /// holds one screenful less (230 KB at 120x40) and copies none.
    pub fn paint(&mut self, frame: Buffer) -> io::Result<Buffer> {
        if frame.area != self.shown.area {
            self.out.write_all(b"\x1b[2J")?;
            self.shown.resize(frame.area);
            self.shown.reset();
        }
        let mut pen = Pen::new(frame.area.width);
        let updates = with_short_gaps(&frame, self.shown.diff(&frame));
        let mut i = 0;
        while let Some(&(x, y, cell)) = updates.get(i) {
            let blanks = blank_run(&updates[i..]);
            if erasing_pays(blanks) {
                pen.erase(&mut self.out, x, y, blanks, cell)?;
                i += usize::from(blanks);
            } else {
                pen.draw(&mut self.out, x, y, cell)?;
                i += 1;
            }
        }
        pen.finish(&mut self.out)?;
        if !self.cursor_hidden {
            self.out.write_all(b"\x1b[?25l")?;
            self.cursor_hidden = true;
        }
        self.out.flush()?;
        Ok(std::mem::replace(&mut self.shown, frame))
    }
}

/// How many of `updates`, from the first on, are blanks side by side on one
/// row in one style, to be erased together.
fn blank_run(updates: &[(u16, u16, &Cell)]) -> u16 {
    let Some(&(x, y, first)) = updates.first() else {
        return 0;
    };
    if !erases_as_blank(first) {
        return 0;
    }
    let run = updates
        .iter()
        .zip(u32::from(x)..)
        .take_while(|&(&(ux, uy, cell), at)| {
            u32::from(ux) == at && uy == y && cell.symbol() == " " && same_style(cell, first)
        })
        .count();
    // A row is at most u16::MAX cells wide.
    u16::try_from(run).unwrap_or(u16::MAX)
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
/// `y` are worth writing: no more bytes than the cursor's move over them, each one
/// column wide (so the cursor lands where the next update is written), drawn
/// plainly (no skip or forced width), and in `last`'s style (so no colour
/// change is written for them either).
fn gap_worth_writing(frame: &Buffer, last: &Cell, from: u16, to: u16, y: u16) -> bool {
    if last.symbol().width() != 1 {
        return false;
    }
    let budget = Move::between(Some((from + 1, y)), to, y).len();
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

fn same_style(a: &Cell, b: &Cell) -> bool {
    Look::of(a) == Look::of(b)
}

#[cfg(test)]
mod tests;
