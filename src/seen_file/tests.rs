use super::*;
use crate::model::fixtures::*;
use crate::model::{Column, Model};
use kds_protocol::{EventKind, Status};
use std::fs;

/// A grill screen holding two orders, the second with an add-on no cook
/// has looked at.
fn screen() -> Model {
    let a = order("a", 1, Status::Preparing, 30);
    let b = order("b", 2, Status::Pending, 20);
    let mut m = model("grill");
    let b2 = edited(&b, 1, |o| o.items.push(line("2", "Pie", 1)));
    run(
        &mut m,
        [
            snapshot(10, vec![a, b], vec![]),
            events(vec![event(11, EventKind::Updated, b2)]),
        ],
    );
    m
}

fn kept(board: &Board) -> Vec<u8> {
    contents(board).expect("orders are JSON")
}

#[test]
fn what_was_kept_reads_back_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = path(dir.path(), "grill");
    assert_eq!(load(&path), None, "no file: a first run");
    let m = screen();
    write_atomically(&path, &kept(m.board())).unwrap();
    let seen = load(&path).expect("kept");
    assert_eq!(
        seen.orders
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(seen.orders[1], *m.order("b").unwrap());
    assert_eq!(seen.marks.keys().collect::<Vec<_>>(), ["b"]);
    assert!(seen.marks["b"].added.contains("2"));
    assert!(
        !dir.path().join("seen-grill.json.tmp").exists(),
        "the temporary file was renamed"
    );
}

#[test]
fn a_damaged_file_is_set_aside_and_taken_as_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = path(dir.path(), "grill");
    let m = screen();
    let good = kept(m.board());
    let body = &good[HEADER.len() + 1..];
    let torn = good[..good.len() / 2].to_vec();
    let unknown = [br#"{"kds_seen":9}"#.as_slice(), b"\n", body].concat();
    for (what, bytes) in [
        ("torn", torn),
        ("another version", unknown),
        ("no header", body.to_vec()),
        ("not text", vec![0xff, 0xfe, 0x00]),
    ] {
        fs::write(&path, &bytes).unwrap();
        assert_eq!(load(&path), None, "{what}");
        assert!(!path.exists(), "{what}: left in place");
        assert_eq!(
            fs::read(dir.path().join("seen-grill.json.corrupt")).unwrap(),
            bytes,
            "{what}: set aside as it was"
        );
    }
}

/// Waits for the write under way, bounded.
async fn settle(keeper: &mut Keeper) {
    if let Some(write) = keeper.saving.take() {
        tokio::time::timeout(Duration::from_secs(10), write)
            .await
            .expect("the write ends")
            .expect("the write does not panic");
    }
}

#[tokio::test]
async fn the_keeper_writes_when_the_board_changed_and_not_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let path = path(dir.path(), "grill");
    let mut m = screen();
    let mut keeper = Keeper::new(path.clone(), m.board().revision());
    keeper.tick(m.board());
    settle(&mut keeper).await;
    assert!(
        !path.exists(),
        "nothing changed since the start: nothing written"
    );

    // The cook moves onto the changed ticket: its mark is seen.
    run(&mut m, [key(crossterm::event::KeyCode::Down)]);
    assert_eq!(ids(&m, Column::Pending), ["b"]);
    keeper.tick(m.board());
    settle(&mut keeper).await;
    let seen = load(&path).expect("written");
    assert!(seen.marks.is_empty(), "{:?}", seen.marks);

    // Still: no second write.
    fs::remove_file(&path).unwrap();
    keeper.tick(m.board());
    settle(&mut keeper).await;
    assert!(!path.exists(), "written again without a change");

    // A change, then quitting before the next second: written on the way out.
    let b = m.order("b").unwrap().clone();
    let b3 = edited(&b, 2, |o| o.notes = Some("nut allergy".into()));
    run(&mut m, [events(vec![event(12, EventKind::Updated, b3)])]);
    keeper.finish(m.board(), Duration::from_secs(10)).await;
    let seen = load(&path).expect("written on quitting");
    assert!(seen.marks["b"].notes);
}
