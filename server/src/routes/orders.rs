//! `POST /api/orders`, `GET /api/orders/{id}`, `POST /api/orders/{id}/status`.

use super::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, idempotency_key};
use crate::store::{IdempotencyKey, Outcome};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kds_protocol::{NewOrder, Order, OrderDraft, StatusChange, StatusMove};

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewOrder>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let key = idempotency_key(&headers)?;
    let draft = body.validate()?;
    let key = key.map(|key| IdempotencyKey {
        scope: "create",
        key,
        request: create_fingerprint(&draft),
    });
    match state.kitchen.create_order(draft, key).await? {
        Outcome::Changed(event) => Ok((StatusCode::CREATED, Json(event.order))),
        Outcome::Replayed(order) => Ok((StatusCode::OK, Json(order))),
        Outcome::KeyReused => Err(key_reused()),
        other => Err(ApiError::Internal(format!("create answered {other:?}"))),
    }
}

pub async fn get_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    state
        .kitchen
        .store
        .order(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no order with id {id:?}")))
}

pub async fn change_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Json<Order>, ApiError> {
    let key = idempotency_key(&headers)?;
    let change = body.validate()?;
    let key = key.map(|key| IdempotencyKey {
        scope: "status",
        key,
        request: status_fingerprint(&id, change),
    });
    match state.kitchen.move_status(id.clone(), change, key).await? {
        Outcome::Changed(event) => Ok(Json(event.order)),
        Outcome::Unchanged(order) | Outcome::Replayed(order) => Ok(Json(order)),
        Outcome::KeyReused => Err(key_reused()),
        Outcome::NotFound => Err(ApiError::NotFound(format!("no order with id {id:?}"))),
        Outcome::Conflict(order) => Err(ApiError::Conflict(Box::new(order))),
        Outcome::InvalidTransition(order) => Err(ApiError::InvalidTransition(
            format!(
                "cannot move from {} to {}: status moves one step at a time",
                order.status, change.to
            ),
            Box::new(order),
        )),
    }
}

fn key_reused() -> ApiError {
    ApiError::invalid(
        "Idempotency-Key",
        "was already used with a different request; use a new key",
    )
}

/// The request in canonical form, so that equal orders written differently
/// (a default spelled out, fields reordered) count as the same request.
fn create_fingerprint(draft: &OrderDraft) -> String {
    serde_json::json!({
        "station": draft.station,
        "items": draft.items,
        "notes": draft.notes,
        "kind": draft.kind,
        "table": draft.table,
        "customer": draft.customer,
        "rush": draft.rush,
    })
    .to_string()
}

fn status_fingerprint(id: &str, change: StatusMove) -> String {
    serde_json::json!({
        "id": id,
        "status": change.to,
        "from": change.from,
    })
    .to_string()
}
