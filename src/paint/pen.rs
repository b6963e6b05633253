//! The escape sequences the painter writes: cursor moves and style changes,
//! each in the shortest form that every ANSI terminal reads.
//!
//! ratatui's crossterm backend moves with `ESC [ row ; col H` wherever the
//! next cell is not the one after the last, and writes a colour change as
//! both colours in the 256-colour form (`ESC [ 38;5;9;48;5;0 m`, 14 bytes).
//! On a frame where cards moved down a row that is most of what is written
//! (docs/benchmarks.md, "The painter"). Here a move along a row is
//! `ESC [ n C`, a style change names only what changed, in one sequence, and
//! the 16 named colours take their own codes (`ESC [ 91 m`, 5 bytes).

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};
use std::fmt::Write as _;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// How the cursor gets from where it is to the next cell written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Move {
    /// It is there already.
    Stay,
    /// Right along the row, `ESC [ n C`.
    Forward(u16),
    /// To a column of the same row, `ESC [ col G`.
    Column(u16),
    /// Anywhere, `ESC [ row ; col H` (`ESC [ row H` for the first column).
    To(u16, u16),
}

impl Move {
    /// The shortest move from `cursor` (unknown: `None`) to `(x, y)`.
    pub(super) fn between(cursor: Option<(u16, u16)>, x: u16, y: u16) -> Self {
        match cursor {
            Some((cx, cy)) if cy == y && cx == x => Self::Stay,
            Some((cx, cy)) if cy == y && cx < x => Self::Forward(x - cx),
            Some((_, cy)) if cy == y => Self::Column(x),
            _ => Self::To(x, y),
        }
    }

    /// How many bytes the move takes.
    pub(super) fn len(self) -> usize {
        match self {
            Self::Stay => 0,
            Self::Forward(1) => 3,
            Self::Forward(n) => 3 + digits(n),
            Self::Column(x) => 3 + digits(x + 1),
            Self::To(0, y) => 3 + digits(y + 1),
            Self::To(x, y) => 4 + digits(x + 1) + digits(y + 1),
        }
    }

    pub(super) fn write(self, out: &mut impl Write) -> io::Result<()> {
        match self {
            Self::Stay => Ok(()),
            Self::Forward(1) => out.write_all(b"\x1b[C"),
            Self::Forward(n) => write!(out, "\x1b[{n}C"),
            Self::Column(x) => write!(out, "\x1b[{}G", x + 1),
            Self::To(0, y) => write!(out, "\x1b[{}H", y + 1),
            Self::To(x, y) => write!(out, "\x1b[{};{}H", y + 1, x + 1),
        }
    }
}

/// Decimal digits of `n`.
fn digits(n: u16) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The parts of a cell's style the terminal keeps between symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Look {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Look {
    pub(super) const PLAIN: Self = Self {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    pub(super) fn of(cell: &Cell) -> Self {
        Self {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

/// What the terminal is known to hold while one frame is written: where its
/// cursor is and the style its next symbol takes.
pub(super) struct Pen {
    cursor: Option<(u16, u16)>,
    look: Look,
    /// The frame's width: a symbol in the last column leaves the cursor
    /// where terminals disagree (pending wrap), so it is unknown after one.
    width: u16,
    /// The parameters of the style change being built, each way.
    step: String,
    reset: String,
}

impl Pen {
    /// A pen at the start of a frame: the cursor is anywhere and the style
    /// is the terminal's own (every frame ends with a reset).
    pub(super) fn new(width: u16) -> Self {
        Self {
            cursor: None,
            look: Look::PLAIN,
            width,
            step: String::new(),
            reset: String::new(),
        }
    }

    /// Writes `cell`'s symbol at `(x, y)`.
    pub(super) fn draw(
        &mut self,
        out: &mut impl Write,
        x: u16,
        y: u16,
        cell: &Cell,
    ) -> io::Result<()> {
        Move::between(self.cursor, x, y).write(out)?;
        self.restyle(out, Look::of(cell))?;
        let symbol = cell.symbol();
        out.write_all(symbol.as_bytes())?;
        // Only a one-column symbol short of the edge lands the cursor where
        // every terminal agrees; after any other, the next move is absolute.
        self.cursor = (symbol.width() == 1 && x.saturating_add(1) < self.width).then(|| (x + 1, y));
        Ok(())
    }

    /// Blanks the `n` cells from `(x, y)` on, each like `cell` (a space, see
    /// [`erases_as_blank`]), with `ESC [ n X` instead of `n` spaces; the
    /// cursor stays at `(x, y)`.
    pub(super) fn erase(
        &mut self,
        out: &mut impl Write,
        x: u16,
        y: u16,
        n: u16,
        cell: &Cell,
    ) -> io::Result<()> {
        Move::between(self.cursor, x, y).write(out)?;
        self.restyle(out, Look::of(cell))?;
        write!(out, "\x1b[{n}X")?;
        self.cursor = Some((x, y));
        Ok(())
    }

    /// Leaves the terminal's style as it was found.
    pub(super) fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.look != Look::PLAIN {
            out.write_all(b"\x1b[0m")?;
            self.look = Look::PLAIN;
        }
        Ok(())
    }

    /// Changes the style to `to`, with whichever is shorter: naming what
    /// changed, or a reset followed by everything `to` has.
    fn restyle(&mut self, out: &mut impl Write, to: Look) -> io::Result<()> {
        if to == self.look {
            return Ok(());
        }
        self.step.clear();
        changes(&mut self.step, self.look, to);
        self.reset.clear();
        self.reset.push('0');
        changes(&mut self.reset, Look::PLAIN, to);
        let params = if self.reset.len() < self.step.len() {
            &self.reset
        } else {
            &self.step
        };
        write!(out, "\x1b[{params}m")?;
        self.look = to;
        Ok(())
    }
}

/// Whether an erased cell looks like `cell`: a space on the terminal's own
/// background, with nothing a space shows (underline, strikethrough,
/// reverse). An erased cell takes the current background, which the pen
/// has set to the cell's own, and no attributes.
pub(super) fn erases_as_blank(cell: &Cell) -> bool {
    cell.symbol() == " "
        && cell.bg == Color::Reset
        && !cell
            .modifier
            .intersects(Modifier::UNDERLINED | Modifier::CROSSED_OUT | Modifier::REVERSED)
}

/// Whether erasing a run of `n` blanks (`ESC [ n X`, then `ESC [ n C` past
/// them) is shorter than writing `n` spaces.
pub(super) fn erasing_pays(n: u16) -> bool {
    usize::from(n) > 6 + 2 * digits(n)
}

/// Appends to `params` the SGR parameters that take `from` to `to`.
fn changes(params: &mut String, from: Look, to: Look) {
    let removed = from.modifier - to.modifier;
    let mut added = to.modifier - from.modifier;
    // One code ends both bold and dim, one both blinks: what stays is set again.
    if removed.intersects(Modifier::BOLD | Modifier::DIM) {
        push(params, 22);
        added |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        push(params, 25);
        added |= to.modifier & (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK);
    }
    for (modifier, off) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::REVERSED, 27),
        (Modifier::HIDDEN, 28),
        (Modifier::CROSSED_OUT, 29),
    ] {
        if removed.contains(modifier) {
            push(params, off);
        }
    }
    for (modifier, on) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        if added.contains(modifier) {
            push(params, on);
        }
    }
    if from.fg != to.fg {
        colour(params, to.fg, 30, true);
    }
    if from.bg != to.bg {
        colour(params, to.bg, 40, true);
    }
    if from.underline != to.underline {
        colour(params, to.underline, 50, false);
    }
}

fn push(params: &mut String, code: u8) {
    if !params.is_empty() {
        params.push(';');
    }
    // Writing to a String cannot fail.
    let _ = write!(params, "{code}");
}

/// Appends the parameters for `colour` as a foreground (`base` 30),
/// background (40) or underline (50) colour. The 16 named colours have codes
/// of their own (`base` + n, and + 60 for the bright eight) except for the
/// underline, which only takes the indexed form; `Reset` is `base` + 9.
fn colour(params: &mut String, colour: Color, base: u8, named_codes: bool) {
    let named = match colour {
        Color::Reset => return push(params, base + 9),
        Color::Indexed(n) => return extended(params, base, format_args!("5;{n}")),
        Color::Rgb(r, g, b) => return extended(params, base, format_args!("2;{r};{g};{b}")),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
    };
    match named {
        n if !named_codes => extended(params, base, format_args!("5;{n}")),
        n if n < 8 => push(params, base + n),
        n => push(params, base + 60 + n - 8),
    }
}

/// `base + 8` followed by `rest` (`38;5;n`, `48;2;r;g;b`).
fn extended(params: &mut String, base: u8, rest: std::fmt::Arguments<'_>) {
    push(params, base + 8);
    // Writing to a String cannot fail.
    let _ = write!(params, ";{rest}");
}
