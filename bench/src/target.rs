//! The server under test: its URLs, and the token every request carries.
//!
//! Only loopback servers are accepted: this tool opens thousands of
//! connections at a chosen rate, which is a load test, and load tests here
//! stay on the machine that runs them.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use std::net::IpAddr;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{url:?} is not a URL: {source}")]
    Url {
        url: String,
        source: url::ParseError,
    },
    #[error("{0:?}: only http:// URLs are supported")]
    Scheme(String),
    #[error("{0:?}: the host must be a loopback address (127.0.0.0/8, ::1 or localhost)")]
    NotLoopback(String),
    #[error("the token cannot be sent in a header")]
    Token,
    #[error("cannot build the WebSocket request: {0}")]
    Request(String),
}

/// Where the server is and how to talk to it.
#[derive(Clone)]
pub struct Target {
    base: Url,
    bearer: Option<HeaderValue>,
}

// Hand-written so the token never reaches a log or an error message.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base", &self.base.as_str())
            .field("token", &self.bearer.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl Target {
    pub fn new(url: &str, token: Option<&str>) -> Result<Self, TargetError> {
        let base = Url::parse(url).map_err(|source| TargetError::Url {
            url: url.to_owned(),
            source,
        })?;
        if base.scheme() != "http" {
            return Err(TargetError::Scheme(url.to_owned()));
        }
        if !is_loopback(&base) {
            return Err(TargetError::NotLoopback(url.to_owned()));
        }
        let bearer = token
            .map(|t| {
                let mut value = HeaderValue::from_str(&format!("Bearer {t}"))
                    .map_err(|_| TargetError::Token)?;
                value.set_sensitive(true);
                Ok(value)
            })
            .transpose()?;
        Ok(Self { base, bearer })
    }

    /// `POST` here to create an order.
    pub fn orders_url(&self) -> Url {
        self.join("api/orders")
    }

    /// `POST` here to create a check (one order per station, one commit).
    pub fn checks_url(&self) -> Url {
        self.join("api/checks")
    }

    /// The WebSocket URL of a station (or `all`).
    pub fn ws_url(&self, station: &str) -> Url {
        let mut url = self.join(&format!("ws/stations/{station}"));
        // Cannot fail: http -> ws is a special-to-special scheme change.
        let _ = url.set_scheme("ws");
        url
    }

    /// The handshake request for a station's WebSocket, token included.
    pub fn ws_request(&self, station: &str) -> Result<Request, TargetError> {
        let mut request = self
            .ws_url(station)
            .as_str()
            .into_client_request()
            .map_err(|err| TargetError::Request(err.to_string()))?;
        if let Some(bearer) = &self.bearer {
            request.headers_mut().insert(AUTHORIZATION, bearer.clone());
        }
        Ok(request)
    }

    /// The server's host (unbracketed) and port, for a socket of the tool's own.
    pub fn host_port(&self) -> (&str, u16) {
        // `new` took only http URLs with a loopback host, and http's
        // default port is known: the fallbacks are never used.
        let port = self.base.port_or_known_default().unwrap_or(80);
        (bare_host(&self.base).unwrap_or_default(), port)
    }

    /// Adds the token, if any, to an HTTP request.
    pub fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.bearer {
            Some(bearer) => request.header(AUTHORIZATION, bearer.clone()),
            None => request,
        }
    }

    fn join(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}/{path}"));
        url.set_query(None);
        url
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = bare_host(url) else {
        return false;
    };
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The URL's host without the brackets an IPv6 address comes in (`[::1]`).
fn bare_host(url: &Url) -> Option<&str> {
    let host = url.host_str()?;
    Some(host.trim_start_matches('[').trim_end_matches(']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_address_is_the_urls_host_and_port() {
        let target = Target::new("http://127.0.0.1:8080", None).unwrap();
        assert_eq!(target.host_port(), ("127.0.0.1", 8080));
        let target = Target::new("http://[::1]/kds/", None).unwrap();
        assert_eq!(target.host_port(), ("::1", 80));
    }

    #[test]
    fn builds_the_api_and_websocket_urls() {
        let target = Target::new("http://127.0.0.1:8080", None).unwrap();
        assert_eq!(
            target.orders_url().as_str(),
            "http://127.0.0.1:8080/api/orders"
        );
        assert_eq!(
            target.ws_url("grill").as_str(),
            "ws://127.0.0.1:8080/ws/stations/grill"
        );
        let prefixed = Target::new("http://localhost:9/kds/", None).unwrap();
        assert_eq!(
            prefixed.ws_url("all").as_str(),
            "ws://localhost:9/kds/ws/stations/all"
        );
    }

    #[test]
    fn the_token_goes_in_a_bearer_header_and_never_in_debug_output() {
        let target = Target::new("http://[::1]:1", Some("s3cret")).unwrap();
        let request = target.ws_request("grill").unwrap();
        assert_eq!(request.headers()[AUTHORIZATION], "Bearer s3cret");
        assert!(!format!("{target:?}").contains("s3cret"));
    }

    #[test]
    fn refuses_anything_but_loopback_http() {
        for url in [
            "http://10.0.0.5:8080",
            "http://example.com",
            "http://0.0.0.0:1",
        ] {
            assert!(
                matches!(Target::new(url, None), Err(TargetError::NotLoopback(_))),
                "{url}"
            );
        }
        assert!(matches!(
            Target::new("https://127.0.0.1", None),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            Target::new("not a url", None),
            Err(TargetError::Url { .. })
        ));
        assert!(matches!(
            Target::new("http://127.0.0.1", Some("bad\ntoken")),
            Err(TargetError::Token)
        ));
    }
}
