//! `GET /api/stations/{station}/stats`: speed of service over a window.

use serde::{Deserialize, Serialize};

/// Ticket times of the orders that reached `ready` in the last `window_s`
/// seconds, and how the open tickets stand now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationStats {
    pub window_s: u32,
    /// Orders that reached ready in the window (voided ones left out).
    pub completed: u64,
    /// Seconds from `created_at` to `ready_at`: the mean, and the 90th
    /// percentile (nearest rank); null when `completed` is 0.
    pub avg_ready_s: Option<f64>,
    pub p90_ready_s: Option<f64>,
    /// Orders not completed and not voided.
    pub open: u64,
    /// Open orders older than the server's late threshold.
    pub late: u64,
}
