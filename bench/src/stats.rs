//! Latency summaries: exact percentiles over every sample (runs are at most a
//! few hundred thousand samples, so sorting beats an approximate histogram).

use serde::Serialize;
use std::time::Duration;

/// The shape of a latency distribution, in microseconds for the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub count: usize,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl Summary {
    /// Summarizes `samples` (sorted in place); `None` when there are none.
    pub fn of(samples: &mut [Duration]) -> Option<Self> {
        samples.sort_unstable();
        let max = *samples.last()?;
        Some(Self {
            count: samples.len(),
            p50_us: micros(percentile(samples, 50.0)),
            p90_us: micros(percentile(samples, 90.0)),
            p99_us: micros(percentile(samples, 99.0)),
            max_us: micros(max),
        })
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The nearest-rank percentile of an ascending slice: the smallest sample
/// that at least `p` percent of the samples do not exceed. `p` is clamped to
/// 0..=100; an empty slice gives zero.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Formats microseconds as milliseconds with three decimals, for tables.
pub fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms_list(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles_of_one_to_a_hundred() {
        let mut samples = ms_list(&(1..=100).rev().collect::<Vec<_>>());
        let summary = Summary::of(&mut samples).unwrap();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50_us, 50_000);
        assert_eq!(summary.p90_us, 90_000);
        assert_eq!(summary.p99_us, 99_000);
        assert_eq!(summary.max_us, 100_000);
    }

    #[test]
    fn small_sets_take_the_sample_at_or_above_the_rank() {
        let sorted = ms_list(&[10, 20, 30]);
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(20));
        assert_eq!(percentile(&sorted, 90.0), Duration::from_millis(30));
        assert_eq!(percentile(&sorted, 0.0), Duration::from_millis(10));
        assert_eq!(percentile(&sorted, 250.0), Duration::from_millis(30));
        let one = ms_list(&[7]);
        assert_eq!(percentile(&one, 99.0), Duration::from_millis(7));
    }

    #[test]
    fn no_samples_no_summary() {
        assert_eq!(Summary::of(&mut []), None);
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn tables_show_milliseconds() {
        assert_eq!(ms(1_234), "1.234");
        assert_eq!(ms(7), "0.007");
        assert_eq!(ms(120_500), "120.500");
    }
}
