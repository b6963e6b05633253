//! The statements both backends run word for word. sqlx-sqlite (the
//! readers) binds `$1, $2, ...` by number just as `PostgreSQL` does, and a
//! repeated `$1` is one parameter in both; the `SQLite` writer binds by
//! position, so a statement it runs names its parameters in order (checked
//! by `store::sqlite::tests`). `CAST($n AS TEXT)` because `PostgreSQL`
//! cannot tell the type of a lone NULL parameter. What differs (order
//! inserts, event appends, the snapshot's tie-breaks) is in each backend.

pub const STATE: &str = "SELECT last_seq, floor_seq, last_number FROM store_state WHERE id = 1";

pub const ORDER: &str = "SELECT body FROM orders WHERE id = $1";

/// `status_at` is the order's own (a PATCH leaves it as it was).
pub const UPDATE_ORDER: &str = "UPDATE orders
     SET status = $1, status_at = $2, ready_at = $3, voided_at = $4, body = $5
     WHERE id = $6";

/// By key alone: a key is one request, whatever kind of request it was
/// (the scope is kept only to say which), so reusing one for another kind
/// is refused like reusing it for another body.
pub const ANSWER: &str = "SELECT request, response FROM idempotency WHERE key = $1";

pub const KEEP_ANSWER: &str = "INSERT INTO idempotency (scope, key, request, response, created_at)
     VALUES ($1, $2, $3, $4, $5)";

pub const NEWEST_EVENT_BEFORE: &str = "SELECT MAX(seq) FROM events WHERE at < $1";

pub const DROP_EVENTS_THROUGH: &str = "DELETE FROM events WHERE seq <= $1";

pub const SET_FLOOR: &str = "UPDATE store_state SET floor_seq = $1 WHERE id = 1";

pub const DROP_ANSWERS_BEFORE: &str = "DELETE FROM idempotency WHERE created_at < $1";

/// Over the `orders_done` index.
pub const DROP_COMPLETED_BEFORE: &str =
    "DELETE FROM orders WHERE status = 'completed' AND status_at < $1";

pub const EVENTS_AFTER: &str = "SELECT seq, kind, at, body FROM events
     WHERE seq > $1 AND (CAST($2 AS TEXT) IS NULL OR station = $2)
     ORDER BY seq LIMIT $3";

/// Count and mean ticket time of the orders that entered ready since $1,
/// over the `orders_ready_times` index, which holds every column it reads:
/// only the window's slice of the index is read.
pub const READY_TIMES: &str =
    "SELECT COUNT(*) AS n, AVG(CAST(ready_at - created_at AS DOUBLE PRECISION)) AS mean_ms
     FROM orders
     WHERE ready_at >= $1 AND voided_at IS NULL
       AND (CAST($2 AS TEXT) IS NULL OR station = $2)";

/// The ticket time of rank $3 (from 0, shortest first) in the same window.
pub const READY_TIME_AT_RANK: &str = "SELECT ready_at - created_at AS ms
     FROM orders
     WHERE ready_at >= $1 AND voided_at IS NULL
       AND (CAST($2 AS TEXT) IS NULL OR station = $2)
     ORDER BY ms LIMIT 1 OFFSET $3";

/// Open orders and those of them created before $1, over `orders_by_status`.
pub const OPEN_COUNTS: &str = "SELECT COUNT(*) AS open,
            COUNT(CASE WHEN created_at < $1 THEN 1 END) AS late
     FROM orders
     WHERE status IN ('pending', 'preparing', 'ready') AND voided_at IS NULL
       AND (CAST($2 AS TEXT) IS NULL OR station = $2)";

/// The nearest-rank position (from 0) of the 90th percentile of `n` values.
pub fn p90_rank(n: u64) -> u64 {
    // ceil(0.9 n) - 1, in integers.
    (n * 9).div_ceil(10).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn p90_is_the_nearest_rank() {
        assert_eq!(super::p90_rank(1), 0);
        assert_eq!(super::p90_rank(10), 8);
        assert_eq!(super::p90_rank(11), 9);
        assert_eq!(super::p90_rank(100), 89);
    }
}
