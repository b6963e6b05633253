//! Bearer tokens and their roles, checked before any handler (and so before
//! any WebSocket upgrade) runs.

use crate::config::{Role, TokenConfig};
use crate::error::ApiError;
use axum::extract::{Query, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

/// The accepted tokens. Empty: the server is open and everyone may do everything.
#[derive(Debug, Default)]
pub struct Auth {
    tokens: HashMap<String, Role>,
}

impl Auth {
    pub fn new(tokens: &[TokenConfig]) -> Self {
        Self {
            tokens: tokens.iter().map(|t| (t.token.clone(), t.role)).collect(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The caller's role, or 401 when the token is missing or unknown.
    fn role_of(&self, request: &Request) -> Result<Role, ApiError> {
        if self.is_open() {
            return Ok(Role::Pos);
        }
        let token = bearer(request).or_else(|| query_token(request));
        token
            .and_then(|token| self.tokens.get(&token).copied())
            .ok_or(ApiError::Unauthorized)
    }
}

fn bearer(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn query_token(request: &Request) -> Option<String> {
    let Query(params) = Query::<HashMap<String, String>>::try_from_uri(request.uri()).ok()?;
    params.get("token").cloned()
}

/// The check in front of one route: a known token of at least `role`.
#[derive(Debug, Clone)]
pub struct Gate {
    auth: Arc<Auth>,
    role: Role,
}

impl Gate {
    pub fn new(auth: Arc<Auth>, role: Role) -> Self {
        Self { auth, role }
    }

    /// Middleware: 401 without a known token, 403 when its role is below
    /// the route's.
    pub async fn check(
        State(gate): State<Gate>,
        request: Request,
        next: Next,
    ) -> Result<Response, ApiError> {
        if gate.auth.role_of(&request)? < gate.role {
            return Err(ApiError::Forbidden);
        }
        Ok(next.run(request).await)
    }
}
