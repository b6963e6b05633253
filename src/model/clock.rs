//! The server's clock as seen from here.
//!
//! A Raspberry Pi without a real-time clock may boot believing it is 1970, or
//! drift, so ticket timers are never computed from the local clock alone. Each
//! time the server speaks we know an instant on its clock (an event's `at`, or
//! a snapshot's newest `updated_at`) and the local instant we heard it. Their
//! difference is the offset minus the network delay (or minus the age of the
//! update, for a snapshot or a replayed event), so it can only under-estimate:
//! the largest recent sample is the best estimate. When the local clock itself
//! jumps (NTP setting it after boot), old samples are meaningless and are dropped.
//!
//! Only a local clock that is *behind* is corrected (the offset is never
//! negative). That is the case that matters: a Pi without RTC boots in the
//! past. A negative sample cannot tell a clock that is ahead from a slow
//! network or an old event, and trusting it would make timers read short,
//! which is worse in a kitchen than reading long.

use kds_protocol::Timestamp;
use std::collections::VecDeque;

/// How many recent samples the estimate is taken over.
const SAMPLES: usize = 8;
/// A gap between two ticks (which come once a second) beyond this, or a tick
/// going backwards, means the local clock was set: start over.
const CLOCK_JUMP_MS: i64 = 60_000;

#[derive(Debug, Clone, Default)]
pub struct ServerClock {
    /// Recent samples of (server instant - local instant), in milliseconds.
    samples: VecDeque<i64>,
    last_tick: Option<Timestamp>,
}

impl ServerClock {
    /// Records that the server's clock read `server` when ours read `local`.
    pub fn observe(&mut self, server: Timestamp, local: Timestamp) {
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples
            .push_back(server.as_millis().saturating_sub(local.as_millis()));
    }

    /// Notes a local tick; forgets the samples if the local clock jumped.
    pub fn tick(&mut self, local: Timestamp) {
        if let Some(last) = self.last_tick {
            let step = local.as_millis().saturating_sub(last.as_millis());
            if !(0..=CLOCK_JUMP_MS).contains(&step) {
                self.samples.clear();
            }
        }
        self.last_tick = Some(local);
    }

    /// Milliseconds to add to a local instant to get the server's (0 until known).
    pub fn offset_ms(&self) -> i64 {
        self.samples.iter().copied().max().unwrap_or(0).max(0)
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

    #[test]
    fn unknown_offset_is_zero() {
        let clock = ServerClock::default();
        assert_eq!(clock.to_server(ts(5_000)), ts(5_000));
    }

    #[test]
    fn keeps_the_sample_with_the_least_delay() {
        let mut clock = ServerClock::default();
        // Server is 1 h ahead; the delays were 300 ms, 20 ms and 2 s.
        let hour = 3_600_000;
        clock.observe(ts(hour + 10_000 - 300), ts(10_000));
        clock.observe(ts(hour + 11_000 - 20), ts(11_000));
        clock.observe(ts(hour + 12_000 - 2_000), ts(12_000));
        assert_eq!(clock.offset_ms(), hour - 20);
    }

    #[test]
    fn a_clock_ahead_or_a_slow_network_is_not_corrected() {
        let mut clock = ServerClock::default();
        // Samples below zero: an update 20 minutes old, a 300 ms delay.
        clock.observe(ts(1_000_000), ts(2_200_000));
        clock.observe(ts(2_000_000), ts(2_000_300));
        assert_eq!(clock.offset_ms(), 0);
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
