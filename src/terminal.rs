//! Taking over the terminal and giving it back, whatever happens.
//!
//! [`Tui::enter`] switches to the alternate screen in raw mode; dropping the
//! guard restores the terminal, and so does a panic (our hook). The event
//! loop turns SIGTERM and SIGHUP into an orderly quit that ends here.
//!
//! ratatui's own `init`/`restore` are not used: on failure they report with
//! `eprintln!`, which panics when stderr is a terminal that has gone away
//! (an SSH session closing), and a panic inside the panic hook aborts the
//! process before the action queue and the demo's files are cleaned up.

use crate::paint::Painter;
use crossterm::ExecutableCommand;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::io::{self, Stdout, Write, stdout};

/// The terminal, taken over for as long as this lives.
pub struct Tui {
    painter: Painter<Stdout>,
}

impl Tui {
    pub fn enter() -> io::Result<Self> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            tracing::error!("panic: {info}");
            // The lean build aborts on panic: nothing runs after this hook,
            // so the line above must reach the file now.
            #[cfg(panic = "abort")]
            crate::logging::flush();
            previous(info);
        }));
        enable_raw_mode()?;
        if let Err(err) = stdout().execute(EnterAlternateScreen) {
            restore();
            return Err(err);
        }
        Ok(Self {
            painter: Painter::new(stdout()),
        })
    }

    /// Shows `frame`, drawn elsewhere; only the cells that changed since the
    /// last one are written. A frame of another size than the terminal (a
    /// resize not yet seen where it was drawn) shows where the two overlap.
    /// Gives back a buffer to draw the next frame into.
    pub fn show(&mut self, frame: Buffer) -> io::Result<Buffer> {
        let (width, height) = crossterm::terminal::size()?;
        let area = Rect::new(0, 0, width, height);
        if area == frame.area {
            return self.painter.paint(frame);
        }
        let mut fitted = Buffer::empty(area);
        let both = area.intersection(frame.area);
        for y in both.top()..both.bottom() {
            for x in both.left()..both.right() {
                fitted[(x, y)].clone_from(&frame[(x, y)]);
            }
        }
        self.painter.paint(fitted)
    }

    /// Rings the terminal bell; a bell that cannot ring is not worth failing over.
    pub fn bell(&mut self) {
        let out = self.painter.out();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }
}

/// Leaves raw mode and the alternate screen; errors are ignored because there
/// is nobody left to tell.
fn restore() {
    let _ = disable_raw_mode();
    let _ = stdout().execute(LeaveAlternateScreen);
}

impl Drop for Tui {
    fn drop(&mut self) {
        // Errors are ignored: the terminal may be gone (an SSH session
        // closed), and there is nobody left to tell.
        let _ = self.painter.out().execute(crossterm::cursor::Show);
        restore();
    }
}
