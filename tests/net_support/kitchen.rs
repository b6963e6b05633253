//! The real server, stoppable and restartable, and a proxy in front of it.

use super::PATIENCE;
use kds_protocol::{Order, Snapshot, Status};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A real `kds-server` on 127.0.0.1 with its own `SQLite` file, that can be
/// stopped and started again on the same port and database.
pub struct Kitchen {
    server: Option<kds_server::RunningServer>,
    pub addr: SocketAddr,
    pub url: String,
    /// What it starts with each time (its address aside).
    config: kds_server::ServerConfig,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
    /// Sent with every request the test makes itself.
    pub token: Option<String>,
}

impl Kitchen {
    pub async fn start() -> Kitchen {
        Kitchen::with_tokens(Vec::new()).await
    }

    pub async fn with_tokens(tokens: Vec<kds_server::TokenConfig>) -> Kitchen {
        Kitchen::with(|config| config.tokens = tokens).await
    }

    /// A server whose configuration `adjust` changes from the default.
    pub async fn with(adjust: impl FnOnce(&mut kds_server::ServerConfig)) -> Kitchen {
        let dir = tempfile::tempdir().unwrap();
        let mut config = kds_server::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: format!("sqlite://{}", dir.path().join("kds.db").display()),
            ..kds_server::ServerConfig::default()
        };
        adjust(&mut config);
        let server = Self::spawn(&config).await;
        let addr = server.local_addr();
        config.listen = addr;
        Kitchen {
            server: Some(server),
            addr,
            url: server_url(addr),
            config,
            _dir: dir,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            token: None,
        }
    }

    async fn spawn(config: &kds_server::ServerConfig) -> kds_server::RunningServer {
        // The old socket on this port may take a moment to let go.
        let deadline = Instant::now() + PATIENCE;
        loop {
            match kds_server::spawn(config.clone()).await {
                Ok(server) => return server,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("server start failed, retrying: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => panic!("cannot start the server: {err}"),
            }
        }
    }

    /// Stops the server gracefully (each WebSocket gets close 1001).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            tokio::time::timeout(PATIENCE, server.shutdown())
                .await
                .expect("server shutdown hangs");
        }
    }

    /// Starts it again on the same address and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.server = Some(Self::spawn(&self.config).await);
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// The server's `/metrics` text.
    pub async fn metrics(&self) -> String {
        let response = self.http.get(format!("{}/metrics", self.url)).send();
        response.await.unwrap().text().await.unwrap()
    }

    /// Creates an order for `station`.
    pub async fn create(&self, station: &str, item: &str) -> Order {
        let body = serde_json::json!({"station": station, "items": [{"name": item, "qty": 1}]});
        let response = self
            .request(self.http.post(format!("{}/api/orders", self.url)))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "creating an order");
        response.json().await.unwrap()
    }

    /// Moves an order as another terminal would; returns the HTTP status.
    pub async fn set_status(&self, id: &str, to: Status, from: Status) -> u16 {
        self.request(
            self.http
                .post(format!("{}/api/orders/{id}/status", self.url)),
        )
        .json(&serde_json::json!({"status": to, "from": from}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
    }

    pub async fn order(&self, id: &str) -> Order {
        self.request(self.http.get(format!("{}/api/orders/{id}", self.url)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn snapshot(&self, station: &str) -> Snapshot {
        self.request(
            self.http
                .get(format!("{}/api/stations/{station}/orders", self.url)),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
    }

    /// (id, status) of the station's active orders, sorted by id: what a
    /// display's model must end up holding.
    pub async fn picture(&self, station: &str) -> Vec<(String, Status)> {
        let mut picture: Vec<_> = self
            .snapshot(station)
            .await
            .orders
            .into_iter()
            .map(|o| (o.id, o.status))
            .collect();
        picture.sort();
        picture
    }
}

pub fn server_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// A TCP proxy in front of a server that can refuse WebSocket upgrades the
/// way a badly configured reverse proxy does, while passing plain HTTP.
pub struct Proxy {
    pub url: String,
    block_ws: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr, refusal: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = server_url(listener.local_addr().unwrap());
        let block_ws = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let block = Arc::clone(&block_ws);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let block = block.load(std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(relay(client, target, block, refusal));
            }
        });
        Proxy {
            url,
            block_ws,
            task,
        }
    }

    /// From now on WebSocket upgrades pass through.
    pub fn allow_websockets(&self) {
        self.block_ws
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(mut client: TcpStream, target: SocketAddr, block_ws: bool, refusal: &str) {
    use tokio::io::AsyncWriteExt;
    if block_ws {
        // Look at the request line without taking it off the socket.
        let mut buf = [0_u8; 512];
        for _ in 0..100 {
            let Ok(n) = client.peek(&mut buf).await else {
                return;
            };
            if n == 0 {
                return;
            }
            let head = String::from_utf8_lossy(&buf[..n]);
            if head.contains("\r\n") || n == buf.len() {
                if head.starts_with("GET /ws/") {
                    let answer = format!(
                        "HTTP/1.1 {refusal}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = client.write_all(answer.as_bytes()).await;
                    let _ = client.shutdown().await;
                    return;
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
