//! Bearer tokens and their roles, and each client's rate limit, checked
//! before any handler (and so before any WebSocket upgrade) runs.

use crate::config::{Role, TokenConfig};
use crate::error::ApiError;
use crate::rate_limit::{Client, Kind, Limits};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The accepted tokens. Empty: the server is open and everyone may do everything.
#[derive(Debug, Default)]
pub struct Auth {
    /// Each token's role and its place in the configuration, which is what
    /// the rate limits count it by.
    tokens: HashMap<String, (Role, usize)>,
}

/// Who sent a request, once the token is known good.
struct Caller {
    role: Role,
    client: Client,
}

impl Auth {
    pub fn new(tokens: &[TokenConfig]) -> Self {
        Self {
            tokens: tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (t.token.clone(), (t.role, i)))
                .collect(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The caller, or 401 when the token is missing or unknown. On an open
    /// server every caller may do everything and is told apart by address.
    fn caller(&self, request: &Request) -> Result<Caller, ApiError> {
        if self.is_open() {
            return Ok(Caller {
                role: Role::Pos,
                client: Client::Peer(peer(request)),
            });
        }
        let token = bearer(request).or_else(|| query_token(request));
        let (role, index) = token
            .and_then(|token| self.tokens.get(&token).copied())
            .ok_or(ApiError::Unauthorized)?;
        Ok(Caller {
            role,
            client: Client::Token(index),
        })
    }
}

/// The peer's address as the accept loop recorded it (IPv4 clients of a
/// dual-stack socket as IPv4). A request without one, which only a test
/// of the bare router makes, counts as 0.0.0.0.
fn peer(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| {
            info.0.ip().to_canonical()
        })
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

/// The check in front of one route: a known token of at least `role`,
/// within its client's budget for the route's `kind`.
#[derive(Debug, Clone)]
pub struct Gate {
    auth: Arc<Auth>,
    limits: Arc<Limits>,
    role: Role,
    kind: Kind,
}

impl Gate {
    pub fn new(auth: Arc<Auth>, limits: Arc<Limits>, role: Role, kind: Kind) -> Self {
        Self {
            auth,
            limits,
            role,
            kind,
        }
    }

    /// Middleware: 401 without a known token (so only known tokens ever
    /// get a bucket), 403 when its role is below the route's, 429 over the
    /// client's rate. Each answer comes before the handler, so none of
    /// them changes anything. A request let through carries the caller's
    /// [`Role`], for the one handler that tells it back.
    pub async fn check(
        State(gate): State<Gate>,
        mut request: Request,
        next: Next,
    ) -> Result<Response, ApiError> {
        let caller = gate.auth.caller(&request)?;
        if caller.role < gate.role {
            return Err(ApiError::Forbidden);
        }
        gate.limits.check(gate.kind, &caller.client)?;
        request.extensions_mut().insert(caller.role);
        Ok(next.run(request).await)
    }
}
