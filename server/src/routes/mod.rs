//! The HTTP face: one router, each area's handlers in its own module.

mod ops;
mod orders;
mod stations;
mod ws;
mod ws_session;

use crate::auth::{Auth, require_token};
use crate::config::WebSocketConfig;
use crate::error::ApiError;
use crate::kitchen::Kitchen;
use crate::metrics::{Metrics, RequestLabels};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use kds_protocol::{MAX_BODY_BYTES, StationScope};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Longer than the longest long poll, so only a stuck request meets it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What every handler may reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub kitchen: Kitchen,
    pub websocket: WebSocketConfig,
    /// Cancelled when the server shuts down: long polls return, `WebSocket`s close 1001.
    pub shutdown: CancellationToken,
    /// WebSocket sessions, so shutdown can wait for their close frames.
    pub sessions: TaskTracker,
}

impl AppState {
    fn metrics(&self) -> &Metrics {
        &self.kitchen.metrics
    }
}

/// The whole application.
pub fn app(state: AppState, auth: Arc<Auth>) -> Router {
    let api = Router::new()
        .route("/api/orders", post(orders::create))
        .route("/api/orders/{id}", get(orders::get_one))
        .route("/api/orders/{id}/status", post(orders::change_status))
        .route("/api/stations/{station}/orders", get(stations::snapshot))
        .route("/api/stations/{station}/events", get(stations::events))
        .route("/ws/stations/{station}", get(ws::upgrade))
        .route_layer(middleware::from_fn_with_state(auth, require_token));
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), count_request))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(
            // Spans carry the path only: a `?token=` must never reach a log.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("method not allowed on this route".into())
}

/// Counts each answer by route pattern and status.
async fn count_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    state
        .metrics()
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// A station path segment: a station or `all`; 422 naming `station` otherwise.
fn parse_scope(name: &str) -> Result<StationScope, ApiError> {
    name.parse()
        .map_err(|err: kds_protocol::StationError| ApiError::invalid("station", err.to_string()))
}

/// The query string as pairs; 400 when it cannot be decoded.
fn query_params(raw: Option<&str>) -> Result<std::collections::HashMap<String, String>, ApiError> {
    let Some(raw) = raw else {
        return Ok(std::collections::HashMap::new());
    };
    let malformed = || ApiError::BadRequest("malformed query string".into());
    let uri: axum::http::Uri = format!("/?{raw}").parse().map_err(|_| malformed())?;
    axum::extract::Query::try_from_uri(&uri)
        .map(|query| query.0)
        .map_err(|_| malformed())
}

/// `since`: absent, or an integer >= 0 (400 when not a number, 422 when negative).
fn parse_since(
    params: &std::collections::HashMap<String, String>,
) -> Result<Option<i64>, ApiError> {
    let Some(text) = params.get("since") else {
        return Ok(None);
    };
    let since = text
        .parse::<i64>()
        .map_err(|_| ApiError::BadRequest("since: must be an integer".into()))?;
    if since < 0 {
        return Err(ApiError::invalid("since", "must be 0 or more"));
    }
    Ok(Some(since))
}
