//! kds-server: keeps orders and streams their changes to stations.
//!
//! [`spawn`] starts a whole server (store, feed, HTTP and WebSocket routes,
//! pruner and, if asked, the order simulator) and returns a handle whose
//! [`RunningServer::shutdown`] stops it gracefully. The binary is a thin
//! shell around it; tests and the client's `kds demo` call it directly.

mod auth;
mod clock;
pub mod config;
mod demo;
mod error;
mod extract;
mod feed;
mod kitchen;
pub mod logging;
mod metrics;
mod rate_limit;
mod retention;
mod routes;
mod serve;
pub mod store;
mod tasks;

pub use clock::Clock;
pub use config::cli::{Cli, Loaded};
pub use config::file::FileSettings;
pub use config::{
    ConfigError, DemoConfig, RateLimits, Retention, Role, ServerConfig, TokenConfig,
    WebSocketConfig, default_config_path, default_database_path,
};
pub use demo::{BUILT_IN_MENU, Menu, MenuError, MenuItem};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("opening the store: {0}")]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("demo: {0}")]
    Demo(#[from] demo::MenuError),
}

/// A server that is serving; drop it or call [`RunningServer::shutdown`].
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: CancellationToken,
    tasks: tasks::Tasks,
    serve: tokio::task::JoinHandle<()>,
    store: store::Store,
    shutdown_grace: Duration,
    /// Dropping the handle without `shutdown` still stops the server.
    _stop_on_drop: tokio_util::sync::DropGuard,
}

impl RunningServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops gracefully: no new connections, in-flight requests finish, long
    /// polls return, `WebSocket`s get close 1001; then the store is closed.
    /// Whatever is still running when the grace period is over (a request
    /// whose body never comes, a `WebSocket` whose peer stopped reading) is
    /// cut off first: its connection closed, its uncommitted work rolled
    /// back, so the store is never closed under it and nothing that was
    /// answered 2xx is lost.
    pub async fn shutdown(mut self) {
        let deadline = tokio::time::Instant::now() + self.shutdown_grace;
        self.stop.cancel();
        if tokio::time::timeout_at(deadline, &mut self.serve)
            .await
            .is_err()
        {
            tracing::warn!("requests still running after the grace period: cutting them off");
            // Dropping the accept loop aborts every connection it holds.
            self.serve.abort();
            let _ = (&mut self.serve).await;
        }
        if self.tasks.finish(deadline).await {
            tracing::warn!(
                "WebSocket sessions or background tasks still running after the grace period: cut off"
            );
        }
        self.store.close().await;
        tracing::info!("stopped");
    }
}

/// Binds, opens and migrates the store, and starts serving (and the demo if
/// `config.demo` is set).
pub async fn spawn(config: ServerConfig) -> Result<RunningServer, StartError> {
    config.validate()?;
    let menu = config.demo.as_ref().map(demo::Menu::load).transpose()?;
    let store = store::Store::open(&config.database).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let newest = store.newest_seq().await?;
    let metrics = Arc::new(metrics::Metrics::new());
    let feed = feed::Feed::new(config.websocket.feed_capacity, newest);
    let kitchen = kitchen::Kitchen {
        store: store.clone(),
        feed: feed.clone(),
        metrics: metrics.clone(),
        clock: config.clock.clone(),
    };
    let stop = CancellationToken::new();
    let tasks = tasks::Tasks::default();
    for relay in feed.relays(&stop) {
        tasks.spawn(relay);
    }
    tasks.spawn(feed::run_tailer(
        store.clone(),
        feed.clone(),
        metrics,
        stop.clone(),
    ));
    tasks.spawn(retention::run_pruner(
        store.clone(),
        config.retention,
        config.clock.clone(),
        stop.clone(),
    ));
    if let (Some(demo_config), Some(menu)) = (config.demo.clone(), menu) {
        tasks.spawn(demo::run(kitchen.clone(), demo_config, menu, stop.clone()));
    }
    let auth = Arc::new(auth::Auth::new(&config.tokens));
    if auth.is_open() {
        tracing::warn!("no tokens configured: the API is open to anyone who can reach {addr}");
    } else {
        tracing::info!(tokens = config.tokens.len(), "token authentication on");
    }
    let state = routes::AppState {
        kitchen,
        websocket: config.websocket,
        late_after: config.late_after,
        shutdown: stop.clone(),
        sessions: tasks.clone(),
    };
    let rates = config.rate_limits;
    tracing::info!(
        changes_per_second = rates.changes_per_second,
        change_burst = rates.change_burst,
        reads_per_second = rates.reads_per_second,
        read_burst = rates.read_burst,
        "rate limits per client (0: off)"
    );
    let limits = Arc::new(rate_limit::Limits::new(&rates, &config.clock));
    tasks.spawn(rate_limit::run_forgetting(limits.clone(), stop.clone()));
    let app = routes::app(state, auth, limits);
    let shutdown = stop.clone();
    let serve = tokio::spawn(serve::serve(listener, app, shutdown));
    tracing::info!(newest_seq = newest, "kds-server listening on http://{addr}");
    Ok(RunningServer {
        addr,
        tasks,
        serve,
        store,
        shutdown_grace: config.shutdown_grace,
        _stop_on_drop: stop.clone().drop_guard(),
        stop,
    })
}
