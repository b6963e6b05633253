//! Per-client rate limits (PROTOCOL.md 1.1, "Rate limits"): one GCRA
//! bucket per client and kind of request, checked by each route's gate.
//!
//! What bounds the keyed state: with tokens configured a client is its
//! token, and an unknown token is answered 401 before it reaches a bucket,
//! so there is at most one key per configured token. Without tokens a
//! client is its peer address; a bucket that has filled up again is
//! indistinguishable from a new one, and [`Limits::forget_idle`] (every
//! [`FORGET_EVERY`]) drops those, so the map holds only the addresses that
//! sent a request within the last `burst / rate` seconds (10 s for changes,
//! 2 s for reads at the defaults) plus one `FORGET_EVERY`.

use crate::clock::Clock;
use crate::config::RateLimits;
use crate::error::ApiError;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// How often buckets that have filled up again are dropped.
pub const FORGET_EVERY: Duration = Duration::from_secs(10);

/// Which budget a route draws on; stated where the route is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// GETs of the API and the `WebSocket` upgrade.
    Read,
    /// Every other route of the API (POST, PATCH).
    Change,
}

/// Who is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// The index of a configured token.
    Token(usize),
    /// A peer address, when the server has no tokens.
    Peer(IpAddr),
}

/// The server's clock as governor reads it: steady, and the manual one in
/// tests, so they move time instead of sleeping.
#[derive(Debug, Clone)]
struct SteadyClock(Clock);

impl governor::clock::Clock for SteadyClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.steady()
    }
}

type Bucket = RateLimiter<
    Client,
    DefaultKeyedStateStore<Client>,
    SteadyClock,
    governor::middleware::NoOpMiddleware<Duration>,
>;

/// Every client's buckets; a kind whose limit is off has none.
#[derive(Debug)]
pub struct Limits {
    changes: Option<Bucket>,
    reads: Option<Bucket>,
    clock: SteadyClock,
}

impl Limits {
    pub fn new(config: &RateLimits, clock: &Clock) -> Self {
        let clock = SteadyClock(clock.clone());
        let bucket = |per_second: u32, burst: u32| {
            let quota = Quota::per_second(NonZeroU32::new(per_second)?)
                .allow_burst(NonZeroU32::new(burst)?);
            Some(RateLimiter::new(
                quota,
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ))
        };
        Self {
            changes: bucket(config.changes_per_second, config.change_burst),
            reads: bucket(config.reads_per_second, config.read_burst),
            clock,
        }
    }

    /// Takes one request of `kind` from `client`'s budget, or answers 429
    /// with the whole seconds (at least 1) until the next one would pass.
    pub fn check(&self, kind: Kind, client: &Client) -> Result<(), ApiError> {
        let bucket = match kind {
            Kind::Read => &self.reads,
            Kind::Change => &self.changes,
        };
        let Some(bucket) = bucket else { return Ok(()) };
        bucket.check_key(client).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after: seconds.max(1),
            }
        })
    }

    /// Drops the buckets that have filled up again (see the module comment).
    pub fn forget_idle(&self) {
        for bucket in [&self.changes, &self.reads].into_iter().flatten() {
            bucket.retain_recent();
            bucket.shrink_to_fit();
        }
    }

    /// How many buckets there are now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        [&self.changes, &self.reads]
            .into_iter()
            .flatten()
            .map(RateLimiter::len)
            .sum()
    }
}

/// Calls [`Limits::forget_idle`] every [`FORGET_EVERY`] until `stop`.
pub async fn run_forgetting(
    limits: std::sync::Arc<Limits>,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut tick = tokio::time::interval(FORGET_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => limits.forget_idle(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kds_protocol::Timestamp;

    fn limits(changes: (u32, u32), reads: (u32, u32)) -> (Limits, Clock) {
        let clock = Clock::manual(Timestamp::from_millis(1_800_000_000_000));
        let config = RateLimits {
            changes_per_second: changes.0,
            change_burst: changes.1,
            reads_per_second: reads.0,
            read_burst: reads.1,
        };
        (Limits::new(&config, &clock), clock)
    }

    fn passed(limits: &Limits, kind: Kind, client: &Client, tries: usize) -> usize {
        (0..tries)
            .filter(|_| limits.check(kind, client).is_ok())
            .count()
    }

    #[test]
    fn a_burst_passes_then_the_rate_refills_it() {
        let (limits, clock) = limits((10, 30), (0, 5));
        let a = Client::Token(0);
        assert_eq!(passed(&limits, Kind::Change, &a, 100), 30);
        match limits.check(Kind::Change, &a) {
            Err(ApiError::RateLimited { retry_after }) => assert_eq!(retry_after, 1),
            other => panic!("{other:?}"),
        }
        clock.advance(Duration::from_millis(500));
        assert_eq!(passed(&limits, Kind::Change, &a, 100), 5);
        // Another client, and the other kind (off: a rate of 0), are apart.
        assert_eq!(passed(&limits, Kind::Change, &Client::Token(1), 100), 30);
        assert_eq!(passed(&limits, Kind::Read, &a, 5000), 5000);
    }

    #[test]
    fn retry_after_is_whole_seconds_until_the_next_request_passes() {
        // One request every 4 s.
        let (limits, clock) = limits((1, 1), (1, 1));
        let quota = Quota::with_period(Duration::from_secs(4)).unwrap();
        let slow = Limits {
            changes: Some(RateLimiter::new(
                quota,
                DefaultKeyedStateStore::default(),
                SteadyClock(clock.clone()),
            )),
            ..limits
        };
        let a = Client::Peer([127, 0, 0, 1].into());
        slow.check(Kind::Change, &a).unwrap();
        clock.advance(Duration::from_millis(1500));
        match slow.check(Kind::Change, &a) {
            Err(ApiError::RateLimited { retry_after }) => assert_eq!(retry_after, 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn full_buckets_are_forgotten_and_busy_ones_kept() {
        let (limits, clock) = limits((100, 1000), (500, 1000));
        for n in 0..1000_u32 {
            let peer = Client::Peer(IpAddr::from(n.to_be_bytes()));
            limits.check(Kind::Read, &peer).unwrap();
        }
        let busy = Client::Peer([10, 0, 0, 1].into());
        assert_eq!(passed(&limits, Kind::Change, &busy, 1000), 1000);
        assert_eq!(limits.tracked(), 1001);
        // After 1 s every one-read bucket has refilled (500/s); the busy
        // one needs 10 s to refill 1,000 changes.
        clock.advance(Duration::from_secs(1));
        limits.forget_idle();
        assert_eq!(limits.tracked(), 1);
        clock.advance(Duration::from_secs(10));
        limits.forget_idle();
        assert_eq!(limits.tracked(), 0);
    }
}
