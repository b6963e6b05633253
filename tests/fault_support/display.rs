//! A display without a terminal: the real network engine feeding the real
//! model through the real `update`, with keys pressed the way a cook does.
//! What the model holds is exactly what the screen would draw, so it can be
//! compared with the server's HTTP snapshot.

use super::PATIENCE;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kds::model::{Column, Model, ModelOptions};
use kds::msg::{ActionOutcome, Command, ConnState, Msg, NetEvent};
use kds::net::{NetConfig, NetHandle, NetTiming};
use kds::update::update;
use kds_protocol::{Snapshot, Status, Timestamp};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Big enough that every ticket of these tests is visible.
const SCREEN: (u16, u16) = (200, 60);

/// Timings short enough for tests, long enough for a loaded CI machine.
pub fn fast_timing() -> NetTiming {
    NetTiming {
        backoff_start: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(300),
        healthy_after: Duration::from_secs(5),
        dead_peer: Duration::from_secs(3),
        poll_wait: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        unauthorized_retry: Duration::from_secs(60),
        stats_every: Duration::from_secs(1),
    }
}

/// One ticket as the model shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shown {
    pub id: String,
    pub status: Status,
    pub version: i64,
}

pub struct Display {
    pub name: String,
    pub model: Model,
    net: NetHandle,
    rx: mpsc::Receiver<NetEvent>,
    /// Every footer message shown, in order.
    pub said: Vec<String>,
    /// Every action answer, in order: (action id, outcome).
    pub outcomes: Vec<(String, ActionOutcome)>,
    pub states: Vec<ConnState>,
    pub snapshots: usize,
    /// Seqs of the events delivered, in delivery order.
    pub seqs: Vec<i64>,
}

impl Display {
    /// Starts the engine for `station` on `servers`, queue file at `queue`.
    /// A display with [`fast_timing`] on one server, its queue file named
    /// after it in `dir`.
    pub fn quick(name: &str, server: &str, station: &str, dir: &Path) -> Display {
        let queue = dir.join(format!("{name}.json"));
        Display::start(name, &[server], station, queue, fast_timing())
    }

    pub fn start(
        name: &str,
        servers: &[&str],
        station: &str,
        queue: PathBuf,
        timing: NetTiming,
    ) -> Display {
        let (tx, rx) = mpsc::channel(256);
        let net = kds::net::spawn(
            NetConfig {
                servers: servers.iter().map(|s| s.parse().unwrap()).collect(),
                station: station.to_owned(),
                token: None,
                queue_path: Some(queue),
                since: None,
                stats: false,
                timing,
            },
            tx,
        );
        let options = ModelOptions::new(station, name);
        let mut model = Model::new(options, Timestamp::now());
        update(&mut model, Msg::Resize(SCREEN.0, SCREEN.1));
        Display {
            name: name.to_owned(),
            model,
            net,
            rx,
            said: Vec::new(),
            outcomes: Vec::new(),
            states: Vec::new(),
            snapshots: 0,
            seqs: Vec::new(),
        }
    }

    /// Applies one message the way the app's loop does, and carries out
    /// what `update` asks.
    fn apply(&mut self, msg: Msg) {
        let before = self.model.footer_message().cloned();
        for command in update(&mut self.model, msg) {
            if let Command::Send(action) = command {
                self.net.send(action);
            }
        }
        let after = self.model.footer_message();
        if let Some(message) = after
            && before.as_ref() != Some(message)
        {
            self.said.push(message.text.clone());
        }
    }

    fn take(&mut self, event: NetEvent) {
        match &event {
            NetEvent::Snapshot { .. } => self.snapshots += 1,
            NetEvent::Events { events, .. } => self.seqs.extend(events.iter().map(|e| e.seq)),
            NetEvent::Connection(state) => self.states.push(state.clone()),
            NetEvent::ActionDone { id, outcome } => {
                self.outcomes.push((id.clone(), outcome.clone()));
            }
            _ => {}
        }
        self.apply(Msg::Net(event));
    }

    /// Applies whatever the engine has reported by now, without waiting.
    pub fn drain(&mut self) {
        while let Ok(event) = self.rx.try_recv() {
            self.take(event);
        }
    }

    /// Runs the display until `done` holds (at most [`PATIENCE`]).
    pub async fn until(&mut self, what: &str, done: impl Fn(&Display) -> bool) {
        self.until_within(what, PATIENCE, done).await;
    }

    pub async fn until_within(
        &mut self,
        what: &str,
        patience: Duration,
        done: impl Fn(&Display) -> bool,
    ) {
        let deadline = Instant::now() + patience;
        self.drain();
        while !done(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.take(event),
                Ok(None) => panic!("{}: the engine stopped while waiting for {what}", self.name),
                Err(tokio::time::error::Elapsed { .. }) => panic!(
                    "{}: no {what} within {patience:?}; states {:?}; said {:?}; tickets {:?}",
                    self.name,
                    self.states,
                    self.said,
                    self.tickets()
                ),
            }
        }
    }

    /// Runs the display for `time`, whatever happens.
    pub async fn run_for(&mut self, time: Duration) {
        let deadline = Instant::now() + time;
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.take(event);
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self.model.connection(), ConnState::Live { .. })
    }

    pub fn press(&mut self, code: KeyCode) {
        self.apply(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Where an order's ticket is on screen: (column, index).
    pub fn position(&self, id: &str) -> Option<(Column, usize)> {
        Column::ALL.into_iter().find_map(|column| {
            let index = self.model.column(column).iter().position(|t| t.id == id)?;
            Some((column, index))
        })
    }

    /// Bumps an order's ticket with the keys: focus its column, walk to it,
    /// press Enter. Returns the status it was bumped to, or `None` when the
    /// ticket is not on the board.
    pub fn bump(&mut self, id: &str) -> Option<Status> {
        let (column, index) = self.position(id)?;
        let pending_before = self.model.pending_actions().len();
        for _ in 0..3 {
            self.press(KeyCode::Left);
        }
        for _ in 0..column.index() {
            self.press(KeyCode::Right);
        }
        for _ in 0..self.model.column(column).len() {
            self.press(KeyCode::Up);
        }
        for _ in 0..index {
            self.press(KeyCode::Down);
        }
        assert_eq!(
            self.model.focused_ticket().map(|t| t.id.as_str()),
            Some(id),
            "{}: the keys did not reach the ticket",
            self.name
        );
        self.press(KeyCode::Enter);
        let action = self.model.pending_actions().last()?;
        (self.model.pending_actions().len() == pending_before + 1 && action.order_id == id)
            .then_some(action.step.status_move()?.1)
    }

    /// Every ticket on the board (the three columns), sorted by id.
    pub fn tickets(&self) -> Vec<Shown> {
        let mut shown: Vec<Shown> = Column::ALL
            .into_iter()
            .flat_map(|column| self.model.column(column))
            .map(|ticket| Shown {
                id: ticket.id.clone(),
                status: ticket.status,
                version: self.model.order(&ticket.id).map_or(-1, |o| o.version),
            })
            .collect();
        shown.sort();
        shown
    }

    /// Why the model differs from the server's snapshot, or `Ok` when it
    /// shows exactly that: the same tickets in the same statuses and
    /// versions, each once, the same recall list, nothing pending.
    pub fn compare(&self, truth: &Snapshot) -> Result<(), String> {
        let tickets = self.tickets();
        let ids: BTreeSet<&str> = tickets.iter().map(|t| t.id.as_str()).collect();
        if ids.len() != tickets.len() {
            return Err(format!("a ticket shows twice: {tickets:?}"));
        }
        let mut expected: Vec<Shown> = truth
            .orders
            .iter()
            .map(|o| Shown {
                id: o.id.clone(),
                status: o.status,
                version: o.version,
            })
            .collect();
        expected.sort();
        if tickets != expected {
            return Err(format!("board {tickets:?}\n  server {expected:?}"));
        }
        // As sets: two completions in the same millisecond may sort either way.
        let recall: BTreeSet<&str> = self
            .model
            .recall_list()
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        let recent: BTreeSet<&str> = truth.recent.iter().map(|o| o.id.as_str()).collect();
        if recall != recent {
            return Err(format!("recall {recall:?}\n  server {recent:?}"));
        }
        if !self.model.pending_actions().is_empty() {
            return Err(format!("still pending: {:?}", self.model.pending_actions()));
        }
        Ok(())
    }

    /// The outcome of every action on `order_id`, in answer order.
    pub fn outcomes_for(&self, order_id: &str) -> Vec<&ActionOutcome> {
        self.outcomes
            .iter()
            .map(|(_, outcome)| outcome)
            .filter(|outcome| match outcome {
                ActionOutcome::Applied(o) | ActionOutcome::Conflict(o) => o.id == order_id,
                ActionOutcome::Rejected(_) => false,
            })
            .collect()
    }

    pub async fn shutdown(self) {
        self.net.shutdown().await;
    }
}
