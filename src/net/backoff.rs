//! Exponential backoff with full jitter for reconnects and action retries.
//!
//! Full jitter (a uniform draw between zero and the exponential ceiling) keeps
//! a kitchen full of screens from reconnecting in lock-step after the server
//! restarts. The random source is passed in so the schedule can be tested.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// A backoff with its own random source: what the link and the sender
/// each draw their waits from.
#[derive(Debug, Clone)]
pub(crate) struct Delays {
    backoff: Backoff,
    rng: StdRng,
}

impl Delays {
    pub(crate) fn new(start: Duration, cap: Duration) -> Self {
        Self {
            backoff: Backoff::new(start, cap),
            rng: StdRng::from_os_rng(),
        }
    }

    /// The wait before the next attempt; counts one more failure.
    pub(crate) fn next(&mut self) -> Duration {
        self.backoff.next_delay(&mut self.rng)
    }

    /// The number the next attempt will carry (1 for the first retry).
    pub(crate) fn attempt(&self) -> u32 {
        self.backoff.attempt()
    }

    pub(crate) fn reset(&mut self) {
        self.backoff.reset();
    }
}

/// How long to wait before the next attempt, growing on each failure.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    start: Duration,
    cap: Duration,
    /// Failures since the last reset; the ceiling doubles with each.
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(start: Duration, cap: Duration) -> Self {
        Self {
            start,
            cap: cap.max(start),
            failures: 0,
        }
    }

    /// The number the next attempt will carry (1 for the first retry).
    pub(crate) fn attempt(&self) -> u32 {
        self.failures.saturating_add(1)
    }

    /// The largest delay the next draw can give: `start * 2^failures`, capped.
    pub(crate) fn ceiling(&self) -> Duration {
        // 2^31 * 0.5 s is far beyond any sane cap, so the shift saturates early.
        let factor = 1_u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        self.start.saturating_mul(factor).min(self.cap)
    }

    /// Draws the delay before the next attempt and counts one more failure.
    pub(crate) fn next_delay<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Duration {
        let ceiling = self.ceiling();
        self.failures = self.failures.saturating_add(1);
        ceiling.mul_f64(rng.random::<f64>())
    }

    /// Forget past failures: the link has been healthy for a while.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// A random source that always gives its largest value, so each draw is
    /// the ceiling itself.
    struct Highest;

    impl rand::RngCore for Highest {
        fn next_u32(&mut self) -> u32 {
            u32::MAX
        }
        fn next_u64(&mut self) -> u64 {
            u64::MAX
        }
        fn fill_bytes(&mut self, dst: &mut [u8]) {
            dst.fill(0xff);
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ceiling_doubles_from_half_a_second_to_the_cap() {
        let mut backoff = Backoff::new(ms(500), Duration::from_secs(30));
        let mut ceilings = Vec::new();
        for _ in 0..10 {
            ceilings.push(backoff.ceiling());
            backoff.next_delay(&mut Highest);
        }
        let expected: Vec<Duration> = [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]
            .into_iter()
            .chain([30_000, 30_000])
            .map(ms)
            .collect();
        assert_eq!(ceilings, expected);
        assert_eq!(backoff.attempt(), 11);
    }

    #[test]
    fn draws_stay_within_the_ceiling_and_spread_out() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut backoff = Backoff::new(ms(500), Duration::from_secs(30));
        // Climb to the cap, then sample there.
        for _ in 0..8 {
            backoff.next_delay(&mut rng);
        }
        let draws: Vec<Duration> = (0..200).map(|_| backoff.next_delay(&mut rng)).collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_secs(30)));
        // Full jitter: both short and long waits occur.
        assert!(draws.iter().any(|d| *d < Duration::from_secs(5)));
        assert!(draws.iter().any(|d| *d > Duration::from_secs(25)));
    }

    #[test]
    fn highest_draw_equals_the_ceiling_and_reset_starts_over() {
        let mut backoff = Backoff::new(ms(500), Duration::from_secs(30));
        let first = backoff.next_delay(&mut Highest);
        assert!(ms(499) <= first && first <= ms(500), "{first:?}");
        backoff.next_delay(&mut Highest);
        backoff.next_delay(&mut Highest);
        assert_eq!(backoff.ceiling(), ms(4000));
        backoff.reset();
        assert_eq!(backoff.attempt(), 1);
        assert_eq!(backoff.ceiling(), ms(500));
    }

    #[test]
    fn never_gives_up_and_never_overflows() {
        let mut backoff = Backoff::new(ms(500), Duration::from_secs(30));
        for _ in 0..10_000 {
            assert!(backoff.next_delay(&mut Highest) <= Duration::from_secs(30));
        }
        assert_eq!(backoff.ceiling(), Duration::from_secs(30));
    }

    #[test]
    fn a_cap_below_the_start_is_raised_to_the_start() {
        let mut backoff = Backoff::new(ms(500), ms(100));
        assert_eq!(backoff.ceiling(), ms(500));
        backoff.next_delay(&mut Highest);
        assert_eq!(backoff.ceiling(), ms(500));
    }
}
