//! The terminal client's footprint: the real `kds` binary in a
//! pseudo-terminal against a real server, timed from start to the first
//! frame that shows the station's tickets, then left idle with its timers
//! ticking while its memory, CPU and terminal output are measured.

use crate::orders;
use crate::procstat::{self, Usage};
use crate::pty::{Launch, Pty};
use crate::target::Target;
use anyhow::Context;
use clap::Parser;
use kds_protocol::{Snapshot, Station};
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Measures the kds client: binary size, time to the first frame with
/// data, peak memory with the station's tickets loaded, CPU and terminal
/// bytes while idle. Loopback servers only.
#[derive(Debug, Clone, Parser)]
#[command(name = "kds-footprint", version, about)]
pub struct Args {
    /// The kds binary to measure (build it with
    /// `cargo build --release --no-default-features -p kds`).
    #[arg(long, default_value = "target/release/kds")]
    pub kds: PathBuf,
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    #[arg(long, default_value = "footprint")]
    pub station: String,
    /// Orders to post before starting the client (0: use what is there).
    #[arg(long, default_value_t = 200)]
    pub orders: usize,
    #[arg(long, default_value_t = 120)]
    pub cols: u16,
    #[arg(long, default_value_t = 40)]
    pub rows: u16,
    /// How long to wait after the first frame before measuring memory.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub settle: Duration,
    /// How long to measure idle CPU and output.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub idle: Duration,
    /// Access token (needs the `pos` role to post orders).
    #[arg(long, env = "KDS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Extra environment for the client, NAME=VALUE (repeatable), to try
    /// e.g. allocator settings; the client otherwise gets a bare environment.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    #[arg(long)]
    pub json: bool,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("{text:?}: write NAME=VALUE")),
    }
}

/// How long the client may take to show its tickets before the run fails.
const FIRST_FRAME_LIMIT: Duration = Duration::from_secs(20);
const EXIT_LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub binary_bytes: u64,
    pub cols: u16,
    pub rows: u16,
    /// Tickets the station had when the client started.
    pub tickets: usize,
    pub start_to_first_output_ms: f64,
    pub start_to_data_ms: f64,
    pub settled: Usage,
    pub idle_seconds: f64,
    pub idle_cpu_seconds: f64,
    pub idle_cpu_percent: f64,
    pub idle_bytes_per_second: f64,
    pub end: Usage,
    pub exit_code: Option<u32>,
}

pub async fn run(args: &Args) -> anyhow::Result<Report> {
    let target = Target::new(&args.url, args.token.as_deref())?;
    let station: Station = args
        .station
        .parse()
        .with_context(|| format!("--station {:?}", args.station))?;
    // Absolute: the pty looks a relative program up in PATH, which it clears.
    let kds =
        std::fs::canonicalize(&args.kds).with_context(|| format!("{}", args.kds.display()))?;
    let binary_bytes = std::fs::metadata(&kds)?.len();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    for n in 0..args.orders {
        orders::post(&client, &target, &orders::new_order(station.as_str(), n)).await?;
    }
    let tickets = pending_count(&client, &target, &args.url, station.as_str()).await?;

    let home = tempfile::tempdir()?;
    let (config, data) = (home.path().join("config"), home.path().join("data"));
    let mut command_line = vec![
        "--server".to_owned(),
        args.url.clone(),
        "--station".to_owned(),
        station.to_string(),
    ];
    if let Some(token) = &args.token {
        command_line.extend(["--token".to_owned(), token.clone()]);
    }
    let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
        ("HOME", home.path().as_os_str()),
        ("XDG_CONFIG_HOME", config.as_os_str()),
        ("XDG_DATA_HOME", data.as_os_str()),
        ("KDS_DATA_DIR", data.as_os_str()),
    ];
    env.extend(
        args.env
            .iter()
            .map(|(name, value)| (name.as_str(), std::ffi::OsStr::new(value))),
    );
    let (mut pty, started) = Pty::spawn(&Launch {
        program: &kds,
        args: &command_line,
        env: &env,
        cols: args.cols,
        rows: args.rows,
        needle: format!("PENDING {tickets}"),
    })?;
    let pid = pty
        .pid()
        .and_then(|p| i32::try_from(p).ok())
        .context("the client has no pid")?;
    let Some(found) = pty.wait_found(FIRST_FRAME_LIMIT).await else {
        anyhow::bail!(
            "no frame showing PENDING {tickets} within {FIRST_FRAME_LIMIT:?}; the screen:\n{}",
            pty.screen()
        );
    };
    let first_output = pty.first_output().unwrap_or(found);

    tokio::time::sleep(args.settle).await;
    let settled = procstat::read(pid)?;
    let (bytes_before, idle_start) = (pty.bytes(), Instant::now());
    tokio::time::sleep(args.idle).await;
    let end = procstat::read(pid)?;
    let idle_seconds = idle_start.elapsed().as_secs_f64();
    let idle_bytes = pty.bytes() - bytes_before;

    let _ = pty.press("q");
    let exit_code = pty.wait_exit(EXIT_LIMIT).await;
    let idle_cpu_seconds = end.cpu_seconds - settled.cpu_seconds;
    Ok(Report {
        binary_bytes,
        cols: args.cols,
        rows: args.rows,
        tickets,
        start_to_first_output_ms: millis(first_output - started),
        start_to_data_ms: millis(found - started),
        settled,
        idle_seconds,
        idle_cpu_seconds,
        idle_cpu_percent: idle_cpu_seconds / idle_seconds * 100.0,
        idle_bytes_per_second: idle_bytes as f64 / idle_seconds,
        end,
        exit_code,
    })
}

/// Pending tickets the client will show: the needle for its first frame.
async fn pending_count(
    client: &reqwest::Client,
    target: &Target,
    base: &str,
    station: &str,
) -> anyhow::Result<usize> {
    let url = format!(
        "{}/api/stations/{station}/orders",
        base.trim_end_matches('/')
    );
    let snapshot: Snapshot = target
        .authorize(client.get(url))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(snapshot
        .orders
        .iter()
        .filter(|o| o.status == kds_protocol::Status::Pending)
        .count())
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|err| format!("{err} (write e.g. \"60s\")"))
}

/// The report as a few lines of text.
pub fn table(r: &Report) -> String {
    format!(
        "kds client footprint at {}x{} with {} tickets\n\
         binary size:              {:.2} MiB ({} bytes)\n\
         start to first output:    {:.1} ms\n\
         start to first data frame:{:>7.1} ms\n\
         RSS after settling:       {:.1} MiB (peak {:.1} MiB; anon {:.1}, file {:.1})\n\
         peak RSS at the end:      {:.1} MiB\n\
         idle CPU:                 {:.3} s over {:.0} s = {:.3} % of a core\n\
         idle terminal output:     {:.0} bytes/s\n\
         exit code:                {}\n",
        r.cols,
        r.rows,
        r.tickets,
        r.binary_bytes as f64 / 1_048_576.0,
        r.binary_bytes,
        r.start_to_first_output_ms,
        r.start_to_data_ms,
        r.settled.rss_kib as f64 / 1024.0,
        r.settled.peak_rss_kib as f64 / 1024.0,
        r.settled.rss_anon_kib as f64 / 1024.0,
        r.settled.rss_file_kib as f64 / 1024.0,
        r.end.peak_rss_kib as f64 / 1024.0,
        r.idle_cpu_seconds,
        r.idle_seconds,
        r.idle_cpu_percent,
        r.idle_bytes_per_second,
        r.exit_code
            .map_or_else(|| "killed".to_owned(), |c| c.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_environment_is_name_equals_value() {
        let args = Args::parse_from([
            "kds-footprint",
            "--env",
            "MALLOC_ARENA_MAX=1",
            "--env",
            "EMPTY=",
        ]);
        assert_eq!(
            args.env,
            [
                ("MALLOC_ARENA_MAX".to_owned(), "1".to_owned()),
                ("EMPTY".to_owned(), String::new())
            ]
        );
        assert!(Args::try_parse_from(["kds-footprint", "--env", "=x"]).is_err());
        assert!(Args::try_parse_from(["kds-footprint", "--env", "novalue"]).is_err());
    }
}
