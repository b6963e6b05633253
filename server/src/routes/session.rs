//! `GET /api/session`: kds-server's own route (not in PROTOCOL.md), which
//! tells a client the role of its token, so a `viewer` screen can say it
//! is read-only before a cook presses a key and is refused.

use crate::config::Role;
use axum::Extension;
use axum::Json;
use kds_protocol::Session;

/// The gate put the caller's role on the request; an open server's callers are `pos`.
pub async fn get(Extension(role): Extension<Role>) -> Json<Session> {
    Json(Session {
        role: role.as_str().to_owned(),
    })
}
