//! The writer's connection, on a thread of its own.
//!
//! Every write transaction runs its statements here, one job at a time,
//! and each job answers through one oneshot: after the commit's fsync the
//! waiting request is woken once. sqlx's worker thread answered through a
//! channel whose wake-ups (one while it still held the channel's lock, one
//! more when the channel closed) took more of the way from the fsync to the
//! first client's frame than all the rest (docs/benchmarks.md, "between the
//! fsync and the first frame"). Reads stay on sqlx's pool, beside this
//! connection in WAL mode.
//!
//! Writers take turns: [`Writer::turn`] hands out the one permit, in the
//! order they asked, and only its holder sends jobs. So the queue holds at
//! most the holder's job and the `ROLLBACK` of a holder that gave up.

use super::super::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// How long a write waits for its turn before it is refused (503).
const TURN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a statement waits for a lock held by a reader (in memory) or
/// by another process, as the readers wait.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept: the writer runs sixteen different ones.
const STATEMENT_CACHE: usize = 32;

/// Where the database is.
#[derive(Debug, Clone)]
pub(super) enum Place {
    /// A file, in WAL mode.
    File(PathBuf),
    /// A database in this process's memory (`memdb`), shared by name with
    /// the readers; it lives while a connection to it is open.
    Memory(String),
}

/// A job for the writer's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

enum Message {
    Run(Job),
    /// Close the connection and end the thread, then say so.
    Close(oneshot::Sender<()>),
}

/// The writer's thread, as every clone of the store holds it.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Message>,
    turns: Arc<Semaphore>,
}

/// One writer's turn: while it is held, nobody else sends jobs.
pub(super) struct Turn {
    jobs: mpsc::Sender<Message>,
    _permit: OwnedSemaphorePermit,
}

impl Writer {
    /// Opens the connection on a new thread.
    pub(super) async fn open(place: Place) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel();
        let (opened, open) = oneshot::channel();
        std::thread::Builder::new()
            .name("kds-sqlite-writer".to_owned())
            .spawn(move || match connect(&place) {
                Ok(conn) => {
                    let _ = opened.send(Ok(()));
                    serve(conn, &queue);
                }
                Err(err) => {
                    let _ = opened.send(Err(err));
                }
            })
            .map_err(|err| StoreError::Writer(format!("cannot start its thread: {err}")))?;
        open.await.map_err(|_| gone())??;
        Ok(Self {
            jobs,
            turns: Arc::new(Semaphore::new(1)),
        })
    }

    /// Waits for this writer's turn, in the order the writers asked.
    pub(super) async fn turn(&self) -> Result<Turn, StoreError> {
        let permit = tokio::time::timeout(TURN_TIMEOUT, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| {
                StoreError::Writer(format!("busy: no turn within {}s", TURN_TIMEOUT.as_secs()))
            })?
            .map_err(|_| StoreError::Writer("closed".to_owned()))?;
        Ok(Turn {
            jobs: self.jobs.clone(),
            _permit: permit,
        })
    }

    /// Waits for the write in progress, refuses later ones and closes the
    /// connection (which checkpoints the WAL).
    pub(super) async fn close(&self) {
        let turn = self.turn().await;
        self.turns.close();
        // A write still running after the wait: the connection closes when
        // the last clone of the store goes.
        if let Ok(turn) = turn {
            let (done, closed) = oneshot::channel();
            if turn.jobs.send(Message::Close(done)).is_ok() {
                let _ = closed.await;
            }
        }
    }
}

impl Turn {
    /// Runs `job` on the writer's connection and waits for its answer. A
    /// call given up (its future dropped) still runs, in its place.
    pub(super) async fn call<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        self.send(move |conn| {
            let _ = answer.send(job(conn));
        })?;
        Ok(answered.await.map_err(|_| gone())??)
    }

    /// Queues `job` without waiting for it.
    pub(super) fn send(
        &self,
        job: impl FnOnce(&mut Connection) + Send + 'static,
    ) -> Result<(), StoreError> {
        self.jobs
            .send(Message::Run(Box::new(job)))
            .map_err(|_| gone())
    }
}

/// The job went unanswered: it panicked, or the thread has stopped.
fn gone() -> StoreError {
    StoreError::Writer("the write got no answer from its thread".to_owned())
}

fn serve(mut conn: Connection, queue: &mpsc::Receiver<Message>) {
    // Ends when every clone of the store has gone, or on `close`.
    while let Ok(message) = queue.recv() {
        match message {
            Message::Run(job) => {
                // A panic in a job (a bug) ends that write, as one in a
                // request ends its task, not the writer every station
                // needs: its caller gets no answer, and what it left open
                // is rolled back here.
                if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
                    tracing::error!("a write panicked on the SQLite writer's thread");
                    if !conn.is_autocommit()
                        && let Err(err) = conn.execute_batch("ROLLBACK")
                    {
                        tracing::error!(%err, "rolling back the write that panicked");
                    }
                }
            }
            Message::Close(done) => {
                if let Err((_, err)) = conn.close() {
                    tracing::warn!(%err, "closing the SQLite writer");
                }
                let _ = done.send(());
                return;
            }
        }
    }
}

fn connect(place: &Place) -> Result<Connection, StoreError> {
    // NO_MUTEX: only this thread uses the connection.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let (conn, journal) = match place {
        Place::File(path) => (Connection::open_with_flags(path, flags)?, "WAL"),
        // memdb keeps no journal of its own: a rollback journal file would
        // go beside the name, on disk.
        Place::Memory(name) => (
            Connection::open_with_flags_and_vfs(name, flags, "memdb")?,
            "MEMORY",
        ),
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode answers with a row: read, not executed.
    let _: String = conn.query_row(&format!("PRAGMA journal_mode = {journal}"), [], |row| {
        row.get(0)
    })?;
    // A commit is durable before the 2xx is sent, even against power loss.
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}
