//! The server's clock as seen from here.
//!
//! A Raspberry Pi without a real-time clock may boot believing it is 1970,
//! or restore an old fake-hwclock, or be set by hand an hour wrong, so
//! ticket timers are never computed from the local clock alone. The offset
//! (server minus local) is bounded from two sides:
//! - from below, each time the server speaks: an event's `at` (or a
//!   snapshot's newest `updated_at`) was already past when we heard it, so
//!   the offset is at least `at - heard`;
//! - from both sides, by the `Date` header of the engine's own requests:
//!   the server wrote it between our sending the request and our reading
//!   the answer, to the second, so the offset lies between
//!   `date - received` and `date + 1 s - sent`.
//!
//! The estimate is the highest lower bound, but never above the lowest
//! upper bound: a local clock that is ahead (upper bounds below zero) is
//! corrected like one that is behind. Without any `Date` (a proxy that
//! strips it), only a clock that is behind is corrected, as a negative
//! sample alone cannot tell a clock ahead from a slow network or an old
//! event, and timers that read short are worse in a kitchen than long ones.
//! When the local clock itself jumps (NTP setting it after boot), old
//! samples are meaningless and are dropped.

use kds_protocol::Timestamp;
use std::collections::VecDeque;

/// How many recent samples of each bound the estimate is taken over.
const SAMPLES: usize = 8;
/// A gap between two ticks (which come once a second) beyond this, or a tick
/// going backwards, means the local clock was set: start over.
const CLOCK_JUMP_MS: i64 = 60_000;
/// A `Date` header names a whole second.
const DATE_RESOLUTION_MS: i64 = 1_000;

#[derive(Debug, Clone, Default)]
pub struct ServerClock {
    /// Recent lower bounds of (server instant - local instant), in ms.
    lower: VecDeque<i64>,
    /// Recent upper bounds, from `Date` headers.
    upper: VecDeque<i64>,
    last_tick: Option<Timestamp>,
}

fn keep(samples: &mut VecDeque<i64>, sample: i64) {
    if samples.len() == SAMPLES {
        samples.pop_front();
    }
    samples.push_back(sample);
}

impl ServerClock {
    /// Records that the server's clock read at least `server` when ours read `local`.
    pub fn observe(&mut self, server: Timestamp, local: Timestamp) {
        keep(
            &mut self.lower,
            server.as_millis().saturating_sub(local.as_millis()),
        );
    }

    /// Records a `Date` of `date` on an answer to a request sent at local
    /// `sent` and read at local `received`.
    pub fn observe_date(&mut self, date: Timestamp, sent: Timestamp, received: Timestamp) {
        let date = date.as_millis();
        keep(&mut self.lower, date.saturating_sub(received.as_millis()));
        keep(
            &mut self.upper,
            date.saturating_add(DATE_RESOLUTION_MS)
                .saturating_sub(sent.as_millis()),
        );
    }

    /// Notes a local tick; forgets the samples if the local clock jumped.
    pub fn tick(&mut self, local: Timestamp) {
        if let Some(last) = self.last_tick {
            let step = local.as_millis().saturating_sub(last.as_millis());
            if !(0..=CLOCK_JUMP_MS).contains(&step) {
                self.lower.clear();
                self.upper.clear();
            }
        }
        self.last_tick = Some(local);
    }

    /// Milliseconds to add to a local instant to get the server's (0 until known).
    pub fn offset_ms(&self) -> i64 {
        let lower = self.lower.iter().copied().max();
        match self.upper.iter().copied().min() {
            Some(upper) => lower.unwrap_or(upper).min(upper),
            None => lower.unwrap_or(0).max(0),
        }
    }

    /// A local instant on the server's clock.
    pub fn to_server(&self, local: Timestamp) -> Timestamp {
        Timestamp::from_millis(local.as_millis().saturating_add(self.offset_ms()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn unknown_offset_is_zero() {
        let clock = ServerClock::default();
        assert_eq!(clock.to_server(ts(5_000)), ts(5_000));
    }

    #[test]
    fn keeps_the_sample_with_the_least_delay() {
        let mut clock = ServerClock::default();
        // Server is 1 h ahead; the delays were 300 ms, 20 ms and 2 s.
        clock.observe(ts(HOUR + 10_000 - 300), ts(10_000));
        clock.observe(ts(HOUR + 11_000 - 20), ts(11_000));
        clock.observe(ts(HOUR + 12_000 - 2_000), ts(12_000));
        assert_eq!(clock.offset_ms(), HOUR - 20);
    }

    #[test]
    fn without_a_date_a_clock_ahead_or_a_slow_network_is_not_corrected() {
        let mut clock = ServerClock::default();
        // Samples below zero: an update 20 minutes old, a 300 ms delay.
        clock.observe(ts(1_000_000), ts(2_200_000));
        clock.observe(ts(2_000_000), ts(2_000_300));
        assert_eq!(clock.offset_ms(), 0);
    }

    #[test]
    fn a_date_corrects_a_clock_three_hours_ahead() {
        let mut clock = ServerClock::default();
        let server = 1_795_370_645_000;
        let local = server + 3 * HOUR;
        // Sent at local, answered 40 ms later; the server wrote its second.
        clock.observe_date(ts(server), ts(local), ts(local + 40));
        // Events a few seconds old are no lower bound above that.
        clock.observe(ts(server - 5_000), ts(local + 100));
        let offset = clock.offset_ms();
        assert!(
            (-3 * HOUR - 40..=-3 * HOUR + 1_000).contains(&offset),
            "{offset}"
        );
        // A ticket created at the server's now reads seconds, not 3h00.
        let age = clock.to_server(ts(local + 2_000)).as_millis() - server;
        assert!((1_000..=3_100).contains(&age), "{age}");
    }

    #[test]
    fn a_date_and_events_bound_a_clock_behind_from_both_sides() {
        let mut clock = ServerClock::default();
        let server = 1_795_370_645_000;
        let local = server - 2 * HOUR;
        clock.observe_date(ts(server), ts(local), ts(local + 30));
        // An event heard 5 ms after it happened, at 600 ms past the second.
        clock.observe(ts(server + 600), ts(local + 605));
        assert_eq!(clock.offset_ms(), 2 * HOUR - 5);
        // An event whose `at` lies beyond the Date's second (another
        // instance's clock) is not believed past the upper bound.
        clock.observe(ts(server + 5_000), ts(local + 700));
        assert_eq!(clock.offset_ms(), 2 * HOUR + 1_000);
    }

    #[test]
    fn old_samples_age_out() {
        let mut clock = ServerClock::default();
        clock.observe(ts(10_000), ts(0));
        for i in 0..SAMPLES as i64 {
            clock.observe(ts(1_000 + i), ts(1_000 + i));
        }
        assert_eq!(clock.offset_ms(), 0);
    }

    #[test]
    fn a_local_clock_jump_forgets_the_estimate() {
        let mut clock = ServerClock::default();
        // Booted at the epoch, the server says it is 2026.
        let real = 1_795_370_645_123;
        clock.tick(ts(1_000));
        clock.observe(ts(real), ts(1_000));
        clock.observe_date(ts(real), ts(1_000), ts(1_010));
        assert_eq!(clock.to_server(ts(2_000)), ts(real + 1_000));
        clock.tick(ts(2_000));
        assert_eq!(clock.offset_ms(), real - 1_000);
        // NTP sets the clock: the old offset would now be wildly wrong.
        clock.tick(ts(real + 1_500));
        assert_eq!(clock.offset_ms(), 0);
        // Going backwards counts too.
        clock.observe(ts(real + 5_000), ts(real + 1_500));
        clock.tick(ts(real));
        assert_eq!(clock.offset_ms(), 0);
    }
}
