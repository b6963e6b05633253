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
//! Window size changes: the event loop watches SIGWINCH itself, but this
//! thread wakes on it too, to let crossterm take it at once. crossterm's
//! reader is edge-triggered and returns on the first event it finds: once it
//! has read a key it watches SIGWINCH as well, and a resize it has not yet
//! taken would be returned when the next key arrives while that key's
//! wake-up is dropped, so the key waited in the terminal for the key after
//! it (a bump that happens only on the second press, and then twice).

use crossterm::event::Event;
use rustix::event::{PollFd, PollFlags, poll};
use signal_hook::consts::SIGWINCH;
use std::fs::File;
use std::io::Read;
use std::io::{self, IsTerminal};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;
use tokio::sync::mpsc;

/// Room for a burst of keys (a bump bar sends several at once) while the
/// screen is being drawn.
const CAPACITY: usize = 64;

/// How long crossterm is given to take a window change after this thread
/// woke on it (its signal handler runs after ours, within microseconds).
const TAKE_RESIZE: Duration = Duration::from_millis(50);

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
    let (resized, on_resize) = UnixStream::pair()?;
    resized.set_nonblocking(true)?;
    let registration = signal_hook::low_level::pipe::register(SIGWINCH, on_resize)?;
    let forwarded = forward(terminal, &resized, to_app);
    signal_hook::low_level::unregister(registration);
    forwarded
}

fn forward(
    terminal: &Terminal,
    resized: &UnixStream,
    to_app: &mpsc::Sender<Event>,
) -> io::Result<()> {
    loop {
        let woke_by = wait_for_input(terminal.fd(), resized.as_fd())?;
        match woke_by {
            Woke::HungUp => {
                tracing::info!("the terminal hung up");
                return Ok(());
            }
            Woke::Input => {
                if to_app.blocking_send(crossterm::event::read()?).is_err() {
                    return Ok(());
                }
            }
            Woke::Resize => drain(resized),
        }
        // Whatever crossterm now holds: one read of the terminal can hold
        // several keys (a bump bar types fast), which crossterm keeps out of
        // the kernel's sight, or the resize. Its own signal handler may run
        // just after ours, so after a resize it is given a moment to see it.
        let mut wait = if woke_by == Woke::Resize {
            TAKE_RESIZE
        } else {
            Duration::ZERO
        };
        while crossterm::event::poll(wait)? {
            if to_app.blocking_send(crossterm::event::read()?).is_err() {
                // The event loop has ended.
                return Ok(());
            }
            wait = Duration::ZERO;
        }
    }
}

/// What woke the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woke {
    Input,
    Resize,
    HungUp,
}

/// Blocks until the terminal holds input, the window changed size, or the
/// terminal has hung up.
fn wait_for_input(tty: BorrowedFd<'_>, resized: BorrowedFd<'_>) -> io::Result<Woke> {
    let gone = PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
    loop {
        let mut fds = [
            PollFd::from_borrowed_fd(tty, PollFlags::IN),
            PollFd::from_borrowed_fd(resized, PollFlags::IN),
        ];
        match poll(&mut fds, None) {
            Ok(_) => {
                let (tty, resized) = (fds[0].revents(), fds[1].revents());
                if tty.intersects(gone) {
                    return Ok(Woke::HungUp);
                }
                if resized.contains(PollFlags::IN) {
                    return Ok(Woke::Resize);
                }
                if tty.contains(PollFlags::IN) {
                    return Ok(Woke::Input);
                }
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(err) => return Err(err.into()),
        }
    }
}

/// Empties the signal pipe: one wake-up stands for every resize before it.
fn drain(mut pipe: &UnixStream) {
    let mut buf = [0u8; 64];
    while matches!(pipe.read(&mut buf), Ok(n) if n > 0) {}
}
