use super::*;
use std::io::Write;

fn write(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn load_text(text: &str) -> Result<Settings, ConfigError> {
    let file = write(text);
    load(&Overrides {
        config: Some(file.path().to_path_buf()),
        data_dir: Some("/tmp/kds-test".into()),
        ..Overrides::default()
    })
}

#[test]
fn no_file_gives_the_defaults() {
    let settings = resolve(
        None,
        "",
        FileConfig::default(),
        &Overrides {
            data_dir: Some("/d".into()),
            ..Overrides::default()
        },
    )
    .unwrap();
    assert_eq!(
        settings.servers,
        vec![Url::parse(defaults::SERVER).unwrap()]
    );
    assert_eq!(settings.station, StationScope::All);
    assert_eq!(settings.warn_after, Duration::from_secs(300));
    assert_eq!(settings.late_after, Duration::from_secs(600));
    assert_eq!(settings.network.dead_peer, Duration::from_secs(45));
    assert_eq!(settings.network.backoff_start, Duration::from_millis(500));
    assert_eq!(settings.network.backoff_cap, Duration::from_secs(30));
    assert_eq!(settings.network.poll_wait, Duration::from_secs(25));
    assert!(settings.color && !settings.ascii && !settings.bell);
    assert_eq!(settings.token, None);
}

#[test]
fn the_example_file_parses_to_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let example = resolve(
        Some(&path),
        &text,
        parse(&path, &text).unwrap(),
        &Overrides::default(),
    )
    .unwrap();
    let defaults = resolve(None, "", FileConfig::default(), &Overrides::default()).unwrap();
    assert_eq!(example.servers, defaults.servers);
    assert_eq!(example.station, defaults.station);
    assert_eq!(example.network, defaults.network);
    assert_eq!(
        (example.warn_after, example.late_after),
        (defaults.warn_after, defaults.late_after)
    );
    assert_eq!(
        (example.ascii, example.color, example.bell),
        (defaults.ascii, defaults.color, defaults.bell)
    );
    assert_eq!(
        (
            example.change_bell,
            example.auto_bump_when_done,
            example.all_day_modifiers,
            example.read_only,
            example.board_show_names
        ),
        (
            defaults.change_bell,
            defaults.auto_bump_when_done,
            defaults.all_day_modifiers,
            defaults.read_only,
            defaults.board_show_names
        )
    );
    assert_eq!(example.token, defaults.token);
    assert_eq!(example.log_filter, defaults.log_filter);
    assert_eq!(example.data_dir, defaults.data_dir);
    assert_eq!(
        crate::keymap::KeyMap::from_bindings(&example.keys).unwrap(),
        crate::keymap::KeyMap::default()
    );
    let listed: Vec<&str> = example.keys.keys().map(String::as_str).collect();
    let mut every: Vec<&str> = crate::keymap::action_names().collect();
    every.sort_unstable();
    assert_eq!(listed, every, "the example lists every action");
}

/// A setting added to the code but not to `config.example.toml` (where
/// users learn of it) fails here.
#[test]
fn the_example_file_lists_every_setting() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let example: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let defaults = toml::Table::try_from(file::FileConfig::default()).unwrap();
    for (table, keys) in &defaults {
        let Some(keys) = keys.as_table() else {
            continue;
        };
        for key in keys.keys() {
            assert!(
                example.get(table).and_then(|t| t.get(key)).is_some(),
                "config.example.toml does not list [{table}] {key}"
            );
        }
    }
    assert!(
        defaults["display"].get("read_only").is_some(),
        "the check sees the settings"
    );
}

#[test]
fn file_values_are_read_and_overrides_win() {
    let file = write(
        "[display]\nserver = [\"http://a:1\", \"http://b:2\"]\nstation = \"grill\"\ntoken = \"t1\"\nbell = true\n",
    );
    let from_file = load(&Overrides {
        config: Some(file.path().to_path_buf()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(from_file.servers.len(), 2);
    assert_eq!(from_file.station.as_str(), "grill");
    assert_eq!(from_file.token.as_deref(), Some("t1"));
    assert!(from_file.bell);

    let overridden = load(&Overrides {
        config: Some(file.path().to_path_buf()),
        servers: vec!["https://c:3".into()],
        station: Some("bar".into()),
        token: Some("t2".into()),
        no_color: true,
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(overridden.servers, vec![Url::parse("https://c:3").unwrap()]);
    assert_eq!(overridden.station.as_str(), "bar");
    assert_eq!(overridden.token.as_deref(), Some("t2"));
    assert!(!overridden.color);
}

#[test]
fn a_single_server_string_is_accepted() {
    let settings = load_text("[display]\nserver = \"http://kitchen:8080\"\n").unwrap();
    assert_eq!(settings.servers[0].host_str(), Some("kitchen"));
}

#[test]
fn unknown_keys_name_file_line_and_key() {
    let err = load_text("[display]\nstation = \"grill\"\nstaton = \"bar\"\n").unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert!(err.message.contains("unknown field `staton`"), "{err}");
    assert!(err.to_string().contains(", line 3"), "{err}");

    let err = load_text("[timer]\nwarn_after_secs = 1\n").unwrap_err();
    assert_eq!(err.line, Some(1), "{err}");
    assert!(err.message.contains("unknown field `timer`"), "{err}");
}

#[test]
fn wrong_types_name_the_key() {
    let err = load_text("[timers]\n\nwarn_after_secs = \"five\"\n").unwrap_err();
    assert_eq!(err.key, "timers.warn_after_secs", "{err}");
    assert_eq!(err.line, Some(3), "{err}");
}

#[test]
fn broken_toml_names_the_line() {
    let err = load_text("[display]\nstation = \n").unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
}

#[test]
fn rule_breaking_values_name_the_key() {
    for (text, key, line) in [
        ("[display]\nstation = \"Grill\"\n", "display.station", 2),
        ("[display]\nserver = [\"ftp://x\"]\n", "display.server", 2),
        ("[display]\nserver = \"not a url\"\n", "display.server", 2),
        (
            "[timers]\nwarn_after_secs = 600\nlate_after_secs = 300\n",
            "timers.late_after_secs",
            3,
        ),
        (
            "[network]\npoll_wait_secs = 31\n",
            "network.poll_wait_secs",
            2,
        ),
        (
            "[network]\nbackoff_start_ms = 5\n",
            "network.backoff_start_ms",
            2,
        ),
    ] {
        let err = load_text(text).unwrap_err();
        assert_eq!((err.key.as_str(), err.line), (key, Some(line)), "{err}");
    }
}

#[test]
fn bad_overrides_name_the_flag() {
    let err = load(&Overrides {
        station: Some("ALL CAPS".into()),
        data_dir: Some("/d".into()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(err.origin.contains("KDS_STATION"), "{err}");
}

#[test]
fn the_server_table_is_left_to_the_server() {
    let settings = load_text("[server]\nlisten = \"0.0.0.0:8080\"\nwhatever = 1\n").unwrap();
    assert_eq!(settings.station, StationScope::All);
}

#[test]
fn key_errors_point_at_the_binding() {
    let settings = load_text("[keys]\nbump = [\"Enter\"]\nquit = [\"Shift-Hyper-Q\"]\n").unwrap();
    let err = settings.key_error("quit", "unknown key `Shift-Hyper-Q`");
    assert_eq!((err.key.as_str(), err.line), ("keys.quit", Some(3)));
}

#[test]
fn a_missing_named_file_is_an_error() {
    let err = load(&Overrides {
        config: Some("/nonexistent/kds.toml".into()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(err.origin.contains("/nonexistent/kds.toml"), "{err}");
}

#[test]
fn the_example_server_table_holds_the_server_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let file = kds_server::FileSettings::parse(&text).unwrap();
    let mut config = kds_server::ServerConfig::default();
    let mut demo = kds_server::DemoConfig::default();
    let demo_enabled = file.apply(&mut config, &mut demo);
    let defaults = kds_server::ServerConfig::default();
    assert!(!demo_enabled);
    assert_eq!(config.listen, defaults.listen);
    assert_eq!(config.database, defaults.database);
    assert_eq!(config.retention, defaults.retention);
    assert_eq!(config.websocket, defaults.websocket);
    assert!(config.tokens.is_empty());
    assert_eq!(demo, kds_server::DemoConfig::default());
}
