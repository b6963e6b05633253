//! What a display had on its screen, kept in its data directory so that a
//! restart (a power cut, an upgrade, a crash) hides neither the tickets nor
//! a change from the cooks: the display starts with the tickets it had
//! (the server may not be reachable yet), the first snapshot after it marks
//! what changed while the display was off, as a reconnect's snapshot does,
//! and the changes no cook had looked at yet stay marked.
//!
//! One file per station, `seen-{station}.json`: a header line, then the
//! station's open orders and their unseen changes as one JSON object. It is
//! rewritten whole ([`write_atomically`]) at most once a second while the
//! orders change, and once more on quitting; an idle kitchen writes
//! nothing. It holds what the screen holds, so it is bounded as the screen
//! is. A file that cannot be read is logged and set aside ([`set_aside`]):
//! it only ever costs the marks, never an order, which the server still
//! has.

use crate::kept_file::{read_at_most, set_aside, write_atomically};
use crate::model::{Board, Seen};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The file's first line.
const HEADER: &str = r#"{"kds_seen":1}"#;
/// A file beyond this is not one this program wrote (the screen holds far
/// less): it is not read.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The station's file in the data directory.
pub fn path(data_dir: &Path, station: &str) -> PathBuf {
    data_dir.join(format!("seen-{station}.json"))
}

/// What the last run kept, if anything. A missing file is a first run; a
/// damaged one is logged, set aside as `*.corrupt` and taken as none.
pub fn load(path: &Path) -> Option<Seen> {
    match read(path) {
        Ok(seen) => seen,
        Err(reason) => {
            let aside = set_aside(path).map(|aside| aside.display().to_string());
            tracing::warn!(
                path = %path.display(),
                %reason,
                moved_to = aside.as_ref().ok(),
                "what the screen held before the restart could not be read; changes made meanwhile are not marked"
            );
            None
        }
    }
}

fn read(path: &Path) -> Result<Option<Seen>, String> {
    let Some(bytes) = read_at_most(path, MAX_FILE_BYTES).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
    let (header, body) = text.split_once('\n').ok_or("no header line")?;
    if header != HEADER {
        return Err(format!("unknown header {header:?}"));
    }
    // From bytes, as snapshots are read off HTTP: one copy of the orders'
    // parsing code in the binary, not two.
    serde_json::from_slice(body.as_bytes())
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The file's bytes for `board`: the header line, then
/// [`Board::write_seen`].
fn contents(board: &Board) -> serde_json::Result<Vec<u8>> {
    let mut bytes = format!("{HEADER}\n").into_bytes();
    board.write_seen(&mut bytes)?;
    Ok(bytes)
}

/// Keeps the file in step with the board, from the event loop.
pub struct Keeper {
    path: PathBuf,
    /// The board's revision last handed to a write.
    saved: u64,
    /// The write under way, if any: at most one at a time.
    saving: Option<JoinHandle<()>>,
}

impl Keeper {
    /// For a board at `revision` whose contents the file already holds (or
    /// that holds nothing worth keeping yet).
    pub fn new(path: PathBuf, revision: u64) -> Self {
        Self {
            path,
            saved: revision,
            saving: None,
        }
    }

    /// Called once a second: starts a write if the board changed and no
    /// write is under way (the next second catches up).
    pub fn tick(&mut self, board: &Board) {
        if self.saving.as_ref().is_some_and(|w| !w.is_finished()) {
            return;
        }
        self.saving = self.start(board);
    }

    /// On quitting: waits for the write under way, then writes the last
    /// changes, each for at most `grace`.
    pub async fn finish(mut self, board: &Board, grace: Duration) {
        if let Some(write) = self.saving.take() {
            let _ = tokio::time::timeout(grace, write).await;
        }
        if let Some(write) = self.start(board) {
            let _ = tokio::time::timeout(grace, write).await;
        }
    }

    fn start(&mut self, board: &Board) -> Option<JoinHandle<()>> {
        if self.saved == board.revision() {
            return None;
        }
        self.saved = board.revision();
        let bytes = match contents(board) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(error = %e, "what the screen holds could not be put in JSON");
                return None;
            }
        };
        let path = self.path.clone();
        Some(tokio::task::spawn_blocking(move || {
            if let Err(e) = write_atomically(&path, &bytes) {
                tracing::warn!(path = %path.display(), error = %e, "what the screen holds could not be kept for a restart");
            }
        }))
    }
}

#[cfg(test)]
mod tests;
