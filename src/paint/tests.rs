use super::*;
use ratatui::backend::CrosstermBackend;
use ratatui::style::{Color, Style};
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
    let mut painter = Painter::new(CrosstermBackend::new(sink.clone()));
    frames
        .iter()
        .map(|frame| {
            painter.paint(frame).expect("the sink takes every write");
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
    // Seven spaces cost more than the move to column 9, `ESC [ 1 ; 9 H`.
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
fn the_cursor_move_cost_counts_its_digits() {
    assert_eq!(cursor_move_bytes(0, 0), "\x1b[1;1H".len());
    assert_eq!(cursor_move_bytes(9, 99), "\x1b[100;10H".len());
    assert_eq!(cursor_move_bytes(119, 39), "\x1b[40;120H".len());
}
