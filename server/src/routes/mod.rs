//! The HTTP face: one router, each area's handlers in its own module.
//!
//! Every route of the API states the role it needs where it is added
//! ([`Api::route`] takes it), so no route can be added without one; the
//! gate in front of each checks the token against it.

mod checks;
mod ops;
mod orders;
mod session;
mod stations;
mod ws;
mod ws_session;

use crate::auth::{Auth, Gate};
use crate::config::{Role, WebSocketConfig};
use crate::error::ApiError;
use crate::kitchen::Kitchen;
use crate::metrics::{Metrics, RequestLabels};
use crate::rate_limit::{Kind, Limits};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get, patch, post};
use kds_protocol::{MAX_BODY_BYTES, StationScope};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Longer than the longest long poll, so only a stuck request meets it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What every handler may reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub kitchen: Kitchen,
    pub websocket: WebSocketConfig,
    /// Open orders older than this are late in the stats.
    pub late_after: Duration,
    /// Cancelled when the server shuts down: long polls return, `WebSocket`s close 1001.
    pub shutdown: CancellationToken,
    /// WebSocket sessions, so shutdown can wait for their close frames
    /// (and cut off those that never finish).
    pub sessions: crate::tasks::Tasks,
}

impl AppState {
    fn metrics(&self) -> &Metrics {
        &self.kitchen.metrics
    }
}

/// The API's routes, each with the role it needs and the budget it draws on.
struct Api {
    router: Router<AppState>,
    auth: Arc<Auth>,
    limits: Arc<Limits>,
    /// (path, role, kind) of every route, for the test that walks them.
    #[cfg(test)]
    roles: Vec<(&'static str, Role, Kind)>,
}

impl Api {
    fn new(auth: Arc<Auth>, limits: Arc<Limits>) -> Self {
        Self {
            router: Router::new(),
            auth,
            limits,
            #[cfg(test)]
            roles: Vec::new(),
        }
    }

    /// A read (a GET, or the `WebSocket` upgrade) at `path` for `role` and above.
    fn read(self, path: &'static str, role: Role, handler: MethodRouter<AppState>) -> Self {
        self.route(path, role, Kind::Read, handler)
    }

    /// A change (a POST or PATCH) at `path` for `role` and above.
    fn change(self, path: &'static str, role: Role, handler: MethodRouter<AppState>) -> Self {
        self.route(path, role, Kind::Change, handler)
    }

    /// Adds `handler` at `path` behind a gate that lets only `role` (or a
    /// stronger one) through: 401 without a known token, 403 below `role`,
    /// 429 beyond the client's rate of `kind`.
    fn route(
        mut self,
        path: &'static str,
        role: Role,
        kind: Kind,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let gate = Gate::new(self.auth.clone(), self.limits.clone(), role, kind);
        let handler = handler.route_layer(middleware::from_fn_with_state(gate, Gate::check));
        self.router = self.router.route(path, handler);
        #[cfg(test)]
        self.roles.push((path, role, kind));
        self
    }
}

/// Every route of the API, the role it needs and its kind.
fn api(auth: Arc<Auth>, limits: Arc<Limits>) -> Api {
    use Role::{Display, Pos, Viewer};
    Api::new(auth, limits)
        .change("/api/orders", Pos, post(orders::create))
        .change("/api/checks", Pos, post(checks::create))
        .read("/api/orders/{id}", Viewer, get(orders::get_one))
        .change("/api/orders/{id}", Pos, patch(orders::patch))
        .change(
            "/api/orders/{id}/status",
            Display,
            post(orders::change_status),
        )
        .change("/api/orders/{id}/items", Pos, post(orders::add_items))
        .change("/api/orders/{id}/void", Pos, post(orders::void))
        .change(
            "/api/orders/{id}/items/{item_id}/void",
            Pos,
            post(orders::void_item),
        )
        .change(
            "/api/orders/{id}/items/{item_id}/done",
            Display,
            post(orders::item_done),
        )
        .read(
            "/api/stations/{station}/orders",
            Viewer,
            get(stations::snapshot),
        )
        .read(
            "/api/stations/{station}/events",
            Viewer,
            get(stations::events),
        )
        .read(
            "/api/stations/{station}/stats",
            Viewer,
            get(stations::stats),
        )
        .read("/ws/stations/{station}", Viewer, get(ws::upgrade))
        .read("/api/session", Viewer, get(session::get))
}

/// The whole application.
pub fn app(state: AppState, auth: Arc<Auth>, limits: Arc<Limits>) -> Router {
    // /healthz and /metrics are neither authenticated nor limited: probes
    // and scrapers call them on their own schedule.
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .merge(api(auth, limits).router)
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

/// Counts each answer by route pattern, method and status. Every label comes
/// from a fixed set (the routes, the methods HTTP defines, the statuses the
/// server answers with), so no request can add a series: a client may send
/// any token as a method (`XMETH1`) before it is even authenticated.
async fn count_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
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

/// The method as a metric label: one of those HTTP defines for resources,
/// or `other`.
fn method_label(method: &Method) -> &'static str {
    [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PATCH, "PATCH"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
    ]
    .into_iter()
    .find_map(|(known, label)| (known == method).then_some(label))
    .unwrap_or("other")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_open_to_viewers_and_changes_need_more() {
        let api = api(
            Arc::new(Auth::default()),
            Arc::new(Limits::new(
                &crate::config::RateLimits::default(),
                &crate::Clock::system(),
            )),
        );
        assert!(api.roles.len() >= 13);
        let reads = [
            "/api/orders/{id}",
            "/api/stations/{station}/orders",
            "/api/stations/{station}/events",
            "/api/stations/{station}/stats",
            "/ws/stations/{station}",
            "/api/session",
        ];
        for (path, role, kind) in &api.roles {
            // `/api/orders/{id}` is a read (GET) and a change (PATCH).
            match kind {
                Kind::Read => {
                    assert!(reads.contains(path), "{path} is not a read");
                    assert_eq!(*role, Role::Viewer, "{path}");
                }
                Kind::Change => assert!(*role > Role::Viewer, "{path} is open to viewers"),
            }
        }
        let needs = |path: &str| {
            api.roles
                .iter()
                .filter(|(p, _, kind)| *p == path && *kind == Kind::Change)
                .map(|(_, role, _)| *role)
                .max()
        };
        assert_eq!(
            needs("/api/orders/{id}/items/{item_id}/done"),
            Some(Role::Display)
        );
        assert_eq!(needs("/api/orders/{id}/void"), Some(Role::Pos));
        assert_eq!(needs("/api/checks"), Some(Role::Pos));
        assert_eq!(needs("/api/orders/{id}"), Some(Role::Pos));
    }
}
