//! The idle workload: as many WebSocket clients as the server will hold,
//! each connected, past its snapshot and silent, for long enough that the
//! server's heartbeat has pinged every one of them.

use crate::clients::{self, ConnectPlan};
use crate::procstat::{self, Usage};
use crate::target::Target;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Plan {
    pub clients: usize,
    pub watch: String,
    /// How long to hold the connections once all are open.
    pub hold: Duration,
    pub connect: ConnectPlan,
    pub server_pid: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub attempted: usize,
    pub connected: usize,
    pub connect_failures: BTreeMap<String, usize>,
    /// Seconds to open every connection.
    pub connect_seconds: f64,
    pub hold_seconds: f64,
    /// Still open at the end of the hold.
    pub still_open: usize,
    pub server: Option<ServerHold>,
}

/// The server's cost of holding the connections, if its pid was given.
#[derive(Debug, Clone, Serialize)]
pub struct ServerHold {
    pub before: Usage,
    pub held: Usage,
    /// Resident memory added per open connection, in KiB.
    pub kib_per_connection: f64,
    /// CPU seconds spent during the hold (heartbeats and nothing else).
    pub hold_cpu_seconds: f64,
}

pub async fn run(target: &Target, plan: &Plan) -> anyhow::Result<Report> {
    let before = plan.server_pid.map(procstat::read).transpose()?;
    let start = Instant::now();
    let fleet = clients::open(target, &plan.watch, plan.clients, 0, &plan.connect).await;
    let connect_seconds = start.elapsed().as_secs_f64();
    let opened = plan.server_pid.map(procstat::read).transpose()?;
    eprintln!(
        "kds-bench: {} of {} connected in {connect_seconds:.1}s; holding for {:?}",
        fleet.connected(),
        plan.clients,
        plan.hold
    );
    tokio::time::sleep(plan.hold).await;
    let held = plan.server_pid.map(procstat::read).transpose()?;
    let still_open = fleet.still_open();
    let connected = fleet.connected();
    let connect_failures = fleet.failures().clone();
    fleet.stop().await;
    let server = match (before, opened, held) {
        (Some(before), Some(opened), Some(held)) => Some(ServerHold {
            before,
            held,
            kib_per_connection: (held.rss_kib.saturating_sub(before.rss_kib)) as f64
                / still_open.max(1) as f64,
            hold_cpu_seconds: held.cpu_seconds - opened.cpu_seconds,
        }),
        _ => None,
    };
    Ok(Report {
        attempted: plan.clients,
        connected,
        connect_failures,
        connect_seconds,
        hold_seconds: plan.hold.as_secs_f64(),
        still_open,
        server,
    })
}
