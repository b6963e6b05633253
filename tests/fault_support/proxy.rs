//! A TCP proxy between displays and the server that can break the link the
//! ways a kitchen network does: cut it (every connection closed, new ones
//! dropped), stall it (nothing forwarded, every socket left open), slow it
//! (each chunk delayed), or move it to a restarted server on a new port.

use super::PATIENCE;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forward everything, after `delay` per chunk.
    Pass { delay: Duration },
    /// Forward nothing; keep every socket open (a dead Wi-Fi bridge).
    Stall,
    /// Close every connection and drop new ones at once (a pulled cable).
    Cut,
}

/// The proxy: a listener on 127.0.0.1:0 and the switch that controls it.
pub struct FaultProxy {
    pub addr: SocketAddr,
    pub url: String,
    mode: watch::Sender<Mode>,
    target: Arc<Mutex<SocketAddr>>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding to `target`.
    pub async fn start(target: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, _) = watch::channel(Mode::Pass {
            delay: Duration::ZERO,
        });
        let target = Arc::new(Mutex::new(target));
        let task = tokio::spawn(accept_loop(listener, mode.clone(), Arc::clone(&target)));
        FaultProxy {
            addr,
            url: format!("http://{addr}"),
            mode,
            target,
            task,
        }
    }

    pub fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    pub fn stall(&self) {
        self.mode.send_replace(Mode::Stall);
    }

    /// Forwards again (held data included), with no delay.
    pub fn resume(&self) {
        self.slow(Duration::ZERO);
    }

    /// Forwards with `delay` before each chunk, both ways.
    pub fn slow(&self, delay: Duration) {
        self.mode.send_replace(Mode::Pass { delay });
    }

    /// Where new connections go from now on (a server restarted on another port).
    pub fn retarget(&self, target: SocketAddr) {
        *self.target.lock().unwrap() = target;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Connection tasks end too: they see the mode sender go away.
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    mode: watch::Sender<Mode>,
    target: Arc<Mutex<SocketAddr>>,
) {
    while let Ok((client, _)) = listener.accept().await {
        if *mode.borrow() == Mode::Cut {
            drop(client);
            continue;
        }
        let to = *target.lock().unwrap();
        tokio::spawn(connection(client, to, mode.subscribe()));
    }
}

/// One client connection: the server side is opened at once (as a router
/// would), then both directions are pumped until either ends or the link is cut.
async fn connection(client: TcpStream, target: SocketAddr, mode: watch::Receiver<Mode>) {
    let Ok(Ok(server)) = tokio::time::timeout(PATIENCE, TcpStream::connect(target)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(client_read, server_write, mode.clone());
    let down = pump(server_read, client_write, mode);
    // Both halves are dropped when this returns, which closes both sockets.
    tokio::join!(up, down);
}

/// Waits until traffic may flow; `None` once the link is cut (or the proxy gone).
async fn passing(mode: &mut watch::Receiver<Mode>) -> Option<Duration> {
    loop {
        match *mode.borrow_and_update() {
            Mode::Pass { delay } => return Some(delay),
            Mode::Cut => return None,
            Mode::Stall => {}
        }
        mode.changed().await.ok()?;
    }
}

/// Resolves when the link is cut (or the proxy is gone).
async fn cut(mut mode: watch::Receiver<Mode>) {
    let _ = mode.wait_for(|m| *m == Mode::Cut).await;
}

/// Copies one direction chunk by chunk, honouring the mode before each write.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut mode: watch::Receiver<Mode>) {
    let mut buf = vec![0_u8; 16 * 1024];
    let cut_off = cut(mode.clone());
    let work = async {
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // A stalled link holds what it read; it reads no more meanwhile.
            let Some(delay) = passing(&mut mode).await else {
                return;
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if to.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
        // The reading side ended: pass the end on, as TCP would.
        let _ = to.shutdown().await;
    };
    tokio::select! {
        () = work => {}
        () = cut_off => {}
    }
}
