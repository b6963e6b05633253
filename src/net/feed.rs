//! What the engine tells the app, and the resume cursor that keeps the story
//! straight: events go out in ascending seq, none twice, and the cursor is the
//! seq of the last snapshot or event delivered, so a reconnect with
//! `since=cursor` neither skips nor repeats.

use crate::msg::{ConnState, NetEvent};
use kds_protocol::{Event, EventsPage, Snapshot, Timestamp};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// `Heard` is a liveness hint for the footer; once a second is plenty.
const HEARD_EVERY: Duration = Duration::from_secs(1);

/// The app dropped its receiver: there is no one left to tell, so stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AppGone;

/// The events of `events` that come after `cursor`, in ascending seq order
/// with no seq twice, and the cursor after them.
pub(crate) fn fresh(cursor: Option<i64>, mut events: Vec<Event>) -> (Vec<Event>, Option<i64>) {
    // The server sends them ascending already; sorting is cheap insurance
    // against a misbehaving proxy or server reordering a page.
    events.sort_by_key(|e| e.seq);
    let mut last = cursor;
    events.retain(|event| {
        let keep = last.is_none_or(|last| event.seq > last);
        if keep {
            last = Some(event.seq);
        }
        keep
    });
    (events, last)
}

/// The engine's voice towards the app.
pub(crate) struct Feed {
    to_app: mpsc::Sender<NetEvent>,
    cursor: Option<i64>,
    last_heard: Option<Instant>,
    state: Option<ConnState>,
}

impl Feed {
    pub(crate) fn new(to_app: mpsc::Sender<NetEvent>) -> Self {
        Self {
            to_app,
            cursor: None,
            last_heard: None,
            state: None,
        }
    }

    /// Starts after `since` instead of from a snapshot: the first
    /// connection asks for the events after it.
    pub(crate) fn resume_after(&mut self, since: Option<i64>) {
        self.cursor = since;
    }

    /// The seq to resume from, if a snapshot has been delivered.
    pub(crate) fn cursor(&self) -> Option<i64> {
        self.cursor
    }

    /// The server no longer retains events after the cursor (410): the next
    /// connection must start from a snapshot.
    pub(crate) fn forget_cursor(&mut self) {
        self.cursor = None;
    }

    async fn tell(&self, event: NetEvent) -> Result<(), AppGone> {
        self.to_app.send(event).await.map_err(|_| AppGone)
    }

    /// A full picture replaces everything; even one older than the cursor
    /// (another server instance that lags) is taken as the truth.
    pub(crate) async fn snapshot(&mut self, snapshot: Snapshot) -> Result<(), AppGone> {
        self.cursor = Some(snapshot.seq);
        let at = Timestamp::now();
        self.tell(NetEvent::Snapshot { snapshot, at }).await
    }

    /// Delivers the events after the cursor; repeats are dropped.
    pub(crate) async fn events(&mut self, events: Vec<Event>) -> Result<(), AppGone> {
        let (events, cursor) = fresh(self.cursor, events);
        self.cursor = cursor;
        if events.is_empty() {
            return Ok(());
        }
        let at = Timestamp::now();
        self.tell(NetEvent::Events { events, at }).await
    }

    /// A poll page: its events, then its seq (which may lie beyond the last
    /// event, since other stations share the sequence).
    pub(crate) async fn page(&mut self, page: EventsPage) -> Result<(), AppGone> {
        self.events(page.events).await?;
        self.cursor = Some(self.cursor.map_or(page.seq, |c| c.max(page.seq)));
        Ok(())
    }

    /// The server was heard from; told to the app at most once a second.
    pub(crate) async fn heard(&mut self) -> Result<(), AppGone> {
        let now = Instant::now();
        if self
            .last_heard
            .is_some_and(|last| now.duration_since(last) < HEARD_EVERY)
        {
            return Ok(());
        }
        self.last_heard = Some(now);
        self.tell(NetEvent::Heard(Timestamp::now())).await
    }

    /// Reports a change of link state; the same state twice is said once.
    pub(crate) async fn state(&mut self, state: ConnState) -> Result<(), AppGone> {
        if self.state.as_ref() == Some(&state) {
            return Ok(());
        }
        tracing::info!(?state, "link state");
        self.state = Some(state.clone());
        self.tell(NetEvent::Connection(state)).await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use kds_protocol::{EventKind, Order};

    pub(crate) fn order(id: &str) -> Order {
        serde_json::from_value(serde_json::json!({
            "id": id, "number": 1, "station": "grill", "status": "pending",
            "items": [{"name": "Burger", "qty": 1}],
            "created_at": "2026-11-22T18:04:05.123Z",
            "updated_at": "2026-11-22T18:04:05.123Z",
            "status_at": "2026-11-22T18:04:05.123Z",
            "version": 1
        }))
        .unwrap()
    }

    pub(crate) fn event(seq: i64) -> Event {
        Event {
            seq,
            kind: EventKind::Created,
            at: Timestamp::from_millis(0),
            order: order(&format!("o{seq}")),
        }
    }

    fn seqs(events: &[Event]) -> Vec<i64> {
        events.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn fresh_drops_repeats_and_old_events_and_sorts() {
        let (kept, cursor) = fresh(Some(5), [7, 3, 5, 9, 7, 6].map(event).to_vec());
        assert_eq!(seqs(&kept), [6, 7, 9]);
        assert_eq!(cursor, Some(9));
        let (none, cursor) = fresh(Some(9), vec![event(9), event(2)]);
        assert!(none.is_empty());
        assert_eq!(cursor, Some(9));
        let (all, cursor) = fresh(None, vec![event(2), event(1)]);
        assert_eq!(seqs(&all), [1, 2]);
        assert_eq!(cursor, Some(2));
    }

    #[tokio::test]
    async fn feed_delivers_each_seq_once_in_order() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut feed = Feed::new(tx);
        feed.snapshot(Snapshot {
            seq: 10,
            orders: vec![],
            recent: vec![],
        })
        .await
        .unwrap();
        feed.events(vec![event(9), event(11)]).await.unwrap();
        feed.events(vec![event(11)]).await.unwrap(); // a replay after reconnect
        feed.page(EventsPage {
            seq: 20,
            events: vec![event(11), event(12)],
        })
        .await
        .unwrap();
        assert_eq!(feed.cursor(), Some(20));
        drop(feed);

        let mut delivered = Vec::new();
        while let Some(msg) = rx.recv().await {
            match msg {
                NetEvent::Snapshot { snapshot, .. } => assert_eq!(snapshot.seq, 10),
                NetEvent::Events { events, .. } => delivered.extend(seqs(&events)),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(delivered, [11, 12]);
    }

    #[tokio::test]
    async fn heard_is_coalesced_and_states_are_not_repeated() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut feed = Feed::new(tx);
        for _ in 0..5 {
            feed.heard().await.unwrap();
        }
        let live = ConnState::Live {
            server: "h:1".into(),
        };
        feed.state(live.clone()).await.unwrap();
        feed.state(live.clone()).await.unwrap();
        drop(feed);
        let mut got = Vec::new();
        while let Some(msg) = rx.recv().await {
            got.push(msg);
        }
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(matches!(got[0], NetEvent::Heard(_)));
        assert!(matches!(&got[1], NetEvent::Connection(s) if *s == live));
    }

    #[tokio::test]
    async fn a_gone_app_is_reported() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let mut feed = Feed::new(tx);
        assert_eq!(feed.heard().await, Err(AppGone));
    }
}
