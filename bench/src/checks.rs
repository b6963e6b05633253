//! How long a three-station check takes to create (`POST /api/checks`, one
//! order per station, all in one transaction) against one order
//! (`POST /api/orders`). The two are posted alternately at a fixed rate on
//! one keep-alive connection, so that both meet the same disk and the same
//! noise; each is timed from the instant before its request to the end of
//! its answer's body.

use crate::orders::{self, new_order};
use crate::stats::{Summary, ms};
use crate::target::Target;
use anyhow::{Context, bail};
use clap::Parser;
use kds_protocol::{CheckCreated, NewCheck, NewItem};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The stations a check's lines go to.
pub const STATIONS: [&str; 3] = ["grill", "fry", "bar"];

#[derive(Debug, Clone, Parser)]
#[command(name = "kds-check-bench", version, about)]
pub struct Args {
    /// The server's base URL (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Access token (needs the `pos` role).
    #[arg(long, env = "KDS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Orders, and as many checks, to post.
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Requests per second, orders and checks together.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub requests: usize,
    pub rate: f64,
    /// `POST /api/orders`, one station, one line to three.
    pub order: Summary,
    /// `POST /api/checks`, three stations, one line each.
    pub check: Summary,
    /// check p50 / order p50, and the same at p99: the target is below 2.
    pub ratio_p50: f64,
    pub ratio_p99: f64,
}

/// The `n`th benchmark check: the `n`th order's fields, one line at each of
/// [`STATIONS`].
pub fn new_check(n: usize) -> NewCheck {
    let mut check = new_order(STATIONS[0], n);
    let line = |name: &str, station: &str| NewItem {
        name: Some(name.to_owned()),
        qty: Some(1),
        modifiers: Some(Vec::new()),
        notes: None,
        station: Some(station.to_owned()),
    };
    check.station = None;
    check.items = Some(vec![
        line("Cheeseburger", STATIONS[0]),
        line("Fries", STATIONS[1]),
        line("Lemonade", STATIONS[2]),
    ]);
    check
}

pub async fn run(args: &Args) -> anyhow::Result<Report> {
    if !(args.rate > 0.0 && args.rate <= crate::cli::MAX_RATE) {
        bail!(
            "--rate must be above 0 and at most {}",
            crate::cli::MAX_RATE
        );
    }
    let target = Target::new(&args.url, args.token.as_deref())?;
    // One connection: both kinds pay the same for it.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(10))
        .build()?;
    let every = Duration::from_secs_f64(1.0 / args.rate);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut order_times = Vec::with_capacity(args.requests);
    let mut check_times = Vec::with_capacity(args.requests);
    for n in 0..args.requests {
        // Which goes first alternates, so neither always follows the other.
        for check_first in [n % 2 == 0, n % 2 != 0] {
            tick.tick().await;
            if check_first {
                check_times.push(post_check(&client, &target, n).await?);
            } else {
                let posted = orders::post(&client, &target, &new_order(STATIONS[0], n))
                    .await
                    .with_context(|| format!("order {n}"))?;
                order_times.push(posted.latency);
            }
        }
    }
    let order = Summary::of(&mut order_times).context("no orders posted")?;
    let check = Summary::of(&mut check_times).context("no checks posted")?;
    Ok(Report {
        requests: args.requests,
        rate: args.rate,
        ratio_p50: ratio(check.p50_us, order.p50_us),
        ratio_p99: ratio(check.p99_us, order.p99_us),
        order,
        check,
    })
}

async fn post_check(
    client: &reqwest::Client,
    target: &Target,
    n: usize,
) -> anyhow::Result<Duration> {
    let request = target.authorize(client.post(target.checks_url()).json(&new_check(n)));
    let sent = Instant::now();
    let response = request.send().await.with_context(|| format!("check {n}"))?;
    let status = response.status();
    let bytes = response.bytes().await?;
    let latency = sent.elapsed();
    if !status.is_success() {
        bail!(
            "check {n} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(200)
                .collect::<String>()
        );
    }
    let created: CheckCreated =
        serde_json::from_slice(&bytes).with_context(|| format!("check {n}: not a check"))?;
    if created.orders.len() != STATIONS.len() {
        bail!(
            "check {n} made {} orders, not {}",
            created.orders.len(),
            STATIONS.len()
        );
    }
    Ok(latency)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

pub fn table(r: &Report) -> String {
    let row = |name: &str, s: &Summary| {
        format!(
            "{name:<28} {:>8} {:>8} {:>8} {:>8}\n",
            ms(s.p50_us),
            ms(s.p90_us),
            ms(s.p99_us),
            ms(s.max_us)
        )
    };
    format!(
        "{} of each at {}/s\n{:<28} {:>8} {:>8} {:>8} {:>8}\n{}{}check / order: p50 {:.2}x, p99 {:.2}x (target < 2)\n",
        r.requests,
        r.rate,
        "ms",
        "p50",
        "p90",
        "p99",
        "max",
        row("POST /api/orders (1 station)", &r.order),
        row("POST /api/checks (3 stations)", &r.check),
        r.ratio_p50,
        r.ratio_p99
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_benchmark_check_is_valid_and_spans_three_stations() {
        for n in 0..20 {
            let check = new_check(n);
            let draft = check
                .validate_check()
                .unwrap_or_else(|e| panic!("check {n}: {e:?}"));
            assert_eq!(draft.parts.len(), 3, "check {n}");
        }
    }

    #[test]
    fn ratios_do_not_divide_by_zero() {
        assert!(ratio(5, 0).abs() < f64::EPSILON);
        assert!((ratio(3, 2) - 1.5).abs() < f64::EPSILON);
    }
}
