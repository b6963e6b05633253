//! Bytes the client writes to its terminal, which is what crosses an SSH
//! link: `cargo bench --bench terminal_bytes`.
//!
//! The display's own [`Painter`] writes into
//! a counting sink instead of a TTY. Each scenario starts from a drawn board, applies what
//! the app would receive, redraws as the app does after every message, and
//! counts the bytes of that redraw. Deterministic: one run is the figure.
//!
//! The first table uses the default theme (Unicode, colour) on boards of 3
//! to 200 tickets, spread over the three columns; on the larger boards a new
//! ticket lands below the fold and only the counts change. The second table
//! compares the four themes on one board.
//!
//! With `KDS_BENCH_DUMP=DIR` the bytes of each scenario are also written to
//! `DIR/<scenario>-<cols>x<rows>-<tickets>.ansi`, to see what they are made of.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kds::model::{Column, Model};
use kds::msg::{ActionOutcome, Command, Msg, NetEvent};
use kds::paint::Painter;
use kds::update::update;
use kds::view::{self, Theme};
use kds_protocol::{Event, EventKind, Status};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;

/// Keeps what is written, shared with the caller since the painter owns
/// the writer.
#[derive(Default, Clone)]
struct Counter {
    bytes: Rc<RefCell<Vec<u8>>>,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Idle seconds averaged over.
const IDLE_SECONDS: i64 = 60;

struct Screen {
    painter: Painter<Counter>,
    area: Rect,
    written: Rc<RefCell<Vec<u8>>>,
    model: Model,
    theme: Theme,
}

/// One screen to measure on.
#[derive(Debug, Clone, Copy)]
struct Setup {
    cols: u16,
    rows: u16,
    tickets: usize,
    ascii: bool,
    color: bool,
}

impl Setup {
    fn name(self, scenario: &str) -> String {
        let theme = match (self.ascii, self.color) {
            (false, true) => "",
            (true, true) => "-ascii",
            (false, false) => "-mono",
            (true, false) => "-ascii-mono",
        };
        format!(
            "{scenario}-{}x{}-{}{theme}.ansi",
            self.cols, self.rows, self.tickets
        )
    }
}

impl Screen {
    /// A screen showing the setup's tickets, not yet drawn.
    fn blank(setup: Setup) -> Self {
        let counter = Counter::default();
        let written = counter.bytes.clone();
        Self {
            painter: Painter::new(counter),
            area: Rect::new(0, 0, setup.cols, setup.rows),
            written,
            model: support::loaded(setup.tickets, setup.cols, setup.rows),
            theme: Theme::new(setup.ascii, setup.color),
        }
    }

    /// A screen showing the setup's tickets, drawn once.
    fn new(setup: Setup) -> Self {
        let mut screen = Self::blank(setup);
        screen.draw();
        screen
    }

    /// Redraws; the bytes that redraw wrote.
    fn draw(&mut self) -> Vec<u8> {
        let before = self.written.borrow().len();
        // As the app does: draw into a buffer, then paint the difference.
        let mut frame = Buffer::empty(self.area);
        view::draw(&mut frame, self.area, &self.model, &self.theme);
        self.painter
            .paint(frame)
            .expect("writing to a counter never fails");
        self.written.borrow()[before..].to_vec()
    }

    /// Applies a message and redraws, as the app's loop does.
    fn apply(&mut self, msg: Msg) -> (Vec<u8>, Vec<Command>) {
        let commands = update(&mut self.model, msg);
        (self.draw(), commands)
    }

    fn next_seq(&self) -> i64 {
        self.model.last_seq().unwrap_or(0) + 1
    }
}

fn first_frame(setup: Setup) -> Vec<u8> {
    Screen::blank(setup).draw()
}

fn new_ticket(setup: Setup) -> Vec<u8> {
    let mut screen = Screen::new(setup);
    let mut order = support::order(setup.tickets as i64 + 1, Status::Pending, 0);
    order.created_at = support::at(0);
    let event = Event {
        seq: screen.next_seq(),
        kind: EventKind::Created,
        at: support::at(0),
        order,
    };
    screen.apply(support::events(vec![event])).0
}

/// The oldest pending ticket, moved to preparing by another screen.
fn bump_from_server(setup: Setup) -> Vec<u8> {
    let mut screen = Screen::new(setup);
    let oldest = screen.model.column(Column::Pending)[0].id.clone();
    let order = screen.model.order(&oldest).expect("a shown ticket").clone();
    let event = Event {
        seq: screen.next_seq(),
        kind: EventKind::StatusChanged,
        at: support::at(0),
        order: support::advanced(&order, 0),
    };
    screen.apply(support::events(vec![event])).0
}

/// Another screen's bump of the oldest pending ticket that is not a rush
/// (a rush goes to the top of the next column, which moves all of it).
fn plain_bump_from_server(setup: Setup) -> Vec<u8> {
    let mut screen = Screen::new(setup);
    let Some(order) = screen
        .model
        .column(Column::Pending)
        .iter()
        .filter(|t| !t.rush)
        .find_map(|t| screen.model.order(&t.id).cloned())
    else {
        return Vec::new();
    };
    let event = Event {
        seq: screen.next_seq(),
        kind: EventKind::StatusChanged,
        at: support::at(0),
        order: support::advanced(&order, 0),
    };
    screen.apply(support::events(vec![event])).0
}

/// An `updated` event for the first pending ticket, `change` made to it.
fn updated(setup: Setup, change: impl FnOnce(&mut kds_protocol::Order)) -> Vec<u8> {
    let mut screen = Screen::new(setup);
    let oldest = screen.model.column(Column::Pending)[0].id.clone();
    let mut order = screen.model.order(&oldest).expect("a shown ticket").clone();
    change(&mut order);
    order.version += 1;
    let event = Event {
        seq: screen.next_seq(),
        kind: EventKind::Updated,
        at: support::at(0),
        order,
    };
    screen.apply(support::events(vec![event])).0
}

/// The till adds a line (the card grows a row: the cards below move).
fn add_on(setup: Setup) -> Vec<u8> {
    updated(setup, |order| {
        let mut line = order.items[0].clone();
        "99".clone_into(&mut line.id);
        "Apple pie".clone_into(&mut line.name);
        line.added_in = order.version + 1;
        order.items.push(line);
    })
}

/// The till voids a line, or another screen marks one done (same height).
fn void_line(setup: Setup) -> Vec<u8> {
    updated(setup, |order| {
        order.items[0].voided_at = Some(support::at(0));
    })
}

fn line_done(setup: Setup) -> Vec<u8> {
    updated(setup, |order| {
        order.items[0].done_at = Some(support::at(0));
    })
}

/// A bump at this screen: the key (shown at once, marked as sending), the
/// server's event, and the server's answer; each redraws.
fn bump_from_key(setup: Setup) -> Option<Vec<u8>> {
    let mut screen = Screen::new(setup);
    let enter = Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let (mut bytes, commands) = screen.apply(enter);
    let action = commands.into_iter().find_map(|c| match c {
        Command::Send(action) => Some(action),
        _ => None,
    })?;
    let order = screen.model.order(&action.order_id)?.clone();
    let moved = support::advanced(&order, 0);
    let event = Event {
        seq: screen.next_seq(),
        kind: EventKind::StatusChanged,
        at: support::at(0),
        order: moved.clone(),
    };
    bytes.extend(screen.apply(support::events(vec![event])).0);
    let answer = Msg::Net(NetEvent::ActionDone {
        id: action.id,
        outcome: ActionOutcome::Applied(moved),
    });
    bytes.extend(screen.apply(answer).0);
    Some(bytes)
}

/// `IDLE_SECONDS` idle seconds: one tick a second, nothing else happening.
fn idle_seconds(setup: Setup) -> Vec<u8> {
    let mut screen = Screen::new(setup);
    (1..=IDLE_SECONDS)
        .flat_map(|s| screen.apply(Msg::Tick(support::at(s))).0)
        .collect()
}

/// Measures every scenario on one setup and prints its row.
fn row(label: &str, setup: Setup, dump: Option<&PathBuf>) {
    let keep = |scenario: &str, bytes: &[u8]| -> usize {
        if let Some(dir) = dump {
            let path = dir.join(setup.name(scenario));
            if let Err(err) = std::fs::write(&path, bytes) {
                eprintln!("cannot write {}: {err}", path.display());
            }
        }
        bytes.len()
    };
    let key =
        bump_from_key(setup).map_or_else(|| "n/a".to_owned(), |b| keep("bump-key", &b).to_string());
    println!(
        "{label:<22} {:>7} {:>12} {:>11} {:>13} {:>14} {:>12} {:>8} {:>8} {:>8} {:>12}",
        setup.tickets,
        keep("first", &first_frame(setup)),
        keep("new-ticket", &new_ticket(setup)),
        keep("bump-event", &bump_from_server(setup)),
        key,
        keep("plain-bump", &plain_bump_from_server(setup)),
        keep("add-on", &add_on(setup)),
        keep("void-line", &void_line(setup)),
        keep("line-done", &line_done(setup)),
        keep("idle-60s", &idle_seconds(setup)) / IDLE_SECONDS as usize,
    );
}

fn header(title: &str) {
    println!(
        "{title:<22} {:>7} {:>12} {:>11} {:>13} {:>14} {:>12} {:>8} {:>8} {:>8} {:>12}",
        "tickets",
        "first frame",
        "new ticket",
        "bump (event)",
        "bump (key+ack)",
        "plain bump",
        "add-on",
        "void",
        "done",
        "idle second"
    );
}

fn main() {
    let dump = std::env::var_os("KDS_BENCH_DUMP").map(PathBuf::from);
    if let Some(dir) = &dump
        && let Err(err) = std::fs::create_dir_all(dir)
    {
        eprintln!("cannot create {}: {err}", dir.display());
    }
    let dump = dump.as_ref();
    header("screen (bytes)");
    for (cols, rows) in [(120, 40), (200, 50), (80, 24)] {
        for tickets in [3, 12, 50, 200] {
            let setup = Setup {
                cols,
                rows,
                tickets,
                ascii: false,
                color: true,
            };
            row(&format!("{cols}x{rows}"), setup, dump);
        }
    }
    println!();
    header("theme at 120x40");
    for (ascii, color, label) in [
        (false, true, "unicode, colour"),
        (true, true, "ascii, colour"),
        (false, false, "unicode, mono"),
        (true, false, "ascii, mono"),
    ] {
        let setup = Setup {
            cols: 120,
            rows: 40,
            tickets: 12,
            ascii,
            color,
        };
        row(label, setup, dump);
    }
}
