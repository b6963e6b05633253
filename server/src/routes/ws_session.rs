//! One WebSocket connection: a snapshot or a replay on connect, then live
//! events of its scope, heartbeats, and a close that says why.
//!
//! No gap, no duplicate: the session subscribes to the feed before it reads
//! the snapshot or replay from the store, then drops live events at or below
//! the last seq it already sent. A session that lags the feed gets a fresh
//! snapshot; one whose peer stops reading is closed after `send_timeout`.

use crate::config::WebSocketConfig;
use crate::feed::FeedItem;
use crate::kitchen::Kitchen;
use crate::store::{EventsRead, StoreError};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::SinkExt;
use futures_util::stream::{SplitSink, StreamExt};
use kds_protocol::{MAX_CLIENT_FRAME_BYTES, MAX_EVENTS_PAGE, ServerFrame, StationScope};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, interval_at, sleep};
use tokio_util::sync::CancellationToken;

/// A replay longer than this many pages is sent as a snapshot instead.
const MAX_REPLAY_PAGES: usize = 1000;

pub struct Session {
    pub scope: StationScope,
    pub since: Option<i64>,
    pub kitchen: Kitchen,
    pub config: WebSocketConfig,
    pub shutdown: CancellationToken,
}

type Sink = SplitSink<WebSocket, Message>;

/// Why a session ended early.
enum End {
    /// The peer hung up, stopped reading, or the socket failed.
    Gone,
    /// Send this close frame, then stop.
    Close(u16, &'static str),
}

impl From<StoreError> for End {
    fn from(err: StoreError) -> Self {
        tracing::warn!(%err, "websocket cannot read the store");
        End::Close(close_code::AGAIN, "store unavailable, reconnect with since")
    }
}

/// Keeps the open-connections gauge right however the session ends.
struct Counted<'a>(&'a Kitchen);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.metrics.websockets.dec();
    }
}

pub async fn run(socket: WebSocket, session: Session) {
    session.kitchen.metrics.websockets.inc();
    let _counted = Counted(&session.kitchen);
    let (mut sink, mut stream) = socket.split();
    let end = serve(&session, &mut sink, &mut stream).await;
    if let End::Close(code, reason) = end {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        }));
        // Best effort: the peer may already be gone.
        let _ = tokio::time::timeout(session.config.send_timeout, sink.send(frame)).await;
    }
}

async fn serve(
    session: &Session,
    sink: &mut Sink,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
) -> End {
    let config = session.config;
    let mut feed = session.kitchen.feed.subscribe();
    // The store reads of the start and of a resync are boxed: their futures
    // (both backends' queries) are several KiB, and inline they would sit in
    // every session's task for as long as the connection lives, used or not.
    let mut last_sent = match Box::pin(start(session, sink)).await {
        Ok(seq) => seq,
        Err(end) => return end,
    };
    let mut ping = interval_at(Instant::now() + config.ping_every, config.ping_every);
    let dead = sleep(config.dead_after);
    tokio::pin!(dead);
    // Made once, not once per turn of the loop: a fresh `cancelled()` joins
    // and leaves the token's waiter list, a mutex every session shares, on
    // each of the two turns every frame takes (the profile showed it).
    let shutdown = session.shutdown.cancelled();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => {
                return End::Close(close_code::AWAY, "server shutting down");
            }
            () = &mut dead => {
                session.kitchen.metrics.websocket_slow_closes.inc();
                return End::Close(close_code::AWAY, "no answer to pings");
            }
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else {
                    // A read error here is mostly a frame over the socket
                    // layer's size limit: a policy matter.
                    return match incoming {
                        Some(Err(_)) => End::Close(close_code::POLICY, "frame too large or malformed"),
                        _ => End::Gone,
                    };
                };
                dead.as_mut().reset(Instant::now() + config.dead_after);
                if let Some(end) = check_client_message(&message) {
                    return end;
                }
            }
            item = feed.recv() => {
                let frame = match item {
                    Ok(FeedItem::Event(event)) => {
                        if event.seq <= last_sent || !session.scope.includes(&event.station) {
                            continue;
                        }
                        last_sent = event.seq;
                        Message::Text(event.frame.clone())
                    }
                    Ok(FeedItem::Resync) | Err(RecvError::Lagged(_)) => {
                        // Fell behind the feed: start over from a snapshot.
                        session.kitchen.metrics.websocket_resyncs.inc();
                        match Box::pin(send_snapshot(session, sink)).await {
                            Ok(seq) => {
                                last_sent = seq;
                                continue;
                            }
                            Err(end) => return end,
                        }
                    }
                    Err(RecvError::Closed) => return End::Close(close_code::AWAY, "server shutting down"),
                };
                if let Err(end) = send(sink, frame, session).await {
                    return end;
                }
            }
            _ = ping.tick() => {
                if let Err(end) = send(sink, Message::Ping(axum::body::Bytes::new()), session).await {
                    return end;
                }
            }
        }
    }
}

/// What a client frame asks of us: nothing, unless it breaks the rules.
/// The protocol defines no client messages, so a well-formed one (JSON of
/// at most 4 KiB, text or binary) is ignored; anything else closes 1008.
fn check_client_message(message: &Message) -> Option<End> {
    let payload: &[u8] = match message {
        Message::Text(text) => text.as_bytes(),
        Message::Binary(bytes) => bytes,
        // The socket layer answers pings and close frames itself.
        Message::Ping(_) | Message::Pong(_) => return None,
        Message::Close(_) => return Some(End::Gone),
    };
    let well_formed = payload.len() <= MAX_CLIENT_FRAME_BYTES
        && serde_json::from_slice::<serde::de::IgnoredAny>(payload).is_ok();
    (!well_formed).then_some(End::Close(
        close_code::POLICY,
        "client frames must be JSON of at most 4 KiB",
    ))
}

/// The first frames: a replay when `since` is retained, else a snapshot.
/// Returns the last seq they cover.
async fn start(session: &Session, sink: &mut Sink) -> Result<i64, End> {
    if let Some(since) = session.since
        && let Some(last) = replay(session, sink, since).await?
    {
        return Ok(last);
    }
    send_snapshot(session, sink).await
}

/// Sends every retained event after `since`; `None` when they are not all
/// retained (or `since` is beyond the store), so a snapshot must be sent.
async fn replay(session: &Session, sink: &mut Sink, mut since: i64) -> Result<Option<i64>, End> {
    for _ in 0..MAX_REPLAY_PAGES {
        let page = match session
            .kitchen
            .store
            .events(&session.scope, since, MAX_EVENTS_PAGE)
            .await?
        {
            EventsRead::Page(page) => page,
            EventsRead::Gone => return Ok(None),
        };
        let full = page.events.len() >= MAX_EVENTS_PAGE;
        for event in page.events {
            send(sink, frame_text(&ServerFrame::from(event))?, session).await?;
        }
        since = page.seq;
        if !full {
            return Ok(Some(since));
        }
    }
    Ok(None)
}

async fn send_snapshot(session: &Session, sink: &mut Sink) -> Result<i64, End> {
    let snapshot = session.kitchen.store.snapshot(&session.scope).await?;
    let seq = snapshot.seq;
    send(sink, frame_text(&ServerFrame::Snapshot(snapshot))?, session).await?;
    Ok(seq)
}

fn frame_text(frame: &ServerFrame) -> Result<Message, End> {
    serde_json::to_string(frame)
        .map(|json| Message::Text(json.into()))
        .map_err(|err| {
            tracing::error!(%err, "cannot serialize a frame");
            End::Close(close_code::ERROR, "internal error")
        })
}

/// Sends one frame, or gives up on a peer that does not take it in time.
async fn send(sink: &mut Sink, message: Message, session: &Session) -> Result<(), End> {
    match tokio::time::timeout(session.config.send_timeout, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::Gone),
        Err(_) => {
            session.kitchen.metrics.websocket_slow_closes.inc();
            tracing::info!(scope = %session.scope, "closing a websocket that stopped reading");
            Err(End::Gone)
        }
    }
}
