//! Reading the board off the real binary's screen (as `support::pty` gives
//! it), to compare what the cook sees with the server's snapshot.

use kds_protocol::{Snapshot, Status};
use std::collections::BTreeMap;

/// Ticket number to column (0 pending, 1 preparing, 2 ready), from the card
/// titles (`╭ #12 ─…` or `┏ #12  RUSH ━…`) between the header and the footer.
/// The columns are thirds of the screen's width.
pub fn tickets_on_screen(text: &str) -> BTreeMap<i64, usize> {
    let rows: Vec<&str> = text.split('\n').collect();
    let width = rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let mut tickets = BTreeMap::new();
    // Row 0 is the header, row 1 the column titles, the last two the footer.
    let board = rows.get(2..rows.len().saturating_sub(2)).unwrap_or(&[]);
    for row in board {
        let chars: Vec<char> = row.chars().collect();
        for (x, pair) in chars.windows(3).enumerate() {
            if !(matches!(pair[0], '╭' | '┏') && pair[1] == ' ' && pair[2] == '#') {
                continue;
            }
            let digits: String = chars[x + 3..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if let Ok(number) = digits.parse() {
                tickets.insert(number, (x * 3 / width).min(2));
            }
        }
    }
    tickets
}

/// What the screen should show for a station's snapshot: number to column.
pub fn expected_board(snapshot: &Snapshot) -> BTreeMap<i64, usize> {
    snapshot
        .orders
        .iter()
        .map(|o| {
            let column = match o.status {
                Status::Pending => 0,
                Status::Preparing => 1,
                Status::Ready | Status::Completed => 2,
            };
            (o.number, column)
        })
        .collect()
}

/// The counts the column titles show, as in `PENDING 2`.
pub fn header_counts(text: &str) -> Option<[usize; 3]> {
    // The column titles' counts (`PENDING 3`): the header's middle may
    // show the speed of service instead of its own.
    let header = text.split('\n').nth(1)?;
    let count = |label: &str| -> Option<usize> {
        let at = header.find(label)? + label.len();
        header[at..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    Some([count("PENDING")?, count("PREPARING")?, count("READY")?])
}

/// The header counts a snapshot calls for.
pub fn expected_counts(snapshot: &Snapshot) -> [usize; 3] {
    let of = |status| {
        snapshot
            .orders
            .iter()
            .filter(|o| o.status == status)
            .count()
    };
    [
        of(Status::Pending),
        of(Status::Preparing),
        of(Status::Ready),
    ]
}

/// Whether the screen shows exactly the snapshot's tickets and counts.
pub fn shows(text: &str, snapshot: &Snapshot) -> bool {
    tickets_on_screen(text) == expected_board(snapshot)
        && header_counts(text) == Some(expected_counts(snapshot))
}
