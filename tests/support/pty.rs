//! The real `kds` binary in a pseudo-terminal, its screen read back through
//! a terminal emulator (vt100), so tests see what a cook would see.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Option<Box<dyn Write + Send>>,
    closing: Arc<AtomicBool>,
    child: Box<dyn Child + Send + Sync>,
    master: Option<Box<dyn MasterPty + Send>>,
}

impl Screen {
    /// Starts `kds` with `args` in a `cols`x`rows` terminal. The data and home
    /// directories point into `home`, so no user configuration leaks in.
    pub fn start(home: &Path, args: &[&str], cols: u16, rows: u16) -> Screen {
        Screen::start_with_env(home, args, &[], cols, rows)
    }

    /// Like [`Screen::start`], with extra environment variables.
    pub fn start_with_env(
        home: &Path,
        args: &[&str],
        env: &[(&str, &Path)],
        cols: u16,
        rows: u16,
    ) -> Screen {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kds"));
        cmd.args(args);
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("KDS_DATA_DIR", home.join("data"));
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).expect("spawn kds");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let closing = Arc::new(AtomicBool::new(false));
        let (p, r, c) = (parser.clone(), raw.clone(), closing.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                // The reader is the last handle on the terminal: letting go
                // of it is what hangs up once the screen has been closed.
                if n == 0 || c.load(Ordering::SeqCst) {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        Screen {
            parser,
            raw,
            writer: Some(writer),
            closing,
            child,
            master: Some(pair.master),
        }
    }

    /// The screen's text, row by row.
    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Everything the program wrote, escape sequences included.
    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits (at most `timeout`) until the screen satisfies `check`.
    pub fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if check(&text) {
                return text;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}; the screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` is on the screen.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{needle:?}"), timeout, |t| t.contains(needle))
    }

    pub fn press(&mut self, keys: &str) {
        let writer = self.writer.as_mut().expect("the terminal is open");
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
    }

    /// Sends `signal` (`TERM`, `HUP`...) to the program, as `kill -SIGNAL` does.
    /// HUP is what a closing SSH session delivers.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal}");
    }

    /// Closes the terminal, as a dropped SSH session does: the program gets
    /// SIGHUP and every later write to the terminal fails. (portable-pty's
    /// writer types a newline and Ctrl-D as it closes.)
    pub fn hang_up(&mut self) {
        self.closing.store(true, Ordering::SeqCst);
        self.writer = None;
        self.master = None;
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("child pid")
    }

    /// Waits (at most `timeout`) for the program to exit; its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "kds did not exit within {timeout:?}; the screen:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
