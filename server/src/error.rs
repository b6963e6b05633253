//! Every failed request answers `{"error": {"code", "message"}}` with the
//! fitting status. Internal causes are logged here and never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kds_protocol::{ErrorBody, ErrorCode, Invalid, Order};

/// A request that cannot be answered with success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("a valid token is required")]
    Unauthorized,
    #[error("this token's role may not do that")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    /// A guard (`from`, `version`) did not hold; the message says which.
    #[error("{0}")]
    Conflict(String, Box<Order>),
    #[error("{0}")]
    InvalidTransition(String, Box<Order>),
    #[error(
        "events after that seq are not available (pruned, or from another database); fetch the snapshot again"
    )]
    ResyncRequired,
    #[error("request body is larger than 64 KiB")]
    TooLarge,
    /// The client sent more than its rate limit; nothing was done.
    #[error("too many requests from this client: try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The store cannot take the request now; the cause is logged.
    #[error("the order store is unavailable, try again shortly")]
    Unavailable(String),
    /// A bug or corrupt data; the cause is logged.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            // The contract has no code of its own for 405; the request is bad.
            ApiError::BadRequest(_) | ApiError::MethodNotAllowed(_) => ErrorCode::BadRequest,
            ApiError::Invalid(_) => ErrorCode::Invalid,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(..) => ErrorCode::Conflict,
            ApiError::InvalidTransition(..) => ErrorCode::InvalidTransition,
            ApiError::ResyncRequired => ErrorCode::ResyncRequired,
            ApiError::TooLarge => ErrorCode::TooLarge,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        if let ApiError::MethodNotAllowed(_) = self {
            return StatusCode::METHOD_NOT_ALLOWED;
        }
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// An `invalid` error for a query or path parameter.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(Invalid {
            field: field.to_owned(),
            message: message.into(),
        })
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        if err.is_unavailable() {
            ApiError::Unavailable(err.to_string())
        } else {
            ApiError::Internal(err.to_string())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "store unavailable");
                self.to_string()
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                self.to_string()
            }
            // The field path leads so a client can show or match it.
            ApiError::Invalid(invalid) => format!("{}: {}", invalid.field, invalid.message),
            _ => self.to_string(),
        };
        let retry_after = match &self {
            ApiError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        let mut body = ErrorBody::new(self.code(), message);
        match self {
            ApiError::Conflict(_, order) | ApiError::InvalidTransition(_, order) => {
                body = body.with_current(*order);
            }
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
