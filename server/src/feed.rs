//! Fan-out of committed events to `WebSocket`s and long polls.
//!
//! Writers of this instance commit and then [`Feed::wake`] the one tailer;
//! commits of other instances sharing a `PostgreSQL` store wake it through
//! the store's commit notifications ([`Store::follow_commits`]). The tailer
//! reads the new events from the store in seq order (the table is the
//! truth, so a wake that is lost or merged costs latency, never an event)
//! and publishes each as a frame serialized once, shared by every
//! subscriber. It also keeps the newest published seq in a watch channel,
//! which is what long polls wait on.

use crate::metrics::Metrics;
use crate::store::{EventsRead, Store};
use axum::extract::ws::Utf8Bytes;
use kds_protocol::{MAX_EVENTS_PAGE, ServerFrame, Station, StationScope};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

/// How often the tailer looks at the store even without a wake, so events
/// whose notification was lost (a listener reconnecting) still arrive.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// Pause after a failed read before the tailer tries again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// One event, ready to send.
#[derive(Debug)]
pub struct FeedEvent {
    pub seq: i64,
    pub station: Station,
    /// The WebSocket event frame's JSON.
    pub frame: Utf8Bytes,
}

/// What subscribers receive.
#[derive(Debug, Clone)]
pub enum FeedItem {
    Event(Arc<FeedEvent>),
    /// The tailer itself lost events (they were pruned before it read them):
    /// every subscriber must fetch a fresh snapshot.
    Resync,
}

/// The channels shared by writers, the tailer and subscribers.
#[derive(Debug, Clone)]
pub struct Feed {
    events: broadcast::Sender<FeedItem>,
    newest: Arc<watch::Sender<i64>>,
    wake: Arc<Notify>,
}

impl Feed {
    /// `capacity` events are buffered per subscriber before it lags.
    pub fn new(capacity: usize, newest_seq: i64) -> Self {
        let (events, _) = broadcast::channel(capacity);
        Self {
            events,
            newest: Arc::new(watch::Sender::new(newest_seq)),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Subscribe before reading a snapshot or replay, so nothing falls between.
    pub fn subscribe(&self) -> broadcast::Receiver<FeedItem> {
        self.events.subscribe()
    }

    /// The newest published seq; changes whenever events are published.
    pub fn watch(&self) -> watch::Receiver<i64> {
        self.newest.subscribe()
    }

    /// Tell the tailer there is something new. Wakes merge; none is lost.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Reads new events after each wake (from this instance's writers or the
/// store's commit notifications) and publishes them, until `stop`.
pub async fn run_tailer(store: Store, feed: Feed, metrics: Arc<Metrics>, stop: CancellationToken) {
    let waker = feed.clone();
    tokio::join!(
        store.follow_commits(move || waker.wake(), stop.clone()),
        tail(&store, &feed, &metrics, &stop),
    );
}

async fn tail(store: &Store, feed: &Feed, metrics: &Metrics, stop: &CancellationToken) {
    let mut last = *feed.newest.borrow();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = feed.wake.notified() => {}
            () = tokio::time::sleep(POLL_EVERY) => {}
        }
        // Drain: a burst may be more than one page.
        loop {
            match store
                .events(&StationScope::All, last, MAX_EVENTS_PAGE)
                .await
            {
                Ok(EventsRead::Page(page)) => {
                    let full = page.events.len() >= MAX_EVENTS_PAGE;
                    for event in page.events {
                        let seq = event.seq;
                        let station = event.order.station.clone();
                        match serde_json::to_string(&ServerFrame::from(event)) {
                            Ok(json) => {
                                // No subscribers is fine: send only fails then.
                                let _ = feed.events.send(FeedItem::Event(Arc::new(FeedEvent {
                                    seq,
                                    station,
                                    frame: json.into(),
                                })));
                                metrics.events_published.inc();
                            }
                            Err(err) => tracing::error!(seq, %err, "cannot serialize event"),
                        }
                        last = seq;
                    }
                    feed.newest.send_replace(last);
                    if !full {
                        break;
                    }
                }
                Ok(EventsRead::Gone) => {
                    // Pruned before we read them: jump to the newest and make
                    // every subscriber resync rather than skip silently.
                    match store.newest_seq().await {
                        Ok(newest) => {
                            tracing::warn!(
                                last,
                                newest,
                                "tailer fell behind retention; resyncing subscribers"
                            );
                            last = newest;
                            let _ = feed.events.send(FeedItem::Resync);
                            feed.newest.send_replace(last);
                        }
                        Err(err) => tracing::warn!(%err, "tailer cannot read the newest seq"),
                    }
                    break;
                }
                Err(err) => {
                    tracing::warn!(%err, "tailer cannot read events; retrying");
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(RETRY_AFTER) => {}
                    }
                    feed.wake();
                    break;
                }
            }
        }
    }
}
