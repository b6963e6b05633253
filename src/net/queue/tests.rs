use super::*;
use crate::msg::Step;
use kds_protocol::{Status, Timestamp};

pub(crate) fn action(n: u32) -> Action {
    Action {
        id: format!("a{n}"),
        order_id: format!("o{n}"),
        number: i64::from(n),
        step: Step::Bump {
            from: Status::Pending,
            to: Status::Preparing,
        },
        idempotency_key: format!("key-{n}"),
        made_at: Timestamp::from_millis(1_700_000_000_000),
    }
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_saved_queue_loads_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("queue-grill.json");
    let mut outbox = Outbox::empty(path.clone());
    for n in 1..=3 {
        outbox.push(action(n)).unwrap();
    }
    assert_eq!(outbox.pop_front(), Some(action(1)));
    let (loaded, corrupt) = Outbox::load(path.clone());
    assert!(corrupt.is_none());
    assert_eq!(loaded.actions(), vec![action(2), action(3)]);
    assert_eq!(loaded.front(), Some(&action(2)));
    // Loading compacted away the answered record; no temporary file is left.
    assert_eq!(lines(&path).len(), 3);
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("queue-grill.json")]);
}

#[test]
fn each_action_costs_one_appended_line_and_a_drained_log_is_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.json");
    let mut outbox = Outbox::empty(path.clone());
    let mut sizes = Vec::new();
    for n in 1..=50 {
        outbox.push(action(n)).unwrap();
        sizes.push(fs::metadata(&path).unwrap().len());
    }
    // Linear growth: every push adds the same few bytes, nothing is rewritten.
    let steps: Vec<u64> = sizes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.iter().all(|s| (120..220).contains(s)), "{steps:?}");
    assert_eq!(lines(&path)[0], HEADER);
    for n in 1..50 {
        assert_eq!(outbox.pop_front().unwrap().id, format!("a{n}"));
    }
    assert_eq!(lines(&path).len(), 51 + 49, "one `done` record per answer");
    outbox.pop_front();
    assert_eq!(lines(&path), [HEADER], "drained: compacted to the header");
}

#[test]
fn answered_records_are_compacted_before_they_pile_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.json");
    let mut outbox = Outbox::empty(path.clone());
    outbox.push(action(0)).unwrap();
    // Never drained: one always waits, while many come and go.
    for n in 1..=(COMPACT_AFTER as u32 + 10) {
        outbox.push(action(n)).unwrap();
        outbox.pop_front();
    }
    assert!(
        lines(&path).len() < COMPACT_AFTER + 20,
        "{}",
        lines(&path).len()
    );
    let (loaded, _) = Outbox::load(path);
    assert_eq!(loaded.len(), 1);
}

#[test]
fn the_cap_refuses_and_keeps_what_waits() {
    let dir = tempfile::tempdir().unwrap();
    let mut outbox = Outbox {
        cap: 3,
        ..Outbox::empty(dir.path().join("q.json"))
    };
    for n in 1..=3 {
        outbox.push(action(n)).unwrap();
    }
    assert_eq!(outbox.push(action(4)), Err(Full));
    assert_eq!(outbox.len(), 3);
    outbox.pop_front();
    assert!(outbox.push(action(4)).is_ok());
}

#[test]
fn a_missing_file_is_an_empty_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, corrupt) = Outbox::load(dir.path().join("none.json"));
    assert_eq!(outbox.len(), 0);
    assert!(corrupt.is_none());
}

#[test]
fn a_torn_last_record_is_dropped_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.json");
    let mut outbox = Outbox::empty(path.clone());
    outbox.push(action(1)).unwrap();
    outbox.push(action(2)).unwrap();
    drop(outbox);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(br#"{"add":{"id":"a3","order_"#);
    fs::write(&path, &bytes).unwrap();
    let (loaded, corrupt) = Outbox::load(path.clone());
    assert!(corrupt.is_none());
    assert_eq!(loaded.actions(), vec![action(1), action(2)]);
    assert_eq!(lines(&path).len(), 3, "rewritten without the torn line");
}

#[test]
fn a_corrupt_file_is_kept_aside_and_saving_goes_on_at_the_same_path() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("garbage.json", &b"{\"version\":1,\"actions\":[{\"id\":"[..]),
        ("future.json", &b"{\"version\":99,\"actions\":[]}"[..]),
        ("binary.json", &[0xff, 0xfe, 0x00][..]),
        (
            "middle.json",
            &b"{\"kds_queue\":2}\nnot json\n{\"done\":\"x\"}\n"[..],
        ),
        ("order.json", &b"{\"kds_queue\":2}\n{\"done\":\"a1\"}\n"[..]),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, content).unwrap();
        let (mut outbox, kept) = Outbox::load(path.clone());
        assert_eq!(outbox.len(), 0, "{name}");
        let kept = kept.expect("kept aside");
        assert_eq!(fs::read(&kept).unwrap(), content, "{name}");
        assert!(!path.exists(), "{name}");
        outbox.push(action(7)).unwrap();
        let (again, _) = Outbox::load(path);
        assert_eq!(again.actions(), vec![action(7)], "{name}: saved again");
    }
}

#[test]
fn a_queue_of_the_first_layout_loads_and_is_rewritten_as_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.json");
    let v1 = r#"{"version": 1, "actions": [{"id": "a1", "kind": "undo", "order_id": "o1",
        "number": 4, "from": "ready", "to": "preparing", "idempotency_key": "k1",
        "made_at": "2026-11-22T18:04:05.123Z"}]}"#;
    fs::write(&path, v1).unwrap();
    let (mut outbox, corrupt) = Outbox::load(path.clone());
    assert!(corrupt.is_none());
    assert_eq!(
        outbox.front().unwrap().step,
        Step::Undo {
            from: Status::Ready,
            to: Status::Preparing
        }
    );
    assert_eq!(lines(&path)[0], HEADER);
    let mut done = action(2);
    done.step = Step::Done {
        item_id: "3".into(),
        done: true,
    };
    outbox.push(done.clone()).unwrap();
    let (loaded, _) = Outbox::load(path);
    assert_eq!(loaded.actions()[1], done);
}
