//! The `kds-server` binary's start-up: bad configuration stops it with a
//! message naming the key, and exit code 2; a failure to start, with the
//! message once and exit code 1.

use std::io::Write;
use std::process::Command;

fn run_with_config(text: &str) -> (Option<i32>, String) {
    run_with_config_on(text, "127.0.0.1:0")
}

fn run_with_config_on(text: &str, listen: &str) -> (Option<i32>, String) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kds-server"))
        .args([
            "--config",
            file.path().to_str().unwrap(),
            "--database",
            "sqlite::memory:",
        ])
        .args(["--listen", listen])
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_key_in_server_stops_start_up_naming_it() {
    let (code, stderr) =
        run_with_config("[display]\ntheme = \"x\"\n\n[server]\nlisen = \"127.0.0.1:1\"\n");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("lisen") && stderr.contains("line 5"),
        "{stderr}"
    );
}

#[test]
fn a_bad_value_stops_start_up_naming_the_key() {
    let (code, stderr) =
        run_with_config("[server.websocket]\nping_every = \"50s\"\ndead_after = \"10s\"\n");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("server.websocket.dead_after"), "{stderr}");
    let (code, stderr) = run_with_config("[server.retention]\nidempotency_for = \"1h\"\n");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("server.retention.idempotency_for"),
        "{stderr}"
    );
}

#[test]
fn a_log_filter_that_does_not_parse_stops_start_up_quoting_it() {
    let (code, stderr) = run_with_config("[server]\nlog = \"kds_server=loud\"\n");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("log filter \"kds_server=loud\""),
        "{stderr}"
    );
}

#[test]
fn an_address_in_use_stops_start_up_saying_so_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (code, stderr) = run_with_config_on("", &address);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.matches("cannot start").count(), 1, "{stderr}");
    assert!(stderr.contains(&address), "{stderr}");
}
