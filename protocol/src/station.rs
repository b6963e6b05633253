//! Station names, and the `all` scope that means every station.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The reserved name that means "every station" (the expo view).
pub const ALL_STATIONS: &str = "all";

/// A kitchen station name: `^[a-z0-9][a-z0-9_-]{0,31}$`, never `all`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Station(String);

/// Why a station name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StationError {
    #[error(
        "station must be 1 to 32 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"
    )]
    Malformed,
    #[error("station \"all\" is reserved for the view of every station")]
    Reserved,
}

fn well_formed(name: &str) -> bool {
    let bytes = name.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    bytes.len() <= 32
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && rest
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

impl Station {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Station {
    type Err = StationError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if !well_formed(name) {
            Err(StationError::Malformed)
        } else if name == ALL_STATIONS {
            Err(StationError::Reserved)
        } else {
            Ok(Self(name.to_owned()))
        }
    }
}

impl<'de> Deserialize<'de> for Station {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Station {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a station path names: one station, or `all` of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StationScope {
    All,
    One(Station),
}

impl StationScope {
    /// Whether an order at `station` belongs to this scope.
    pub fn includes(&self, station: &Station) -> bool {
        match self {
            StationScope::All => true,
            StationScope::One(own) => own == station,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            StationScope::All => ALL_STATIONS,
            StationScope::One(station) => station.as_str(),
        }
    }
}

impl FromStr for StationScope {
    type Err = StationError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.parse::<Station>() {
            Ok(station) => Ok(StationScope::One(station)),
            Err(StationError::Reserved) => Ok(StationScope::All),
            Err(err) => Err(err),
        }
    }
}

impl fmt::Display for StationScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_shape() {
        for ok in ["grill", "a", "0", "bar-2", "cold_line", &"x".repeat(32)] {
            assert!(ok.parse::<Station>().is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "Grill",
            "-grill",
            "_x",
            "gr ill",
            "grill!",
            "é",
            &"x".repeat(33),
        ] {
            assert_eq!(
                bad.parse::<Station>(),
                Err(StationError::Malformed),
                "{bad}"
            );
        }
        assert_eq!("all".parse::<Station>(), Err(StationError::Reserved));
    }

    #[test]
    fn all_is_a_scope_not_a_station() {
        assert_eq!("all".parse::<StationScope>(), Ok(StationScope::All));
        let grill: Station = "grill".parse().unwrap();
        let bar: Station = "bar".parse().unwrap();
        assert!(StationScope::All.includes(&grill));
        assert!(StationScope::One(grill.clone()).includes(&grill));
        assert!(!StationScope::One(grill).includes(&bar));
    }
}
