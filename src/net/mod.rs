//! The network engine: keeps one station's picture current and carries the
//! cook's actions to the server, whatever the network does.
//!
//! Two loops run in one task and speak to the app only through [`NetEvent`]s:
//! - the link ([`link`]) holds the WebSocket open ([`ws`]: snapshot or
//!   replay, then live events), reconnects with backoff and resumes with
//!   `since`, falls back to HTTP long polling ([`poll`]) when the WebSocket
//!   cannot be opened, and moves to the next `--server` on failure: it owns
//!   the server list ([`servers`]), the one place failover is decided;
//! - the sender ([`sender`]) writes each action to the queue log ([`queue`])
//!   before it tries it, then posts them strictly in order with an
//!   idempotency key to the server the link is on, retrying until the
//!   server gives a final answer.
//!
//! What the engine says to the app, and the resume cursor, are [`feed`]'s;
//! the HTTP requests [`http`]'s; the URLs [`urls`]'.
//!
//! When a token is refused (401/403) the link reports `Unauthorized` and asks
//! again only every [`NetTiming::unauthorized_retry`] (five minutes by
//! default), so a wrong token never hammers the server but a fixed server
//! configuration is picked up without a restart.

mod backoff;
mod feed;
mod http;
mod link;
mod maybe;
mod poll;
mod queue;
mod sender;
mod servers;
mod station;
mod urls;
mod ws;

use crate::msg::{Action, ConnState, NetEvent};
use backoff::Delays;
use feed::Feed;
use link::Link;
use queue::Outbox;
use sender::Sender;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long `shutdown` waits for the queue to reach the disk before it cuts
/// the task off; quitting must feel instant.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Everything the engine needs to know.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// At least one; `http(s)://host:port`, the WebSocket URL is derived.
    pub servers: Vec<reqwest::Url>,
    /// A station name, or `all` for the expo view.
    pub station: String,
    pub token: Option<String>,
    /// Where the pending actions are kept so a restart loses none; `None`
    /// for an engine that only watches (the pickup board, `kds tail`),
    /// which sends nothing.
    pub queue_path: Option<PathBuf>,
    /// Resume after this seq instead of starting from a snapshot
    /// (`kds tail --since N`).
    pub since: Option<i64>,
    /// Ask for the station's speed of service (a display's header).
    pub stats: bool,
    pub timing: NetTiming,
}

impl NetConfig {
    /// A display's engine: its queue in the data directory, the speed of
    /// service asked for.
    pub fn display(settings: &crate::config::Settings) -> Self {
        let queue = format!("queue-{}.json", settings.station.as_str());
        Self {
            queue_path: Some(settings.data_dir.join(queue)),
            stats: true,
            ..Self::watching(settings)
        }
    }

    /// An engine that only watches (the pickup board, `kds tail`): no
    /// queue, so it sends nothing, and no stats.
    pub fn watching(settings: &crate::config::Settings) -> Self {
        let network = &settings.network;
        Self {
            servers: settings.servers.clone(),
            station: settings.station.as_str().to_owned(),
            token: settings.token.clone(),
            queue_path: None,
            since: None,
            stats: false,
            timing: NetTiming {
                backoff_start: network.backoff_start,
                backoff_cap: network.backoff_cap,
                healthy_after: network.healthy_after,
                dead_peer: network.dead_peer,
                poll_wait: network.poll_wait,
                request_timeout: network.request_timeout,
                ..NetTiming::default()
            },
        }
    }
}

/// The engine's clocks. The defaults are the product's; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetTiming {
    /// First reconnect delay ceiling; doubles per failure (full jitter).
    pub backoff_start: Duration,
    /// Largest reconnect delay ceiling.
    pub backoff_cap: Duration,
    /// A connection open this long resets the backoff.
    pub healthy_after: Duration,
    /// Nothing heard (no frame, no pong) for this long: the link is dead.
    pub dead_peer: Duration,
    /// How long a long poll asks the server to hold (1 to 30 s).
    pub poll_wait: Duration,
    /// Limit on opening a TCP/TLS connection or a WebSocket handshake.
    pub connect_timeout: Duration,
    /// Limit on a whole HTTP request (a long poll gets this on top of its wait).
    pub request_timeout: Duration,
    /// After a refused token, how long before asking again.
    pub unauthorized_retry: Duration,
    /// How often the speed of service is asked for.
    pub stats_every: Duration,
}

impl Default for NetTiming {
    fn default() -> Self {
        use crate::config::defaults;
        Self {
            backoff_start: defaults::BACKOFF_START,
            backoff_cap: defaults::BACKOFF_CAP,
            healthy_after: defaults::HEALTHY_AFTER,
            dead_peer: defaults::DEAD_PEER,
            poll_wait: defaults::POLL_WAIT,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            request_timeout: defaults::REQUEST_TIMEOUT,
            unauthorized_retry: defaults::UNAUTHORIZED_RETRY,
            stats_every: defaults::STATS_EVERY,
        }
    }
}

/// The app's end of the engine.
#[derive(Debug)]
pub struct NetHandle {
    actions: mpsc::UnboundedSender<Action>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl NetHandle {
    /// Queues an action: it is written to the queue file, then sent after
    /// every action queued before it. Never blocks.
    pub fn send(&self, action: Action) {
        if self.actions.send(action).is_err() {
            tracing::error!("the network task has stopped; action not queued");
        }
    }

    /// Stops the engine: actions handed over but not yet written are written
    /// first (bounded by a short grace period), then every task ends.
    pub async fn shutdown(self) {
        let NetHandle {
            actions,
            stop,
            mut task,
        } = self;
        drop(actions);
        let _ = stop.send(());
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            tracing::warn!("network task slow to stop; cutting it off");
            task.abort();
            let _ = task.await;
        }
    }
}

/// Starts the engine on the current tokio runtime. Reports
/// `Restored`/`Queued` first when the queue file holds actions, then
/// connection states, snapshots and events as they come.
pub fn spawn(config: NetConfig, to_app: mpsc::Sender<NetEvent>) -> NetHandle {
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(run(config, to_app, actions_rx, stop_rx));
    NetHandle {
        actions: actions_tx,
        stop: stop_tx,
        task,
    }
}

async fn run(
    config: NetConfig,
    to_app: mpsc::Sender<NetEvent>,
    actions: mpsc::UnboundedReceiver<Action>,
    stop: oneshot::Receiver<()>,
) {
    let NetConfig {
        servers,
        station,
        token,
        queue_path,
        since,
        stats,
        timing,
    } = config;
    let outbox = match queue_path {
        Some(path) => match load_queue(path, &to_app).await {
            Some(outbox) => Some(outbox),
            None => return,
        },
        None => None,
    };
    let (servers, auth) = match check_setup(servers, token.as_deref()) {
        Ok(setup) => setup,
        Err(message) => {
            // Nothing can be sent, but actions are still written to the queue
            // file so the next start (with a fixed setup) sends them.
            tracing::error!(%message, "the network engine cannot connect");
            let state = NetEvent::Connection(ConnState::Unauthorized { message });
            if to_app.send(state).await.is_err() {
                return;
            }
            if let Some((outbox, path)) = outbox {
                let client = reqwest::Client::new();
                let sender = Sender::new(outbox, path, actions, to_app, client, None, timing);
                sender.run(stop).await;
            }
            return;
        }
    };
    let client = http::client(auth.as_ref(), timing.connect_timeout);
    let dates = http::Dates::to(to_app.clone());
    let asking = station::Station {
        http: client.clone(),
        dates: dates.clone(),
        scope: station.clone(),
        reach: servers.watch(),
        to_app: to_app.clone(),
        timing: timing.clone(),
        stats,
    };
    let reach = servers.watch();
    let mut feed = Feed::new(to_app.clone());
    feed.resume_after(since);
    let link = Link {
        servers,
        station,
        auth,
        http: client.clone(),
        dates,
        delays: Delays::new(timing.backoff_start, timing.backoff_cap),
        feed,
        timing: timing.clone(),
    };
    let watching = async {
        tokio::join!(link.run(), asking.run());
    };
    if let Some((outbox, path)) = outbox {
        let sender = Sender::new(outbox, path, actions, to_app, client, Some(reach), timing);
        tokio::select! {
            () = watching => {}
            () = sender.run(stop) => {}
        }
    } else {
        // Nothing to send: run until told to stop.
        tokio::select! {
            () = watching => {}
            _ = stop => {}
        }
    }
}

/// Reads the queue file and tells the app what it held; `None` when the
/// app is gone already.
async fn load_queue(path: PathBuf, to_app: &mpsc::Sender<NetEvent>) -> Option<(Outbox, PathBuf)> {
    let file = path.clone();
    let (outbox, corrupt) = tokio::task::spawn_blocking(move || Outbox::load(file))
        .await
        .unwrap_or_else(|err| {
            tracing::error!(%err, "loading the action queue failed");
            (Outbox::empty(path.clone()), None)
        });
    report_queue(to_app, &outbox, corrupt).await.ok()?;
    Some((outbox, path))
}

/// The server list and the token's header, or why the engine cannot start.
fn check_setup(
    servers: Vec<reqwest::Url>,
    token: Option<&str>,
) -> Result<(servers::Servers, Option<reqwest::header::HeaderValue>), String> {
    let servers = servers::Servers::new(servers).ok_or("no server configured")?;
    let auth = token.map(http::bearer).transpose()?;
    Ok((servers, auth))
}

/// Tells the app what the queue file held at start-up.
async fn report_queue(
    to_app: &mpsc::Sender<NetEvent>,
    outbox: &Outbox,
    corrupt: Option<PathBuf>,
) -> Result<(), mpsc::error::SendError<NetEvent>> {
    if let Some(kept_at) = corrupt {
        let kept_at = kept_at.display().to_string();
        to_app.send(NetEvent::QueueUnreadable { kept_at }).await?;
    }
    if outbox.len() > 0 {
        to_app.send(NetEvent::Restored(outbox.actions())).await?;
        to_app.send(NetEvent::Queued(outbox.len())).await?;
    }
    Ok(())
}
