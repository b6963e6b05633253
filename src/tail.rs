//! `kds tail`: one line per event of a station on standard output, for
//! kitchen printers, logs and scripts. It rides the display's network
//! engine, so it resumes across reconnects and server failovers with
//! neither gap nor repeat, and it sends nothing.
//!
//! `--format json` writes each event as the contract's events page gives
//! it (`{"seq", "type", "at", "order"}`); `text` a short line for people.
//! A reader that goes away (`kds tail | head -n 3`) ends it quietly; a
//! refused token ends it with the server's reason.
//!
//! With `--resume FILE` it keeps the seq of the last event it wrote in
//! FILE, and started again (the printer's box rebooted) goes on after it:
//! nothing made meanwhile is missed. The seq is kept after each burst of
//! events is written, so an event written just before a kill may come
//! again; none is skipped.

use crate::config::Settings;
use crate::kept_file::{read_at_most, set_aside, write_atomically};
use crate::msg::{ConnState, NetEvent};
use crate::net::{self, NetConfig};
use chrono::{Local, TimeZone};
use kds_protocol::{Event, EventKind, Order};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// How an event is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A short line for people: time, ticket, station, what happened.
    Text,
    /// The event object, as `GET /api/stations/{s}/events` gives it.
    Json,
}

/// Why tail stopped.
#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error("the server refused the token: {0}")]
    Unauthorized(String),
    #[error("cannot write: {0}")]
    Write(io::Error),
}

/// Where to start and where to keep the position.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// After this seq instead of from now (when `resume` holds none yet).
    pub since: Option<i64>,
    /// The file that keeps the seq of the last event written.
    pub resume: Option<PathBuf>,
}

/// Follows the station until the reader goes away, a signal, or a refused
/// token, from where `start` says.
pub async fn run(settings: Settings, format: Format, start: Start) -> Result<(), TailError> {
    let (to_app, mut news) = mpsc::channel(256);
    let kept = start.resume.as_deref().and_then(load_position);
    let since = kept.or(start.since);
    let config = NetConfig {
        since,
        ..NetConfig::watching(&settings)
    };
    let net = net::spawn(config, to_app);
    let mut position = start.resume.map(Position::new);
    let result = follow(&mut news, format, since, position.as_mut()).await;
    net.shutdown().await;
    result
}

/// The seq a `--resume` file holds, if any. A file that holds none is
/// said on stderr and set aside as `*.corrupt`; tail then starts from
/// `--since`, or from now.
fn load_position(path: &Path) -> Option<i64> {
    // A seq is at most 19 digits and a newline.
    let why = match read_at_most(path, 64) {
        Ok(None) => return None,
        Ok(Some(bytes)) => {
            let seq = std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| text.trim().parse::<i64>().ok());
            match seq {
                Some(seq) if seq >= 0 => return Some(seq),
                _ => "does not hold an event seq".to_owned(),
            }
        }
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            format!("does not hold an event seq: {err}")
        }
        Err(err) => {
            say(&format!("cannot read {}: {err}", path.display()));
            return None;
        }
    };
    let aside = set_aside(path).map_or_else(
        |err| format!("could not be set aside: {err}"),
        |aside| format!("set aside as {}", aside.display()),
    );
    say(&format!(
        "{} {why} ({aside}); starting without it",
        path.display()
    ));
    None
}

/// A line on stderr; a closed stderr is no reason to stop.
fn say(message: &str) {
    let _ = writeln!(io::stderr(), "kds tail: {message}");
}

/// The `--resume` file, kept in step with what was written.
struct Position {
    path: PathBuf,
    /// The seq last kept, so that nothing is written twice.
    kept: Option<i64>,
    /// The last write failed and was said: say so again only once it works.
    failing: bool,
}

impl Position {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            kept: None,
            failing: false,
        }
    }

    /// Keeps `seq`. A file that cannot be written (a full disk) is said
    /// once and tail goes on: a restart would then repeat lines, not lose
    /// them.
    fn keep(&mut self, seq: i64) {
        if self.kept == Some(seq) {
            return;
        }
        // On the runtime's one thread: an fsync holds up only the next
        // event, which tail would be writing after this anyway.
        match write_atomically(&self.path, format!("{seq}\n").as_bytes()) {
            Ok(()) => {
                if self.failing {
                    say(&format!("{} is kept again", self.path.display()));
                }
                self.kept = Some(seq);
                self.failing = false;
            }
            Err(err) => {
                if !self.failing {
                    say(&format!(
                        "cannot keep the position in {}: {err}",
                        self.path.display()
                    ));
                }
                self.failing = true;
            }
        }
    }
}

async fn follow(
    news: &mut mpsc::Receiver<NetEvent>,
    format: Format,
    since: Option<i64>,
    mut position: Option<&mut Position>,
) -> Result<(), TailError> {
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return Err(TailError::Write(io::Error::other(
            "cannot watch for signals",
        )));
    };
    let mut out = io::stdout().lock();
    let mut first_snapshot = true;
    loop {
        let event = tokio::select! {
            event = news.recv() => event,
            _ = terminate.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
        };
        let Some(event) = event else { return Ok(()) };
        match event {
            NetEvent::Events { events, .. } => {
                for event in &events {
                    match write_event(&mut out, event, format) {
                        Ok(()) => {}
                        // The reader went away (`| head`): nothing left to do.
                        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                        Err(err) => return Err(TailError::Write(err)),
                    }
                }
                // Once per burst: a reconnect's catch-up of hundreds of
                // events is one write to the disk, not hundreds.
                if let (Some(position), Some(last)) = (position.as_deref_mut(), events.last()) {
                    position.keep(last.seq);
                }
            }
            NetEvent::Snapshot { snapshot, .. } => {
                // Where the stream starts; after `--since`, or a resume, it
                // means the events in between are no longer kept.
                match since {
                    // A position kept against another database (the
                    // server's was replaced): its events start afresh.
                    Some(since) if first_snapshot && snapshot.seq < since => say(&format!(
                        "the server's events end at seq {}, before the seq {since} this started after; following on from there",
                        snapshot.seq
                    )),
                    _ if since.is_some() || !first_snapshot => say(&format!(
                        "the events before seq {} are no longer kept; following on from there",
                        snapshot.seq
                    )),
                    _ => {}
                }
                first_snapshot = false;
                if let Some(position) = position.as_deref_mut() {
                    position.keep(snapshot.seq);
                }
            }
            NetEvent::Connection(ConnState::Unauthorized { message }) => {
                return Err(TailError::Unauthorized(message));
            }
            _ => {}
        }
    }
}

fn write_event(out: &mut impl Write, event: &Event, format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *out, event).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Format::Text => writeln!(out, "{}", text_line(event))?,
    }
    // A printer waits for whole lines: each goes out as it comes.
    out.flush()
}

/// `18:04:05 #42 grill created pending · table 4: 2× Burger (no onion), 1× Fries · ! NUT ALLERGY`
pub fn text_line(event: &Event) -> String {
    let order = &event.order;
    let when = Local
        .timestamp_millis_opt(event.at.as_millis())
        .single()
        .map_or_else(
            || event.at.to_string(),
            |t| t.format("%H:%M:%S").to_string(),
        );
    let what = match event.kind {
        EventKind::Created => "created",
        EventKind::StatusChanged => "moved to",
        EventKind::Updated => "changed",
    };
    let mut line = format!(
        "{when} #{} {} {what} {}",
        order.number, order.station, order.status
    );
    if let Some(place) = order
        .table
        .as_deref()
        .map(|t| format!("table {t}"))
        .or_else(|| order.customer.clone())
    {
        line.push_str(" · ");
        line.push_str(&place);
    }
    line.push_str(": ");
    line.push_str(&lines(order));
    if let Some(notes) = order.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        line.push_str(" · ! ");
        line.push_str(notes);
    }
    if order.is_voided() {
        line.push_str(" · VOID");
        if let Some(reason) = &order.void_reason {
            line.push_str(": ");
            line.push_str(reason);
        }
    }
    // One event, one line, whatever the till typed.
    line.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `2× Burger (no onion), VOID 1× Fries, done 1× Salad`
fn lines(order: &Order) -> String {
    let lines: Vec<String> = order
        .items
        .iter()
        .map(|item| {
            let mark = if item.voided_at.is_some() {
                "VOID "
            } else if item.done_at.is_some() {
                "done "
            } else {
                ""
            };
            if item.modifiers.is_empty() {
                format!("{mark}{}× {}", item.qty, item.name)
            } else {
                let modifiers = item.modifiers.join(", ");
                format!("{mark}{}× {} ({modifiers})", item.qty, item.name)
            }
        })
        .collect();
    lines.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_reads_back_and_a_damaged_one_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("printer.seq");
        assert_eq!(load_position(&path), None, "none yet");
        let mut position = Position::new(path.clone());
        position.keep(41);
        position.keep(42);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "42\n");
        assert_eq!(load_position(&path), Some(42));

        let long = "1".repeat(100);
        // A seq, then more than a seq's file holds.
        let padded = format!("42{}", " ".repeat(100));
        let damaged: [&[u8]; 7] = [
            b"",
            b"forty-two",
            b"-3",
            b"42 43",
            long.as_bytes(),
            padded.as_bytes(),
            b"4\xff2",
        ];
        for damaged in damaged {
            std::fs::write(&path, damaged).unwrap();
            assert_eq!(load_position(&path), None, "{damaged:?}");
            assert!(!path.exists(), "{damaged:?} set aside");
            let aside = dir.path().join("printer.seq.corrupt");
            assert_eq!(std::fs::read(&aside).unwrap(), damaged);
        }
    }

    #[test]
    fn a_position_that_cannot_be_written_is_kept_once_it_can() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file's folder should be: every write fails.
        let blocker = dir.path().join("state");
        std::fs::write(&blocker, "not a directory").unwrap();
        let mut position = Position::new(blocker.join("printer.seq"));
        position.keep(7);
        assert!(position.failing);
        assert_eq!(position.kept, None);
        std::fs::remove_file(&blocker).unwrap();
        position.keep(8);
        assert!(!position.failing);
        assert_eq!(load_position(&blocker.join("printer.seq")), Some(8));
    }

    fn event(json: serde_json::Value) -> Event {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn json_lines_are_the_contracts_event_objects() {
        let e = event(serde_json::json!({
            "seq": 7, "type": "updated", "at": "2026-11-22T18:04:05.123Z",
            "order": {"id": "o1", "number": 42, "station": "grill", "status": "preparing",
                "items": [{"id": "1", "name": "Burger", "qty": 2, "modifiers": ["no onion"]},
                          {"id": "2", "name": "Fries", "qty": 1, "voided_at": "2026-11-22T18:04:05.123Z"}],
                "table": "4", "notes": "NUT\nALLERGY",
                "created_at": "2026-11-22T18:04:05.123Z", "updated_at": "2026-11-22T18:04:05.123Z",
                "status_at": "2026-11-22T18:04:05.123Z", "version": 3}
        }));
        let mut out = Vec::new();
        write_event(&mut out, &e, Format::Json).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back["seq"], 7);
        assert_eq!(back["type"], "updated");
        assert_eq!(back["order"]["items"][1]["id"], "2");
        assert_eq!(out.last(), Some(&b'\n'));
        assert!(!out[..out.len() - 1].contains(&b'\n'), "one line");

        let text = text_line(&e);
        assert!(text.contains("#42 grill changed preparing · table 4: 2× Burger (no onion), VOID 1× Fries · ! NUT ALLERGY"), "{text}");
        assert!(!text.contains('\n'));
    }
}
