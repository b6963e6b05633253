//! Fresh `PostgreSQL` databases for tests, made from `KDS_TEST_DATABASE_URL`.
//!
//! Each test gets a database of its own (so tests run in parallel, and
//! LISTEN channels, which are per database, never cross), dropped when the
//! guard is. Shared by the server's contract and multi-instance tests and
//! the client's failover test (included with `#[path]`).

// Test support code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use sqlx::{Connection, Executor, PgConnection};
use std::io::Write;
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the tests find the server (any database on it; new ones are made).
pub const URL_VAR: &str = "KDS_TEST_DATABASE_URL";
const PREFIX: &str = "kds_t_";
/// Databases left behind by runs that were killed are dropped after this.
const STALE_AFTER: Duration = Duration::from_secs(3600);
/// The sweep of stale databases runs once per test process.
static SWEEP: Once = Once::new();

/// The server's URL, or `None` after saying on stderr that `test` is
/// skipped. Written past the test harness's capture, so it shows even
/// when the test passes.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: {URL_VAR} is unset (set it to a PostgreSQL URL to run it)"
            );
            None
        }
    }
}

/// A database that exists for as long as this guard.
pub struct FreshDatabase {
    /// Connect here.
    pub url: String,
    pub name: String,
    admin: String,
}

impl FreshDatabase {
    /// Creates an empty database; fails the test when the server cannot be
    /// reached (CI must not pass by skipping).
    pub async fn create(admin: &str) -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let name = format!("{PREFIX}{secs}_{:08x}", rand::random::<u32>());
        let mut conn = PgConnection::connect(admin)
            .await
            .unwrap_or_else(|err| panic!("{URL_VAR}={admin} is unreachable: {err}"));
        let mut sweep = false;
        SWEEP.call_once(|| sweep = true);
        if sweep {
            drop_stale(&mut conn, secs).await;
        }
        // template0: never in use, so parallel creations cannot clash on it.
        conn.execute(format!("CREATE DATABASE {name} TEMPLATE template0").as_str())
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        let mut url = reqwest::Url::parse(admin).expect("a URL");
        url.set_path(&format!("/{name}"));
        Self {
            url: url.to_string(),
            name,
            admin: admin.to_owned(),
        }
    }

    /// Ends every session on this database (as a restart of the database
    /// server would, without disturbing other tests); returns how many.
    pub async fn terminate_sessions(&self) -> i64 {
        let mut conn = PgConnection::connect(&self.admin).await.unwrap();
        let ended: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()
             ) AS ended",
        )
        .bind(&self.name)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
        ended
    }

    /// Refuses (`false`) or allows new connections to this database.
    pub async fn allow_connections(&self, allow: bool) {
        let mut conn = PgConnection::connect(&self.admin).await.unwrap();
        conn.execute(format!("ALTER DATABASE {} ALLOW_CONNECTIONS {allow}", self.name).as_str())
            .await
            .unwrap();
        conn.close().await.ok();
    }
}

impl Drop for FreshDatabase {
    /// Best effort: a database left behind is swept by a later run.
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Drop cannot await, and may run inside a runtime: use a thread with
        // a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&admin).await?;
                conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                conn.close().await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(std::io::stderr(), "could not drop database {}", self.name);
        }
    }
}

/// Drops the test databases of runs that ended without cleaning up.
async fn drop_stale(conn: &mut PgConnection, now: u64) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'kds\\_t\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for name in names {
        let made = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if made.is_some_and(|made| now.saturating_sub(made) > STALE_AFTER.as_secs()) {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}
