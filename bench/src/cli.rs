//! `kds-bench`'s command line.

use clap::Parser;
use std::time::Duration;

/// Load tool for kds-server: opens WebSocket clients to a station, posts
/// orders at a fixed rate and reports delivery latency (to when the tool
/// read each frame and to when the kernel received it), losses, duplicates
/// and the server's memory and CPU. Loopback servers only. Every client
/// connects from one address: against a server with its rate limits on
/// (500 reads and 100 changes a second, bursts of 1,000), bigger runs meet
/// 429s; `bench/scripts/with-server.sh` starts one with them off.
#[derive(Debug, Clone, Parser)]
#[command(name = "kds-bench", version, about)]
pub struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Station the orders are posted to.
    #[arg(long, default_value = "bench")]
    pub station: String,
    /// Station the clients watch (default: the same; `all` for expo views).
    #[arg(long)]
    pub watch: Option<String>,
    /// WebSocket clients to open.
    #[arg(long, default_value_t = 10)]
    pub clients: usize,
    /// Orders to post.
    #[arg(long, default_value_t = 500)]
    pub orders: usize,
    /// Orders per second.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// The server's pid, to report its memory and CPU (read from /proc).
    #[arg(long)]
    pub server_pid: Option<i32>,
    /// Only open the clients and hold them idle (no orders): how many
    /// connections the server keeps, and at what cost.
    #[arg(long)]
    pub idle: bool,
    /// How long `--idle` holds the connections (past one 15 s heartbeat).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub hold: Duration,
    /// Access token (needs the `pos` role to post orders).
    #[arg(long, env = "KDS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// After the last POST, wait at most this long for deliveries.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub drain: Duration,
    /// WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 64)]
    pub connect_parallel: usize,
    /// Limit for one handshake and its snapshot.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Most orders per second the tool will try (one POST task each).
pub const MAX_RATE: f64 = 10_000.0;

impl Args {
    /// Time between two POSTs, once the rate is known to be sane.
    pub fn every(&self) -> Result<Duration, String> {
        if !(self.rate > 0.0 && self.rate <= MAX_RATE) {
            return Err(format!(
                "--rate must be above 0 and at most {MAX_RATE}, not {}",
                self.rate
            ));
        }
        Ok(Duration::from_secs_f64(1.0 / self.rate))
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|err| format!("{err} (write e.g. \"5s\")"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_become_intervals_and_nonsense_is_refused() {
        let args = Args::parse_from(["kds-bench", "--rate", "20"]);
        assert_eq!(args.every().unwrap(), Duration::from_millis(50));
        for bad in ["0", "-3", "NaN", "1e9"] {
            let args = Args::parse_from(["kds-bench", &format!("--rate={bad}")]);
            assert!(args.every().is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_are_human() {
        let args = Args::parse_from(["kds-bench", "--idle", "--hold", "1m", "--drain", "250ms"]);
        assert!(args.idle);
        assert_eq!(args.hold, Duration::from_secs(60));
        assert_eq!(args.drain, Duration::from_millis(250));
    }
}
