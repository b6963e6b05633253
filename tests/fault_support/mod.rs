//! The fault suite's harness: a proxy that breaks the link on command, the
//! server in a process of its own (to SIGKILL it or fill its disk), a
//! display made of the real engine, model and update, and the HTTP API.
//!
//! It builds on the other suites' harnesses rather than beside them: the
//! in-process server and the upgrade-refusing proxy are `net_support`'s, the
//! real binary in a pseudo-terminal is `support::pty`'s.
#![allow(dead_code)]
// each test binary uses its own part of the support code
// Test support runs only inside tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

pub mod api;
pub mod display;
pub mod proxy;
pub mod screen;
pub mod server;

use std::future::Future;
use std::time::Duration;

/// Upper bound on any single wait in the fault suite.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Polls `check` until it returns `Some`, at most [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: never happened within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
