//! Several kds-server instances on one `PostgreSQL` database, as a kitchen
//! group behind a load balancer runs them. Skipped (and saying so) when
//! `KDS_TEST_DATABASE_URL` is unset; CI sets it.

// Test code: a failed unwrap is a failed test (clippy.toml allows it inside
// #[test] functions, but not in the helpers these tests share).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;
mod fanout;
mod outage;
#[path = "../pg_support/mod.rs"]
mod pg_support;
