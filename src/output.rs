//! The screen: a thread of its own that writes frames (and bells) to the
//! terminal, so that a terminal that stops taking output cannot stop the
//! event loop.
//!
//! Why: the event loop shares its thread with the network engine (the
//! WebSocket, its pings, the action sender). Writing to the terminal blocks
//! when the other end stops reading — an SSH client frozen, a full pipe —
//! and a blocked write on that thread would stop the display answering the
//! server's pings, so the server would drop it, and bumps would wait. Here
//! the event loop only draws into a buffer and leaves it in a one-frame
//! slot; this thread takes the newest frame whenever the terminal takes
//! output again. Frames drawn meanwhile replace each other (the screen
//! catches up with the latest, nothing piles up) and bells are counted.

use crate::terminal::Tui;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// What waits for the thread.
#[derive(Default)]
struct Slot {
    frame: Option<Buffer>,
    /// The frame the terminal showed before the last one written, given
    /// back to be drawn into again: while the terminal keeps up, two
    /// buffers go round instead of one allocated per frame.
    spare: Option<Buffer>,
    bells: u32,
    stop: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    ready: Condvar,
}

impl Shared {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        // The slot holds plain data; a panic elsewhere leaves it usable.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The event loop's end of the screen thread.
pub struct Output {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Output {
    /// Moves the terminal to a thread of its own. `gone` fires when a write
    /// fails: the terminal has gone (an SSH session closed).
    pub fn spawn(tui: Tui) -> std::io::Result<(Output, oneshot::Receiver<()>)> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot::default()),
            ready: Condvar::new(),
        });
        let (gone_tx, gone) = oneshot::channel();
        let writer = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("kds-output".into())
            .spawn(move || write_frames(tui, &writer, gone_tx))?;
        let output = Output {
            shared,
            thread: Some(thread),
        };
        Ok((output, gone))
    }

    /// An empty buffer of `area` to draw the next frame into.
    pub fn canvas(&self, area: Rect) -> Buffer {
        match self.shared.slot().spare.take() {
            Some(mut buffer) => {
                buffer.resize(area);
                buffer.reset();
                buffer
            }
            None => Buffer::empty(area),
        }
    }

    /// Shows `frame` as soon as the terminal takes it, instead of any frame
    /// not yet written. Never blocks on the terminal.
    pub fn show(&self, frame: Buffer) {
        let mut slot = self.shared.slot();
        if let Some(unwritten) = slot.frame.replace(frame) {
            slot.spare = Some(unwritten);
        }
        drop(slot);
        self.shared.ready.notify_one();
    }

    /// Rings the bell after the next frame.
    pub fn bell(&self) {
        let mut slot = self.shared.slot();
        slot.bells = slot.bells.saturating_add(1);
        drop(slot);
        self.shared.ready.notify_one();
    }

    /// Writes what is left, gives the terminal back and ends the thread,
    /// waiting at most `grace`: a terminal that takes nothing any more must
    /// not keep kds from quitting (and saving its queue).
    pub fn stop(mut self, grace: Duration) {
        self.shared.slot().stop = true;
        self.shared.ready.notify_one();
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = std::time::Instant::now() + grace;
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::warn!("the terminal takes no output; leaving without restoring it");
        }
    }
}

/// The thread: write the newest frame, then the bells, until told to stop.
fn write_frames(mut tui: Tui, shared: &Shared, gone: oneshot::Sender<()>) {
    loop {
        let (frame, bells, stop) = {
            let mut slot = shared.slot();
            while slot.frame.is_none() && slot.bells == 0 && !slot.stop {
                slot = shared
                    .ready
                    .wait(slot)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            (
                slot.frame.take(),
                std::mem::take(&mut slot.bells),
                slot.stop,
            )
        };
        if let Some(frame) = frame {
            match tui.show(frame) {
                Ok(spare) => shared.slot().spare = Some(spare),
                Err(err) => {
                    tracing::info!("the terminal is gone ({err}); stopping");
                    let _ = gone.send(());
                    return;
                }
            }
        }
        // Bells that came while the terminal was stuck ring once.
        if bells > 0 {
            tui.bell();
        }
        if stop {
            // Dropping the guard gives the terminal back.
            return;
        }
    }
}
