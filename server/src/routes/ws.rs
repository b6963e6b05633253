//! `GET /ws/stations/{station}?since=N`: checks everything that can be
//! answered with an HTTP error before upgrading, then hands the socket to a
//! [`super::ws_session`].

use super::ws_session::{Session, run};
use super::{AppState, parse_scope, parse_since, query_params};
use crate::error::ApiError;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

/// Frames above this are refused by the socket layer itself; those between
/// the contract's 4 KiB and this get the contract's close 1008.
const MAX_INCOMING_MESSAGE: usize = 64 * 1024;

/// Per-connection read buffer. tungstenite's default is 128 KiB, kept resident
/// for every display and zero-filled before every read; displays send next to
/// nothing (pongs, and frames of at most 4 KiB by contract, which are still
/// read whole, over several reads). 4 KiB took 10,000 idle connections from
/// 1.3 GiB to 95 MiB, 1 KiB to about 67 MiB (docs/benchmarks.md).
const READ_BUFFER: usize = 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    Path(station): Path<String>,
    RawQuery(raw): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let scope = parse_scope(&station)?;
    let since = parse_since(&query_params(raw.as_deref())?)?;
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::BadRequest(format!("expected a WebSocket upgrade: {rejection}"))
    })?;
    let session = Session {
        scope,
        since,
        kitchen: state.kitchen.clone(),
        config: state.websocket,
        shutdown: state.shutdown.clone(),
    };
    let sessions = state.sessions.clone();
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_INCOMING_MESSAGE)
        .max_frame_size(MAX_INCOMING_MESSAGE)
        .on_upgrade(move |socket| sessions.track(run(socket, session))))
}
