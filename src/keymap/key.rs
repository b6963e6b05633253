//! One key with its modifiers, as the config names it and the terminal sends it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;
use std::str::FromStr;

/// A key press reduced to what bindings compare: the key and Ctrl/Alt (and
/// Shift for keys that are not characters; a character already says whether
/// Shift was held, `?` vs `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    code: KeyCode,
    modifiers: KeyModifiers,
}

/// Why a key name could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    #[error("empty key name")]
    Empty,
    #[error(
        "unknown key (use one character, or Enter, Space, Backspace, Esc, Tab, Left, Right, Up, Down, Home, End, PageUp, PageDown, Insert, Delete, F1-F24, optionally prefixed with Ctrl-, Alt-, Shift-)"
    )]
    Unknown,
}

/// Named keys and the names they are written with (the first is canonical).
const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Return", KeyCode::Enter),
    ("Space", KeyCode::Char(' ')),
    ("Backspace", KeyCode::Backspace),
    ("Esc", KeyCode::Esc),
    ("Escape", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Insert", KeyCode::Insert),
    ("Delete", KeyCode::Delete),
    ("Del", KeyCode::Delete),
];

const PREFIXES: &[(&str, KeyModifiers)] = &[
    ("ctrl-", KeyModifiers::CONTROL),
    ("alt-", KeyModifiers::ALT),
    ("shift-", KeyModifiers::SHIFT),
];

impl Key {
    fn normalized(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let (code, modifiers) = match code {
            // Shift is already in the character; Ctrl-letters arrive in either case.
            KeyCode::Char(c) => {
                let mods = modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
                let c = if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                (KeyCode::Char(c), mods)
            }
            // Terminals report Shift-Tab as BackTab, some with Shift set too.
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                (KeyCode::BackTab, modifiers - KeyModifiers::SHIFT)
            }
            KeyCode::BackTab => (KeyCode::BackTab, modifiers - KeyModifiers::SHIFT),
            other => (
                other,
                modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT),
            ),
        };
        Self { code, modifiers }
    }

    /// The key of a terminal key event.
    pub fn from_event(event: &KeyEvent) -> Self {
        Self::normalized(event.code, event.modifiers)
    }

    /// Ctrl-C, which always quits.
    pub fn ctrl_c() -> Self {
        Self::normalized(KeyCode::Char('c'), KeyModifiers::CONTROL)
    }
}

impl FromStr for Key {
    type Err = KeyParseError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let mut rest = name;
        let mut modifiers = KeyModifiers::NONE;
        // A prefix only counts when something follows it: "-" alone is the minus key.
        'prefixes: loop {
            for (prefix, modifier) in PREFIXES {
                if rest.len() > prefix.len()
                    && rest.is_char_boundary(prefix.len())
                    && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
                {
                    rest = &rest[prefix.len()..];
                    modifiers |= *modifier;
                    continue 'prefixes;
                }
            }
            break;
        }
        if rest.is_empty() {
            return Err(KeyParseError::Empty);
        }
        let mut chars = rest.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if c.is_control() {
                return Err(KeyParseError::Unknown);
            }
            return Ok(Self::normalized(KeyCode::Char(c), modifiers));
        }
        if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
            return Ok(Self::normalized(*code, modifiers));
        }
        if let Some(n) = rest
            .strip_prefix(['F', 'f'])
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=24).contains(n))
        {
            return Ok(Self::normalized(KeyCode::F(n), modifiers));
        }
        Err(KeyParseError::Unknown)
    }
}

impl fmt::Display for Key {
    /// Writes the key the way the config names it, so help and config agree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (prefix, modifier) in [
            ("Ctrl-", KeyModifiers::CONTROL),
            ("Alt-", KeyModifiers::ALT),
            ("Shift-", KeyModifiers::SHIFT),
        ] {
            if self.modifiers.contains(modifier) {
                f.write_str(prefix)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            code => match NAMED.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}
