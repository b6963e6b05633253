//! The outbox: actions not yet answered by the server, kept in order in a
//! file so that neither a lost network nor a restart loses a bump.
//!
//! The file is an append-only log of JSON lines: a header, then one record
//! per change, `{"add": Action}` when an action is queued and `{"done": id}`
//! when the server answered it, each written and fsync'd before the engine
//! goes on. So a long outage costs one small write per action, not a rewrite
//! of the whole queue. The log is compacted (rewritten atomically with only
//! the actions still waiting) when it drains, and when answered records pile
//! up. A crash in the middle of a write leaves a torn last line, which is
//! dropped on load; any other damage moves the file aside (for a person to
//! look at) and the queue starts empty at the same path.
//!
//! At most [`MAX_QUEUED_ACTIONS`] wait: beyond that a new action is refused,
//! never silently dropped.

use crate::kept_file::{set_aside, write_atomically};
use crate::msg::{Action, MAX_QUEUED_ACTIONS};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The log's first line.
const HEADER: &str = r#"{"kds_queue":2}"#;
/// Answered records tolerated in the log before it is compacted.
const COMPACT_AFTER: usize = 1000;

/// Version 1 of the file: the whole queue as one JSON object, rewritten on
/// every change. Still read, then rewritten as a log.
#[derive(Deserialize)]
struct QueueFileV1 {
    version: u32,
    actions: VecDeque<Action>,
}

/// One line of the log after the header.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    Add(Action),
    Done(String),
}

/// The queue is at its cap: the action was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

/// Pending actions, oldest first, and the log that mirrors them.
#[derive(Debug)]
pub(crate) struct Outbox {
    path: PathBuf,
    actions: VecDeque<Action>,
    /// The log, open for appending; `None` until the first write (or after
    /// a failed one, which reopens it next time).
    file: Option<File>,
    /// `done` records in the log since it was last compacted.
    answered: usize,
    /// The most actions that may wait ([`MAX_QUEUED_ACTIONS`]; tests lower it).
    cap: usize,
}

impl Outbox {
    pub(crate) fn empty(path: PathBuf) -> Self {
        Self {
            path,
            actions: VecDeque::new(),
            file: None,
            answered: 0,
            cap: MAX_QUEUED_ACTIONS,
        }
    }

    /// Reads the queue file. A missing file is an empty queue. A file that
    /// cannot be read as a queue is moved aside (its new path is returned)
    /// and the queue starts empty at the same path: a bad file must never
    /// stop the screen, and what is queued from now on is kept again.
    pub(crate) fn load(path: PathBuf) -> (Self, Option<PathBuf>) {
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return (Self::empty(path), None),
            Err(err) => {
                tracing::error!(%err, path = %path.display(), "cannot read the action queue");
                let kept = keep_aside(&path);
                return (Self::empty(path), kept);
            }
        };
        match parse(&bytes) {
            Ok((actions, rewrite)) => {
                let mut outbox = Self {
                    actions,
                    ..Self::empty(path)
                };
                if rewrite && let Err(err) = outbox.compact() {
                    tracing::error!(%err, "cannot rewrite the action queue");
                }
                (outbox, None)
            }
            Err(why) => {
                tracing::error!(%why, path = %path.display(), "the action queue is unreadable");
                let kept = keep_aside(&path);
                (Self::empty(path), kept)
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.actions.len()
    }

    pub(crate) fn front(&self) -> Option<&Action> {
        self.actions.front()
    }

    /// The queued actions, oldest first.
    pub(crate) fn actions(&self) -> Vec<Action> {
        self.actions.iter().cloned().collect()
    }

    /// Queues an action and writes its record; refused at the cap. A write
    /// that fails is logged and the action kept in memory: it still goes
    /// out while this process lives.
    pub(crate) fn push(&mut self, action: Action) -> Result<(), Full> {
        if self.actions.len() >= self.cap {
            return Err(Full);
        }
        let record = Record::Add(action.clone());
        self.actions.push_back(action);
        self.log(&record);
        Ok(())
    }

    /// Drops the oldest action (the server answered it) and records that.
    pub(crate) fn pop_front(&mut self) -> Option<Action> {
        let action = self.actions.pop_front()?;
        if self.actions.is_empty() || self.answered + 1 >= COMPACT_AFTER {
            if let Err(err) = self.compact() {
                tracing::error!(%err, "cannot compact the action queue");
                self.log(&Record::Done(action.id.clone()));
            }
        } else {
            self.log(&Record::Done(action.id.clone()));
        }
        Some(action)
    }

    fn log(&mut self, record: &Record) {
        if let Err(err) = self.append(record) {
            // Keep going from memory; the next write opens the file again.
            self.file = None;
            tracing::error!(%err, "cannot write the action queue");
        }
    }

    /// Appends one record and makes it durable.
    fn append(&mut self, record: &Record) -> io::Result<()> {
        if let Record::Done(_) = record {
            self.answered += 1;
        }
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(open_log(&self.path)?),
        };
        file.write_all(&line)?;
        file.sync_data()
    }

    /// Rewrites the log with only the waiting actions, atomically, and
    /// appends to the new one from now on.
    fn compact(&mut self) -> io::Result<()> {
        self.file = None;
        let mut bytes = Vec::with_capacity(HEADER.len() + 1);
        bytes.extend_from_slice(HEADER.as_bytes());
        bytes.push(b'\n');
        for action in &self.actions {
            bytes.extend(
                serde_json::to_vec(&Record::Add(action.clone())).map_err(io::Error::other)?,
            );
            bytes.push(b'\n');
        }
        write_atomically(&self.path, &bytes)?;
        self.answered = 0;
        Ok(())
    }
}

/// Opens the log for appending, writing the header into a new one.
fn open_log(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    if file.metadata()?.len() == 0 {
        file.write_all(HEADER.as_bytes())?;
        file.write_all(b"\n")?;
    }
    Ok(file)
}

/// The waiting actions of a queue file, and whether it should be rewritten
/// (an old layout, answered records, a torn last line); or why it cannot be read.
fn parse(bytes: &[u8]) -> Result<(VecDeque<Action>, bool), String> {
    let text = std::str::from_utf8(bytes).map_err(|err| err.to_string())?;
    if !text.starts_with(HEADER) {
        let old: QueueFileV1 = serde_json::from_str(text).map_err(|err| err.to_string())?;
        if old.version != 1 {
            return Err(format!("unknown queue version {}", old.version));
        }
        return Ok((old.actions, true));
    }
    let mut actions: VecDeque<Action> = VecDeque::new();
    let mut rewrite = false;
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let torn_allowed = !text.ends_with('\n');
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(Record::Add(action)) => actions.push_back(action),
            Ok(Record::Done(id)) => {
                rewrite = true;
                match actions.front() {
                    Some(front) if front.id == id => {
                        actions.pop_front();
                    }
                    _ => {
                        return Err(format!(
                            "line {}: `done` for {id}, not the oldest action",
                            i + 2
                        ));
                    }
                }
            }
            // A crash in the middle of the last write: that record never was.
            Err(_) if torn_allowed && i + 1 == lines.len() => {
                tracing::warn!("dropping a torn last record of the action queue");
                rewrite = true;
            }
            Err(err) => return Err(format!("line {}: {err}", i + 2)),
        }
        if actions.len() > MAX_QUEUED_ACTIONS {
            return Err(format!("more than {MAX_QUEUED_ACTIONS} actions"));
        }
    }
    Ok((actions, rewrite))
}

/// Moves an unreadable queue file aside so a person can look at it;
/// returns where it went.
fn keep_aside(path: &Path) -> Option<PathBuf> {
    match set_aside(path) {
        Ok(aside) => {
            tracing::warn!(kept = %aside.display(), "the unreadable action queue was moved aside");
            Some(aside)
        }
        Err(err) => {
            tracing::error!(%err, "cannot move the corrupt queue aside");
            None
        }
    }
}

#[cfg(test)]
mod tests;
