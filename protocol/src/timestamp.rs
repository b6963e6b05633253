//! Timestamps on the wire: RFC 3339, UTC, milliseconds (`2026-11-22T18:04:05.123Z`).

use chrono::{DateTime, Datelike, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A UTC instant with millisecond precision, written the way the contract wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Now, truncated to whole milliseconds so that what is stored and what is
    /// sent compare equal.
    pub fn now() -> Self {
        Self::from_millis(Utc::now().timestamp_millis())
    }

    /// From milliseconds since the Unix epoch; out-of-range values clamp to the epoch.
    pub fn from_millis(ms: i64) -> Self {
        Self(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
    }

    pub fn as_millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self::from_millis(value.timestamp_millis())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let utc = DateTime::parse_from_rfc3339(&text)
            .map_err(serde::de::Error::custom)?
            .with_timezone(&Utc);
        // RFC 3339 years have four digits: an offset that pushes the instant
        // outside them would give a timestamp that cannot be written back.
        if !(0..=9999).contains(&utc.year()) {
            return Err(serde::de::Error::custom(
                "timestamp outside the years 0000 to 9999 in UTC",
            ));
        }
        Ok(Self::from(utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_utc_with_milliseconds() {
        let ts = Timestamp::from_millis(1_795_370_645_123);
        assert_eq!(ts.to_string(), "2026-11-22T18:04:05.123Z");
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            "\"2026-11-22T18:04:05.123Z\""
        );
    }

    #[test]
    fn reads_any_rfc3339_offset() {
        let ts: Timestamp = serde_json::from_str("\"2026-11-22T19:04:05.123+01:00\"").unwrap();
        assert_eq!(ts, Timestamp::from_millis(1_795_370_645_123));
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }

    #[test]
    fn refuses_instants_it_could_not_write_back() {
        for edge in [
            "\"9999-12-31T23:59:59.999-01:00\"",
            "\"0000-01-01T00:00:00+01:00\"",
        ] {
            assert!(serde_json::from_str::<Timestamp>(edge).is_err(), "{edge}");
        }
        let last: Timestamp = serde_json::from_str("\"9999-12-31T23:59:59.999Z\"").unwrap();
        let again = serde_json::to_string(&last).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&again).unwrap(), last);
    }
}
