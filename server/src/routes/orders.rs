//! One order: create it, read it, and every change the contract allows
//! (status moves, edits, add-ons, voids, lines done).

use super::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, OptionalJson, idempotency_key};
use crate::store::{Created, IdempotencyKey, Outcome, Refusal};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kds_protocol::{
    AddItemsRequest, DoneRequest, Edit, ItemVoidRequest, NewOrder, Order, OrderDraft, PatchRequest,
    StatusChange, VoidRequest,
};
use serde_json::{Value, json};

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
        request: create_fingerprint(&draft).to_string(),
    });
    match state.kitchen.create_order(draft, key).await? {
        Created::New(order, _) => Ok((StatusCode::CREATED, Json(order))),
        Created::Replayed(order) => Ok((StatusCode::OK, Json(order))),
        Created::KeyReused => Err(key_reused()),
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
        .ok_or_else(|| no_order(&id))
}

pub async fn change_status(
    state: State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Json<Order>, ApiError> {
    let change = body.validate()?;
    // The fingerprint of version 1.0, so keys kept across an upgrade still match.
    let request = json!({"id": id, "status": change.to, "from": change.from});
    let edit = Change {
        scope: "status",
        id,
        edit: Edit::Status(change),
    };
    edit.run(state, &headers, Some(request)).await
}

pub async fn patch(
    state: State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PatchRequest>,
) -> Result<Json<Order>, ApiError> {
    let edit = Change {
        scope: "patch",
        id,
        edit: body.validate()?,
    };
    edit.run(state, &headers, None).await
}

pub async fn add_items(
    state: State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AddItemsRequest>,
) -> Result<Json<Order>, ApiError> {
    let edit = Change {
        scope: "items",
        id,
        edit: body.validate()?,
    };
    edit.run(state, &headers, None).await
}

pub async fn void(
    state: State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<VoidRequest>,
) -> Result<Json<Order>, ApiError> {
    let edit = Change {
        scope: "void",
        id,
        edit: body.validate()?,
    };
    edit.run(state, &headers, None).await
}

pub async fn void_item(
    state: State<AppState>,
    Path((id, item_id)): Path<(String, String)>,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<ItemVoidRequest>,
) -> Result<Json<Order>, ApiError> {
    let edit = Change {
        scope: "void_item",
        edit: body.validate(&item_id)?,
        id,
    };
    edit.run(state, &headers, None).await
}

pub async fn item_done(
    state: State<AppState>,
    Path((id, item_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DoneRequest>,
) -> Result<Json<Order>, ApiError> {
    let edit = Change {
        scope: "done",
        edit: body.validate(&item_id)?,
        id,
    };
    edit.run(state, &headers, None).await
}

/// One checked change of one order, and how its answer is told.
struct Change {
    /// What kind of change: the `Idempotency-Key` scope, and the store
    /// metric's `op` (version 1.0's name for status moves).
    scope: &'static str,
    id: String,
    edit: Edit,
}

impl Change {
    /// Applies the change; `request` is its canonical form for the
    /// idempotency key, when it is not the default one.
    async fn run(
        self,
        State(state): State<AppState>,
        headers: &HeaderMap,
        request: Option<Value>,
    ) -> Result<Json<Order>, ApiError> {
        let key = idempotency_key(headers)?.map(|key| IdempotencyKey {
            scope: self.scope,
            key,
            request: request
                .unwrap_or_else(|| json!({"id": self.id, "edit": self.edit}))
                .to_string(),
        });
        let outcome = state
            .kitchen
            .change(self.op(), self.id.clone(), self.edit.clone(), key)
            .await?;
        match outcome {
            Outcome::Changed(event) => Ok(Json(event.order)),
            Outcome::Unchanged(order) | Outcome::Replayed(order) => Ok(Json(order)),
            Outcome::KeyReused => Err(key_reused()),
            Outcome::NotFound => Err(no_order(&self.id)),
            Outcome::Refused(refusal) => Err(self.refused(refusal)),
        }
    }

    fn op(&self) -> &'static str {
        match self.scope {
            "status" => "move_status",
            other => other,
        }
    }

    fn refused(&self, refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::Conflict(order) => {
                let message = match (&self.edit, self.edit.version()) {
                    (Edit::Status(_), _) => {
                        "the order is no longer in the status given in `from`".to_owned()
                    }
                    (_, Some(version)) => format!(
                        "the order changed since version {version} (it is at version {}); \
                         look at `current` and try again",
                        order.version
                    ),
                    (_, None) => "the order changed meanwhile".to_owned(),
                };
                ApiError::Conflict(message, Box::new(order))
            }
            Refusal::InvalidTransition { order, message } => {
                ApiError::InvalidTransition(message, Box::new(order))
            }
            Refusal::ItemNotFound(item) => {
                ApiError::NotFound(format!("order {:?} has no line with id {item:?}", self.id))
            }
            Refusal::Invalid(invalid) => ApiError::Invalid(invalid),
        }
    }
}

fn no_order(id: &str) -> ApiError {
    ApiError::NotFound(format!("no order with id {id:?}"))
}

pub(super) fn key_reused() -> ApiError {
    ApiError::invalid(
        "Idempotency-Key",
        "was already used with a different request; use a new key",
    )
}

/// The request in canonical form, so that equal orders written differently
/// (a default spelled out, fields reordered) count as the same request.
pub(super) fn create_fingerprint(draft: &OrderDraft) -> Value {
    json!({
        "station": draft.station,
        "items": draft.items,
        "notes": draft.notes,
        "kind": draft.kind,
        "table": draft.table,
        "customer": draft.customer,
        "rush": draft.rush,
    })
}
