//! Which key does what: the `[keys]` table of the config, with the defaults.
//!
//! Keys are read through the keymap, never compared in `update`, so every
//! action can be remapped (a bump bar is just a keyboard that sends other keys).
//! Ctrl-C always quits, whatever the config says: a cook must never be stuck.

mod key;

pub use key::{Key, KeyParseError};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::BTreeMap;

/// What a key press asks for. Its names in [`DEFAULT_BINDINGS`] are the config keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAction {
    /// Focus the column to the left.
    Left,
    /// Focus the column to the right.
    Right,
    /// Select the ticket above (or the previous line of a list).
    Up,
    /// Select the ticket below.
    Down,
    /// Move the focused ticket one step on (in the recall list: bring it back).
    Bump,
    /// Move the order bumped last at this terminal one step back.
    Undo,
    /// Bump the nth (1..=9) visible ticket of the focused column, bump-bar style.
    BumpNth(u8),
    /// Step into the focused ticket to mark its lines done (and out again).
    Items,
    /// Mark the highlighted line done, or not done any more.
    Done,
    /// Show or hide the all-day counts.
    AllDay,
    /// Open or close the list of recently completed orders.
    Recall,
    /// Open or close the help overlay.
    Help,
    /// Close whatever overlay is open (or the footer message).
    Close,
    /// Leave kds.
    Quit,
}

/// Every action in config order, with its `[keys]` name and default keys.
///
/// The lead copies this table into `config.example.toml`.
pub const DEFAULT_BINDINGS: &[(&str, &[&str])] = &[
    ("left", &["Left", "h"]),
    ("right", &["Right", "l"]),
    ("up", &["Up", "k"]),
    ("down", &["Down", "j"]),
    ("bump", &["Enter", "Space"]),
    ("undo", &["Backspace", "u"]),
    ("bump_1", &["1"]),
    ("bump_2", &["2"]),
    ("bump_3", &["3"]),
    ("bump_4", &["4"]),
    ("bump_5", &["5"]),
    ("bump_6", &["6"]),
    ("bump_7", &["7"]),
    ("bump_8", &["8"]),
    ("bump_9", &["9"]),
    ("items", &["i", "Tab"]),
    ("done", &["d"]),
    ("all_day", &["a"]),
    ("recall", &["r"]),
    ("help", &["?"]),
    ("close", &["Esc"]),
    ("quit", &["q", "Ctrl-c"]),
];

/// The action names accepted in the `[keys]` table, in config order.
pub fn action_names() -> impl Iterator<Item = &'static str> {
    DEFAULT_BINDINGS.iter().map(|(name, _)| *name)
}

impl KeyAction {
    /// The action a `[keys]` name stands for.
    pub fn from_name(name: &str) -> Option<KeyAction> {
        Some(match name {
            "left" => KeyAction::Left,
            "right" => KeyAction::Right,
            "up" => KeyAction::Up,
            "down" => KeyAction::Down,
            "bump" => KeyAction::Bump,
            "undo" => KeyAction::Undo,
            "items" => KeyAction::Items,
            "done" => KeyAction::Done,
            "all_day" => KeyAction::AllDay,
            "recall" => KeyAction::Recall,
            "help" => KeyAction::Help,
            "close" => KeyAction::Close,
            "quit" => KeyAction::Quit,
            other => {
                let n: u8 = other.strip_prefix("bump_")?.parse().ok()?;
                if !(1..=9).contains(&n) {
                    return None;
                }
                KeyAction::BumpNth(n)
            }
        })
    }

    /// What the help overlay says the action does.
    pub fn description(self) -> &'static str {
        match self {
            KeyAction::Left => "previous column",
            KeyAction::Right => "next column",
            KeyAction::Up => "previous ticket",
            KeyAction::Down => "next ticket",
            KeyAction::Bump => "bump the focused ticket one step",
            KeyAction::Undo => "undo the last bump made here",
            KeyAction::BumpNth(_) => "bump the nth visible ticket (nth line inside one)",
            KeyAction::Items => "step into the ticket to mark lines done, and out",
            KeyAction::Done => "mark the highlighted line done, or not done",
            KeyAction::AllDay => "all-day counts: how many of each item are open",
            KeyAction::Recall => "recall list (completed orders)",
            KeyAction::Help => "this help",
            KeyAction::Close => "close the overlay or message",
            KeyAction::Quit => "quit",
        }
    }
}

/// Why a `[keys]` table was refused; the lead adds the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyMapError {
    #[error("[keys]: unknown action \"{action}\" (known: {})", action_names().collect::<Vec<_>>().join(", "))]
    UnknownAction { action: String },
    #[error("[keys] {action}: bad key \"{key}\": {reason}")]
    BadKey {
        action: String,
        key: String,
        reason: KeyParseError,
    },
    #[error("[keys]: key \"{key}\" is bound to both {first} and {second}")]
    Conflict {
        key: String,
        first: String,
        second: String,
    },
}

/// One action and the keys that trigger it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binding {
    name: &'static str,
    action: KeyAction,
    keys: Vec<Key>,
}

/// The keys of every action. Built once from the config; looked up per key press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<Binding>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let bindings = DEFAULT_BINDINGS
            .iter()
            .filter_map(|(name, keys)| {
                Some(Binding {
                    name,
                    action: KeyAction::from_name(name)?,
                    keys: keys.iter().filter_map(|k| k.parse().ok()).collect(),
                })
            })
            .collect();
        Self { bindings }
    }
}

impl KeyMap {
    /// Builds the keymap from the `[keys]` table: action name -> key names.
    ///
    /// Key names: a single character stands for itself (`"q"`, `"?"`, `"1"`,
    /// case matters); named keys are `Enter`, `Space`, `Backspace`, `Esc`,
    /// `Tab`, `BackTab`, `Left`, `Right`, `Up`, `Down`, `Home`, `End`,
    /// `PageUp`, `PageDown`, `Insert`, `Delete`, `F1`..`F24` (any case); any
    /// of them may be prefixed with `Ctrl-`, `Alt-` or `Shift-` (`"Ctrl-c"`).
    ///
    /// An action named in the table loses its default keys; a key given
    /// explicitly is taken away from any default action that had it. Two
    /// actions named in the table with the same key are an error. An empty
    /// list unbinds the action (Ctrl-C still quits).
    pub fn from_bindings(bindings: &BTreeMap<String, Vec<String>>) -> Result<KeyMap, KeyMapError> {
        let mut map = KeyMap::default();
        let mut explicit: Vec<usize> = Vec::new();
        for (name, key_names) in bindings {
            let index = map
                .bindings
                .iter()
                .position(|b| b.name == name)
                .ok_or_else(|| KeyMapError::UnknownAction {
                    action: name.clone(),
                })?;
            let mut keys = Vec::with_capacity(key_names.len());
            for key_name in key_names {
                let key: Key = key_name.parse().map_err(|reason| KeyMapError::BadKey {
                    action: name.clone(),
                    key: key_name.clone(),
                    reason,
                })?;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            map.bindings[index].keys = keys;
            explicit.push(index);
        }
        // Two explicit bindings may not share a key; an explicit one beats a default.
        for (i, &a) in explicit.iter().enumerate() {
            for &b in &explicit[i + 1..] {
                if let Some(key) = map.bindings[a]
                    .keys
                    .iter()
                    .find(|k| map.bindings[b].keys.contains(k))
                {
                    return Err(KeyMapError::Conflict {
                        key: key.to_string(),
                        first: map.bindings[a].name.to_owned(),
                        second: map.bindings[b].name.to_owned(),
                    });
                }
            }
        }
        let taken: Vec<Key> = explicit
            .iter()
            .flat_map(|&i| map.bindings[i].keys.clone())
            .collect();
        for (i, binding) in map.bindings.iter_mut().enumerate() {
            if !explicit.contains(&i) {
                binding.keys.retain(|k| !taken.contains(k));
            }
        }
        Ok(map)
    }

    /// The action of a key press, if any. Releases are ignored (Windows sends
    /// them), and Ctrl-C is always [`KeyAction::Quit`].
    pub fn action(&self, event: &KeyEvent) -> Option<KeyAction> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        if event.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(event.code, KeyCode::Char('c' | 'C'))
        {
            return Some(KeyAction::Quit);
        }
        let key = Key::from_event(event);
        self.bindings
            .iter()
            .find(|b| b.keys.contains(&key))
            .map(|b| b.action)
    }

    /// The keys bound to `action` (empty if unbound).
    pub fn keys(&self, action: KeyAction) -> &[Key] {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map_or(&[], |b| b.keys.as_slice())
    }

    /// Every binding for the help overlay: (keys, what they do). The nine
    /// bump-nth actions share one line.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = Vec::new();
        let mut nth_keys: Vec<String> = Vec::new();
        for binding in &self.bindings {
            let keys: Vec<String> = binding.keys.iter().map(ToString::to_string).collect();
            if let KeyAction::BumpNth(_) = binding.action {
                nth_keys.extend(keys);
                if binding.action == KeyAction::BumpNth(9) {
                    let what = binding.action.description().to_owned();
                    lines.push((std::mem::take(&mut nth_keys).join(" "), what));
                }
                continue;
            }
            let mut keys = keys.join(", ");
            if binding.action == KeyAction::Quit && !binding.keys.contains(&Key::ctrl_c()) {
                keys = if keys.is_empty() {
                    Key::ctrl_c().to_string()
                } else {
                    format!("{keys}, {}", Key::ctrl_c())
                };
            }
            lines.push((keys, binding.action.description().to_owned()));
        }
        lines
    }
}

#[cfg(test)]
mod tests;
