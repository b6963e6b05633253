//! The real `kds` binary in a pseudo-terminal against a real server.

// Test code: a failed unwrap is a failed test, helpers included.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;
use support::pty::Screen;
use support::{Kitchen, burger_order};

const SOON: Duration = Duration::from_secs(20);

#[test]
fn shows_a_new_order_bumps_it_from_the_keyboard_and_quits_cleanly() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let first = kitchen.post_order(None, &burger_order("grill", "12"));
    let mut screen = Screen::start(
        home.path(),
        &["--server", &kitchen.url, "--station", "grill"],
        100,
        30,
    );
    screen.wait_for_text("LIVE", SOON);
    let text = screen.wait_for_text("Cheeseburger", SOON);
    assert!(
        text.contains("sesame"),
        "the allergy note is shown:\n{text}"
    );

    // A second order arrives while the display is up.
    let second = kitchen.post_order(None, &burger_order("grill", "14"));
    let number = second["number"].to_string();
    screen.wait_for(&format!("ticket #{number}"), SOON, |t| t.contains(&number));

    // Enter bumps the focused ticket (the oldest pending one) to preparing.
    screen.press("\r");
    kitchen.wait_for_status(first["id"].as_str().unwrap(), "preparing", SOON);

    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
    let raw = screen.raw();
    assert!(
        raw.windows(8).any(|w| w == b"\x1b[?1049l"),
        "the alternate screen was left on quit"
    );
}

#[test]
fn an_unknown_token_says_unauthorized() {
    let kitchen = Kitchen::with_tokens(vec![kds_server::TokenConfig {
        token: "right-token".into(),
        role: kds_server::Role::Display,
        name: None,
    }]);
    let home = tempfile::tempdir().unwrap();
    let mut screen = Screen::start(
        home.path(),
        &["--server", &kitchen.url, "--token", "wrong-token"],
        80,
        24,
    );
    screen.wait_for_text("UNAUTHORIZED", SOON);
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

/// A viewer token (the office's screen): the server says so through
/// `/api/session`, the footer shows READ-ONLY, and a bump is refused on the
/// screen without reaching the server.
#[test]
fn a_viewer_token_makes_a_read_only_screen() {
    let token = |token: &str, role| kds_server::TokenConfig {
        token: token.into(),
        role,
        name: None,
    };
    let kitchen = Kitchen::with_tokens(vec![
        token("till-token", kds_server::Role::Pos),
        token("office-token", kds_server::Role::Viewer),
    ]);
    let order = kitchen.post_order(Some("till-token"), &burger_order("grill", "12"));
    let id = order["id"].as_str().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut screen = Screen::start(
        home.path(),
        &["--server", &kitchen.url, "--token", "office-token"],
        100,
        30,
    );
    screen.wait_for_text("READ-ONLY", SOON);
    screen.wait_for_text("Cheeseburger", SOON);
    screen.press("\r");
    screen.wait_for_text("bumps are off", SOON);
    assert_eq!(
        kitchen.order_as(Some("till-token"), id)["status"],
        "pending",
        "a read-only screen changed the order"
    );
    // Refused at the screen, not by the server: a 403 would leave the order
    // as it is too, but no status request may have been sent at all.
    let metrics = kitchen.metrics();
    assert!(
        metrics.contains(r#"route="/api/orders","#),
        "the metrics count requests by route: {metrics}"
    );
    assert!(
        !metrics.contains(r#"route="/api/orders/{id}/status""#),
        "a read-only screen sent a status move: {metrics}"
    );
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

#[test]
fn sigterm_restores_the_terminal() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let mut screen = Screen::start(home.path(), &["--server", &kitchen.url], 80, 24);
    screen.wait_for_text("LIVE", SOON);
    screen.signal("TERM");
    assert_eq!(screen.wait_exit(SOON), 0);
    let raw = screen.raw();
    assert!(raw.windows(8).any(|w| w == b"\x1b[?1049l"));
}

#[test]
fn a_bad_config_stops_before_the_terminal_is_touched() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[display]\nstation = \"grill\"\nstaton = \"bar\"\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kds"))
        .arg("--config")
        .arg(&config)
        .env("KDS_DATA_DIR", home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&config.display().to_string()), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("staton"), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing drawn: {:?}",
        output.stdout
    );
}

#[test]
fn the_demo_runs_and_a_hang_up_ends_it_and_removes_its_files() {
    let home = tempfile::tempdir().unwrap();
    let tmp = home.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut screen = Screen::start_with_env(
        home.path(),
        &["demo", "--rate", "120"],
        &[("TMPDIR", &tmp)],
        100,
        30,
    );
    screen.wait_for_text("LIVE", SOON);
    // The simulator's orders arrive over the loopback WebSocket.
    screen.wait_for("a ticket from the simulator", SOON, |t| t.contains("#1 "));
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        1,
        "the demo's directory"
    );

    screen.hang_up();
    assert_eq!(screen.wait_exit(SOON), 0);
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "the demo left {left:?}");
}

/// A terminal can vanish without its SIGHUP reaching kds (a supervisor that
/// masks it, a console torn down under it). kds must still notice and end,
/// instead of reading the dead terminal in a loop.
#[test]
fn a_terminal_that_goes_away_without_a_hang_up_signal_still_ends_kds() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let mut screen =
        Screen::start_with_sighup_blocked(home.path(), &["--server", &kitchen.url], 80, 24);
    screen.wait_for_text("LIVE", SOON);
    screen.hang_up();
    assert_eq!(screen.wait_exit(SOON), 0);
}

#[test]
fn a_resized_terminal_is_laid_out_again() {
    let kitchen = Kitchen::start();
    kitchen.post_order(None, &burger_order("grill", "12"));
    let home = tempfile::tempdir().unwrap();
    let mut screen = Screen::start(
        home.path(),
        &["--server", &kitchen.url, "--station", "grill"],
        80,
        24,
    );
    screen.wait_for_text("Cheeseburger", SOON);
    let hints = |rows: &[String]| rows.iter().position(|row| row.contains("? help"));
    assert_eq!(hints(&screen.rows()), Some(23), "{}", screen.text());

    screen.resize(120, 40);
    screen.wait_for("the key hints on the new last row", SOON, |_| {
        hints(&screen.rows()) == Some(39)
    });
    let text = screen.wait_for_text("Cheeseburger", SOON);
    // The columns spread over the new width: READY's heading moves right.
    let ready = |rows: &[String]| {
        rows.iter()
            .find_map(|row| row.find("READY").map(|at| row[..at].chars().count()))
    };
    assert!(
        ready(&screen.rows()).is_some_and(|at| at > 80),
        "READY stays where it was:\n{text}"
    );

    screen.resize(80, 24);
    screen.wait_for("the key hints back on row 23", SOON, |_| {
        hints(&screen.rows()) == Some(23)
    });
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

#[test]
fn the_first_key_after_a_resize_is_taken_at_once() {
    // Once a key has been read, crossterm watches window changes too; a
    // resize it had not taken used to swallow the wake-up of the next key,
    // which then waited in the terminal for the key after it.
    let kitchen = Kitchen::start();
    kitchen.post_order(None, &burger_order("grill", "12"));
    let home = tempfile::tempdir().unwrap();
    let mut screen = Screen::start(
        home.path(),
        &["--server", &kitchen.url, "--station", "grill"],
        80,
        24,
    );
    screen.wait_for_text("Cheeseburger", SOON);
    screen.press("?");
    screen.wait_for_text("any key closes", SOON);
    screen.press("?");
    screen.wait_for("the help closed", SOON, |text| {
        !text.contains("any key closes")
    });
    screen.resize(120, 40);
    screen.wait_for("the key hints on the new last row", SOON, |_| {
        screen
            .rows()
            .get(39)
            .is_some_and(|row| row.contains("? help"))
    });
    // Long enough for a resize to be pending wherever it would wait.
    std::thread::sleep(Duration::from_millis(300));
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0, "{}", screen.text());
}

/// How many times the terminal bell (BEL) has rung on `screen`.
#[expect(
    clippy::naive_bytecount,
    reason = "a few kilobytes of test output; not worth a crate"
)]
fn bells(screen: &Screen) -> usize {
    screen.raw().iter().filter(|b| **b == 0x07).count()
}

/// Whether `raw` holds an SGR sequence (`ESC [ ... m`) that sets
/// strikethrough: parameter 9 alone or among others, not the 9 of an
/// extended colour (`38;5;9`).
fn sets_strikethrough(raw: &[u8]) -> bool {
    raw.split(|b| *b == 0x1b).any(|sequence| {
        let Some(rest) = sequence.strip_prefix(b"[") else {
            return false;
        };
        let Some(end) = rest.iter().position(u8::is_ascii_alphabetic) else {
            return false;
        };
        if rest[end] != b'm' {
            return false;
        }
        let mut params = rest[..end].split(|b| *b == b';');
        while let Some(param) = params.next() {
            match param {
                b"9" => return true,
                // An extended colour: `5;n` or `2;r;g;b` follow.
                b"38" | b"48" | b"58" => {
                    let skip = if params.next() == Some(b"2".as_slice()) {
                        3
                    } else {
                        1
                    };
                    params.nth(skip - 1);
                }
                _ => {}
            }
        }
        false
    })
}

/// The life of a check across three stations, seen from the expo and from
/// the bar: grouped at the expo, a line voided from the till is struck
/// through at the bar, an add-on shows NEW and rings the bell, and a voided
/// order is cleared with Enter.
#[test]
fn a_check_changes_after_it_was_sent_and_every_screen_shows_it() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let (expo_home, bar_home) = (home.path().join("expo"), home.path().join("bar"));
    for dir in [&expo_home, &bar_home] {
        std::fs::create_dir(dir).unwrap();
    }
    let (status, check) = kitchen.post(
        "/api/checks",
        &serde_json::json!({
            "station": "grill", "table": "7",
            "items": [
                {"name": "Ribeye", "qty": 1},
                {"name": "Negroni", "qty": 2, "station": "bar"},
                {"name": "Spritz", "qty": 1, "station": "bar"},
                {"name": "Burrata", "qty": 1, "station": "cold"},
            ]
        }),
    );
    assert_eq!(status, 201, "{check}");
    let bar = check["orders"][1].clone();
    let bar_id = bar["id"].as_str().unwrap().to_owned();
    let number = check["number"].to_string();

    let expo = Screen::start(
        &expo_home,
        &["--server", &kitchen.url, "--station", "all"],
        100,
        30,
    );
    let text = expo.wait_for_text("cold · pending", SOON);
    assert!(
        text.contains("bar · pending") && text.contains("grill · pending"),
        "{text}"
    );
    assert_eq!(
        text.matches(&format!("#{number} ")).count(),
        1,
        "one card:\n{text}"
    );

    let mut screen = Screen::start(
        &bar_home,
        &["--server", &kitchen.url, "--station", "bar"],
        100,
        30,
    );
    let text = screen.wait_for_text("Negroni", SOON);
    assert!(text.contains("also: cold, grill"), "{text}");
    assert!(!text.contains("Ribeye"), "only the bar's part:\n{text}");

    // The till takes the Spritz back.
    let (status, _) = kitchen.post(
        &format!("/api/orders/{bar_id}/items/2/void"),
        &serde_json::json!({}),
    );
    assert_eq!(status, 200);
    let text = screen.wait_for("the Spritz voided", SOON, |t| {
        t.contains("Spritz") && t.contains("VOID")
    });
    assert!(text.contains("CHANGED"), "{text}");
    screen.wait_for("the change bell", SOON, |_| screen.raw().contains(&0x07));
    // Struck through (SGR 9) as well as tagged.
    assert!(sets_strikethrough(&screen.raw()), "no strikethrough");

    // An add-on after the bell's quiet spell: NEW, and the bell again.
    std::thread::sleep(Duration::from_millis(3200));
    let rung = bells(&screen);
    let (status, _) = kitchen.post(
        &format!("/api/orders/{bar_id}/items"),
        &serde_json::json!({"items": [{"name": "Olives", "qty": 1}]}),
    );
    assert_eq!(status, 200);
    screen.wait_for("the add-on", SOON, |t| {
        t.contains("Olives") && t.contains("NEW")
    });
    screen.wait_for("a second bell", SOON, |_| bells(&screen) > rung);

    // The whole bar order is voided: it stays, says why, and Enter clears it.
    let (status, _) = kitchen.post(
        &format!("/api/orders/{bar_id}/void"),
        &serde_json::json!({"reason": "guest left"}),
    );
    assert_eq!(status, 200);
    screen.wait_for_text("VOID · guest left", SOON);
    screen.press("\r");
    kitchen.wait_for_status(&bar_id, "completed", SOON);
    screen.wait_for("the voided ticket gone", SOON, |t| !t.contains("Negroni"));
    // At the expo, the check shows the bar's part as void until then, and
    // without it afterwards.
    expo.wait_for("the bar's part cleared", SOON, |t| {
        t.contains("grill · pending") && !t.contains("Negroni")
    });
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

/// A display that loses its power: the allergy note the till changed
/// while it was off is marked CHANGED when it is back, and one it had
/// already shown before is not.
#[test]
fn a_change_made_while_the_display_was_off_is_marked_when_it_is_back() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let first = kitchen.post_order(None, &burger_order("grill", "12"));
    let second = kitchen.post_order(None, &burger_order("grill", "14"));
    let args = ["--server", &kitchen.url, "--station", "grill"];
    let mut screen = Screen::start(home.path(), &args, 100, 30);
    screen.wait_for_text("table 14", SOON);
    // Kept within a second of what it shows.
    let kept = home.path().join("data").join("seen-grill.json");
    screen.wait_for("the screen kept", SOON, |_| {
        std::fs::read_to_string(&kept)
            .is_ok_and(|text| text.contains(second["id"].as_str().unwrap()))
    });
    // The power goes: no shutdown, nothing more written.
    screen.signal("KILL");
    screen.wait_exit(SOON);

    let id = first["id"].as_str().unwrap();
    let (status, answer) = kitchen.patch(
        &format!("/api/orders/{id}"),
        &serde_json::json!({"notes": "ALLERGY: tree nuts"}),
    );
    assert_eq!(status, 200, "{answer}");

    let mut screen = Screen::start(home.path(), &args, 100, 30);
    let text = screen.wait_for_text("tree nuts", SOON);
    assert_eq!(
        text.matches("CHANGED").count(),
        2,
        "the card and its note:\n{text}"
    );
    let rows = screen.rows();
    let changed = rows.iter().find(|row| row.contains("CHANGED")).unwrap();
    let first_number = format!("#{} ", first["number"]);
    assert!(
        changed.contains(&first_number),
        "the first order's card:\n{text}"
    );
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

/// Everything kds has logged so far, from its log file in `home`.
fn log_of(home: &std::path::Path) -> String {
    let dir = home.join("data");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("kds.") {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

/// Whether a thread of kds is stuck writing to its terminal, from the
/// kernel: one waits in the tty's write (`wait_woken`), and says which.
fn stuck_writing(pid: u32) -> Option<String> {
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let wchan = std::fs::read_to_string(task.path().join("wchan")).unwrap_or_default();
        if wchan.contains("wait_woken") || wchan.contains("tty_write") {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            return Some(format!("{} in {wchan}", comm.trim()));
        }
    }
    None
}

/// A terminal that stops taking output (a frozen SSH client) stops the
/// screen, not the display: for a minute nothing is read, the link stays
/// live (the server's 45 s dead-peer bound passes without a reconnect), a
/// bump made at another display reaches the model, and then the screen
/// catches up.
#[test]
fn a_terminal_that_stops_reading_for_a_minute_does_not_stop_the_network() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let first = kitchen.post_order(None, &burger_order("grill", "1"));
    let mut screen = Screen::start_with_env(
        home.path(),
        &["--server", &kitchen.url, "--station", "grill"],
        &[("KDS_LOG", std::path::Path::new("kds=debug"))],
        120,
        40,
    );
    screen.wait_for_text("LIVE", SOON);
    screen.stop_reading();
    let stalled = std::time::Instant::now();
    // Output enough to fill whatever the terminal buffers, until the screen
    // thread is stuck in its write: a column of tickets, then the oldest
    // one's notes growing and shrinking a line, which moves every card below
    // it (a new ticket below the fold is too few bytes). One event each.
    let stuck = |pid| stuck_writing(pid).is_some();
    let first_path = format!("/api/orders/{}", first["id"].as_str().unwrap());
    let mut posted = 0;
    while !(stuck(screen.pid()) && {
        std::thread::sleep(Duration::from_millis(300));
        stuck(screen.pid())
    }) {
        assert!(posted < 400, "the terminal never filled up");
        if posted < 12 {
            kitchen.post_order(None, &burger_order("grill", &posted.to_string()));
        } else {
            change_notes(&kitchen, &first_path, posted);
        }
        posted += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    let waiting_in = stuck_writing(screen.pid());
    // Another display bumps the first ticket meanwhile: the event after
    // the first order and the `posted` ones.
    std::thread::sleep(Duration::from_secs(5));
    let (status, moved) = kitchen.post(
        &format!("/api/orders/{}/status", first["id"].as_str().unwrap()),
        &serde_json::json!({"status": "preparing", "from": "pending"}),
    );
    assert_eq!(status, 200, "{moved}");
    let bump_seq = posted + 2;
    // The model has it while the screen is still stuck.
    let deadline = std::time::Instant::now() + SOON;
    while !log_of(home.path()).contains(&format!("last=Some({bump_seq})")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the bump never reached the model:\n{}",
            log_of(home.path())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(stuck(screen.pid()), "the terminal got unstuck by itself");
    while stalled.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        stuck(screen.pid()),
        "the terminal was not stuck all along ({waiting_in:?})"
    );
    let log = log_of(home.path());
    assert!(
        !log.contains("WebSocket session ended"),
        "the link dropped:\n{log}"
    );
    screen.resume_reading();
    let text = screen.wait_for("the bump on screen", SOON, |t| t.contains("PREPARING 1"));
    assert!(text.contains("LIVE"), "{text}");
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

/// The guests' pickup board: a number being prepared, then ready in big
/// digits, then gone when completed; no key but quit changes anything.
#[test]
fn the_pickup_board_follows_the_orders_and_quits_on_q() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let order = kitchen.post_order(None, &burger_order("grill", "3"));
    let id = order["id"].as_str().unwrap().to_owned();
    let mut screen = Screen::start(
        home.path(),
        &["board", "--server", &kitchen.url, "--station", "grill"],
        100,
        30,
    );
    let big = |t: &str| t.contains('█') || t.contains('▀') || t.contains('▄');
    let text = screen.wait_for("a big number being prepared", SOON, |t| {
        t.contains("PREPARING") && big(t)
    });
    assert!(text.contains("READY"), "{text}");
    // Enter, digits, u: the board has no such keys.
    screen.press("\r1u");
    for to in ["preparing", "ready"] {
        let (status, _) = kitchen.post(
            &format!("/api/orders/{id}/status"),
            &serde_json::json!({"status": to}),
        );
        assert_eq!(status, 200);
    }
    // The number moves to the right-hand pane.
    screen.wait_for("the number in READY", SOON, |_| {
        screen.rows().iter().skip(2).any(|row| {
            row.find('│').is_some_and(|rule| {
                row[rule..]
                    .chars()
                    .any(|c| c == '█' || c == '▀' || c == '▄')
            })
        })
    });
    assert_eq!(kitchen.order(&id)["version"], 3, "the keys changed nothing");
    let (status, _) = kitchen.post(
        &format!("/api/orders/{id}/status"),
        &serde_json::json!({"status": "completed"}),
    );
    assert_eq!(status, 200);
    screen.wait_for("the number gone", SOON, |t| !big(t));
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}

/// `kds tail --format json | head -n 3`: three event objects, and kds ends
/// with 0 when `head` goes away.
#[test]
fn tail_writes_json_lines_and_a_closed_pipe_ends_it_cleanly() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    for table in ["1", "2"] {
        kitchen.post_order(None, &burger_order("grill", table));
    }
    let kds = env!("CARGO_BIN_EXE_kds");
    let mut pipeline = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{kds}' tail --server {} --station grill --format json --since 0 | head -n 3",
            kitchen.url
        ))
        .env("KDS_DATA_DIR", home.path())
        .env("HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Two replayed; then live ones, until head has had its three and kds
    // has tried to write the next.
    let deadline = std::time::Instant::now() + SOON;
    let mut table = 3;
    let status = loop {
        if let Some(status) = pipeline.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "tail never ended");
        kitchen.post_order(None, &burger_order("grill", &table.to_string()));
        table += 1;
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = pipeline.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        status.success(),
        "exit {status:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 3, "{stdout}");
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3], "in order, from the start, none twice");
    assert!(
        events
            .iter()
            .all(|e| e["type"] == "created" && e["order"]["station"] == "grill")
    );
}

/// `kds tail` in a process of its own, its output read line by line.
struct Tail {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    said: std::sync::mpsc::Receiver<String>,
}

/// Sends each line `from` gives until it ends.
fn lines_of(from: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (to_test, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if to_test.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

impl Tail {
    fn start(home: &std::path::Path, args: &[&str]) -> Tail {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kds"))
            .arg("tail")
            .args(args)
            .env("KDS_DATA_DIR", home)
            .env("HOME", home)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let lines = lines_of(child.stdout.take().unwrap());
        let said = lines_of(child.stderr.take().unwrap());
        Tail { child, lines, said }
    }

    /// The next line it says on stderr.
    fn says(&self) -> String {
        self.said.recv_timeout(SOON).expect("a line on stderr")
    }

    /// The next `n` events it writes, as (seq, type).
    fn events(&self, n: usize) -> Vec<(i64, String)> {
        (0..n)
            .map(|_| {
                let line = self.lines.recv_timeout(SOON).expect("an event line");
                let event: serde_json::Value = serde_json::from_str(&line).unwrap();
                (
                    event["seq"].as_i64().unwrap(),
                    event["type"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until a `--resume` file holds `seq`.
fn wait_for_position(file: &std::path::Path, seq: i64) {
    let deadline = std::time::Instant::now() + SOON;
    while std::fs::read_to_string(file).ok() != Some(format!("{seq}\n")) {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never held {seq}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `kds tail --resume FILE`, killed (the printer's box lost power) and
/// started again, writes what was made while it was down, from where it
/// was: nothing missed, nothing twice.
#[test]
fn tail_resumed_from_its_file_misses_nothing_made_while_it_was_down() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let kept = home.path().join("bar-printer.seq");
    let first = kitchen.post_order(None, &burger_order("grill", "1"));
    kitchen.post_order(None, &burger_order("grill", "2"));
    let args = [
        "--server",
        &kitchen.url,
        "--station",
        "grill",
        "--format",
        "json",
        "--since",
        "0",
        "--resume",
        kept.to_str().unwrap(),
    ];
    let tail = Tail::start(home.path(), &args);
    let created = || "created".to_owned();
    assert_eq!(tail.events(2), [(1, created()), (2, created())]);
    wait_for_position(&kept, 2);
    drop(tail);

    kitchen.post_order(None, &burger_order("grill", "3"));
    let id = first["id"].as_str().unwrap();
    let (status, answer) = kitchen.post(
        &format!("/api/orders/{id}/status"),
        &serde_json::json!({"status": "preparing", "from": "pending"}),
    );
    assert_eq!(status, 200, "{answer}");

    // The same command: the file's position wins over `--since 0`.
    let tail = Tail::start(home.path(), &args);
    assert_eq!(
        tail.events(2),
        [(3, created()), (4, "status_changed".to_owned())]
    );
    wait_for_position(&kept, 4);
    drop(tail);

    // A server on a new database: its seqs start afresh, below the kept 4.
    let replaced = Kitchen::start();
    replaced.post_order(None, &burger_order("grill", "5"));
    let args: Vec<&str> = args
        .iter()
        .map(|&arg| {
            if arg == kitchen.url {
                replaced.url.as_str()
            } else {
                arg
            }
        })
        .collect();
    let tail = Tail::start(home.path(), &args);
    assert_eq!(
        tail.says(),
        "kds tail: the server's events end at seq 1, before the seq 4 this started after; following on from there"
    );
    replaced.post_order(None, &burger_order("grill", "6"));
    assert_eq!(tail.events(1), [(2, created())]);
}

#[test]
fn tail_says_why_when_the_token_is_refused() {
    let kitchen = Kitchen::with_tokens(vec![kds_server::TokenConfig {
        token: "right-token".into(),
        role: kds_server::Role::Viewer,
        name: None,
    }]);
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kds"))
        .args(["tail", "--server", &kitchen.url, "--token", "wrong-token"])
        .env("KDS_DATA_DIR", home.path())
        .env("HOME", home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("kds tail: the server refused the token"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

/// Changes an order's notes, long and short in turn (by `turn`'s parity),
/// so that its card's height changes every time.
fn change_notes(kitchen: &Kitchen, path: &str, turn: usize) {
    let notes = if turn.is_multiple_of(2) {
        "ALLERGY: sesame. Severe: the guest carries an epinephrine pen, clean board and knife"
    } else {
        "ALLERGY: sesame"
    };
    let (status, answer) = kitchen.patch(path, &serde_json::json!({"notes": notes}));
    assert_eq!(status, 200, "{answer}");
}

/// The first row of the PENDING column, below the column titles.
fn pending_top(screen: &Screen) -> String {
    let rows = screen.rows();
    rows.get(2)
        .map(|row| row.chars().take(26).collect::<String>())
        .unwrap_or_default()
}

/// A bumped card leaves a hole so the others do not jump; with tickets
/// waiting below the fold, the hole closes after 4 s without a key even
/// though the orders on screen keep changing (the real binary's clock, not
/// the model's: `update::tests::keys` has the rule itself).
#[test]
fn a_hole_over_tickets_below_the_fold_closes_while_the_orders_keep_changing() {
    let kitchen = Kitchen::start();
    let home = tempfile::tempdir().unwrap();
    let orders: Vec<_> = (1..=8)
        .map(|table| kitchen.post_order(None, &burger_order("grill", &table.to_string())))
        .collect();
    let first = format!("/api/orders/{}", orders[0]["id"].as_str().unwrap());
    let mut screen = Screen::start(
        home.path(),
        &["--server", &kitchen.url, "--station", "grill"],
        80,
        24,
    );
    screen.wait_for("tickets below the fold", SOON, |t| {
        t.contains("LIVE") && t.contains("more")
    });
    assert!(
        pending_top(&screen).contains('#'),
        "the first card is at the top:\n{}",
        screen.text()
    );

    screen.press("\r");
    screen.wait_for("the bump's hole", SOON, |t| {
        t.contains("PREPARING 1") && pending_top(&screen).trim().is_empty()
    });
    let bumped = std::time::Instant::now();
    // The till changes the bumped ticket, now in PREPARING, twice a second
    // for longer than the 4 s the hole waits for a key: the layout never
    // rests, and tickets still wait below the hole.
    let mut closed = None;
    for change in 0..12 {
        change_notes(&kitchen, &first, change);
        std::thread::sleep(Duration::from_millis(500));
        if pending_top(&screen).contains('#') {
            closed = Some(bumped.elapsed());
            break;
        }
    }
    let closed = closed.unwrap_or_else(|| {
        panic!(
            "the hole was still open 6 s after the bump:\n{}",
            screen.text()
        )
    });
    assert!(
        closed >= Duration::from_millis(3500),
        "the hole closed after {closed:?}, before its 4 s"
    );
    screen.press("q");
    assert_eq!(screen.wait_exit(SOON), 0);
}
