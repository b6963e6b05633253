//! Configuration errors that point at the exact place to fix.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// A configuration problem: where it is (file and line, or the variable or
/// flag), which key, and what is wrong. `kds` prints it and exits with code 2
/// before the terminal is taken over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, environment variable or flag the bad value came from.
    pub origin: String,
    /// 1-based line in the file, when the value came from a file.
    pub line: Option<usize>,
    /// The dotted key (`timers.warn_after_secs`), empty when the file as a whole is bad.
    pub key: String,
    pub message: String,
}

impl ConfigError {
    /// A problem found in `file` at byte `span` of its `text`.
    pub fn in_file(
        file: &Path,
        text: &str,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            origin: file.display().to_string(),
            line: span.map(|s| line_of(text, s.start)),
            key: key.into(),
            message: message.into(),
        }
    }

    /// A problem with a value from an environment variable or a flag.
    pub fn in_setting(
        origin: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            origin: origin.into(),
            line: None,
            key: key.into(),
            message: message.into(),
        }
    }
}

/// The 1-based line that byte `offset` of `text` falls on.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].split(|b| *b == b'\n').count()
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ", key `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_file_line_and_key() {
        let text = "[display]\nstation = \"Grill\"\n";
        let at = text.find("\"Grill\"").unwrap();
        let err = ConfigError::in_file(
            Path::new("/etc/kds.toml"),
            text,
            Some(at..at + 7),
            "display.station",
            "bad name",
        );
        assert_eq!(
            err.to_string(),
            "/etc/kds.toml, line 2, key `display.station`: bad name"
        );
    }
}
