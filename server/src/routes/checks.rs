//! `POST /api/checks`: one check cooked at several stations.

use super::AppState;
use super::orders::key_reused;
use crate::error::ApiError;
use crate::extract::{ApiJson, idempotency_key};
use crate::store::{Created, IdempotencyKey};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kds_protocol::{CheckCreated, CheckDraft, NewCheck};

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewCheck>,
) -> Result<(StatusCode, Json<CheckCreated>), ApiError> {
    let key = idempotency_key(&headers)?;
    let check = body.validate_check()?;
    let key = key.map(|key| IdempotencyKey {
        scope: "check",
        key,
        request: fingerprint(&check),
    });
    match state.kitchen.create_check(check, key).await? {
        Created::New(created, _) => Ok((StatusCode::CREATED, Json(created))),
        Created::Replayed(created) => Ok((StatusCode::OK, Json(created))),
        Created::KeyReused => Err(key_reused()),
    }
}

/// The check in canonical form: each part as an order would be written.
fn fingerprint(check: &CheckDraft) -> String {
    let parts: Vec<_> = check
        .parts
        .iter()
        .map(super::orders::create_fingerprint)
        .collect();
    serde_json::json!({ "parts": parts }).to_string()
}
