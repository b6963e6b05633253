//! Waking the sessions when the feed publishes, in two steps.
//!
//! A broadcast send wakes every receiver waiting on it, one after the other
//! on the publishing worker, and that worker runs none of them until the
//! last is woken: 127 to 349 µs for 1,000 sessions on this project's
//! two-core machine (`bench/experiments/broadcast-wake.rs`). So the sessions
//! do not wait on the channel. They wait in wake groups of about
//! [`GROUP_SIZE`]; the publisher wakes one relay task per group that has
//! members, and each relay wakes its group. The wake-ups spread over every
//! runtime worker, and the first session runs after a few dozen of them
//! rather than a thousand. The events stay in the feed's one broadcast
//! channel, which a woken session reads without waiting.

use super::FeedItem;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio_util::sync::CancellationToken;

/// Wake groups, and so relay tasks: fixed, whatever the number of sessions.
const GROUPS: usize = 64;
const _: () = assert!(GROUPS > 0, "a session needs a group to join");
/// Members a group takes before the next one is opened. Beyond `GROUPS`
/// full groups (2,048 sessions) they grow evenly.
const GROUP_SIZE: usize = 32;

#[derive(Debug, Default)]
struct Group {
    /// The publisher's wake for the relay. `notify_one` keeps a permit while
    /// the relay is busy, so a publish during its turn is not lost.
    relay: Notify,
    /// The relay's wake for the members waiting at that moment; a member not
    /// waiting reads the channel before it next waits.
    members: Notify,
    /// Subscriptions in the group.
    size: AtomicUsize,
}

/// Every group, in the order they fill.
#[derive(Debug)]
pub(super) struct Groups(Box<[Arc<Group>]>);

impl Groups {
    pub(super) fn new() -> Self {
        Self((0..GROUPS).map(|_| Arc::default()).collect())
    }

    /// The first group with room, or when every one is full the smallest.
    /// Two sessions joining at once may both take the last place: a group
    /// one over its size costs nothing.
    fn join(&self) -> Arc<Group> {
        let size = |group: &&Arc<Group>| group.size.load(Ordering::Acquire);
        let group = self
            .0
            .iter()
            .find(|group| size(group) < GROUP_SIZE)
            .or_else(|| self.0.iter().min_by_key(size))
            // There are `GROUPS` of them, and that is not zero (asserted
            // below its definition).
            .expect("a wake group")
            .clone();
        group.size.fetch_add(1, Ordering::AcqRel);
        group
    }

    /// Wakes the relay of every group that has members. Called after the
    /// events are in the channel.
    pub(super) fn wake(&self) {
        for group in &self.0 {
            if group.size.load(Ordering::Acquire) > 0 {
                group.relay.notify_one();
            }
        }
    }

    /// One relay task per group, to be spawned; each ends on `stop`.
    pub(super) fn relays(
        &self,
        stop: &CancellationToken,
    ) -> Vec<impl Future<Output = ()> + Send + 'static> {
        self.0
            .iter()
            .map(|group| relay(group.clone(), stop.clone()))
            .collect()
    }
}

async fn relay(group: Arc<Group>, stop: CancellationToken) {
    let mut stopped = pin!(stop.cancelled_owned());
    loop {
        tokio::select! {
            biased;
            () = &mut stopped => return,
            () = group.relay.notified() => group.members.notify_waiters(),
        }
    }
}

/// A session's place in the feed: what it has not read of the channel,
/// and the group that wakes it.
#[derive(Debug)]
pub struct Subscription {
    events: broadcast::Receiver<FeedItem>,
    group: Arc<Group>,
}

impl Subscription {
    /// Joins a group before the receiver exists, so a publish the receiver
    /// sees counts this member when it decides which relays to wake.
    pub(super) fn new(groups: &Groups, events: &broadcast::Sender<FeedItem>) -> Self {
        let group = groups.join();
        Self {
            events: events.subscribe(),
            group,
        }
    }

    /// The next item, as `broadcast::Receiver::recv` gives it. Cancel safe:
    /// an item not returned stays in the channel.
    pub async fn recv(&mut self) -> Result<FeedItem, RecvError> {
        loop {
            // Registered before the channel is read: a wake between the
            // read and the wait is not missed.
            let mut woken = pin!(self.group.members.notified());
            woken.as_mut().enable();
            match self.events.try_recv() {
                Ok(item) => return Ok(item),
                Err(TryRecvError::Empty) => woken.await,
                Err(TryRecvError::Lagged(missed)) => return Err(RecvError::Lagged(missed)),
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.group.size.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn sizes(groups: &Groups) -> Vec<usize> {
        groups
            .0
            .iter()
            .map(|group| group.size.load(Ordering::Acquire))
            .take_while(|&size| size > 0)
            .collect()
    }

    #[test]
    fn groups_fill_in_order_then_evenly_and_empty_as_subscriptions_go() {
        let groups = Groups::new();
        let (events, _) = broadcast::channel(4);
        let mut subscriptions: Vec<_> = (0..40)
            .map(|_| Subscription::new(&groups, &events))
            .collect();
        assert_eq!(sizes(&groups), [32, 8]);
        subscriptions.truncate(10);
        assert_eq!(sizes(&groups), [10]);
        subscriptions.clear();
        assert_eq!(sizes(&groups), Vec::<usize>::new());

        let all: Vec<_> = (0..GROUPS * GROUP_SIZE + GROUPS)
            .map(|_| Subscription::new(&groups, &events))
            .collect();
        assert_eq!(sizes(&groups), vec![GROUP_SIZE + 1; GROUPS]);
        drop(all);
    }

    const MEMBERS: usize = 3 * GROUP_SIZE + 5;

    /// Every waiting subscription, in every group, is woken by its relay,
    /// and only by it: with the relays stopped nobody wakes, and nothing
    /// published meanwhile is lost.
    #[tokio::test]
    async fn waiting_subscriptions_are_woken_by_the_relays_and_miss_nothing() {
        let groups = Groups::new();
        let (events, _) = broadcast::channel(16);
        let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
        for member in 0..MEMBERS {
            let mut subscription = Subscription::new(&groups, &events);
            let seen_tx = seen_tx.clone();
            tokio::spawn(async move {
                while let Ok(FeedItem::Resync) = subscription.recv().await {
                    let _ = seen_tx.send(member);
                }
            });
        }
        // On this test's one-thread runtime every member runs to its wait
        // while the test sleeps, however loaded the machine.
        tokio::time::sleep(Duration::from_millis(50)).await;

        events.send(FeedItem::Resync).expect("subscribed");
        groups.wake();
        let quiet = tokio::time::timeout(Duration::from_millis(100), seen.recv()).await;
        assert!(quiet.is_err(), "a member was woken without a relay");

        let stop = CancellationToken::new();
        let relays: Vec<_> = groups.relays(&stop).into_iter().map(tokio::spawn).collect();
        // The relays' permits from the wake above: the first item arrives.
        events.send(FeedItem::Resync).expect("subscribed");
        groups.wake();
        let mut count = vec![0; MEMBERS];
        for _ in 0..2 * MEMBERS {
            let member = tokio::time::timeout(Duration::from_secs(5), seen.recv())
                .await
                .expect("every member is woken")
                .expect("members are running");
            count[member] += 1;
        }
        assert_eq!(count, vec![2; MEMBERS], "each member took both items once");

        stop.cancel();
        for relay in relays {
            relay.await.expect("a relay ends on stop");
        }
    }
}
