//! What must hold on every screen, at every size.

use super::*;
use crate::model::card as model_card;
use crate::model::{Column, layout};
use crate::view::card;
use ratatui::style::{Color, Modifier};

/// Every `#N` drawn in a column, and the counts of its `+N more` lines.
fn column_census(rows: &[String], x0: usize, width: usize) -> (Vec<i64>, usize) {
    let mut numbers = Vec::new();
    let mut more = 0;
    for row in rows {
        let cells: Vec<char> = row.chars().collect();
        let end = (x0 + width).min(cells.len());
        let text: String = cells[x0.min(end)..end].iter().collect();
        for (i, _) in text.match_indices('#') {
            let digits: String = text[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse() {
                numbers.push(n);
            }
        }
        if let Some(i) = text.find('+') {
            let digits: String = text[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if text[i..].contains("more") {
                more += digits.parse::<usize>().unwrap_or(0);
            }
        }
    }
    (numbers, more)
}

#[test]
fn no_ticket_is_ever_hidden_silently() {
    // Unicode borders: the ASCII focus border is made of '#'.
    let theme = Theme::new(false, false);
    for count in [0, 1, 5, 13, 40] {
        for (width, height) in [(40, 10), (57, 13), (80, 24), (123, 37), (200, 50)] {
            for down in [0, 3, 12, 39] {
                let mut m = crowd(count);
                apply(&mut m, Msg::Resize(width, height));
                run(&mut m, (0..down).map(|_| ch('j')));
                let backend = draw(&m, &theme, width, height);
                let rows = lines(backend.buffer());
                let list = layout::screen(ratatui::layout::Rect::new(0, 0, width, height), false)
                    .unwrap()
                    .lists[Column::Pending];
                let (numbers, more) =
                    column_census(&rows[1..rows.len() - 2], 0, usize::from(list.width));
                let case = format!("{count} tickets, {width}x{height}, down {down}");
                assert_eq!(numbers.len() + more, count, "{case}: {numbers:?} + {more}");
                if let Some(focused) = m.focused_ticket() {
                    assert!(numbers.contains(&focused.number), "{case}: focus not drawn");
                }
                // The keyboard's idea of what is visible is what was drawn.
                let visible = m.page(Column::Pending).range();
                assert_eq!(visible.len(), numbers.len(), "{case}");
            }
        }
    }
}

#[test]
fn control_characters_never_reach_the_screen() {
    let mut m = model("grill");
    let mut evil = order("evil", 66, Status::Pending, 0);
    evil.notes = Some("\u{1b}[2J\u{1b}]0;owned\u{7}NUTS\u{9b}1m".to_owned());
    evil.items[0].modifiers = vec!["\u{1b}[31mred".to_owned()];
    evil.customer = Some("\u{8}\u{8}\u{8}Eve".to_owned());
    run(
        &mut m,
        [events(vec![event(
            1,
            kds_protocol::EventKind::Created,
            evil,
        )])],
    );
    let backend = draw(&m, &Theme::new(false, true), 80, 24);
    let text = lines(backend.buffer()).join("\n");
    assert!(text.contains("NUTS"), "{text}");
    assert!(text.contains("Eve"), "{text}");
    for cell in backend.buffer().content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "{:?}",
            cell.symbol()
        );
    }
}

#[test]
fn card_heights_match_what_is_drawn() {
    let theme = Theme::new(false, true);
    let m = kitchen("grill");
    for order in kitchen_orders() {
        for width in [12u16, 20, 26, 33, 66] {
            let ticket = m
                .column(Column::of(order.status).unwrap())
                .iter()
                .find(|t| t.id == order.id)
                .unwrap();
            let height = model_card::height(m.board(), ticket, width);
            let area = ratatui::layout::Rect::new(0, 0, width, height);
            let mut buf = Buffer::empty(area);
            ratatui::widgets::Widget::render(
                card::Card {
                    model: &m,
                    theme: &theme,
                    ticket,
                    focused: false,
                },
                area,
                &mut buf,
            );
            let drawn = lines(&buf);
            // Fits exactly: nothing cut, and the last content row is not blank.
            assert!(
                !drawn.iter().any(|l| l.contains("more item")),
                "{width}: {drawn:#?}"
            );
            let last = &drawn[usize::from(height) - 2];
            assert!(
                last.chars()
                    .skip(1)
                    .take(usize::from(width) - 2)
                    .any(|c| c != ' '),
                "{width}: {drawn:#?}"
            );
        }
    }
}

#[test]
fn both_themes_use_a_one_cell_times_mark() {
    for ascii in [false, true] {
        let theme = Theme::new(ascii, true);
        assert_eq!(
            crate::text::width(theme.symbols.times),
            model_card::TIMES_WIDTH
        );
    }
}

#[test]
fn monochrome_still_shows_focus_lateness_and_notes() {
    let mut m = kitchen("grill");
    // Focus #41, the late one, which is second in Pending.
    apply(&mut m, ch('j'));
    let backend = draw(&m, &Theme::new(false, false), 80, 24);
    let buf = backend.buffer();
    for cell in buf.content() {
        assert!(matches!(cell.fg, Color::Reset), "{cell:?}");
        assert!(matches!(cell.bg, Color::Reset), "{cell:?}");
    }
    let rows = lines(buf);
    let find = |needle: &str| {
        rows.iter().enumerate().find_map(|(y, row)| {
            row.find(needle)
                .map(|byte| (row[..byte].chars().count() as u16, y as u16))
        })
    };
    let (x, y) = find("#41").unwrap();
    assert!(
        buf[(x, y)].modifier.contains(Modifier::REVERSED),
        "focused number"
    );
    let (x, y) = find("12:08").unwrap();
    assert!(
        buf[(x, y)].modifier.contains(Modifier::REVERSED),
        "late timer"
    );
    let (x, y) = find("06:35").unwrap();
    assert!(
        buf[(x, y)].modifier.contains(Modifier::UNDERLINED),
        "warn timer"
    );
    let (x, y) = find("NUT ALLERGY").unwrap();
    let notes = buf[(x, y)].modifier;
    assert!(
        notes.contains(Modifier::BOLD | Modifier::UNDERLINED),
        "notes stand out"
    );
    let (x, y) = find("#44").unwrap();
    assert!(
        !buf[(x, y)].modifier.contains(Modifier::REVERSED),
        "unfocused number"
    );
}

/// Paging to the far end of a long column draws the focused card there.
/// (How fast a frame of 200 tickets draws is `benches/render.rs`'s to say:
/// timing bounds do not belong in tests on a shared machine.)
#[test]
fn the_last_page_of_two_hundred_tickets_shows_the_focused_card() {
    let mut m = model("all");
    let orders: Vec<_> = (0..200)
        .map(|i| {
            let status = [Status::Pending, Status::Preparing, Status::Ready][i % 3];
            let mut o = order(&format!("o{i:03}"), i as i64, status, 2000 - i as i64);
            o.items = vec![
                item(
                    "Burger",
                    2,
                    &["no onion", "extra cheese"],
                    Some("well done"),
                ),
                item("Fries", 1, &[], None),
            ];
            o
        })
        .collect();
    run(&mut m, [snapshot(1, orders, vec![]), Msg::Resize(200, 50)]);
    // The first column's last ticket: 67 pending, so 66 steps down.
    run(&mut m, (0..70).map(|_| ch('j')));
    let focused = m.focused_ticket().expect("a focused ticket").number;
    let last = m
        .column(Column::Pending)
        .last()
        .expect("pending tickets")
        .number;
    assert_eq!(focused, last);
    let theme = Theme::new(false, true);
    let screen = lines(draw(&m, &theme, 200, 50).buffer()).join("\n");
    assert!(
        screen.contains(&format!("#{last} ")),
        "#{last} is not on screen:\n{screen}"
    );
}

#[test]
fn ascii_mode_draws_only_ascii() {
    let mut m = kitchen("all");
    run(&mut m, [ch('l'), ch(' ')]);
    for (width, height) in [(80, 24), (40, 10), (200, 50)] {
        for overlay in [None, Some('?'), Some('r')] {
            let mut m = m.clone();
            if let Some(c) = overlay {
                apply(&mut m, ch(c));
            }
            let backend = draw(&m, &Theme::new(true, true), width, height);
            for row in lines(backend.buffer()) {
                assert!(row.is_ascii(), "{width}x{height} {overlay:?}: {row}");
            }
        }
    }
}

#[test]
fn colour_theme_paints_timers_by_threshold() {
    let m = kitchen("grill");
    let backend = draw(&m, &Theme::new(false, true), 80, 24);
    let buf = backend.buffer();
    let rows = lines(buf);
    let cell = |needle: &str| {
        let (y, row) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.contains(needle))
            .unwrap();
        let x = row[..row.find(needle).unwrap()].chars().count() as u16;
        buf[(x, y as u16)].clone()
    };
    assert_eq!(cell("12:08").bg, Color::Red, "late");
    assert_eq!(cell("06:35").fg, Color::Yellow, "warn");
    assert_eq!(cell("00:46").fg, Color::Green, "normal");
}
