//! The URLs of the contract, built segment by segment so a base URL with
//! a path prefix (`https://host/kds/`) works and a station name can never
//! inject a path.

use reqwest::Url;

/// The server's name as the footer shows it: `host:port`.
pub(crate) fn label(base: &Url) -> String {
    match (base.host_str(), base.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => base.to_string(),
    }
}

/// `base` with `segments` appended to its path.
fn with_path(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// `GET /api/stations/{station}/orders`
pub(crate) fn snapshot_url(base: &Url, station: &str) -> Url {
    with_path(base, &["api", "stations", station, "orders"])
}

/// `GET /api/stations/{station}/events?since=N&wait=S`
pub(crate) fn events_url(base: &Url, station: &str, since: i64, wait_secs: u64) -> Url {
    let mut url = with_path(base, &["api", "stations", station, "events"]);
    url.query_pairs_mut()
        .append_pair("since", &since.to_string())
        .append_pair("wait", &wait_secs.to_string());
    url
}

/// `GET /api/stations/{station}/stats`
pub(crate) fn stats_url(base: &Url, station: &str) -> Url {
    with_path(base, &["api", "stations", station, "stats"])
}

/// `GET /api/session`
pub(crate) fn session_url(base: &Url) -> Url {
    with_path(base, &["api", "session"])
}

/// `POST /api/orders/{id}/status`
pub(crate) fn status_url(base: &Url, order_id: &str) -> Url {
    with_path(base, &["api", "orders", order_id, "status"])
}

pub(crate) fn done_url(base: &Url, order_id: &str, item_id: &str) -> Url {
    with_path(base, &["api", "orders", order_id, "items", item_id, "done"])
}

/// `GET /ws/stations/{station}?since=N` on the WebSocket scheme that matches
/// the base (http -> ws, https -> wss). The token travels in a header, not
/// here, so it stays out of proxy logs.
pub(crate) fn ws_url(base: &Url, station: &str, since: Option<i64>) -> Url {
    let mut url = with_path(base, &["ws", "stations", station]);
    let scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    // Switching between special schemes (http/https/ws/wss) always succeeds.
    let _ = url.set_scheme(scheme);
    if let Some(since) = since {
        url.query_pairs_mut()
            .append_pair("since", &since.to_string());
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn builds_the_contract_paths() {
        let base = url("http://127.0.0.1:8080");
        assert_eq!(
            snapshot_url(&base, "grill").as_str(),
            "http://127.0.0.1:8080/api/stations/grill/orders"
        );
        assert_eq!(
            events_url(&base, "all", 42, 25).as_str(),
            "http://127.0.0.1:8080/api/stations/all/events?since=42&wait=25"
        );
        assert_eq!(
            status_url(&base, "01J/x").as_str(),
            "http://127.0.0.1:8080/api/orders/01J%2Fx/status"
        );
    }

    #[test]
    fn websocket_url_follows_the_scheme_and_carries_since() {
        assert_eq!(
            ws_url(&url("http://h:1"), "grill", None).as_str(),
            "ws://h:1/ws/stations/grill"
        );
        assert_eq!(
            ws_url(&url("https://kds.example/"), "bar", Some(7)).as_str(),
            "wss://kds.example/ws/stations/bar?since=7"
        );
    }

    #[test]
    fn keeps_a_path_prefix_and_drops_a_stray_query() {
        let base = url("https://h/kds/?x=1");
        assert_eq!(
            snapshot_url(&base, "grill").as_str(),
            "https://h/kds/api/stations/grill/orders"
        );
        let no_slash = url("https://h/kds");
        assert_eq!(
            ws_url(&no_slash, "grill", Some(0)).as_str(),
            "wss://h/kds/ws/stations/grill?since=0"
        );
    }

    #[test]
    fn labels_are_host_and_port() {
        assert_eq!(label(&url("http://b:2")), "b:2");
        assert_eq!(label(&url("https://kds.example")), "kds.example:443");
    }
}
