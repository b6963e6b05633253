//! `GET /api/session`: kds-server's own extension of the contract, which
//! tells a client what its token may do, so a read-only screen can say so
//! before a cook presses a key.

use serde::{Deserialize, Serialize};

/// The caller's token as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// `viewer`, `display` or `pos` (`pos` on a server without tokens).
    pub role: String,
}
