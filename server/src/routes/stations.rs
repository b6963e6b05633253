//! `GET /api/stations/{station}/orders` (snapshot), `.../events` (page or
//! long poll) and `.../stats` (speed of service).

use super::{AppState, parse_scope, parse_since, query_params};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::EventsRead;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use kds_protocol::{
    DEFAULT_STATS_WINDOW_S, EventsPage, MAX_EVENTS_PAGE, MAX_STATS_WINDOW_S, MAX_WAIT,
    MIN_STATS_WINDOW_S, Snapshot, StationStats,
};
use std::time::Duration;
use tokio::time::Instant;

pub async fn snapshot(
    State(state): State<AppState>,
    Path(station): Path<String>,
) -> Result<Json<Snapshot>, ApiError> {
    let scope = parse_scope(&station)?;
    let started = Instant::now();
    let snapshot = state.kitchen.store.snapshot(&scope).await;
    state.metrics().observe_store("snapshot", started.elapsed());
    Ok(Json(snapshot?))
}

/// `window`: whole seconds, 60 to 86400 (400 when not a whole number, 422
/// out of range, a negative number included).
fn parse_window(raw: Option<&str>) -> Result<Duration, ApiError> {
    let params = query_params(raw)?;
    let Some(text) = params.get("window") else {
        return Ok(Duration::from_secs(DEFAULT_STATS_WINDOW_S.into()));
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest(
            "window: must be a whole number of seconds".into(),
        ));
    }
    // Too large for a u64, or negative: out of range all the same.
    text.parse::<u64>()
        .ok()
        .filter(|s| (u64::from(MIN_STATS_WINDOW_S)..=u64::from(MAX_STATS_WINDOW_S)).contains(s))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            ApiError::invalid(
                "window",
                format!("must be {MIN_STATS_WINDOW_S} to {MAX_STATS_WINDOW_S} seconds"),
            )
        })
}

pub async fn stats(
    State(state): State<AppState>,
    Path(station): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<StationStats>, ApiError> {
    let scope = parse_scope(&station)?;
    let window = parse_window(raw.as_deref())?;
    let started = Instant::now();
    let kitchen = &state.kitchen;
    let answer = kitchen
        .store
        .stats(&scope, window, state.late_after, kitchen.clock.now())
        .await;
    state.metrics().observe_store("stats", started.elapsed());
    Ok(Json(answer?))
}

/// `since` and `wait`, read by hand so each mistake gets our error shape.
struct EventsQuery {
    since: i64,
    wait: Duration,
}

fn parse_query(raw: Option<&str>) -> Result<EventsQuery, ApiError> {
    let params = query_params(raw)?;
    let since = parse_since(&params)?.unwrap_or(0);
    let wait = match params.get("wait") {
        None => Duration::ZERO,
        Some(text) => {
            let seconds = text
                .parse::<f64>()
                .map_err(|_| ApiError::BadRequest("wait: must be a number of seconds".into()))?;
            if !(0.0..=MAX_WAIT.as_secs_f64()).contains(&seconds) {
                return Err(ApiError::invalid(
                    "wait",
                    format!("must be 0 to {} seconds", MAX_WAIT.as_secs()),
                ));
            }
            Duration::from_secs_f64(seconds)
        }
    };
    Ok(EventsQuery { since, wait })
}

/// Events after `since`. With `wait`, an empty answer is held until an event
/// of this scope arrives, the wait ends, or the server shuts down.
pub async fn events(
    State(state): State<AppState>,
    Path(station): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<EventsPage>, ApiError> {
    let scope = parse_scope(&station)?;
    let query = parse_query(raw.as_deref())?;
    let store = &state.kitchen.store;
    let deadline = Instant::now() + query.wait;
    let mut newest = state.kitchen.feed.watch();
    let mut waiting: Option<Waiting<'_>> = None;
    loop {
        // Mark the current value seen before reading, so a publish that
        // lands after the read wakes us.
        newest.borrow_and_update();
        let started = Instant::now();
        let read = store.events(&scope, query.since, MAX_EVENTS_PAGE).await;
        state.metrics().observe_store("events", started.elapsed());
        let page = match read? {
            EventsRead::Page(page) => page,
            EventsRead::Gone => return Err(ApiError::ResyncRequired),
        };
        if !page.events.is_empty() || Instant::now() >= deadline {
            return Ok(Json(page));
        }
        if waiting.is_none() {
            waiting = Some(Waiting::new(state.metrics()));
        }
        let woke = tokio::select! {
            changed = newest.changed() => changed.is_ok(),
            () = tokio::time::sleep_until(deadline) => false,
            () = state.shutdown.cancelled() => false,
        };
        if !woke {
            return Ok(Json(page));
        }
    }
}

/// Counts a waiting long poll for as long as it lives, however it ends
/// (a client that hangs up drops the handler mid-wait).
struct Waiting<'a>(&'a Metrics);

impl<'a> Waiting<'a> {
    fn new(metrics: &'a Metrics) -> Self {
        metrics.long_polls.inc();
        Self(metrics)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.long_polls.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_mistakes_name_the_parameter() {
        assert!(
            matches!(parse_query(Some("since=x")), Err(ApiError::BadRequest(m)) if m.contains("since"))
        );
        assert!(
            matches!(parse_query(Some("wait=31")), Err(ApiError::Invalid(i)) if i.field == "wait")
        );
        assert!(
            matches!(parse_query(Some("wait=-1")), Err(ApiError::Invalid(i)) if i.field == "wait")
        );
        assert!(
            matches!(parse_query(Some("since=-2")), Err(ApiError::Invalid(i)) if i.field == "since")
        );
        for bad in [
            "window=abc",
            "window=",
            "window=60.5",
            "window=1e3",
            "window=-",
        ] {
            assert!(
                matches!(parse_window(Some(bad)), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
        for bad in [
            "window=59",
            "window=86401",
            "window=-1",
            "window=0",
            "window=99999999999999999999999",
        ] {
            assert!(
                matches!(parse_window(Some(bad)), Err(ApiError::Invalid(i)) if i.field == "window"),
                "{bad}"
            );
        }
        assert_eq!(parse_window(None).unwrap(), Duration::from_secs(3600));
        assert_eq!(
            parse_window(Some("window=60")).unwrap(),
            Duration::from_secs(60)
        );
        let ok = parse_query(Some("since=5&wait=2.5")).unwrap();
        assert_eq!((ok.since, ok.wait), (5, Duration::from_millis(2500)));
        assert_eq!(parse_query(None).unwrap().since, 0);
    }
}
