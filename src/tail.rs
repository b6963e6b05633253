//! `kds tail`: one line per event of a station on standard output, for
//! kitchen printers, logs and scripts. It rides the display's network
//! engine, so it resumes across reconnects and server failovers with
//! neither gap nor repeat, and it sends nothing.
//!
//! `--format json` writes each event as the contract's events page gives
//! it (`{"seq", "type", "at", "order"}`); `text` a short line for people.
//! A reader that goes away (`kds tail | head -n 3`) ends it quietly; a
//! refused token ends it with the server's reason.

use crate::config::Settings;
use crate::msg::{ConnState, NetEvent};
use crate::net::{self, NetConfig};
use chrono::{Local, TimeZone};
use kds_protocol::{Event, EventKind, Order};
use std::io::{self, Write};
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

/// Follows the station until the reader goes away, a signal, or a refused
/// token; `since` starts after that seq instead of from now.
pub async fn run(settings: Settings, format: Format, since: Option<i64>) -> Result<(), TailError> {
    let (to_app, mut news) = mpsc::channel(256);
    let config = NetConfig {
        since,
        ..NetConfig::watching(&settings)
    };
    let net = net::spawn(config, to_app);
    let result = follow(&mut news, format, since).await;
    net.shutdown().await;
    result
}

async fn follow(
    news: &mut mpsc::Receiver<NetEvent>,
    format: Format,
    since: Option<i64>,
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
            }
            NetEvent::Snapshot { snapshot, .. } => {
                // Where the stream starts; after `--since`, or a resume, it
                // means the events in between are no longer kept.
                if since.is_some() || !first_snapshot {
                    let mut err = io::stderr();
                    let _ = writeln!(
                        err,
                        "kds tail: the events before seq {} are no longer kept; following on from there",
                        snapshot.seq
                    );
                }
                first_snapshot = false;
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
