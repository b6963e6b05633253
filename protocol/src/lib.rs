//! The kds wire contract (version 1.1): the JSON types that travel between
//! `kds-server` and its clients, and the rules that make a request valid.
//!
//! Everything here is plain data with serde; nothing does I/O. The server and
//! the terminal client both build on these types so the two cannot drift apart.

mod error;
mod event;
mod limits;
mod order;
mod request;
mod session;
mod station;
mod stats;
mod status;
mod timestamp;
mod validate;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use event::{Event, EventKind, EventsPage, ServerFrame, Snapshot};
pub use limits::*;
pub use order::{Item, Kind, Order};
pub use request::{
    AddItemsRequest, CheckCreated, CheckDraft, DoneRequest, Edit, Field, ItemDraft,
    ItemVoidRequest, NewCheck, NewItem, NewOrder, OrderDraft, OrderPatch, PatchRequest,
    StatusChange, StatusMove, VoidRequest,
};
pub use session::Session;
pub use station::{Station, StationError, StationScope};
pub use stats::StationStats;
pub use status::Status;
pub use timestamp::Timestamp;
pub use validate::{Invalid, same_station, validate_idempotency_key};
