//! The real `kds` binary in a pseudo-terminal, its screen read back through
//! a terminal emulator (vt100), so tests see what a cook would see.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The variable that turns [`exec_with_sighup_blocked`] into a launcher; it
/// holds kds's arguments as a JSON array.
const BLOCKED_SIGHUP_ARGS: &str = "KDS_E2E_SIGHUP_BLOCKED_ARGS";
/// The launcher's full test name, for the harness's `--exact`.
const LAUNCHER: &str = "support::pty::exec_with_sighup_blocked";

pub struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Option<Box<dyn Write + Send>>,
    closing: Arc<AtomicBool>,
    /// Set: the terminal's other end reads nothing (a frozen SSH client).
    paused: Arc<AtomicBool>,
    /// Closed when the reader thread has stopped: everything the program
    /// wrote before the terminal closed is in `raw` and on the screen.
    read_all: mpsc::Receiver<()>,
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
        let mut cmd = command(env!("CARGO_BIN_EXE_kds"), home);
        cmd.args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        Screen::spawn(cmd, cols, rows)
    }

    /// Like [`Screen::start`], with SIGHUP blocked in kds, so that closing
    /// the terminal reaches it only as a terminal that has gone away, as
    /// when it runs under a supervisor that masks the signal.
    pub fn start_with_sighup_blocked(home: &Path, args: &[&str], cols: u16, rows: u16) -> Screen {
        let mut cmd = command(std::env::current_exe().unwrap(), home);
        cmd.args([LAUNCHER, "--exact", "--ignored", "--quiet"]);
        cmd.env(BLOCKED_SIGHUP_ARGS, serde_json::to_string(args).unwrap());
        Screen::spawn(cmd, cols, rows)
    }

    fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Screen {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        if let Some(path) = pair.master.tty_name() {
            type_nothing_on_close(&path);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn kds");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let closing = Arc::new(AtomicBool::new(false));
        let paused = Arc::new(AtomicBool::new(false));
        let (p, r, c, stopped) = (parser.clone(), raw.clone(), closing.clone(), paused.clone());
        let (done, read_all) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _done = done;
            let mut buf = [0u8; 8192];
            loop {
                // A terminal whose user stopped reading: kds's writes back up.
                while stopped.load(Ordering::SeqCst) && !c.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let Ok(n) = reader.read(&mut buf) else { break };
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
            paused,
            writer: Some(writer),
            closing,
            read_all,
            child,
            master: Some(pair.master),
        }
    }

    /// Stops reading what the program writes, as a frozen client would.
    pub fn stop_reading(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    pub fn resume_reading(&self) {
        self.paused.store(false, Ordering::SeqCst);
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
    /// SIGHUP and every later read or write of the terminal fails. It
    /// happens on the program's next write (its clock redraws every second),
    /// when the reader lets go of the last handle.
    pub fn hang_up(&mut self) {
        self.closing.store(true, Ordering::SeqCst);
        self.writer = None;
        self.master = None;
    }

    /// Resizes the terminal, as dragging a window's corner does: the program
    /// gets SIGWINCH.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
        self.master
            .as_ref()
            .expect("the terminal is open")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// The screen's rows, as text.
    pub fn rows(&self) -> Vec<String> {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let (_, cols) = screen.size();
        screen.rows(0, cols).collect()
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("child pid")
    }

    /// Waits (at most `timeout`) for the program to exit and for everything
    /// it wrote to be read; its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let left = timeout.saturating_sub(start.elapsed());
                assert!(
                    matches!(
                        self.read_all.recv_timeout(left),
                        Err(mpsc::RecvTimeoutError::Disconnected)
                    ),
                    "kds exited but its terminal still had not closed after {timeout:?}"
                );
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

/// `program` with nothing of the developer's environment: the data and home
/// directories point into `home`, so no user configuration leaks in.
fn command(program: impl AsRef<OsStr>, home: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(program);
    cmd.env_clear();
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("KDS_DATA_DIR", home.join("data"));
    cmd.cwd(home);
    cmd
}

/// portable-pty's writer types a newline and the EOF character as it closes,
/// which a program in raw mode reads as two keys (Enter would bump a
/// ticket). A dropped SSH session types nothing: clear the EOF character so
/// that closing types nothing either.
fn type_nothing_on_close(tty: &Path) {
    use nix::fcntl::OFlag;
    use nix::sys::termios::{SetArg, SpecialCharacterIndices, tcgetattr, tcsetattr};
    use std::os::unix::fs::OpenOptionsExt;

    // O_NOCTTY: the test process must not adopt the terminal as its own.
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(OFlag::O_NOCTTY.bits())
        .open(tty)
        .expect("open the pty's terminal side");
    let mut termios = tcgetattr(&tty).expect("read the terminal's settings");
    termios.control_chars[SpecialCharacterIndices::VEOF as usize] = 0;
    tcsetattr(&tty, SetArg::TCSANOW, &termios).expect("set the terminal's settings");
}

/// Not a test: the launcher [`Screen::start_with_sighup_blocked`] runs in the
/// pseudo-terminal. It blocks SIGHUP and becomes kds; a blocked signal stays
/// blocked across `exec`.
#[test]
#[ignore = "not a test: a launcher that terminal tests run in a terminal of their own"]
fn exec_with_sighup_blocked() {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
    use std::os::unix::process::CommandExt;

    let Ok(args) = std::env::var(BLOCKED_SIGHUP_ARGS) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let mut blocked = SigSet::empty();
    blocked.add(Signal::SIGHUP);
    pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&blocked), None).unwrap();
    let err = std::process::Command::new(env!("CARGO_BIN_EXE_kds"))
        .args(args)
        .env_remove(BLOCKED_SIGHUP_ARGS)
        .exec();
    panic!("cannot run kds: {err}");
}
