//! Changes to orders, as the events API and the WebSocket carry them.

use crate::{Order, Timestamp};
use serde::{Deserialize, Serialize};

/// What happened to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    StatusChanged,
    Updated,
}

/// One change of one order; `order` is its state after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub at: Timestamp,
    pub order: Order,
}

/// `GET /api/stations/{station}/events`: events with seq > since, ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsPage {
    /// The newest seq this page accounts for; resume with `since=seq`.
    pub seq: i64,
    pub events: Vec<Event>,
}

/// `GET /api/stations/{station}/orders`, and the WebSocket's snapshot frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The newest event seq whose effect the snapshot includes.
    pub seq: i64,
    /// Orders not yet completed, oldest first.
    pub orders: Vec<Order>,
    /// The last completed orders, newest first.
    pub recent: Vec<Order>,
}

/// A text frame from the server on the WebSocket.
#[expect(
    clippy::large_enum_variant,
    reason = "a frame is built, sent or read, and dropped; boxing the order would add an allocation per event for nothing"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Snapshot(Snapshot),
    Event {
        seq: i64,
        event: EventKind,
        at: Timestamp,
        order: Order,
    },
}

impl From<Event> for ServerFrame {
    fn from(event: Event) -> Self {
        ServerFrame::Event {
            seq: event.seq,
            event: event.kind,
            at: event.at,
            order: event.order,
        }
    }
}

impl ServerFrame {
    /// The event this frame carries, if it is an event frame.
    pub fn into_event(self) -> Result<Event, Snapshot> {
        match self {
            ServerFrame::Event {
                seq,
                event,
                at,
                order,
            } => Ok(Event {
                seq,
                kind: event,
                at,
                order,
            }),
            ServerFrame::Snapshot(snapshot) => Err(snapshot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order_json() -> serde_json::Value {
        json!({
            "id": "o1", "number": 7, "station": "grill", "status": "pending",
            "items": [{"name": "Burger", "qty": 1}],
            "created_at": "2026-11-22T18:04:05.123Z",
            "updated_at": "2026-11-22T18:04:05.123Z",
            "status_at": "2026-11-22T18:04:05.123Z",
            "version": 1,
            "some_future_field": true
        })
    }

    #[test]
    fn frames_read_as_the_contract_writes_them() {
        let event: ServerFrame = serde_json::from_value(json!({
            "type": "event", "seq": 12, "event": "status_changed",
            "at": "2026-11-22T18:04:05.123Z", "order": order_json()
        }))
        .unwrap();
        let event = event.into_event().unwrap();
        assert_eq!(event.seq, 12);
        assert_eq!(event.kind, EventKind::StatusChanged);
        assert_eq!(event.order.kind, crate::Kind::DineIn);

        let snapshot: ServerFrame = serde_json::from_value(json!({
            "type": "snapshot", "seq": 3, "orders": [order_json()], "recent": []
        }))
        .unwrap();
        assert!(matches!(
            snapshot,
            ServerFrame::Snapshot(Snapshot { seq: 3, .. })
        ));
    }

    #[test]
    fn events_round_trip_through_frames() {
        let order: crate::Order = serde_json::from_value(order_json()).unwrap();
        let event = Event {
            seq: 5,
            kind: EventKind::Created,
            at: order.created_at,
            order,
        };
        let frame = serde_json::to_value(ServerFrame::from(event.clone())).unwrap();
        assert_eq!(frame["type"], "event");
        assert_eq!(frame["event"], "created");
        let back: ServerFrame = serde_json::from_value(frame).unwrap();
        assert_eq!(back.into_event().unwrap(), event);
        let http = serde_json::to_value(&event).unwrap();
        assert_eq!(http["type"], "created");
    }
}
