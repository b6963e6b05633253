use super::*;
use crossterm::event::{KeyEventKind, KeyEventState};

fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn ch(c: char) -> KeyEvent {
    press(KeyCode::Char(c), KeyModifiers::NONE)
}

fn table(entries: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    entries
        .iter()
        .map(|(a, keys)| {
            (
                (*a).to_owned(),
                keys.iter().map(|k| (*k).to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn defaults_match_the_issue() {
    let map = KeyMap::default();
    let cases = [
        (press(KeyCode::Left, KeyModifiers::NONE), KeyAction::Left),
        (ch('h'), KeyAction::Left),
        (press(KeyCode::Right, KeyModifiers::NONE), KeyAction::Right),
        (ch('l'), KeyAction::Right),
        (press(KeyCode::Up, KeyModifiers::NONE), KeyAction::Up),
        (ch('k'), KeyAction::Up),
        (press(KeyCode::Down, KeyModifiers::NONE), KeyAction::Down),
        (ch('j'), KeyAction::Down),
        (press(KeyCode::Enter, KeyModifiers::NONE), KeyAction::Bump),
        (ch(' '), KeyAction::Bump),
        (
            press(KeyCode::Backspace, KeyModifiers::NONE),
            KeyAction::Undo,
        ),
        (ch('u'), KeyAction::Undo),
        (ch('1'), KeyAction::BumpNth(1)),
        (ch('9'), KeyAction::BumpNth(9)),
        (ch('r'), KeyAction::Recall),
        (ch('?'), KeyAction::Help),
        // Many terminals report '?' with Shift held.
        (
            press(KeyCode::Char('?'), KeyModifiers::SHIFT),
            KeyAction::Help,
        ),
        (press(KeyCode::Esc, KeyModifiers::NONE), KeyAction::Close),
        (ch('q'), KeyAction::Quit),
        (
            press(KeyCode::Char('c'), KeyModifiers::CONTROL),
            KeyAction::Quit,
        ),
    ];
    for (event, action) in cases {
        assert_eq!(map.action(&event), Some(action), "{event:?}");
    }
    assert_eq!(map.action(&ch('x')), None);
    assert_eq!(map.action(&ch('0')), None);
    assert_eq!(map.action(&ch('Q')), None, "case matters for characters");
}

#[test]
fn action_names_and_defaults_agree() {
    for (name, keys) in DEFAULT_BINDINGS {
        assert!(KeyAction::from_name(name).is_some(), "{name}");
        for key in *keys {
            assert!(key.parse::<Key>().is_ok(), "{name}: {key}");
        }
    }
    assert_eq!(KeyAction::from_name("bump_0"), None);
    assert_eq!(KeyAction::from_name("bump_10"), None);
    // The defaults, written out as a config table, give the default map back.
    let written = table(DEFAULT_BINDINGS);
    assert_eq!(KeyMap::from_bindings(&written).unwrap(), KeyMap::default());
}

#[test]
fn releases_are_ignored() {
    let map = KeyMap::default();
    let release = KeyEvent::new_with_kind_and_state(
        KeyCode::Enter,
        KeyModifiers::NONE,
        KeyEventKind::Release,
        KeyEventState::NONE,
    );
    assert_eq!(map.action(&release), None);
}

#[test]
fn an_override_replaces_only_that_action() {
    let map = KeyMap::from_bindings(&table(&[("bump", &["b", "F5"])])).unwrap();
    assert_eq!(map.action(&ch('b')), Some(KeyAction::Bump));
    assert_eq!(
        map.action(&press(KeyCode::F(5), KeyModifiers::NONE)),
        Some(KeyAction::Bump)
    );
    assert_eq!(map.action(&press(KeyCode::Enter, KeyModifiers::NONE)), None);
    assert_eq!(map.action(&ch('u')), Some(KeyAction::Undo));
}

#[test]
fn an_explicit_key_is_taken_from_a_default_action() {
    let map = KeyMap::from_bindings(&table(&[("bump", &["j"])])).unwrap();
    assert_eq!(map.action(&ch('j')), Some(KeyAction::Bump));
    assert_eq!(map.keys(KeyAction::Down), &["Down".parse::<Key>().unwrap()]);
}

#[test]
fn ctrl_c_quits_whatever_the_config_says() {
    let map = KeyMap::from_bindings(&table(&[("quit", &[]), ("bump", &["Ctrl-c"])])).unwrap();
    assert_eq!(
        map.action(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(KeyAction::Quit)
    );
    assert_eq!(map.action(&ch('q')), None);
    let quit_line = map.describe().into_iter().find(|(_, what)| what == "quit");
    assert_eq!(quit_line.unwrap().0, "Ctrl-c");
}

#[test]
fn errors_name_the_action_and_the_key() {
    let err = KeyMap::from_bindings(&table(&[("bmp", &["b"])])).unwrap_err();
    assert!(matches!(&err, KeyMapError::UnknownAction { action } if action == "bmp"));
    assert!(err.to_string().contains("bump_9"));

    let err = KeyMap::from_bindings(&table(&[("undo", &["Ctrl-Bogus"])])).unwrap_err();
    assert_eq!(
        err,
        KeyMapError::BadKey {
            action: "undo".into(),
            key: "Ctrl-Bogus".into(),
            reason: KeyParseError::Unknown,
        }
    );
    assert!(err.to_string().contains("undo"));
    assert!(err.to_string().contains("Ctrl-Bogus"));

    let err = KeyMap::from_bindings(&table(&[("bump", &["x"]), ("undo", &["x"])])).unwrap_err();
    assert!(matches!(err, KeyMapError::Conflict { ref key, .. } if key == "x"));
}

#[test]
fn key_names_parse_and_print_canonically() {
    for (name, canonical) in [
        ("q", "q"),
        ("Q", "Q"),
        ("?", "?"),
        ("-", "-"),
        ("Ctrl--", "Ctrl--"),
        ("enter", "Enter"),
        ("Return", "Enter"),
        ("space", "Space"),
        (" ", "Space"),
        ("ctrl-C", "Ctrl-c"),
        ("CTRL-alt-x", "Ctrl-Alt-x"),
        ("Shift-a", "A"),
        ("Shift-Tab", "BackTab"),
        ("Shift-Up", "Shift-Up"),
        ("f12", "F12"),
        ("PageDown", "PageDown"),
        ("del", "Delete"),
    ] {
        let key: Key = name.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.to_string(), canonical, "{name}");
        assert_eq!(canonical.parse::<Key>().unwrap(), key, "{canonical}");
    }
    for bad in ["", "Ctrl-", "F0", "F25", "Enterr", "ab", "\u{1b}"] {
        assert!(bad.parse::<Key>().is_err(), "{bad:?}");
    }
}

#[test]
fn describe_lists_every_action() {
    let lines = KeyMap::default().describe();
    // 22 actions, the nine bump-nth ones on one line.
    assert_eq!(lines.len(), 14);
    assert!(lines.contains(&(
        "Enter, Space".into(),
        "bump the focused ticket one step".into()
    )));
    assert!(lines.contains(&(
        "1 2 3 4 5 6 7 8 9".into(),
        "bump the nth visible ticket (nth line inside one)".into()
    )));
    assert!(lines.contains(&(
        "i, Tab".into(),
        "step into the ticket to mark lines done, and out".into()
    )));
    assert!(lines.contains(&("q, Ctrl-c".into(), "quit".into())));
}
