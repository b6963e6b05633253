//! Shared by the network engine's tests: fast timings, and an event
//! collector that checks the engine's promises as it goes (ascending seq, no
//! repeats) while keeping a model of the station the way the app would.
#![allow(dead_code)]
// each test binary uses its own part of the support code
// Test support runs only inside tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

pub mod fake;
pub mod kitchen;

use kds::msg::{Action, ConnState, NetEvent, Step};
use kds::net::{NetConfig, NetTiming};
use kds_protocol::{Event, Order, Snapshot, Status, Timestamp};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

/// Upper bound on any single wait in these tests.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Timings short enough for tests, long enough for a loaded CI machine.
pub fn fast_timing() -> NetTiming {
    NetTiming {
        backoff_start: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(400),
        healthy_after: Duration::from_secs(5),
        dead_peer: Duration::from_secs(3),
        poll_wait: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        unauthorized_retry: Duration::from_secs(60),
        stats_every: Duration::from_secs(1),
    }
}

pub fn config(servers: &[&str], queue_path: PathBuf) -> NetConfig {
    NetConfig {
        servers: servers.iter().map(|s| s.parse().unwrap()).collect(),
        station: "grill".to_owned(),
        token: None,
        queue_path: Some(queue_path),
        since: None,
        stats: false,
        timing: fast_timing(),
    }
}

/// An address where nothing listens: connections are refused at once.
pub async fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

pub fn bump(order: &Order, n: u32) -> Action {
    move_action(order, order.status.next().unwrap(), n)
}

pub fn move_action(order: &Order, to: Status, n: u32) -> Action {
    Action {
        id: format!("action-{n}"),
        order_id: order.id.clone(),
        number: order.number,
        step: Step::Bump {
            from: order.status,
            to,
        },
        idempotency_key: format!("test-key-{}-{n}", order.id),
        made_at: Timestamp::now(),
    }
}

/// Receives what the engine reports, keeps a model of the station the way
/// the app would, and fails the test on a repeated or out-of-order seq.
pub struct Collector {
    rx: mpsc::Receiver<NetEvent>,
    /// Every event seq delivered, in delivery order.
    pub seqs: Vec<i64>,
    pub snapshots: usize,
    pub states: Vec<ConnState>,
    /// Active (not completed) orders by id.
    pub orders: BTreeMap<String, Order>,
    pub last: Option<i64>,
}

impl Collector {
    pub fn new(rx: mpsc::Receiver<NetEvent>) -> Self {
        Self {
            rx,
            seqs: Vec::new(),
            snapshots: 0,
            states: Vec::new(),
            orders: BTreeMap::new(),
            last: None,
        }
    }

    fn apply(&mut self, event: &NetEvent) {
        match event {
            NetEvent::Snapshot { snapshot, .. } => self.apply_snapshot(snapshot),
            NetEvent::Events { events, .. } => {
                assert!(!events.is_empty(), "an empty Events message");
                for event in events {
                    self.apply_event(event);
                }
            }
            NetEvent::Connection(state) => self.states.push(state.clone()),
            _ => {}
        }
    }

    fn apply_snapshot(&mut self, snapshot: &Snapshot) {
        self.snapshots += 1;
        self.orders = snapshot
            .orders
            .iter()
            .map(|o| (o.id.clone(), o.clone()))
            .collect();
        self.last = Some(snapshot.seq);
    }

    fn apply_event(&mut self, event: &Event) {
        if let Some(last) = self.last {
            assert!(
                event.seq > last,
                "seq {} delivered after {last} (all: {:?})",
                event.seq,
                self.seqs
            );
        }
        assert!(!self.seqs.contains(&event.seq), "seq {} twice", event.seq);
        self.seqs.push(event.seq);
        self.last = Some(event.seq);
        if event.order.status == Status::Completed {
            self.orders.remove(&event.order.id);
        } else {
            self.orders
                .insert(event.order.id.clone(), event.order.clone());
        }
    }

    /// Waits for a message that `pred` accepts; everything before it is
    /// applied to the model too.
    pub async fn until(&mut self, what: &str, mut pred: impl FnMut(&NetEvent) -> bool) -> NetEvent {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => {
                    self.apply(&event);
                    if pred(&event) {
                        return event;
                    }
                }
                Ok(None) => panic!("engine stopped while waiting for {what}"),
                Err(tokio::time::error::Elapsed { .. }) => {
                    panic!("no {what} within {PATIENCE:?}; states: {:?}", self.states)
                }
            }
        }
    }

    /// Waits until the model holds `id` with `status`.
    pub async fn until_order(&mut self, id: &str, status: Status) {
        if self.orders.get(id).is_some_and(|o| o.status == status) {
            return;
        }
        let what = format!("order {id} {status}");
        let id = id.to_owned();
        loop {
            self.until(&what, |e| {
                matches!(e, NetEvent::Events { .. } | NetEvent::Snapshot { .. })
            })
            .await;
            if self.orders.get(&id).is_some_and(|o| o.status == status) {
                return;
            }
        }
    }

    pub async fn until_state(
        &mut self,
        what: &str,
        pred: impl Fn(&ConnState) -> bool,
    ) -> ConnState {
        match self
            .until(what, |e| matches!(e, NetEvent::Connection(s) if pred(s)))
            .await
        {
            NetEvent::Connection(state) => state,
            _ => unreachable!(),
        }
    }

    pub async fn until_live(&mut self) {
        self.until_state("Live", |s| matches!(s, ConnState::Live { .. }))
            .await;
    }

    /// Takes whatever has arrived by now without waiting.
    pub fn drain(&mut self) -> Vec<NetEvent> {
        let mut got = Vec::new();
        while let Ok(event) = self.rx.try_recv() {
            self.apply(&event);
            got.push(event);
        }
        got
    }

    /// (id, status) of the active orders, sorted by id.
    pub fn picture(&self) -> Vec<(String, Status)> {
        self.orders
            .values()
            .map(|o| (o.id.clone(), o.status))
            .collect()
    }
}

/// The actions waiting in a queue log, oldest first, as its records hold
/// them: every `add` not yet followed by its `done`.
pub fn queued_in(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut waiting: Vec<serde_json::Value> = Vec::new();
    for line in text.lines().skip(1) {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(action) = record.get("add") {
            waiting.push(action.clone());
        } else if let Some(id) = record.get("done") {
            waiting.retain(|a| &a["id"] != id);
        }
    }
    waiting
}
