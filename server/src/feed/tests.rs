//! The ordered path on its own (hand-offs in any order, from any number of
//! writers) and the tailer as the backstop, on an in-memory store whose
//! writes bypass the hand-off as another instance's would.

use super::*;
use crate::store::Created;
use crate::store::tests::draft;
use kds_protocol::{EventKind, Order, Timestamp};
use tokio::sync::broadcast::error::TryRecvError;

/// Real events from a store, so their frames are what the feed would send.
async fn committed(store: &Store, count: usize) -> Vec<Event> {
    let mut events = Vec::new();
    for n in 0..count {
        match store
            .create_order(
                &draft("grill"),
                None,
                Timestamp::from_millis(1_000 + n as i64),
            )
            .await
            .unwrap()
        {
            Created::New(_, new) => events.extend(new),
            other => panic!("{other:?}"),
        }
    }
    events
}

fn fake(seq: i64) -> Event {
    let order: Order = serde_json::from_value(serde_json::json!({
        "id": format!("o{seq}"), "number": seq, "station": "grill", "kind": "dine_in",
        "status": "pending", "items": [{"name": "Fries", "qty": 1, "modifiers": []}],
        "rush": false, "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z", "status_at": "2026-01-01T00:00:00.000Z",
        "version": 1
    }))
    .unwrap();
    Event {
        seq,
        kind: EventKind::Created,
        at: Timestamp::from_millis(1_000),
        order,
    }
}

fn drain(rx: &mut broadcast::Receiver<FeedItem>) -> Vec<i64> {
    let mut seqs = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(FeedItem::Event(event)) => seqs.push(event.seq),
            Ok(FeedItem::Resync) => seqs.push(-1),
            Err(TryRecvError::Empty) => return seqs,
            Err(err) => panic!("{err:?}"),
        }
    }
}

#[test]
fn out_of_order_hand_offs_are_published_in_seq_order_once() {
    let metrics = Metrics::new();
    let feed = Feed::new(64, 0);
    let mut rx = feed.inner.events.subscribe();
    let newest = feed.watch();
    feed.publish(vec![fake(3)], &metrics);
    feed.publish(vec![fake(2)], &metrics);
    assert!(drain(&mut rx).is_empty(), "nothing before seq 1");
    assert_eq!(*newest.borrow(), 0, "long polls are not woken past a gap");
    assert!(feed.has_gap());
    feed.publish(vec![fake(1)], &metrics);
    assert_eq!(drain(&mut rx), [1, 2, 3]);
    assert_eq!(*newest.borrow(), 3);
    assert!(!feed.has_gap());
    // The same events again (the tailer read them too): nothing new.
    feed.publish(vec![fake(1), fake(2), fake(3)], &metrics);
    feed.publish(vec![fake(2)], &metrics);
    assert!(drain(&mut rx).is_empty());
    feed.publish(vec![fake(4), fake(5)], &metrics);
    assert_eq!(drain(&mut rx), [4, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_are_published_in_seq_order_exactly_once() {
    const WRITERS: i64 = 400;
    let metrics = Arc::new(Metrics::new());
    let feed = Feed::new(WRITERS as usize * 2, 0);
    let mut rx = feed.inner.events.subscribe();
    let mut tasks = Vec::new();
    // Each seq handed off by its own task, some twice (hand-off and tailer),
    // spawned in an order far from seq order.
    for n in 0..WRITERS {
        let seq = 1 + (n * 7919) % WRITERS;
        for _ in 0..=(seq % 3 / 2) {
            let (feed, metrics) = (feed.clone(), metrics.clone());
            tasks.push(tokio::spawn(async move {
                tokio::task::yield_now().await;
                feed.publish(vec![fake(seq)], &metrics);
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(drain(&mut rx), (1..=WRITERS).collect::<Vec<_>>());
    assert_eq!(*feed.watch().borrow(), WRITERS);
    assert!(!feed.has_gap());
}

#[test]
fn the_reorder_window_is_bounded_and_what_it_drops_comes_from_the_read() {
    let metrics = Metrics::new();
    let total = MAX_HELD as i64 + 50;
    let feed = Feed::new(total as usize + 10, 0);
    let mut rx = feed.inner.events.subscribe();
    for seq in 2..=total {
        feed.publish(vec![fake(seq)], &metrics);
    }
    assert_eq!(feed.lock().held.len(), MAX_HELD);
    // The gap's read from the store brings every event after the published.
    feed.publish((1..=total).map(fake).collect(), &metrics);
    assert_eq!(drain(&mut rx), (1..=total).collect::<Vec<_>>());
    assert!(!feed.has_gap());
}

#[test]
fn events_pruned_before_they_were_published_resync_subscribers() {
    let metrics = Metrics::new();
    let feed = Feed::new(64, 0);
    let mut rx = feed.inner.events.subscribe();
    feed.publish(vec![fake(7)], &metrics);
    feed.skip_to(6, &metrics);
    assert_eq!(drain(&mut rx), [-1, 7]);
    assert_eq!(*feed.watch().borrow(), 7);
}

#[tokio::test]
async fn the_frame_handed_off_is_the_frame_read_back() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let handed = committed(&store, 3).await;
    let EventsRead::Page(page) = store.events(&StationScope::All, 0, 10).await.unwrap() else {
        panic!("gone");
    };
    let frames = |events: Vec<Event>| -> Vec<String> {
        events
            .into_iter()
            .map(|e| prepare(e).unwrap().frame.as_str().to_owned())
            .collect()
    };
    assert_eq!(frames(handed), frames(page.events));
}

async fn next_seq(rx: &mut broadcast::Receiver<FeedItem>) -> i64 {
    let item = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .unwrap();
    match item {
        FeedItem::Event(event) => event.seq,
        FeedItem::Resync => -1,
    }
}

#[tokio::test]
async fn a_gap_no_hand_off_fills_is_read_from_the_store() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let metrics = Arc::new(Metrics::new());
    let feed = Feed::new(64, 0);
    let stop = CancellationToken::new();
    let tailer = tokio::spawn(run_tailer(
        store.clone(),
        feed.clone(),
        metrics.clone(),
        stop.clone(),
    ));
    let mut rx = feed.inner.events.subscribe();
    // Seqs 1 and 2 committed (as by another instance, or a lost hand-off);
    // only 3 is handed off.
    let events = committed(&store, 3).await;
    feed.publish(vec![events[2].clone()], &metrics);
    assert_eq!(next_seq(&mut rx).await, 1);
    assert_eq!(next_seq(&mut rx).await, 2);
    assert_eq!(next_seq(&mut rx).await, 3);
    assert_eq!(*feed.watch().borrow(), 3);
    stop.cancel();
    tailer.await.unwrap();
}

#[tokio::test]
async fn an_announced_commit_is_read_and_one_already_handed_off_is_not_read_again() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let metrics = Arc::new(Metrics::new());
    let feed = Feed::new(64, 0);
    let stop = CancellationToken::new();
    let tailer = tokio::spawn(tail_only(
        store.clone(),
        feed.clone(),
        metrics.clone(),
        stop.clone(),
    ));
    let mut rx = feed.inner.events.subscribe();
    let events = committed(&store, 2).await;
    // Seq 1 handed off, then announced (our own notification): published once.
    feed.publish(vec![events[0].clone()], &metrics);
    feed.announce(Some(1));
    // Seq 2 only announced, as another instance's commit is.
    feed.announce(Some(2));
    assert_eq!(next_seq(&mut rx).await, 1);
    assert_eq!(next_seq(&mut rx).await, 2);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(drain(&mut rx).is_empty());
    stop.cancel();
    tailer.await.unwrap();
}

/// The tailer without the store's listener (an in-memory store has none):
/// announcements come from the test.
async fn tail_only(store: Store, feed: Feed, metrics: Arc<Metrics>, stop: CancellationToken) {
    tail(&store, &feed, &metrics, &stop).await;
}
