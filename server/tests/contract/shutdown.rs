//! Shutdown that cannot finish gracefully: what outlasts the grace period
//! is cut off before the store is closed, and nothing answered 2xx is lost.

use crate::support::{Backend, PATIENCE, TestServer, eventually, order_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

const UPGRADE: &[u8] = b"GET /ws/stations/grill HTTP/1.1\r\nHost: kds\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Promises a body it never sends: the request stays in flight.
const NEVER_FINISHED: &[u8] = b"POST /api/orders HTTP/1.1\r\nHost: kds\r\n\
    Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"station\":";

/// An order of about 58 KB, so a few dozen fill any socket buffer.
fn big_order() -> Value {
    let item = json!({
        "name": "x".repeat(80),
        "qty": 1,
        "modifiers": vec!["m".repeat(80); 20],
        "notes": "n".repeat(200),
    });
    let body = json!({"station": "grill", "items": vec![item; 30]});
    assert!(body.to_string().len() < 60_000);
    body
}

/// Whether the server still holds a TCP connection from `client` to
/// `server_port` open (established, or closed by the peer only), as the
/// kernel's table of this network namespace shows it.
fn server_holds(server_port: u16, client: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let port = |field: &str| {
            let hex = field.rsplit_once(':').unwrap().1;
            u16::from_str_radix(hex, 16).unwrap()
        };
        // 01 ESTABLISHED, 08 CLOSE_WAIT: the socket is still the server's.
        port(fields[1]) == server_port
            && port(fields[2]) == client
            && matches!(fields[3], "01" | "08")
    })
}

pub async fn what_outlasts_the_grace_period_is_cut_off_and_nothing_is_lost(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.shutdown_grace = Duration::from_millis(500);
        // The stuck session must still be stuck, not timed out, at shutdown.
        config.websocket.send_timeout = Duration::from_secs(300);
        config.websocket.dead_after = Duration::from_secs(300);
    })
    .await;
    let addr: std::net::SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    // A display that never reads, with a receive window of a few KB.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stuck_ws = socket.connect(addr).await.unwrap();
    stuck_ws.write_all(UPGRADE).await.unwrap();
    let mut stuck_post = TcpStream::connect(addr).await.unwrap();
    stuck_post.write_all(NEVER_FINISHED).await.unwrap();
    let stuck = [
        stuck_ws.local_addr().unwrap().port(),
        stuck_post.local_addr().unwrap().port(),
    ];
    eventually(|| async {
        stuck
            .iter()
            .all(|&c| server_holds(addr.port(), c))
            .then_some(())
    })
    .await;
    // About 7 MB of event frames for the display that does not read them:
    // more than its socket, and the server's, can hold.
    let big = big_order();
    let mut committed = Vec::new();
    for _ in 0..120 {
        let (status, order) = server.post("/api/orders", &big).await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        committed.push(order["id"].as_str().unwrap().to_owned());
    }
    // A till that goes on posting through the shutdown, keeping what got a 201.
    let posted = Arc::new(AtomicUsize::new(0));
    let till = {
        let (http, url) = (server.http.clone(), server.url("/api/orders"));
        let posted = posted.clone();
        tokio::spawn(async move {
            let mut created = Vec::new();
            for _ in 0..10_000 {
                let Ok(response) = http.post(&url).json(&order_body("grill")).send().await else {
                    break;
                };
                if response.status() == StatusCode::CREATED
                    && let Ok(order) = response.json::<Value>().await
                {
                    created.push(order["id"].as_str().unwrap().to_owned());
                    posted.fetch_add(1, Ordering::SeqCst);
                }
            }
            created
        })
    };
    eventually(|| async { (posted.load(Ordering::SeqCst) >= 3).then_some(()) }).await;
    // The grace period is half a second: well within the limit, which
    // the old shutdown (10 s for requests, 10 s more for sessions) missed.
    let server = tokio::time::timeout(PATIENCE / 2, server.restart())
        .await
        .expect("shutdown ends soon after its grace period");
    for client in stuck {
        assert!(
            !server_holds(addr.port(), client),
            "the connection from port {client} outlived the shutdown"
        );
    }
    committed.extend(tokio::time::timeout(PATIENCE, till).await.unwrap().unwrap());
    let (_, snapshot) = server.get("/api/stations/grill/orders").await;
    let kept: HashSet<&str> = snapshot["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|order| order["id"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = committed
        .iter()
        .filter(|id| !kept.contains(id.as_str()))
        .collect();
    assert!(lost.is_empty(), "answered 201 but gone: {lost:?}");
    drop((stuck_ws, stuck_post));
}
