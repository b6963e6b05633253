//! Many watchers at once: connected with bounded parallelism (a burst of
//! thousands of handshakes would only overflow the listen queue), then
//! held until told to stop.

use crate::target::Target;
use crate::watcher;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

pub use crate::watcher::{Seen, Stamp};

/// How to open the connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectPlan {
    /// Handshakes in flight at once.
    pub parallel: usize,
    /// For one handshake and its snapshot.
    pub timeout: Duration,
}

/// Connected clients, each reading in its own task.
pub struct Fleet {
    tasks: Vec<JoinHandle<Seen>>,
    failures: BTreeMap<String, usize>,
    done: mpsc::UnboundedReceiver<()>,
    stop: watch::Sender<bool>,
}

/// Opens `count` clients on `station`; returns once each has connected (and
/// read its snapshot) or failed. Each reports done after `expect` orders.
pub async fn open(
    target: &Target,
    station: &str,
    count: usize,
    expect: usize,
    plan: &ConnectPlan,
) -> Fleet {
    let gate = Arc::new(Semaphore::new(plan.parallel.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<(usize, Result<(), String>)>();
    let (done_tx, done) = mpsc::unbounded_channel();
    let (stop, stop_rx) = watch::channel(false);
    let mut pending = Vec::with_capacity(count);
    for index in 0..count {
        let (gate, target, station) = (gate.clone(), target.clone(), station.to_owned());
        let (ready, done_tx, stop_rx) = (ready_tx.clone(), done_tx.clone(), stop_rx.clone());
        let timeout = plan.timeout;
        pending.push(tokio::spawn(async move {
            let connected = {
                // Never closed, so acquiring cannot fail; if it did, connect anyway.
                let _permit = gate.acquire_owned().await;
                watcher::connect(&target, &station, timeout).await
            };
            match connected {
                Ok(ws) => {
                    let _ = ready.send((index, Ok(())));
                    drop(ready);
                    Some(watcher::watch(ws, expect, done_tx, stop_rx).await)
                }
                Err(err) => {
                    let _ = ready.send((index, Err(err.kind())));
                    None
                }
            }
        }));
    }
    drop(ready_tx);
    let mut failures = BTreeMap::new();
    let mut up = vec![false; count];
    let mut reported = 0usize;
    while let Some((index, result)) = ready_rx.recv().await {
        reported += 1;
        match result {
            Ok(()) => up[index] = true,
            Err(kind) => *failures.entry(kind).or_insert(0) += 1,
        }
        if count >= 1000 && reported.is_multiple_of(1000) {
            eprintln!("kds-bench: {reported}/{count} connection attempts done");
        }
    }
    let tasks = pending
        .into_iter()
        .zip(up)
        .filter_map(|(task, up)| up.then(|| wrap(task)))
        .collect();
    Fleet {
        tasks,
        failures,
        done,
        stop,
    }
}

/// A watcher task that yields what it saw, or an empty record if it panicked.
fn wrap(task: JoinHandle<Option<Seen>>) -> JoinHandle<Seen> {
    tokio::spawn(async move {
        match task.await {
            Ok(Some(seen)) => seen,
            Ok(None) => Seen::default(),
            Err(err) => Seen {
                ended: Some(format!("client task failed: {err}")),
                ..Seen::default()
            },
        }
    })
}

impl Fleet {
    /// Clients that connected.
    pub fn connected(&self) -> usize {
        self.tasks.len()
    }

    /// Failed connection attempts, by cause.
    pub fn failures(&self) -> &BTreeMap<String, usize> {
        &self.failures
    }

    /// Clients whose connection is still open.
    pub fn still_open(&self) -> usize {
        self.tasks.iter().filter(|t| !t.is_finished()).count()
    }

    /// Waits until every client has reported done, or `limit` has passed.
    pub async fn wait_done(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        let mut done = 0;
        while done < self.tasks.len() {
            match tokio::time::timeout_at(deadline, self.done.recv()).await {
                Ok(Some(())) => done += 1,
                Ok(None) | Err(_) => return,
            }
        }
    }

    /// Closes every connection and returns what each client saw.
    pub async fn stop(self) -> Vec<Seen> {
        let _ = self.stop.send(true);
        let mut seen = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            if let Ok(s) = task.await {
                seen.push(s);
            }
        }
        seen
    }
}
