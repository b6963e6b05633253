//! The accept loop: the router on hyper, as `axum::serve` does it, plus a
//! header read timeout.
//!
//! `axum::serve` runs hyper without a timer, which turns hyper's header read
//! timeout off: a connection that stops in the middle of its headers would
//! be held for ever, and enough of them (slowloris) would use up the file
//! descriptors until the server accepted no one. Here hyper gets a timer and
//! a deadline for every request head (and so for idle keep-alive connections
//! too, which clients reopen as they need).
//!
//! HTTP/1.1 only: every client (tills, displays, the `WebSocket` upgrade)
//! speaks it, and HTTP/2 would link in the `h2` crate, half a megabyte of
//! code that stays resident (docs/benchmarks.md).

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Time a client has to send a request's headers. A kitchen's tills and
/// displays send them in milliseconds; ten seconds is generous.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `shutdown`, then stops accepting, lets every connection
/// finish its request (upgraded `WebSocket`s close on their own) and returns.
/// Dropping the future (shutdown's grace period is over) aborts every
/// connection still open: they are tasks of its `JoinSet`.
pub async fn serve(listener: TcpListener, app: Router, shutdown: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            // Finished connections are reaped as they end, so the set holds
            // only the open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = shutdown.cancelled() => break,
        };
        connections.spawn(connection(stream, peer, app.clone(), shutdown.clone()));
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn connection(stream: TcpStream, peer: SocketAddr, app: Router, shutdown: CancellationToken) {
    // Handlers may ask for the peer's address, as under `axum::serve`.
    let service = TowerToHyperService::new(app.map_request(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(%err, "connection ended with an error");
            }
        }
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Accepting failed. Out of file descriptors (or another resource): wait a
/// moment for connections to close rather than spin; a connection that was
/// reset before it was accepted is not worth a pause.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%err, "cannot accept connections");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
