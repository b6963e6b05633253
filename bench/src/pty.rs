//! A program in a pseudo-terminal, its output read back through a terminal
//! emulator (vt100) on a thread of its own, so the instant a text first
//! appears on its screen is noted as the bytes arrive, not when polled.

use anyhow::Context;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What the reader thread has seen so far.
struct Seen {
    parser: vt100::Parser,
    /// Bytes the program wrote to the terminal.
    bytes: u64,
    first_output: Option<Instant>,
    /// When `needle` was first on the screen.
    found: Option<Instant>,
    needle: String,
}

pub struct Pty {
    seen: Arc<Mutex<Seen>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

/// The environment of the program: only what a terminal session needs.
pub struct Launch<'a> {
    pub program: &'a Path,
    pub args: &'a [String],
    pub env: &'a [(&'a str, &'a std::ffi::OsStr)],
    pub cols: u16,
    pub rows: u16,
    /// Text whose first appearance on screen is timed.
    pub needle: String,
}

impl Pty {
    pub fn spawn(launch: &Launch<'_>) -> anyhow::Result<(Self, Instant)> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: launch.rows,
                cols: launch.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|err| anyhow::anyhow!("opening a pty: {err}"))?;
        let mut cmd = CommandBuilder::new(launch.program);
        cmd.args(launch.args);
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        for (name, value) in launch.env {
            cmd.env(name, value);
        }
        let seen = Arc::new(Mutex::new(Seen {
            parser: vt100::Parser::new(launch.rows, launch.cols, 0),
            bytes: 0,
            first_output: None,
            found: None,
            needle: launch.needle.clone(),
        }));
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|err| anyhow::anyhow!("pty reader: {err}"))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|err| anyhow::anyhow!("pty writer: {err}"))?;
        let started = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|err| anyhow::anyhow!("starting {}: {err}", launch.program.display()))?;
        drop(pair.slave);
        let shared = seen.clone();
        std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                // Ends when the program exits and the pty reports EOF or an error.
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let now = Instant::now();
                    let mut seen = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    seen.bytes += n as u64;
                    seen.first_output.get_or_insert(now);
                    seen.parser.process(&buf[..n]);
                    if seen.found.is_none()
                        && seen.parser.screen().contents().contains(&seen.needle)
                    {
                        seen.found = Some(now);
                    }
                }
            })
            .context("starting the pty reader")?;
        Ok((
            Self {
                seen,
                writer,
                child,
                _master: pair.master,
            },
            started,
        ))
    }

    fn with<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn bytes(&self) -> u64 {
        self.with(|s| s.bytes)
    }

    pub fn first_output(&self) -> Option<Instant> {
        self.with(|s| s.first_output)
    }

    pub fn found(&self) -> Option<Instant> {
        self.with(|s| s.found)
    }

    pub fn screen(&self) -> String {
        self.with(|s| s.parser.screen().contents())
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    pub fn press(&mut self, keys: &str) -> std::io::Result<()> {
        self.writer.write_all(keys.as_bytes())?;
        self.writer.flush()
    }

    /// Waits at most `limit` for the needle; polls, but the instant itself
    /// was taken by the reader.
    pub async fn wait_found(&self, limit: Duration) -> Option<Instant> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(found) = self.found() {
                return Some(found);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.found()
    }

    /// Waits at most `limit` for the program to exit; its exit code, or
    /// `None` if it had to be killed.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<u32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.exit_code());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = self.child.kill();
        None
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
