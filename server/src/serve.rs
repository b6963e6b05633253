//! The accept loop: the router on hyper, as `axum::serve` does it, plus a
//! header read timeout.
//!
//! `axum::serve` runs hyper without a timer, which turns hyper's header read
//! timeout off: a connection that stops in the middle of its headers would
//! be held for ever, and enough of them (slowloris) would use up the file
//! descriptors until the server accepted no one. Here hyper gets a timer and
//! a deadline for every request head (and so for idle keep-alive connections
//! too, which clients reopen as they need).

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Time a client has to send a request's headers. A kitchen's tills and
/// displays send them in milliseconds; ten seconds is generous.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `shutdown`, then stops accepting, lets every connection
/// finish its request (upgraded `WebSocket`s close on their own) and returns.
pub async fn serve(listener: TcpListener, app: Router, shutdown: CancellationToken) {
    // Each connection task holds a receiver; `closed` means all have ended.
    let (all_done, done) = watch::channel(());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        tokio::spawn(connection(
            stream,
            app.clone(),
            shutdown.clone(),
            done.clone(),
        ));
    }
    drop(listener);
    drop(done);
    all_done.closed().await;
}

async fn connection(
    stream: TcpStream,
    app: Router,
    shutdown: CancellationToken,
    done: watch::Receiver<()>,
) {
    let service = TowerToHyperService::new(
        app.map_request(|request: Request<Incoming>| request.map(Body::new)),
    );
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
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
    drop(done);
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
