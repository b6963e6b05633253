use super::*;
use ratatui::backend::CrosstermBackend;
use ratatui::style::{Color, Modifier, Style};
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// Keeps what is written; the backend owns its writer, so the bytes are
/// shared with the test.
#[derive(Default, Clone)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const AREA: Rect = Rect::new(0, 0, 30, 6);

/// A frame of `AREA` with `lines` from row `top` on, borders in one colour
/// and text in another, like a column of cards.
fn frame(top: u16, lines: &[&str]) -> Buffer {
    let mut buf = Buffer::empty(AREA);
    for (i, line) in lines.iter().enumerate() {
        let y = top + u16::try_from(i).expect("a handful of lines");
        if y >= AREA.height {
            break;
        }
        buf.set_string(0, y, "│", Style::new().fg(Color::Cyan));
        buf.set_string(2, y, line, Style::new().fg(Color::White));
        buf.set_string(AREA.width - 1, y, "│", Style::new().fg(Color::Cyan));
    }
    buf
}

const CARDS: [&str; 5] = [
    "#41  2 min  a b",
    "1 burger  no onion",
    "2 fries   x  y",
    "#42  コーラ 1 min",
    "1 salad   side",
];

/// Paints `frames` one after the other; what each one wrote.
fn painted(frames: &[Buffer]) -> Vec<Vec<u8>> {
    let sink = Sink::default();
    let mut painter = Painter::new(sink.clone());
    frames
        .iter()
        .map(|frame| {
            painter
                .paint(frame.clone())
                .expect("the sink takes every write");
            sink.take()
        })
        .collect()
}

/// What ratatui's own `Terminal` writes for the same frames.
fn painted_by_ratatui(frames: &[Buffer]) -> Vec<Vec<u8>> {
    let sink = Sink::default();
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(sink.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(AREA),
        },
    )
    .expect("a fixed viewport needs no terminal");
    frames
        .iter()
        .map(|frame| {
            terminal
                .draw(|f| f.buffer_mut().clone_from(frame))
                .expect("the sink takes every write");
            sink.take()
        })
        .collect()
}

/// The text a terminal shows after `bytes`, row by row.
fn screen_after(bytes: &[Vec<u8>]) -> Vec<String> {
    let mut parser = vt100::Parser::new(AREA.height, AREA.width, 0);
    for chunk in bytes {
        parser.process(chunk);
    }
    parser.screen().rows(0, AREA.width).collect()
}

fn text_of(frame: &Buffer) -> Vec<String> {
    (0..frame.area.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < frame.area.width {
                let symbol = frame[(x, y)].symbol();
                row.push_str(symbol);
                x += u16::try_from(symbol.width().max(1)).expect("a cell is at most 2 wide");
            }
            row.trim_end().to_owned()
        })
        .collect()
}

#[test]
fn a_terminal_shows_each_frame_exactly_whatever_moved() {
    let frames = [
        frame(0, &CARDS),
        // An add-on: everything from the second line on moves down a row.
        frame(
            0,
            &[
                CARDS[0],
                "1 burger  no onion",
                "+ 1 shake",
                CARDS[2],
                CARDS[3],
            ],
        ),
        frame(1, &CARDS),
        frame(0, &["コーラ コーラ", "a  b  c  d", CARDS[4]]),
    ];
    let written = painted(&frames);
    for n in 1..=frames.len() {
        let shown = screen_after(&written[..n]);
        let shown: Vec<String> = shown.iter().map(|row| row.trim_end().to_owned()).collect();
        assert_eq!(shown, text_of(&frames[n - 1]), "after frame {n}");
    }
}

#[test]
fn cards_moved_down_a_row_take_fewer_bytes_than_ratatuis_diff() {
    let frames = [
        frame(0, &CARDS),
        frame(
            0,
            &[
                CARDS[0],
                "+ 1 shake",
                CARDS[1],
                CARDS[2],
                CARDS[3],
                CARDS[4],
            ],
        ),
    ];
    let ours = painted(&frames);
    let theirs = painted_by_ratatui(&frames);
    assert!(
        ours[1].len() < theirs[1].len(),
        "{} bytes against ratatui's {}",
        ours[1].len(),
        theirs[1].len()
    );
    // The same screen either way.
    assert_eq!(screen_after(&ours), screen_after(&theirs));
}

#[test]
fn a_gap_in_another_colour_or_longer_than_a_move_is_jumped_over() {
    let mut before = Buffer::empty(AREA);
    before.set_string(0, 0, "a       b", Style::new());
    let mut after = before.clone();
    after.set_string(0, 0, "x", Style::new());
    after.set_string(8, 0, "y", Style::new());
    // Seven spaces cost more than the move over them, `ESC [ 7 C`.
    let updates = with_short_gaps(&after, before.diff(&after));
    assert_eq!(updates.iter().map(|u| u.0).collect::<Vec<_>>(), [0, 8]);

    let mut after = before.clone();
    after.set_string(0, 0, "x", Style::new());
    after.set_string(3, 0, "y", Style::new());
    let updates = with_short_gaps(&after, before.diff(&after));
    assert_eq!(
        updates.iter().map(|u| u.0).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );

    after.set_style(Rect::new(1, 0, 1, 1), Style::new().fg(Color::Red));
    let updates = with_short_gaps(&after, before.diff(&after));
    assert_eq!(
        updates.iter().map(|u| u.0).collect::<Vec<_>>(),
        [0, 1, 3],
        "the red cell changed; the gap after it is in another style than the cell before it"
    );
}

#[test]
fn a_gap_holding_a_wide_symbol_is_never_filled() {
    let mut before = Buffer::empty(AREA);
    before.set_string(0, 0, "a コ b", Style::new());
    let mut after = before.clone();
    after.set_string(0, 0, "x", Style::new());
    after.set_string(5, 0, "y", Style::new());
    let updates = with_short_gaps(&after, before.diff(&after));
    assert_eq!(updates.iter().map(|u| u.0).collect::<Vec<_>>(), [0, 5]);
}

#[test]
fn frames_are_handed_round_not_copied() {
    let mut painter = Painter::new(Sink::default());
    let first = frame(0, &CARDS);
    let first_cells = first.content.as_ptr();
    painter.paint(first).expect("the sink takes every write");
    let moved = frame(1, &CARDS);
    let (expected, moved_cells) = (moved.clone(), moved.content.as_ptr());
    let mut spare = painter.paint(moved).expect("the sink takes every write");
    // The painter keeps the frame itself as what the terminal shows...
    assert_eq!(painter.shown, expected);
    assert_eq!(painter.shown.content.as_ptr(), moved_cells);
    // ...and gives back the one before, to be drawn into (as `canvas` does).
    assert_eq!(spare.content.as_ptr(), first_cells);
    spare.reset();
    spare.set_string(2, 0, "#43", Style::new());
    let third = spare.clone();
    let back = painter.paint(spare).expect("the sink takes every write");
    assert_eq!(back.content.as_ptr(), moved_cells);
    assert_eq!(painter.shown, third);
}

#[test]
fn a_resize_clears_and_writes_the_whole_frame() {
    let small = frame(0, &CARDS[..2]);
    let mut big = Buffer::empty(Rect::new(0, 0, 40, 8));
    big.set_string(0, 0, "#41", Style::new());
    let written = painted(&[small, big]);
    // `ESC [ 2 J` clears; then every cell of the new area is written.
    let second = String::from_utf8_lossy(&written[1]);
    assert!(second.contains("\x1b[2J"), "{second:?}");
    assert!(second.contains("#41"));
}

#[test]
fn each_move_costs_what_it_writes() {
    let moves = [
        (None, 0, 0, "\x1b[1H"),
        (None, 9, 99, "\x1b[100;10H"),
        (Some((3, 5)), 119, 39, "\x1b[40;120H"),
        (Some((3, 5)), 4, 5, "\x1b[C"),
        (Some((3, 5)), 15, 5, "\x1b[12C"),
        (Some((30, 5)), 2, 5, "\x1b[3G"),
        (Some((3, 5)), 3, 5, ""),
    ];
    for (cursor, x, y, expected) in moves {
        let step = Move::between(cursor, x, y);
        let mut written = Vec::new();
        step.write(&mut written).expect("a Vec takes every write");
        assert_eq!(String::from_utf8_lossy(&written), expected, "{step:?}");
        assert_eq!(step.len(), expected.len(), "{step:?}");
    }
}

/// Every cell of `frames`' last frame as a terminal shows it: symbol,
/// colours and attributes (vt100 reads no strikethrough; its code is
/// checked by [`a_style_change_names_only_what_changed`]). An erased cell
/// and a written space look the same.
fn cells_after(bytes: &[Vec<u8>]) -> Vec<String> {
    let mut parser = vt100::Parser::new(AREA.height, AREA.width, 0);
    for chunk in bytes {
        parser.process(chunk);
    }
    let screen = parser.screen();
    let mut cells = Vec::new();
    for y in 0..AREA.height {
        for x in 0..AREA.width {
            if let Some(c) = screen.cell(y, x) {
                let symbol = if c.contents().is_empty() {
                    " "
                } else {
                    c.contents()
                };
                cells.push(format!(
                    "{x},{y} {symbol:?} {:?} {:?} b{} d{} i{} u{} r{}",
                    c.fgcolor(),
                    c.bgcolor(),
                    c.bold(),
                    c.dim(),
                    c.italic(),
                    c.underline(),
                    c.inverse()
                ));
            }
        }
    }
    cells
}

#[test]
fn colours_and_attributes_come_out_as_ratatui_writes_them() {
    let styles = [
        Style::new().fg(Color::LightRed).bg(Color::Black),
        Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
        Style::new()
            .fg(Color::Indexed(208))
            .add_modifier(Modifier::BOLD | Modifier::DIM | Modifier::UNDERLINED),
        Style::new()
            .fg(Color::Rgb(10, 200, 30))
            .bg(Color::DarkGray)
            .add_modifier(Modifier::REVERSED | Modifier::ITALIC),
        Style::new().add_modifier(Modifier::DIM),
        Style::new().fg(Color::Gray).bg(Color::LightCyan),
        Style::new(),
    ];
    let mut frames = Vec::new();
    for shift in 0..styles.len() {
        let mut buf = Buffer::empty(AREA);
        for y in 0..AREA.height {
            for x in 0..AREA.width {
                let style = styles[(usize::from(x / 3 + y) + shift) % styles.len()];
                buf.set_string(x, y, if x % 4 == 0 { "#" } else { "━" }, style);
            }
        }
        frames.push(buf);
    }
    let ours = painted(&frames);
    let theirs = painted_by_ratatui(&frames);
    for n in 1..=frames.len() {
        assert_eq!(
            cells_after(&ours[..n]),
            cells_after(&theirs[..n]),
            "after frame {n}"
        );
    }
}

/// The escapes a style change from `from` to `to` writes.
fn restyled(from: Style, to: Style) -> String {
    let cell = |style: Style| {
        let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
        buf.set_string(0, 0, "x", style);
        buf[(0, 0)].clone()
    };
    let mut pen = Pen::new(AREA.width);
    let mut written = Vec::new();
    pen.draw(&mut written, 0, 0, &cell(from))
        .expect("a Vec takes every write");
    written.clear();
    pen.draw(&mut written, 1, 0, &cell(to))
        .expect("a Vec takes every write");
    String::from_utf8_lossy(&written)
        .trim_end_matches('x')
        .to_owned()
}

#[test]
fn a_style_change_names_only_what_changed() {
    let cyan = Style::new().fg(Color::Cyan).bg(Color::Black);
    assert_eq!(restyled(cyan, cyan.fg(Color::White)), "\x1b[97m");
    assert_eq!(
        restyled(cyan, cyan.fg(Color::Indexed(208))),
        "\x1b[38;5;208m"
    );
    assert_eq!(restyled(Style::new(), cyan), "\x1b[36;40m");
    let struck = cyan.add_modifier(Modifier::CROSSED_OUT);
    assert_eq!(restyled(cyan, struck), "\x1b[9m");
    assert_eq!(restyled(struck, cyan), "\x1b[29m");
    // Ending bold ends dim too: dim is set again.
    let both = cyan.add_modifier(Modifier::BOLD | Modifier::DIM);
    assert_eq!(
        restyled(both, cyan.add_modifier(Modifier::DIM)),
        "\x1b[22;2m"
    );
    // Back to plain from much: a reset is shorter than undoing each.
    let much = Style::new()
        .fg(Color::Red)
        .bg(Color::Blue)
        .add_modifier(Modifier::BOLD | Modifier::ITALIC | Modifier::UNDERLINED);
    assert_eq!(restyled(much, Style::new()), "\x1b[0m");
}

#[test]
fn a_frame_ends_in_the_terminals_own_style() {
    let written = painted(&[frame(0, &CARDS)]);
    assert!(
        written[0].ends_with(b"\x1b[0m\x1b[?25l"),
        "{:?}",
        String::from_utf8_lossy(&written[0])
    );
}

#[test]
fn a_long_run_of_blanks_is_erased_and_a_styled_one_written() {
    let mut before = Buffer::empty(AREA);
    before.set_string(0, 0, "1x Grilled salmon, no butter", Style::new());
    before.set_string(0, 1, "1x Grilled salmon, no butter", Style::new());
    let mut after = Buffer::empty(AREA);
    after.set_string(0, 0, "1x Fries", Style::new());
    after.set_string(27, 0, "!", Style::new());
    // The same on a row where the blanks are underlined: they show.
    after.set_string(0, 1, "1x Fries", Style::new());
    after.set_style(
        Rect::new(0, 1, AREA.width, 1),
        Style::new().add_modifier(Modifier::UNDERLINED),
    );
    let written = painted(&[before.clone(), after.clone()]);
    let second = String::from_utf8_lossy(&written[1]);
    assert!(second.contains("\x1b[19X\x1b[19C!"), "{second:?}");
    assert_eq!(
        second.matches('X').count(),
        1,
        "the underlined row is written: {second:?}"
    );
    assert_eq!(
        cells_after(&written),
        cells_after(&painted_by_ratatui(&[before, after]))
    );
}
