//! A real kds-server in a process of its own, so a test can SIGKILL it,
//! limit what it may write, and read its memory and open files from /proc.
//!
//! The root package's tests cannot name the `kds-server` binary (Cargo only
//! gives a package its own binaries), and `target/debug/kds-server` exists
//! only if something else built it first. So the test binary starts itself
//! again, running only [`serve_as_child_process`], which parses the same
//! flags as `kds-server` (`kds_server::Cli`) and serves through the same
//! library call as its `main`. That works from a clean clone with
//! `cargo test --workspace` and with `cargo test --test fault_...` alike.

use super::PATIENCE;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The variable that turns the helper below into a server; it holds the
/// server's flags as a JSON array.
const CHILD_ARGS: &str = "KDS_FAULT_SERVER_ARGS";
/// The line the child prints once it listens: the marker, then its base URL.
const LISTENING: &str = "KDS_FAULT_SERVER_LISTENING ";
/// The helper's full test name, for the harness's `--exact`.
const HELPER: &str = "fault_support::server::serve_as_child_process";
/// SIGXFSZ on Linux: a write past the file-size limit raises it, and its
/// default action kills the process. A server whose disk is full must get
/// the write error instead, as it would from a real full disk.
const SIGXFSZ: i32 = 25;

/// Config for servers under test: quick heartbeats and a short send timeout,
/// so dead peers and stalled readers are dealt with in a second or two.
pub const FAST_SERVER_CONFIG: &str = r#"
[server.websocket]
ping_every = "250ms"
dead_after = "3s"
send_timeout = "1s"
"#;

/// A kds-server child process over a database that outlives it (an `SQLite`
/// file of its own unless it is given one).
pub struct ServerProcess {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub url: String,
    database: String,
    config: PathBuf,
    log: PathBuf,
    starts: usize,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts a server on 127.0.0.1:0 with `config` (TOML) as its config
    /// file, over an `SQLite` file of its own.
    pub fn start(config: &str) -> ServerProcess {
        ServerProcess::start_on(config, None)
    }

    /// Starts a server on the database at `url` (`PostgreSQL`, shared by
    /// several instances), with `config` (TOML) as its config file.
    pub fn start_with_database(config: &str, url: &str) -> ServerProcess {
        ServerProcess::start_on(config, Some(url))
    }

    fn start_on(config: &str, database: Option<&str>) -> ServerProcess {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("server.toml");
        std::fs::write(&config_path, config).unwrap();
        let database = database.map_or_else(
            || format!("sqlite://{}", dir.path().join("kds.db").display()),
            str::to_owned,
        );
        let log = dir.path().join("server.log");
        let mut server = ServerProcess {
            child: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            url: String::new(),
            database,
            config: config_path,
            log,
            starts: 0,
            _dir: dir,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let args = [
            "--config",
            &self.config.display().to_string(),
            "--database",
            &self.database,
            "--listen",
            "127.0.0.1:0",
            "--log",
            "info,sqlx=warn,tower_http=warn",
        ]
        .map(str::to_owned);
        self.starts += 1;
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                HELPER,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            // Nothing of the developer's environment (KDS_*) reaches the server.
            .env_clear()
            .env(CHILD_ARGS, serde_json::to_string(&args).unwrap())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // Through a pipe, written here: a file-size limit on the server
            // must not stop its log.
            .stderr(Stdio::piped())
            .spawn()
            .expect("the test binary starts again as a server");
        let mut stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stderr, &mut log);
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The harness may have written "test NAME ... " before it on the line.
                if let Some(at) = line.find(LISTENING) {
                    let _ = tx.send(line[at + LISTENING.len()..].trim().to_owned());
                }
            }
        });
        let Ok(url) = rx.recv_timeout(PATIENCE) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start; its log:\n{}", self.log_tail());
        };
        self.addr = url.trim_start_matches("http://").parse().unwrap();
        self.url = url;
        self.child = Some(child);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server runs").id()
    }

    /// SIGKILL: no shutdown, no flush, no close frames.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts it again on the same database (on a new port: see `addr`).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Sets the server's file-size limit (`None` lifts it). At one byte every
    /// write that would grow a file fails with EFBIG: the disk is full.
    pub fn limit_file_size(&self, bytes: Option<u64>) {
        let pid = i32::try_from(self.pid()).unwrap();
        let (mut soft, mut hard) = (0, 0);
        rlimit::prlimit(
            pid,
            rlimit::Resource::FSIZE,
            None,
            Some((&mut soft, &mut hard)),
        )
        .unwrap();
        soft = bytes.unwrap_or(hard);
        rlimit::prlimit(pid, rlimit::Resource::FSIZE, Some((soft, hard)), None).unwrap();
    }

    /// Resident memory, in KiB, from /proc.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Sockets the server holds open (its listener and connections).
    pub fn open_sockets(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    }

    /// How many times the process was started.
    pub fn starts(&self) -> usize {
        self.starts
    }

    /// The end of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        let start = text.len().saturating_sub(4000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_owned()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The server process itself; does nothing unless [`ServerProcess`] started it.
#[test]
#[ignore = "not a test: the fault suite runs it, in a process of its own, as its kds-server"]
fn serve_as_child_process() {
    use clap::Parser;
    use tokio::signal::unix::{SignalKind, signal};

    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let cli = kds_server::Cli::try_parse_from(std::iter::once("kds-server".to_owned()).chain(args))
        .unwrap();
    let loaded = cli.load().unwrap();
    kds_server::logging::install(
        kds_server::logging::filter(loaded.log.as_deref()).unwrap(),
        false,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Handled (and ignored), so a write past the limit fails instead of killing.
        let _file_too_large = signal(SignalKind::from_raw(SIGXFSZ)).unwrap();
        let mut terminate = signal(SignalKind::terminate()).unwrap();
        let server = kds_server::spawn(loaded.config).await.unwrap();
        println!("{LISTENING}{}", server.base_url());
        terminate.recv().await;
        server.shutdown().await;
    });
}
