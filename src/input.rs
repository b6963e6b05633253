//! The keyboard: a thread of its own that reads terminal events and hands
//! them to the event loop over a channel.
//!
//! Why not crossterm's `EventStream` on the runtime: once the terminal has
//! hung up (an SSH session dropped, a console closed), crossterm's reader
//! finds it readable forever, reads 0 bytes and tries again without end
//! (crossterm-rs/crossterm#793). On the runtime's only thread that spin
//! would starve everything else, the SIGHUP that should end the session
//! included. So this thread asks the kernel first: it calls crossterm only
//! when the terminal holds input, and stops, closing the channel, when the
//! terminal reports a hang-up. The event loop takes a closed channel as
//! "the terminal is gone". (Should the terminal hang up in the instant
//! between the kernel's answer and crossterm's read, it is this thread that
//! spins, not the event loop, which still ends on the SIGHUP or on its next
//! failed draw.)
//!
//! Window size changes are not read here: crossterm only reports them from
//! inside a read, which this thread makes only when a key arrives. The event
//! loop watches SIGWINCH itself.

use crossterm::event::Event;
use rustix::event::{PollFd, PollFlags, poll};
use std::fs::File;
use std::io::{self, IsTerminal};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;
use tokio::sync::mpsc;

/// Room for a burst of keys (a bump bar sends several at once) while the
/// screen is being drawn.
const CAPACITY: usize = 64;

/// Starts the reader thread; its events arrive on the returned channel,
/// which closes when the terminal has gone.
pub fn spawn() -> io::Result<mpsc::Receiver<Event>> {
    let terminal = Terminal::open()?;
    let (to_app, events) = mpsc::channel(CAPACITY);
    std::thread::Builder::new()
        .name("kds-input".into())
        .spawn(move || read_events(&terminal, &to_app))?;
    Ok(events)
}

/// The descriptor crossterm reads: stdin when it is the terminal, otherwise
/// the process's controlling terminal, opened here as crossterm opens it.
enum Terminal {
    Stdin(io::Stdin),
    Tty(File),
}

impl Terminal {
    fn open() -> io::Result<Self> {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            Ok(Self::Stdin(stdin))
        } else {
            File::open("/dev/tty").map(Self::Tty)
        }
    }

    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Self::Stdin(stdin) => stdin.as_fd(),
            Self::Tty(file) => file.as_fd(),
        }
    }
}

fn read_events(terminal: &Terminal, to_app: &mpsc::Sender<Event>) {
    if let Err(err) = forward_events(terminal, to_app) {
        tracing::info!("cannot read the terminal ({err}); no more keys");
    }
}

/// Hands every event to the app until the terminal hangs up or the event
/// loop ends.
fn forward_events(terminal: &Terminal, to_app: &mpsc::Sender<Event>) -> io::Result<()> {
    loop {
        if !wait_for_input(terminal.fd())? {
            tracing::info!("the terminal hung up");
            return Ok(());
        }
        // One read of the terminal can hold several keys (a bump bar types
        // fast); crossterm keeps the rest, out of the kernel's sight, so
        // take every key it holds before waiting on the terminal again.
        loop {
            if to_app.blocking_send(crossterm::event::read()?).is_err() {
                // The event loop has ended.
                return Ok(());
            }
            if !crossterm::event::poll(Duration::ZERO)? {
                break;
            }
        }
    }
}

/// Blocks until the terminal holds input (`true`) or has hung up (`false`).
fn wait_for_input(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let gone = PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
    loop {
        let mut fds = [PollFd::from_borrowed_fd(fd, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(_) => {
                let ready = fds[0].revents();
                if ready.intersects(gone) {
                    return Ok(false);
                }
                if ready.contains(PollFlags::IN) {
                    return Ok(true);
                }
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(err) => return Err(err.into()),
        }
    }
}
