//! The HTTP side of the contract: one shared client, its timeouts, and the
//! requests the engine makes (snapshot, events page, and the cook's
//! actions: status changes and lines done).

use super::urls::{done_url, events_url, session_url, snapshot_url, stats_url, status_url};
use crate::msg::Action;
use crate::msg::NetEvent;
use kds_protocol::Timestamp;
use kds_protocol::{
    DoneRequest, ErrorBody, EventsPage, Order, Session, Snapshot, StationStats, StatusChange,
};
use reqwest::header::{AUTHORIZATION, DATE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, StatusCode, Url};
use serde::de::DeserializeOwned;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where the `Date` header of every answer goes: to the app, as a reading
/// of the server's clock bounded by the request's round trip (see
/// `model::clock`). A full channel drops the reading: it is only a hint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dates(Option<mpsc::Sender<NetEvent>>);

impl Dates {
    pub(crate) fn to(app: mpsc::Sender<NetEvent>) -> Self {
        Self(Some(app))
    }

    /// Reports the `Date` of an answer read at `received` to a request
    /// sent at `sent` (both local).
    pub(crate) fn record(&self, headers: &HeaderMap, sent: Timestamp) {
        let received = Timestamp::now();
        let Some(app) = &self.0 else { return };
        let date = headers
            .get(DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| chrono::DateTime::parse_from_rfc2822(text).ok());
        if let Some(date) = date {
            let date = Timestamp::from(date.with_timezone(&chrono::Utc));
            let _ = app.try_send(NetEvent::ServerTime {
                date,
                sent,
                received,
            });
        }
    }
}

/// Why a request did not bring the answer hoped for.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// No answer at all: refused, reset, timed out, DNS...
    #[error("no answer: {0}")]
    Network(String),
    /// The server answered with an error status.
    #[error("HTTP {status}: {}", error_message(.body.as_deref(), *.status))]
    Status {
        status: u16,
        /// Boxed: the body (with a whole order on 409) would make every
        /// `Result` carrying this error large.
        body: Option<Box<ErrorBody>>,
        /// The `Retry-After` of a 429 or 503, in whole seconds as the
        /// contract sends it (the HTTP-date form is not used by kds-server
        /// and is ignored).
        retry_after: Option<Duration>,
    },
    /// A success status whose body is not what the contract says.
    #[error("unreadable answer: {0}")]
    Decode(String),
}

fn error_message(body: Option<&ErrorBody>, status: u16) -> String {
    match body {
        Some(body) => body.error.message.clone(),
        None => StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error")
            .to_owned(),
    }
}

impl HttpError {
    /// 401 or 403: the token is missing, unknown or too weak.
    pub(crate) fn is_auth(&self) -> bool {
        matches!(
            self,
            HttpError::Status {
                status: 401 | 403,
                ..
            }
        )
    }

    /// What a person should read about it.
    pub(crate) fn message(&self) -> String {
        match self {
            HttpError::Status { status, body, .. } => error_message(body.as_deref(), *status),
            other => other.to_string(),
        }
    }
}

/// The `Authorization: Bearer` value for a token, marked sensitive so it is
/// never printed in debug output.
pub(crate) fn bearer(token: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "the token holds characters a header cannot carry".to_owned())?;
    value.set_sensitive(true);
    Ok(value)
}

/// One client for every request: keeps connections alive between polls.
pub(crate) fn client(auth: Option<&HeaderValue>, connect_timeout: Duration) -> Client {
    let mut headers = HeaderMap::new();
    if let Some(auth) = auth {
        headers.insert(AUTHORIZATION, auth.clone());
    }
    let builder = Client::builder()
        .default_headers(headers)
        .connect_timeout(connect_timeout)
        .user_agent(concat!("kds/", env!("CARGO_PKG_VERSION")));
    builder.build().unwrap_or_else(|err| {
        // Only a broken TLS backend makes this fail; a default client still
        // serves plain HTTP, and the failure is visible in the log.
        tracing::error!(%err, "cannot build the configured HTTP client");
        Client::new()
    })
}

/// The largest answer read: far above any real snapshot, low enough that a
/// broken or hostile server cannot exhaust a small box's memory.
const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// The error and its causes on one line ("error sending request: connection
/// refused"), without the URL.
fn describe(err: reqwest::Error) -> HttpError {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    HttpError::Network(text)
}

async fn read_json<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    dates: &Dates,
) -> Result<T, HttpError> {
    let sent = Timestamp::now();
    let mut response = request.send().await.map_err(describe)?;
    dates.record(response.headers(), sent);
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(HttpError::Decode(format!(
                "answer larger than {MAX_ANSWER_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    if status.is_success() {
        serde_json::from_slice(&bytes).map_err(|err| HttpError::Decode(err.to_string()))
    } else {
        Err(HttpError::Status {
            status: status.as_u16(),
            body: serde_json::from_slice(&bytes).ok().map(Box::new),
            retry_after,
        })
    }
}

/// `Retry-After: N` (seconds), when present and a number.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// `GET /api/stations/{station}/orders`
pub(crate) async fn fetch_snapshot(
    client: &Client,
    base: &Url,
    station: &str,
    timeout: Duration,
    dates: &Dates,
) -> Result<Snapshot, HttpError> {
    read_json(
        client.get(snapshot_url(base, station)).timeout(timeout),
        dates,
    )
    .await
}

/// `GET /api/stations/{station}/events?since=N&wait=S`; the request timeout
/// is `timeout` on top of the long poll's own wait.
pub(crate) async fn fetch_events(
    client: &Client,
    base: &Url,
    station: &str,
    since: i64,
    wait: Duration,
    timeout: Duration,
    dates: &Dates,
) -> Result<EventsPage, HttpError> {
    let url = events_url(base, station, since, wait.as_secs());
    read_json(client.get(url).timeout(wait + timeout), dates).await
}

/// `GET /api/stations/{station}/stats` over the default window (the last hour).
pub(crate) async fn fetch_stats(
    client: &Client,
    base: &Url,
    station: &str,
    timeout: Duration,
    dates: &Dates,
) -> Result<StationStats, HttpError> {
    read_json(client.get(stats_url(base, station)).timeout(timeout), dates).await
}

/// `GET /api/session`: what the token may do (kds-server's own route).
pub(crate) async fn fetch_session(
    client: &Client,
    base: &Url,
    timeout: Duration,
    dates: &Dates,
) -> Result<Session, HttpError> {
    read_json(client.get(session_url(base)).timeout(timeout), dates).await
}

/// Posts a cook's action with its idempotency key, so a retry after a lost
/// answer changes the order only once: `POST /api/orders/{id}/status`
/// guarded by `from` for a status move, `.../items/{item}/done` for a line.
pub(crate) async fn post_action(
    client: &Client,
    base: &Url,
    action: &Action,
    timeout: Duration,
    dates: &Dates,
) -> Result<Order, HttpError> {
    let request = match &action.step {
        crate::msg::Step::Done { item_id, done } => client
            .post(done_url(base, &action.order_id, item_id))
            .json(&DoneRequest::new(*done)),
        step => {
            let Some((from, to)) = step.status_move() else {
                return Err(HttpError::Decode("an action that is no change".into()));
            };
            client
                .post(status_url(base, &action.order_id))
                .json(&StatusChange::guarded(to, from))
        }
    };
    let request = request
        .header("Idempotency-Key", &action.idempotency_key)
        .timeout(timeout);
    read_json(request, dates).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use kds_protocol::ErrorCode;

    #[test]
    fn messages_prefer_the_server_words() {
        let err = HttpError::Status {
            status: 403,
            body: Some(Box::new(ErrorBody::new(
                ErrorCode::Forbidden,
                "role too weak",
            ))),
            retry_after: None,
        };
        assert!(err.is_auth());
        assert_eq!(err.message(), "role too weak");
        let bare = HttpError::Status {
            status: 502,
            body: None,
            retry_after: None,
        };
        assert!(!bare.is_auth());
        assert_eq!(bare.message(), "Bad Gateway");
        assert_eq!(bare.to_string(), "HTTP 502: Bad Gateway");
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_anything_else_is_ignored() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            retry_after(&headers)
        };
        assert_eq!(with("2"), Some(Duration::from_secs(2)));
        assert_eq!(with(" 0 "), Some(Duration::ZERO));
        assert_eq!(with("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(with("-1"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn bearer_values_are_sensitive_and_checked() {
        let value = bearer("s3cret").unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().unwrap(), "Bearer s3cret");
        assert!(bearer("bad\ntoken").is_err());
    }
}
