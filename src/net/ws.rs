//! One WebSocket connection: open it, then read frames into the feed until it
//! ends, and say why it ended so the link can decide how to go on.

use super::feed::{AppGone, Feed};
use super::http::Dates;
use futures_util::{SinkExt, StreamExt};
use kds_protocol::{ErrorBody, Event, ServerFrame, Snapshot};
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use std::borrow::Cow;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout, timeout_at};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Close code the server sends when it shuts down.
const GOING_AWAY: u16 = 1001;
/// Close code the server sends to a client that fell behind.
const TRY_AGAIN: u16 = 1013;

/// Why the WebSocket could not be opened.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The server or a proxy answered the upgrade with an HTTP status.
    Refused { status: u16, message: String },
    /// No answer: refused, reset, timed out...
    Network(String),
}

/// Opens the WebSocket, giving up after `limit`.
pub(crate) async fn connect(
    url: &Url,
    auth: Option<&HeaderValue>,
    limit: Duration,
    dates: &Dates,
) -> Result<Socket, ConnectError> {
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|err| ConnectError::Network(err.to_string()))?;
    if let Some(auth) = auth {
        request.headers_mut().insert(AUTHORIZATION, auth.clone());
    }
    let attempt =
        tokio_tungstenite::connect_async_with_config(request, Some(socket_config()), true);
    let sent = kds_protocol::Timestamp::now();
    match timeout(limit, attempt).await {
        Err(_) => Err(ConnectError::Network(format!(
            "no WebSocket handshake within {limit:?}"
        ))),
        Ok(Ok((socket, response))) => {
            dates.record(response.headers(), sent);
            Ok(socket)
        }
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status().as_u16();
            let message = response
                .body()
                .as_deref()
                .and_then(|body| serde_json::from_slice::<ErrorBody>(body).ok())
                .map_or_else(
                    || format!("upgrade refused with HTTP {status}"),
                    |body| body.error.message,
                );
            Err(ConnectError::Refused { status, message })
        }
        Ok(Err(err)) => Err(ConnectError::Network(err.to_string())),
    }
}

/// A text frame, read.
#[expect(
    clippy::large_enum_variant,
    reason = "read and handed on at once; boxing the event would allocate once more per frame"
)]
#[derive(Debug)]
pub(crate) enum Frame {
    Snapshot(Snapshot),
    Event(Event),
    /// A frame type this client does not know (a newer server): ignored.
    Unknown(String),
}

/// The type of a frame, read before the rest. `ServerFrame` is tagged
/// inside the object, and serde reads such an enum by first copying the
/// whole frame into a tree of its own: for a snapshot of 200 orders that
/// tree was 650 KB, held at the display's peak beside the text and the
/// orders. Told the type, a snapshot is read straight into its struct.
#[derive(Deserialize)]
struct FrameType<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

/// Reads one text frame. Unknown types are tolerated; a known type that does
/// not decode, or text that is no JSON object with a type, is an error.
pub(crate) fn decode(text: &str) -> Result<Frame, String> {
    let kind = serde_json::from_str::<FrameType>(text)
        .map_err(|err| format!("frame without a type: {err}"))?
        .kind;
    match kind.as_ref() {
        "snapshot" => serde_json::from_str(text).map(Frame::Snapshot),
        // An event holds one order: its copy in serde's tree is small,
        // and `ServerFrame` stays the one definition of the event frame.
        "event" => {
            serde_json::from_str::<ServerFrame>(text).map(|frame| match frame.into_event() {
                Ok(event) => Frame::Event(event),
                Err(snapshot) => Frame::Snapshot(snapshot),
            })
        }
        other => return Ok(Frame::Unknown(other.to_owned())),
    }
    .map_err(|err| err.to_string())
}

/// How a session ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SessionEnd {
    /// Close 1001: the server is shutting down; reconnect at once.
    GoingAway,
    /// Close 1013: this client fell behind; resume with `since` at once.
    TryAgain,
    /// Nothing heard (no frame, no pong) for the dead-peer time.
    Dead,
    /// Closed or failed for another reason.
    Dropped(String),
    /// A frame could not be understood: resync rather than lose an event.
    Protocol(String),
    /// The app is gone: stop everything.
    AppGone,
}

impl From<AppGone> for SessionEnd {
    fn from(_: AppGone) -> Self {
        SessionEnd::AppGone
    }
}

fn closed(frame: Option<&CloseFrame>) -> SessionEnd {
    match frame.map(|f| u16::from(f.code)) {
        Some(GOING_AWAY) => SessionEnd::GoingAway,
        Some(TRY_AGAIN) => SessionEnd::TryAgain,
        Some(code) => SessionEnd::Dropped(format!("closed by the server ({code})")),
        None => SessionEnd::Dropped("closed by the server".to_owned()),
    }
}

/// Reads frames into `feed` until the connection ends. The client pings
/// three times per `dead_peer`, so a live server always has something to
/// answer; when nothing at all arrives for `dead_peer` the link is dead,
/// whatever TCP says.
pub(crate) async fn run(mut socket: Socket, feed: &mut Feed, dead_peer: Duration) -> SessionEnd {
    let ping_every = dead_peer / 3;
    let mut deadline = Instant::now() + dead_peer;
    let mut next_ping = Instant::now() + ping_every;
    let end = loop {
        let message = tokio::select! {
            message = socket.next() => message,
            () = sleep_until(deadline) => break SessionEnd::Dead,
            () = sleep_until(next_ping) => {
                next_ping = Instant::now() + ping_every;
                // A peer that stopped reading fills the send buffer; the
                // dead-peer deadline still bounds the wait.
                match timeout_at(deadline, socket.send(Message::Ping(Vec::new().into()))).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(err)) => break SessionEnd::Dropped(err.to_string()),
                    Err(_) => break SessionEnd::Dead,
                }
            }
        };
        let message = match message {
            None => break SessionEnd::Dropped("connection ended".to_owned()),
            Some(Err(err)) => break SessionEnd::Dropped(err.to_string()),
            Some(Ok(message)) => message,
        };
        deadline = Instant::now() + dead_peer;
        if let Err(gone) = feed.heard().await {
            break gone.into();
        }
        let text = match message {
            Message::Text(text) => text,
            Message::Close(frame) => break closed(frame.as_ref()),
            // tungstenite answers pings itself; pongs only prove life.
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            Message::Binary(bytes) => {
                tracing::warn!(len = bytes.len(), "ignoring a binary frame");
                continue;
            }
        };
        let delivered = match decode(text.as_str()) {
            Ok(Frame::Snapshot(snapshot)) => feed.snapshot(snapshot).await,
            Ok(Frame::Event(event)) if feed.cursor().is_none() => {
                break SessionEnd::Protocol(format!("event {} before any snapshot", event.seq));
            }
            Ok(Frame::Event(event)) => feed.events(vec![event]).await,
            Ok(Frame::Unknown(kind)) => {
                tracing::warn!(%kind, "ignoring a frame of unknown type");
                Ok(())
            }
            Err(err) => break SessionEnd::Protocol(err),
        };
        if let Err(gone) = delivered {
            break gone.into();
        }
    };
    // A polite close where the link still works; never wait long for it.
    if matches!(end, SessionEnd::Protocol(_) | SessionEnd::AppGone) {
        let _ = timeout(Duration::from_millis(200), socket.close(None)).await;
    }
    end
}

/// tungstenite keeps a 128 KiB read buffer per socket by default and zero-fills
/// it before every read; a display reads a few KiB at a time (large snapshots
/// still arrive whole, over several reads). 8 KiB is part of what took the
/// client's peak RSS under 10 MB (docs/benchmarks.md).
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(8 * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"{"id":"o1","number":1,"station":"grill","status":"pending",
        "items":[{"name":"Burger","qty":1}],"created_at":"2026-11-22T18:04:05.123Z",
        "updated_at":"2026-11-22T18:04:05.123Z","status_at":"2026-11-22T18:04:05.123Z","version":1}"#;

    #[test]
    fn decodes_the_two_frame_types() {
        let snapshot = decode(r#"{"type":"snapshot","seq":4,"orders":[],"recent":[]}"#).unwrap();
        assert!(matches!(snapshot, Frame::Snapshot(Snapshot { seq: 4, .. })));
        // The type is a JSON string like any other, escapes and all.
        let escaped = decode(r#"{"seq":4,"orders":[],"recent":[],"type":"snap\u0073hot"}"#);
        assert!(matches!(
            escaped,
            Ok(Frame::Snapshot(Snapshot { seq: 4, .. }))
        ));
        let text = format!(
            r#"{{"type":"event","seq":5,"event":"created","at":"2026-11-22T18:04:05.123Z","order":{ORDER}}}"#
        );
        let Frame::Event(event) = decode(&text).unwrap() else {
            panic!("not an event");
        };
        assert_eq!((event.seq, event.order.id.as_str()), (5, "o1"));
    }

    #[test]
    fn unknown_types_are_tolerated_and_garbage_is_an_error() {
        assert!(matches!(
            decode(r#"{"type":"hello","x":1}"#),
            Ok(Frame::Unknown(kind)) if kind == "hello"
        ));
        for bad in [
            "",
            "not json",
            "[1,2]",
            r#"{"seq":1}"#,
            r#"{"type":7}"#,
            r#"{"type":"event","seq":"x"}"#,
            r#"{"type":"snapshot","seq":1}"#,
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn close_codes_choose_the_way_back() {
        let frame = |code: u16| CloseFrame {
            code: code.into(),
            reason: "".into(),
        };
        assert_eq!(closed(Some(&frame(1001))), SessionEnd::GoingAway);
        assert_eq!(closed(Some(&frame(1013))), SessionEnd::TryAgain);
        assert!(matches!(closed(Some(&frame(1000))), SessionEnd::Dropped(_)));
        assert!(matches!(closed(None), SessionEnd::Dropped(_)));
    }
}
