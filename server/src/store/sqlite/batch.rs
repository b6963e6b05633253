//! The writes of a transaction, held back and sent to the writer's thread
//! as one job.
//!
//! Every job is a round trip between threads: a wake-up each way. A new
//! order is an `INSERT` into orders, one into events and the counters'
//! `UPDATE`; sent one by one they were most of the time between the POST
//! and the commit (see docs/benchmarks.md). Held back, they go with the
//! next read of the transaction or with its `COMMIT`, in one job.
//!
//! Each statement is prepared once and kept in the connection's cache
//! (see [`super::writer`]); the writer runs a fixed set of them, whatever a
//! client sends.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// Statements waiting to be sent, with their arguments.
#[derive(Default)]
pub(super) struct Batch {
    statements: Vec<(&'static str, Vec<Value>)>,
}

/// Statements taken from a batch, to run on the writer's connection.
pub(super) struct Statements(Vec<(&'static str, Vec<Value>)>);

impl Batch {
    /// Appends `statement` with its arguments, in the order of its
    /// parameters (`$1, $2, ...`).
    pub(super) fn push(&mut self, statement: &'static str, args: impl IntoIterator<Item = Value>) {
        self.statements
            .push((statement, args.into_iter().collect()));
    }

    /// The statements and their arguments, leaving the batch empty.
    pub(super) fn take(&mut self) -> Statements {
        Statements(std::mem::take(&mut self.statements))
    }
}

impl Statements {
    /// Runs each in turn; stops at the first that fails, so the statements
    /// after it (a `COMMIT` too) do not run.
    pub(super) fn run(&self, conn: &Connection) -> rusqlite::Result<()> {
        for (statement, args) in &self.0 {
            execute(conn, statement, args)?;
        }
        Ok(())
    }
}

/// Runs one statement and says how many rows it changed. `SQLite` numbers
/// `$1, $2, ...` by first appearance, and each of the writer's statements
/// names them in that order (checked in the tests), so they bind by
/// position.
pub(super) fn execute(
    conn: &Connection,
    statement: &str,
    args: &[Value],
) -> rusqlite::Result<usize> {
    conn.prepare_cached(statement)?
        .execute(params_from_iter(args))
}
