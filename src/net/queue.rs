//! The outbox: actions not yet answered by the server, kept in order in a
//! file so that neither a lost network nor a restart loses a bump.
//!
//! The file is replaced atomically (write a temporary file, fsync, rename,
//! fsync the directory), so a power cut leaves the old queue or the new one,
//! never half of either.

use crate::msg::Action;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file layout's version; a file of another version is kept aside.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct QueueFile {
    version: u32,
    actions: VecDeque<Action>,
}

/// Pending actions, oldest first, and the file that mirrors them.
#[derive(Debug)]
pub(crate) struct Outbox {
    path: PathBuf,
    actions: VecDeque<Action>,
}

impl Outbox {
    pub(crate) fn empty(path: PathBuf) -> Self {
        Self {
            path,
            actions: VecDeque::new(),
        }
    }

    /// Reads the queue file. A missing file is an empty queue. A file that
    /// cannot be read as a queue is moved aside (its new path is returned)
    /// and the queue starts empty: a bad file must never stop the screen.
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
        match serde_json::from_slice::<QueueFile>(&bytes) {
            Ok(file) if file.version == FORMAT_VERSION => {
                let outbox = Self {
                    path,
                    actions: file.actions,
                };
                (outbox, None)
            }
            Ok(file) => {
                tracing::error!(version = file.version, "action queue of an unknown version");
                let kept = keep_aside(&path);
                (Self::empty(path), kept)
            }
            Err(err) => {
                tracing::error!(%err, path = %path.display(), "action queue is corrupt");
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

    pub(crate) fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    pub(crate) fn pop_front(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The queued actions, oldest first.
    pub(crate) fn actions(&self) -> Vec<Action> {
        self.actions.iter().cloned().collect()
    }

    /// The file's contents for the current queue.
    fn encode(&self) -> Vec<u8> {
        let file = QueueFile {
            version: FORMAT_VERSION,
            actions: self.actions.clone(),
        };
        // Plain strings, numbers and enums: serialising cannot fail.
        serde_json::to_vec_pretty(&file).unwrap_or_default()
    }

    /// Writes the queue to its file, off the async threads.
    pub(crate) async fn save(&self) -> io::Result<()> {
        let path = self.path.clone();
        let bytes = self.encode();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(io::Error::other)?
    }
}

/// Moves an unreadable queue file to `<name>.corrupt` so a person can look
/// at it; returns where it went.
fn keep_aside(path: &Path) -> Option<PathBuf> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".corrupt");
    let aside = PathBuf::from(aside);
    match fs::rename(path, &aside) {
        Ok(()) => Some(aside),
        Err(err) => {
            tracing::error!(%err, "cannot move the corrupt queue aside");
            None
        }
    }
}

/// Replaces `path` with `bytes` so that a crash leaves either the old file
/// or the new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let mut file = File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp, path)?;
    // Make the rename itself durable. Not every platform lets a directory be
    // opened and synced; the data is in place either way.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Step;
    use kds_protocol::{Status, Timestamp};

    pub(crate) fn action(n: u32) -> Action {
        Action {
            id: format!("a{n}"),
            order_id: format!("o{n}"),
            number: i64::from(n),
            step: Step::Bump {
                from: Status::Pending,
                to: Status::Preparing,
            },
            idempotency_key: format!("key-{n}"),
            made_at: Timestamp::from_millis(1_700_000_000_000),
        }
    }

    #[tokio::test]
    async fn a_saved_queue_loads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("queue-grill.json");
        let mut outbox = Outbox::empty(path.clone());
        for n in 1..=3 {
            outbox.push(action(n));
        }
        outbox.save().await.unwrap();
        assert_eq!(outbox.pop_front(), Some(action(1)));
        outbox.save().await.unwrap();

        let (loaded, corrupt) = Outbox::load(path.clone());
        assert!(corrupt.is_none());
        assert_eq!(loaded.actions(), vec![action(2), action(3)]);
        assert_eq!(loaded.front(), Some(&action(2)));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("queue-grill.json")]);
    }

    #[test]
    fn a_missing_file_is_an_empty_queue() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, corrupt) = Outbox::load(dir.path().join("none.json"));
        assert_eq!(outbox.len(), 0);
        assert!(corrupt.is_none());
    }

    #[test]
    fn a_corrupt_file_is_kept_aside_and_the_queue_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in [
            ("garbage.json", &b"{\"version\":1,\"actions\":[{\"id\":"[..]),
            ("future.json", &b"{\"version\":99,\"actions\":[]}"[..]),
            ("binary.json", &[0xff, 0xfe, 0x00][..]),
        ] {
            let path = dir.path().join(name);
            fs::write(&path, content).unwrap();
            let (outbox, kept) = Outbox::load(path.clone());
            assert_eq!(outbox.len(), 0, "{name}");
            let kept = kept.expect("kept aside");
            assert_eq!(fs::read(&kept).unwrap(), content, "{name}");
            assert!(!path.exists(), "{name}");
        }
    }

    #[test]
    fn a_queue_written_before_line_done_still_loads_and_done_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        let v1 = r#"{"version": 1, "actions": [{"id": "a1", "kind": "undo", "order_id": "o1",
            "number": 4, "from": "ready", "to": "preparing", "idempotency_key": "k1",
            "made_at": "2026-11-22T18:04:05.123Z"}]}"#;
        fs::write(&path, v1).unwrap();
        let (mut outbox, corrupt) = Outbox::load(path.clone());
        assert!(corrupt.is_none());
        assert_eq!(
            outbox.front().unwrap().step,
            Step::Undo {
                from: Status::Ready,
                to: Status::Preparing
            }
        );
        let mut done = action(2);
        done.step = Step::Done {
            item_id: "3".into(),
            done: true,
        };
        outbox.push(done.clone());
        write_atomically(&path, &outbox.encode()).unwrap();
        let (loaded, _) = Outbox::load(path);
        assert_eq!(loaded.actions()[1], done);
    }

    #[test]
    fn the_file_is_readable_json_with_a_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        let mut outbox = Outbox::empty(path.clone());
        outbox.push(action(7));
        write_atomically(&path, &outbox.encode()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["actions"][0]["idempotency_key"], "key-7");
        assert_eq!(json["actions"][0]["kind"], "bump");
    }
}
