//! An order's place in the kitchen, and which moves between places are allowed.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an order stands. The moves are one step at a time, forward ("bump")
/// or back ("recall"/"undo").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Preparing,
    Ready,
    Completed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Preparing,
        Status::Ready,
        Status::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Preparing => "preparing",
            Status::Ready => "ready",
            Status::Completed => "completed",
        }
    }

    /// The status a bump moves to; `None` for a completed order.
    pub fn next(self) -> Option<Status> {
        match self {
            Status::Pending => Some(Status::Preparing),
            Status::Preparing => Some(Status::Ready),
            Status::Ready => Some(Status::Completed),
            Status::Completed => None,
        }
    }

    /// The status a recall moves back to; `None` for a pending order.
    pub fn prev(self) -> Option<Status> {
        match self {
            Status::Pending => None,
            Status::Preparing => Some(Status::Pending),
            Status::Ready => Some(Status::Preparing),
            Status::Completed => Some(Status::Ready),
        }
    }

    /// Whether the contract allows moving from `self` to `to` (one step either way).
    pub fn can_move_to(self, to: Status) -> bool {
        self.next() == Some(to) || self.prev() == Some(to)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_steps_are_allowed() {
        for from in Status::ALL {
            for to in Status::ALL {
                let distance = (from as i8 - to as i8).abs();
                assert_eq!(from.can_move_to(to), distance == 1, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn parses_its_own_names_only() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>(), Ok(st));
        }
        assert!("Pending".parse::<Status>().is_err());
        assert!("done".parse::<Status>().is_err());
    }
}
