//! One display-like WebSocket client: connects to a station, takes the
//! snapshot, then notes when every order it is told about was read and when
//! it reached the socket, until it is told to stop.

use crate::arrival::ArrivalStream;
use crate::target::{Target, TargetError};
use futures_util::StreamExt;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Plain `ws://` only: `Target` accepts loopback `http://` servers alone.
pub type Ws = WebSocketStream<ArrivalStream>;

/// How long a closing handshake may take before the socket is just dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bytes read from the socket at a time. tungstenite's default (128 KiB) is
/// zero-filled before every read, which made this tool spend most of its
/// CPU on `memset` with a thousand clients; larger frames still arrive whole,
/// over several reads.
const READ_BUFFER: usize = 8 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("handshake failed: {0}")]
    Handshake(String),
    #[error("no snapshot within {0:?}")]
    Timeout(Duration),
    #[error("the connection ended before the snapshot: {0}")]
    Ended(String),
    #[error("the first frame was not a snapshot")]
    NoSnapshot,
}

impl ConnectError {
    /// A short label to group failures by in the report.
    pub fn kind(&self) -> String {
        match self {
            ConnectError::Target(_) => "bad target".to_owned(),
            ConnectError::Handshake(message) => {
                // "IO error: Too many open files (os error 24)" and the like:
                // keep the cause, drop what varies between connections.
                message.chars().take(80).collect()
            }
            ConnectError::Timeout(_) => "timeout".to_owned(),
            ConnectError::Ended(_) => "ended before snapshot".to_owned(),
            ConnectError::NoSnapshot => "no snapshot".to_owned(),
        }
    }
}

/// When a frame was read, and when the kernel received it (the read's
/// instant where the kernel gave no timestamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub read: Instant,
    pub arrived: Instant,
    /// Whether `arrived` is the kernel's stamp rather than the read.
    pub stamped: bool,
}

impl Stamp {
    /// A frame read at `read` whose bytes the kernel stamped `arrived`.
    pub fn new(read: Instant, arrived: Option<Instant>) -> Self {
        // A stamp after the read would be a clock step, not an arrival.
        match arrived.filter(|at| *at <= read) {
            Some(arrived) => Self {
                read,
                arrived,
                stamped: true,
            },
            None => Self {
                read,
                arrived: read,
                stamped: false,
            },
        }
    }
}

/// What one client saw after its snapshot.
#[derive(Debug, Default)]
pub struct Seen {
    /// Order ids of `created` events, with when each frame came.
    pub created: Vec<(String, Stamp)>,
    /// Orders carried by a snapshot sent after the first (a resync), with
    /// when it came: delivered, though not as an event.
    pub resynced: Vec<(String, Stamp)>,
    pub resyncs: usize,
    /// Why the connection ended before the client was told to stop.
    pub ended: Option<String>,
}

/// Just enough of a server frame to match deliveries: parsing whole orders
/// would spend the tool's CPU, which shares the machine with the server.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    order: Option<OrderId>,
    #[serde(default)]
    orders: Vec<OrderId>,
}

#[derive(Deserialize)]
struct OrderId {
    id: String,
}

/// Opens a station's WebSocket and waits for its snapshot.
pub async fn connect(
    target: &Target,
    station: &str,
    timeout: Duration,
) -> Result<Ws, ConnectError> {
    let request = target.ws_request(station)?;
    let attempt = async {
        let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
        let handshake = |err: &dyn std::fmt::Display| ConnectError::Handshake(err.to_string());
        let tcp = TcpStream::connect(target.host_port())
            .await
            .map_err(|err| handshake(&err))?;
        // Nagle off, as a display would: frames are small and latency is the point.
        tcp.set_nodelay(true).map_err(|err| handshake(&err))?;
        let stream = ArrivalStream::new(tcp).map_err(|err| handshake(&err))?;
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(config))
                .await
                .map_err(|err| handshake(&err))?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    return match serde_json::from_str::<Head>(text.as_str()) {
                        Ok(head) if head.kind == "snapshot" => Ok(ws),
                        _ => Err(ConnectError::NoSnapshot),
                    };
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(ConnectError::Ended(
                        frame.map_or_else(|| "close".to_owned(), |f| f.to_string()),
                    ));
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(ConnectError::Ended(err.to_string())),
                None => return Err(ConnectError::Ended("eof".to_owned())),
            }
        }
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(ConnectError::Timeout(timeout)))
}

/// Reads frames (which also answers the server's pings) until `stop` turns
/// true or the connection ends. Says so on `done`, once, when `expect`
/// orders have arrived or the connection ended early, so the orchestrator
/// need not wait out its deadline; the connection stays open until stopped.
pub async fn watch(
    mut ws: Ws,
    expect: usize,
    done: mpsc::UnboundedSender<()>,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    let mut told = false;
    while seen.ended.is_none() {
        if !told && expect > 0 && seen.created.len() + seen.resynced.len() >= expect {
            // The orchestrator may have finished waiting already.
            let _ = done.send(());
            told = true;
        }
        tokio::select! {
            biased;
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
                    return seen;
                }
            }
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = Stamp::new(Instant::now(), ws.get_ref().arrived());
                    record(&mut seen, text.as_str(), at);
                }
                Some(Ok(Message::Close(frame))) => {
                    seen.ended = Some(frame.map_or_else(|| "closed".to_owned(), |f| f.to_string()));
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => seen.ended = Some(err.to_string()),
                None => seen.ended = Some("eof".to_owned()),
            }
        }
    }
    if !told {
        let _ = done.send(());
    }
    seen
}

/// Notes what one text frame delivered.
fn record(seen: &mut Seen, text: &str, at: Stamp) {
    let Ok(head) = serde_json::from_str::<Head>(text) else {
        return;
    };
    match (head.kind.as_str(), head.event.as_deref(), head.order) {
        ("event", Some("created"), Some(order)) => seen.created.push((order.id, at)),
        ("snapshot", _, _) => {
            seen.resyncs += 1;
            seen.resynced
                .extend(head.orders.into_iter().map(|order| (order.id, at)));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_events_and_resync_snapshots_are_recorded() {
        let mut seen = Seen::default();
        let at = Stamp::new(Instant::now(), None);
        record(
            &mut seen,
            r#"{"type":"event","seq":3,"event":"created","at":"x","order":{"id":"o1","number":1}}"#,
            at,
        );
        record(
            &mut seen,
            r#"{"type":"event","seq":4,"event":"status_changed","order":{"id":"o1"}}"#,
            at,
        );
        record(
            &mut seen,
            r#"{"type":"snapshot","seq":9,"orders":[{"id":"o2"},{"id":"o3"}],"recent":[]}"#,
            at,
        );
        record(&mut seen, "not json", at);
        assert_eq!(seen.created, vec![("o1".to_owned(), at)]);
        assert_eq!(seen.resyncs, 1);
        let resynced: Vec<&str> = seen.resynced.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(resynced, ["o2", "o3"]);
    }
}
