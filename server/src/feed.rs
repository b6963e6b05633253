//! Fan-out of committed events to `WebSocket`s and long polls.
//!
//! A writer of this instance that committed hands its events (with their
//! seqs) straight to [`Feed::publish`]: each is serialized once, outside any
//! lock, and published in seq order as a frame shared by every subscriber.
//! Seq N + 1 is published only after N. Two writers that commit N and N + 1
//! may hand off in the other order, so an event that comes early is held
//! in a small reorder window until the seqs before it are published.
//!
//! The tailer is the backstop, for what this instance did not hand off:
//! events of other instances sharing a `PostgreSQL` store (announced by the
//! store's commit notifications, [`Store::follow_commits`]), a gap that does
//! not fill from hand-offs within [`GAP_GRACE`], and, every [`POLL_EVERY`],
//! anything a lost notification left behind. It reads from the store (the
//! table is the truth) and publishes through the same ordered path, so an
//! event that arrives both ways is published once.
//!
//! Sessions are woken through relays in groups, not by the channel itself
//! ([`wake`]).
//!
//! The newest published seq is kept in a watch channel, which is what long
//! polls wait on: it moves only once every event up to it is published, so
//! a long poll woken by it finds them in the store.

use crate::metrics::Metrics;
use crate::store::{EventsRead, Store};
use axum::extract::ws::Utf8Bytes;
use kds_protocol::{Event, MAX_EVENTS_PAGE, ServerFrame, Station, StationScope};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

mod wake;
pub use wake::Subscription;

/// How often the tailer looks at the store even without a wake, so events
/// whose notification was lost (a listener reconnecting) still arrive.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// Pause after a failed read before the tailer tries again.
const RETRY_AFTER: Duration = Duration::from_millis(500);
/// How long a gap may wait for the in-process hand-off that fills it before
/// the tailer reads it from the store. The writer of the missing seq has
/// committed before the later one could (seqs are handed out in commit
/// order) and is only waiting for its task to run, so a gap that lasts
/// longer is one this instance will not fill: another instance's event whose
/// notification is late or lost.
const GAP_GRACE: Duration = Duration::from_millis(5);
/// Events held in the reorder window at most. It only fills while a gap is
/// open, and a gap lasts until the tailer reads it ([`GAP_GRACE`]); events
/// beyond this are not held but left to that read, so memory stays bounded
/// however many writers commit meanwhile.
const MAX_HELD: usize = 1024;

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
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    events: broadcast::Sender<FeedItem>,
    /// Who to wake once events are in `events`.
    groups: wake::Groups,
    newest: watch::Sender<i64>,
    /// Wakes the tailer: a gap, a commit notification, a failed read.
    wake: Notify,
    /// The highest seq another process said it committed, so that a
    /// notification of a commit already handed off costs no read.
    announced: AtomicI64,
    /// Held only for in-memory work, never across an await.
    order: Mutex<InOrder>,
}

#[derive(Debug)]
struct InOrder {
    /// Every seq up to this one is published.
    last: i64,
    /// Events after a gap, by seq; `None` for one that cannot be serialized,
    /// which is skipped when its turn comes (as the tailer always did).
    held: BTreeMap<i64, Option<Arc<FeedEvent>>>,
}

impl Feed {
    /// `capacity` events are buffered per subscriber before it lags.
    pub fn new(capacity: usize, newest_seq: i64) -> Self {
        let (events, _) = broadcast::channel(capacity);
        Self {
            inner: Arc::new(Inner {
                events,
                groups: wake::Groups::new(),
                newest: watch::Sender::new(newest_seq),
                wake: Notify::new(),
                announced: AtomicI64::new(newest_seq),
                order: Mutex::new(InOrder {
                    last: newest_seq,
                    held: BTreeMap::new(),
                }),
            }),
        }
    }

    /// Subscribe before reading a snapshot or replay, so nothing falls
    /// between. Its wakes come from [`Feed::relays`], which must be running.
    pub fn subscribe(&self) -> Subscription {
        Subscription::new(&self.inner.groups, &self.inner.events)
    }

    /// The tasks that wake subscriptions, one per wake group, each until
    /// `stop`.
    pub fn relays(
        &self,
        stop: &CancellationToken,
    ) -> Vec<impl Future<Output = ()> + Send + 'static> {
        self.inner.groups.relays(stop)
    }

    /// The newest published seq; changes whenever events are published.
    pub fn watch(&self) -> watch::Receiver<i64> {
        self.inner.newest.subscribe()
    }

    /// Tell the tailer to look at the store. Wakes merge; none is lost.
    fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Another process committed `seq` (`None`: maybe something, unknown).
    fn announce(&self, seq: Option<i64>) {
        match seq {
            Some(seq) => {
                self.inner.announced.fetch_max(seq, Ordering::AcqRel);
            }
            // Unknown: make sure the next look reads.
            None => {
                self.inner.announced.store(i64::MAX, Ordering::Release);
            }
        }
        self.wake();
    }

    fn lock(&self) -> MutexGuard<'_, InOrder> {
        // A panic while holding the lock cannot leave `InOrder` half
        // changed in a way that breaks the order (each step is one insert,
        // remove or assignment), so a poisoned lock is still usable.
        self.inner
            .order
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every seq up to this one is published.
    pub fn published(&self) -> i64 {
        self.lock().last
    }

    /// Publishes committed events, each exactly once and in seq order,
    /// whichever way (hand-off or tailer) and in whatever order they come.
    pub fn publish(&self, events: Vec<Event>, metrics: &Metrics) {
        // Serialized before taking the lock: concurrent writers serialize in
        // parallel, and only the ordering is serialized.
        let ready: Vec<(i64, Option<Arc<FeedEvent>>)> = events
            .into_iter()
            .map(|event| (event.seq, prepare(event)))
            .collect();
        let mut order = self.lock();
        let before = order.last;
        for (seq, event) in ready {
            if seq == order.last + 1 {
                self.emit(&mut order, seq, event, metrics);
                self.release_held(&mut order, metrics);
            } else if seq > order.last && order.held.len() < MAX_HELD {
                order.held.insert(seq, event);
            }
            // At or below `last` it is published already. Beyond the window
            // it is dropped here: the gap's read from the store publishes it.
        }
        self.finish(order, before);
    }

    /// Publishes the held events that the published ones now reach.
    fn release_held(&self, order: &mut InOrder, metrics: &Metrics) {
        while let Some(next) = order.held.first_entry() {
            if *next.key() > order.last + 1 {
                break;
            }
            let (seq, event) = next.remove_entry();
            if seq == order.last + 1 {
                self.emit(order, seq, event, metrics);
            }
        }
    }

    /// Moves the watch if `last` moved (under the lock, so the watch never
    /// goes back), then wakes the subscriptions, and the tailer while a gap
    /// is open.
    fn finish(&self, order: MutexGuard<'_, InOrder>, before: i64) {
        let moved = order.last != before;
        if moved {
            self.inner.newest.send_replace(order.last);
        }
        let gap = !order.held.is_empty();
        drop(order);
        if moved {
            self.inner.groups.wake();
        }
        if gap {
            self.wake();
        }
    }

    fn emit(
        &self,
        order: &mut InOrder,
        seq: i64,
        event: Option<Arc<FeedEvent>>,
        metrics: &Metrics,
    ) {
        order.last = seq;
        if let Some(event) = event {
            // No subscribers is fine: send only fails then.
            let _ = self.inner.events.send(FeedItem::Event(event));
            metrics.events_published.inc();
        }
    }

    /// The events up to `newest` are gone from the store before they were
    /// published: skip to it and make every subscriber resync rather than
    /// miss them silently.
    fn skip_to(&self, newest: i64, metrics: &Metrics) {
        let mut order = self.lock();
        let before = order.last;
        if newest == before {
            return;
        }
        tracing::warn!(
            last = before,
            newest,
            "the feed fell behind retention; resyncing subscribers"
        );
        order.last = newest;
        order.held = order.held.split_off(&(newest + 1));
        let _ = self.inner.events.send(FeedItem::Resync);
        self.release_held(&mut order, metrics);
        self.finish(order, before);
    }

    /// Whether some seq after the published ones waits for a gap to fill.
    fn has_gap(&self) -> bool {
        !self.lock().held.is_empty()
    }
}

fn prepare(event: Event) -> Option<Arc<FeedEvent>> {
    let seq = event.seq;
    let station = event.order.station.clone();
    match serde_json::to_string(&ServerFrame::from(event)) {
        Ok(json) => Some(Arc::new(FeedEvent {
            seq,
            station,
            frame: json.into(),
        })),
        Err(err) => {
            tracing::error!(seq, %err, "cannot serialize event");
            None
        }
    }
}

/// Reads from the store what this instance's writers did not hand off (see
/// the module's doc) and publishes it, until `stop`.
pub async fn run_tailer(store: Store, feed: Feed, metrics: Arc<Metrics>, stop: CancellationToken) {
    let announcer = feed.clone();
    tokio::join!(
        store.follow_commits(move |seq| announcer.announce(seq), stop.clone()),
        tail(&store, &feed, &metrics, &stop),
    );
}

async fn tail(store: &Store, feed: &Feed, metrics: &Metrics, stop: &CancellationToken) {
    loop {
        let polled = tokio::select! {
            () = stop.cancelled() => return,
            () = feed.inner.wake.notified() => false,
            () = tokio::time::sleep(POLL_EVERY) => true,
        };
        let announced = feed.inner.announced.load(Ordering::Acquire) > feed.published();
        if !polled && !announced {
            if !feed.has_gap() {
                // A wake for a gap that has filled meanwhile.
                continue;
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(GAP_GRACE) => {}
            }
            if !feed.has_gap() {
                continue;
            }
            tracing::debug!(
                published = feed.published(),
                "a gap did not fill from hand-offs; reading it"
            );
        }
        if !read_new(store, feed, metrics, stop).await {
            return;
        }
    }
}

/// Reads and publishes everything after the published seq. Returns false
/// on `stop`.
async fn read_new(store: &Store, feed: &Feed, metrics: &Metrics, stop: &CancellationToken) -> bool {
    loop {
        let since = feed.published();
        match store
            .events(&StationScope::All, since, MAX_EVENTS_PAGE)
            .await
        {
            Ok(EventsRead::Page(page)) => {
                let full = page.events.len() >= MAX_EVENTS_PAGE;
                let seen = page.seq;
                feed.publish(page.events, metrics);
                // Whatever was announced up to what this read saw is in.
                let _ = feed.inner.announced.fetch_update(
                    Ordering::AcqRel,
                    Ordering::Acquire,
                    |announced| (announced == i64::MAX).then_some(seen),
                );
                if !full {
                    return true;
                }
            }
            Ok(EventsRead::Gone) => {
                match store.newest_seq().await {
                    Ok(newest) => feed.skip_to(newest, metrics),
                    Err(err) => tracing::warn!(%err, "tailer cannot read the newest seq"),
                }
                return true;
            }
            Err(err) => {
                tracing::warn!(%err, "tailer cannot read events; retrying");
                tokio::select! {
                    () = stop.cancelled() => return false,
                    () = tokio::time::sleep(RETRY_AFTER) => {}
                }
                feed.announce(None);
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests;
