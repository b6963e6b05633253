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

use crossterm::ExecutableCommand;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::{DefaultTerminal, Terminal};
use std::io::{self, Write, stdout};

/// The terminal, taken over for as long as this lives.
pub struct Tui {
    /// Always `Some` until dropped.
    terminal: Option<DefaultTerminal>,
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
        let terminal = stdout()
            .execute(EnterAlternateScreen)
            .and_then(|_| Terminal::new(CrosstermBackend::new(stdout())));
        match terminal {
            Ok(terminal) => Ok(Self {
                terminal: Some(terminal),
            }),
            Err(err) => {
                restore();
                Err(err)
            }
        }
    }

    fn terminal(&mut self) -> &mut DefaultTerminal {
        // Only `drop` takes the terminal out.
        self.terminal
            .as_mut()
            .expect("the terminal is held until drop")
    }

    /// Shows `frame`, drawn elsewhere; only the cells that changed since the
    /// last one are written. A frame of another size than the terminal (a
    /// resize not yet seen where it was drawn) shows where the two overlap.
    pub fn show(&mut self, frame: &Buffer) -> io::Result<()> {
        self.terminal()
            .draw(|f| {
                let area = f.area();
                let buf = f.buffer_mut();
                if area == frame.area {
                    buf.clone_from(frame);
                    return;
                }
                let both = area.intersection(frame.area);
                for y in both.top()..both.bottom() {
                    for x in both.left()..both.right() {
                        buf[(x, y)].clone_from(&frame[(x, y)]);
                    }
                }
            })
            .map(drop)
    }

    /// Rings the terminal bell; a bell that cannot ring is not worth failing over.
    pub fn bell(&mut self) {
        let backend = self.terminal().backend_mut();
        let _ = backend.write_all(b"\x07").and_then(|()| backend.flush());
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
        if let Some(mut terminal) = self.terminal.take() {
            let cursor_shown = terminal.show_cursor().is_ok();
            restore();
            if !cursor_shown {
                // Dropping it would retry the cursor and `eprintln!` the
                // failure onto a terminal that is gone; it holds only a handle
                // to stdout, so letting it go unreclaimed costs nothing.
                std::mem::forget(terminal);
            }
        }
    }
}
