//! Request extractors whose failures answer in the contract's error shape,
//! instead of axum's plain-text rejections.

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use bytes_body::read_body;
use kds_protocol::validate_idempotency_key;
use serde::de::DeserializeOwned;

/// A JSON body: 400 for malformed JSON or wrong types, 413 over the body limit.
///
/// The Content-Type header is not checked: the contract says every body is
/// JSON, and a till that sends JSON labelled as a form (`curl -d` does) should
/// get its order through, not a lecture about headers.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = read_body(request, state).await?;
        decode(&body).map(ApiJson)
    }
}

/// A JSON body whose every field is optional, so the body may be left out
/// altogether (`POST .../void` with no body is a void without a reason).
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = read_body(request, state).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        decode(&body).map(OptionalJson)
    }
}

/// A JSON object body as `T`: 400 for malformed JSON, a non-object or a
/// wrong type.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| ApiError::BadRequest(format!("malformed JSON body: {err}")))?;
    // serde would read a struct from an array too; the contract's bodies are objects.
    if !value.is_object() {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    serde_json::from_value(value)
        .map_err(|err| ApiError::BadRequest(format!("wrong JSON type: {err}")))
}

mod bytes_body {
    use super::{ApiError, Request, StatusCode};
    use axum::body::Bytes;
    use axum::extract::FromRequest;

    /// The body as bytes, honouring the router's body limit.
    pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge
                } else {
                    ApiError::BadRequest("cannot read the request body".into())
                }
            })
    }
}

/// The `Idempotency-Key` header, checked: 422 naming it when malformed.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid("Idempotency-Key", "must be printable ASCII"))?;
    validate_idempotency_key(text)?;
    Ok(Some(text.to_owned()))
}
