//! The fan-out workload: C clients watch a station while N orders are
//! posted to it at R per second; every delivery is timed from the instant
//! before its POST to the instant the client read the frame, and again to
//! the instant the frame reached the client's socket.

use crate::clients::{self, ConnectPlan};
use crate::orders::{self, PostError, Posted};
use crate::procstat::{self, Usage};
use crate::stats::Summary;
use crate::target::Target;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub clients: usize,
    pub orders: usize,
    /// Time between two POSTs (1 / rate).
    pub every: Duration,
    /// Where orders are posted.
    pub station: String,
    /// What the clients watch: the station, or `all`.
    pub watch: String,
    /// How long to wait for deliveries after the last POST answered.
    pub drain: Duration,
    pub connect: ConnectPlan,
    pub server_pid: Option<i32>,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub clients: usize,
    pub connected: usize,
    pub connect_failures: BTreeMap<String, usize>,
    pub orders: usize,
    pub rate_per_s: f64,
    pub posted: usize,
    pub post_failures: BTreeMap<String, usize>,
    /// Deliveries owed: connected clients x accepted orders.
    pub expected: usize,
    pub delivered: usize,
    pub missing: usize,
    pub duplicated: usize,
    /// Deliveries that came in a resync snapshot instead of an event.
    pub via_resync: usize,
    /// Clients whose connection ended before the run did.
    pub dropped: usize,
    pub delivery: Option<Summary>,
    /// Per order, its fastest delivery: the server's own pipeline (commit,
    /// tailer, broadcast) without the time spent writing to every client.
    pub first_delivery: Option<Summary>,
    /// As `delivery` and `first_delivery`, to when the kernel received
    /// each frame rather than when the tool's task read it: without the
    /// wait for a CPU that the tool shares with the server.
    pub arrival: Option<Summary>,
    pub first_arrival: Option<Summary>,
    /// Deliveries in `arrival` the kernel did not stamp, counted at their read.
    pub unstamped: usize,
    pub post: Option<Summary>,
    /// From the first POST until every client had everything (or the drain ended).
    pub seconds: f64,
    /// CPU seconds this tool spent over the same span: on a shared machine
    /// its clients compete with the server for the cores.
    pub tool_cpu_seconds: f64,
    pub server: Option<ServerCost>,
}

/// The server's cost over the run, if its pid was given.
#[derive(Debug, Clone, Serialize)]
pub struct ServerCost {
    pub before: Usage,
    /// With every client connected, before the first POST.
    pub connected: Usage,
    pub after: Usage,
    /// CPU seconds spent between `before` and `after`.
    pub cpu_seconds: f64,
}

pub async fn run(target: &Target, plan: &Plan) -> anyhow::Result<Report> {
    let before = plan.server_pid.map(procstat::read).transpose()?;
    let tool_before = procstat::read_self()?;
    let mut fleet = clients::open(
        target,
        &plan.watch,
        plan.clients,
        plan.orders,
        &plan.connect,
    )
    .await;
    let connected_usage = plan.server_pid.map(procstat::read).transpose()?;

    let start = Instant::now();
    let (posts, failures) = post_all(target, plan).await?;
    // Clients finish once they have every accepted order; failed POSTs would
    // keep them waiting, so then the drain decides.
    fleet.wait_done(plan.drain).await;
    let seconds = start.elapsed().as_secs_f64();
    let (connected, connect_failures) = (fleet.connected(), fleet.failures().clone());
    let seen = fleet.stop().await;
    let after = plan.server_pid.map(procstat::read).transpose()?;
    let tool_cpu_seconds = procstat::read_self()?.cpu_seconds - tool_before.cpu_seconds;

    let mut report = tally(&posts, &seen, connected);
    report.clients = plan.clients;
    report.connect_failures = connect_failures;
    report.orders = plan.orders;
    report.rate_per_s = 1.0 / plan.every.as_secs_f64();
    report.post_failures = failures;
    report.seconds = seconds;
    report.tool_cpu_seconds = tool_cpu_seconds;
    report.server = match (before, connected_usage, after) {
        (Some(before), Some(connected), Some(after)) => Some(ServerCost {
            before,
            connected,
            after,
            cpu_seconds: after.cpu_seconds - before.cpu_seconds,
        }),
        _ => None,
    };
    Ok(report)
}

/// Posts every order on schedule, each in its own task so a slow answer does
/// not delay the next POST.
async fn post_all(
    target: &Target,
    plan: &Plan,
) -> anyhow::Result<(Vec<Posted>, BTreeMap<String, usize>)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut ticks = tokio::time::interval(plan.every);
    // Keep the average rate if the tool itself was late for a tick.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = JoinSet::new();
    for n in 0..plan.orders {
        ticks.tick().await;
        let (client, target, body) = (
            client.clone(),
            target.clone(),
            orders::new_order(&plan.station, n),
        );
        tasks.spawn(async move { orders::post(&client, &target, &body).await });
    }
    let mut posts = Vec::with_capacity(plan.orders);
    let mut failures = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(posted)) => posts.push(posted),
            Ok(Err(err)) => *failures.entry(failure_kind(&err)).or_insert(0) += 1,
            Err(err) => *failures.entry(format!("task: {err}")).or_insert(0) += 1,
        }
    }
    Ok((posts, failures))
}

fn failure_kind(err: &PostError) -> String {
    match err {
        PostError::Status { status, .. } => format!("HTTP {status}"),
        other => other.to_string().chars().take(80).collect(),
    }
}

/// Matches what the clients saw against what was posted.
pub fn tally(posts: &[Posted], seen: &[clients::Seen], connected: usize) -> Report {
    let sent: HashMap<&str, Instant> = posts.iter().map(|p| (p.id.as_str(), p.sent)).collect();
    let mut read = Latencies::with_capacity(posts.len(), connected);
    let mut arrival = Latencies::with_capacity(posts.len(), connected);
    let (mut delivered, mut duplicated, mut via_resync, mut unstamped) = (0, 0, 0, 0);
    for client in seen {
        let mut got: HashMap<&str, usize> = HashMap::with_capacity(posts.len());
        let events = client.created.iter().map(|d| (d, false));
        let resyncs = client.resynced.iter().map(|d| (d, true));
        for ((id, at), resync) in events.chain(resyncs) {
            let Some(sent_at) = sent.get(id.as_str()) else {
                continue;
            };
            let count = got.entry(id.as_str()).or_insert(0);
            *count += 1;
            if *count > 1 {
                // A resync snapshot repeating an event already received is
                // the protocol working, not a duplicate.
                if !resync {
                    duplicated += 1;
                }
                continue;
            }
            delivered += 1;
            if resync {
                via_resync += 1;
            } else {
                read.add(id, at.read.saturating_duration_since(*sent_at));
                arrival.add(id, at.arrived.saturating_duration_since(*sent_at));
                unstamped += usize::from(!at.stamped);
            }
        }
    }
    let expected = posts.len() * connected;
    let mut post_latency: Vec<Duration> = posts.iter().map(|p| p.latency).collect();
    Report {
        clients: 0,
        connected,
        connect_failures: BTreeMap::new(),
        orders: 0,
        rate_per_s: 0.0,
        posted: posts.len(),
        post_failures: BTreeMap::new(),
        expected,
        delivered,
        missing: expected.saturating_sub(delivered),
        duplicated,
        via_resync,
        dropped: seen.iter().filter(|s| s.ended.is_some()).count(),
        delivery: Summary::of(&mut read.all),
        first_delivery: Summary::of(&mut read.fastest()),
        arrival: Summary::of(&mut arrival.all),
        first_arrival: Summary::of(&mut arrival.fastest()),
        unstamped,
        post: Summary::of(&mut post_latency),
        seconds: 0.0,
        tool_cpu_seconds: 0.0,
        server: None,
    }
}

/// Every delivery's latency, and each order's fastest.
struct Latencies<'a> {
    all: Vec<Duration>,
    fastest: HashMap<&'a str, Duration>,
}

impl<'a> Latencies<'a> {
    fn with_capacity(orders: usize, clients: usize) -> Self {
        Self {
            all: Vec::with_capacity(orders * clients),
            fastest: HashMap::with_capacity(orders),
        }
    }

    fn add(&mut self, id: &'a str, latency: Duration) {
        self.all.push(latency);
        self.fastest
            .entry(id)
            .and_modify(|f| *f = (*f).min(latency))
            .or_insert(latency);
    }

    fn fastest(&self) -> Vec<Duration> {
        self.fastest.values().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(id: &str, sent: Instant) -> Posted {
        Posted {
            id: id.to_owned(),
            number: 1,
            sent,
            latency: Duration::from_millis(2),
        }
    }

    #[test]
    fn counts_missing_duplicated_and_resynced_deliveries() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // Read `read` ms after t0, having reached the socket at `arrived`.
        let at = |read, arrived| clients::Stamp::new(t0 + ms(read), Some(t0 + ms(arrived)));
        let posts = [posted("a", t0), posted("b", t0 + ms(100))];
        let first = clients::Seen {
            created: vec![
                ("a".into(), at(3, 2)),
                ("b".into(), at(104, 103)),
                ("b".into(), at(105, 105)),
                ("foreign".into(), at(1, 1)),
            ],
            ..clients::Seen::default()
        };
        let second = clients::Seen {
            // Read last but arrived first: the tool was late to read it.
            created: vec![("a".into(), at(5, 1))],
            resynced: vec![("a".into(), at(200, 200)), ("b".into(), at(200, 200))],
            resyncs: 1,
            ended: None,
        };
        let third = clients::Seen {
            ended: Some("eof".into()),
            ..clients::Seen::default()
        };
        let report = tally(&posts, &[first, second, third], 3);
        assert_eq!(report.expected, 6);
        assert_eq!(report.delivered, 4);
        assert_eq!(report.missing, 2);
        assert_eq!(report.duplicated, 1);
        assert_eq!(report.via_resync, 1);
        assert_eq!(report.dropped, 1);
        let delivery = report.delivery.unwrap();
        assert_eq!(delivery.count, 3);
        assert_eq!(delivery.p50_us, 4_000);
        assert_eq!(delivery.max_us, 5_000);
        assert_eq!(report.post.unwrap().count, 2);
        // Read: a first after 3 ms, b after 4 ms.
        let first = report.first_delivery.unwrap();
        assert_eq!((first.count, first.p50_us, first.max_us), (2, 3_000, 4_000));
        // Arrived: a after 2 and 1 ms, b after 3 ms.
        let arrival = report.arrival.unwrap();
        assert_eq!(
            (arrival.count, arrival.p50_us, arrival.max_us),
            (3, 2_000, 3_000)
        );
        let first = report.first_arrival.unwrap();
        assert_eq!((first.count, first.p50_us, first.max_us), (2, 1_000, 3_000));
        assert_eq!(report.unstamped, 0);
    }

    #[test]
    fn a_delivery_the_kernel_did_not_stamp_arrives_at_its_read_and_is_counted() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let posts = [posted("a", t0), posted("b", t0)];
        let seen = clients::Seen {
            created: vec![
                ("a".into(), clients::Stamp::new(t0 + ms(4), None)),
                (
                    "b".into(),
                    clients::Stamp::new(t0 + ms(6), Some(t0 + ms(2))),
                ),
            ],
            ..clients::Seen::default()
        };
        let report = tally(&posts, &[seen], 1);
        assert_eq!(report.unstamped, 1);
        let arrival = report.arrival.unwrap();
        assert_eq!((arrival.count, arrival.max_us), (2, 4_000));
    }

    #[test]
    fn a_stamp_after_the_read_counts_as_the_read() {
        let read = Instant::now();
        let stamp = clients::Stamp::new(read, Some(read + Duration::from_millis(1)));
        assert_eq!((stamp.arrived, stamp.stamped), (read, false));
        let stamp = clients::Stamp::new(read, None);
        assert_eq!((stamp.arrived, stamp.stamped), (read, false));
        let later = read + Duration::from_millis(1);
        let stamp = clients::Stamp::new(later, Some(read));
        assert_eq!((stamp.arrived, stamp.stamped), (read, true));
    }
}
