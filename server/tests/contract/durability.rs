//! A 2xx means committed: the real binary, killed with SIGKILL right after
//! answering, has the order after a restart.

use crate::support::{Backend, PATIENCE, order_body};
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// Starts `kds-server` and returns it with its base URL, read from the
/// start-up log line.
fn start(database: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kds-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database",
            database,
            "--log",
            "info",
        ])
        // Never pick up the developer's own config file.
        .args(["--config", "/dev/null"])
        .env_remove("KDS_TOKENS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kds-server starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let url = line[at + "listening on ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = tx.send(url);
            }
        }
    });
    let url = rx
        .recv_timeout(PATIENCE)
        .expect("the server says where it listens");
    (child, url)
}

pub async fn a_201_survives_kill_9(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database = backend.database(&dir).await;
    let database = &database.url;
    let http = reqwest::Client::new();
    let (mut child, base) = start(database);
    let mut created = Vec::new();
    for i in 0..5 {
        let response = http
            .post(format!("{base}/api/orders"))
            .header("Idempotency-Key", format!("kill-{i}"))
            .json(&order_body("grill"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        created.push(response.json::<serde_json::Value>().await.unwrap());
    }
    // SIGKILL right after the last 201: no shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let started = Instant::now();
    let (mut child, base) = start(database);
    assert!(started.elapsed() < PATIENCE);
    for order in &created {
        let response = http
            .get(format!(
                "{base}/api/orders/{}",
                order["id"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(&response.json::<serde_json::Value>().await.unwrap(), order);
    }
    // The events and the idempotency keys survived with them.
    let page: serde_json::Value = http
        .get(format!("{base}/api/stations/grill/events?since=0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["events"].as_array().unwrap().len(), 5);
    let repeat = http
        .post(format!("{base}/api/orders"))
        .header("Idempotency-Key", "kill-4")
        .json(&order_body("grill"))
        .send()
        .await
        .unwrap();
    assert_eq!(repeat.status(), StatusCode::OK);
    child.kill().unwrap();
    child.wait().unwrap();
}
