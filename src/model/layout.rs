//! Where everything goes: the screen regions and the pages of each column.
//!
//! ```text
//!  grill          Pending 3 · Preparing 2 · Ready 1          18:04:05   header
//!   PENDING 3            │  PREPARING 2          │  READY 1             column titles
//! ╭ #41 ────── 12:03 ╮   │▲ +2 more              │╭ #38 ─────── 01:10 ╮
//! │Dine-in · table 4 │   │╭ #44  RUSH ── 00:41 ╮ ││Takeout · Bob      │
//! │2× Burger         │   │┃...                 ┃ │╰──────── age 19:02╯
//! ╰───── age 12:03 ╯    │┗━━━━━━━━━━━━━━━━━━━━┛ │
//!   ...                  │▼ +1 more              │
//! ● LIVE · updated 1s ago                                        2 queued   footer: link
//! Enter bump · u undo · 1-9 bump nth · r recall · ? help · q quit          footer: hints or message
//! ```
//!
//! A column shows one page of tickets: as many whole cards as fit, in lanes
//! side by side when the column is wide. Pages are cut greedily from the top,
//! so the page holding the selection is a pure function of the model and the
//! area; the rows hidden above and below are counted (`+N more`), never
//! silently dropped. The model computes the pages once per change
//! ([`super::Model::relayout`]); the view draws them and the keys address
//! them (`1`-`9` bump the nth ticket of the page), so both see one page.

use super::Model;
use super::card;
use super::column::{Column, PerColumn};
use ratatui::layout::Rect;
use std::ops::Range;

/// Below this the screen says it is too small instead of drawing garbage.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
pub const HEADER_ROWS: u16 = 1;
/// The connection line and the hints (or message) line.
pub const FOOTER_ROWS: u16 = 2;
pub const COLUMN_TITLE_ROWS: u16 = 1;
/// The rule between two columns.
pub const COLUMN_GAP: u16 = 1;
/// Cards get their own lane once a column is this many cells wide per lane.
pub const LANE_MIN_WIDTH: u16 = 26;
/// From this width on, the all-day counts stand beside the columns...
pub const ALL_DAY_SIDE_MIN_WIDTH: u16 = 120;
/// ...this wide; on a narrower screen they cover the columns.
pub const ALL_DAY_WIDTH: u16 = 34;
/// Rows of a `+N more` line.
const MORE_ROWS: u16 = 1;

/// The regions of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub titles: PerColumn<Rect>,
    pub lists: PerColumn<Rect>,
    /// The one-cell rules between columns.
    pub rules: [Rect; Column::COUNT - 1],
    pub footer: Rect,
    /// The all-day counts beside the columns, when they are there.
    pub side: Option<Rect>,
}

/// Splits the screen (with room for the all-day panel at the right when
/// `side`); `None` when it is smaller than [`MIN_WIDTH`] x [`MIN_HEIGHT`].
pub fn screen(area: Rect, side: bool) -> Option<Screen> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let header = Rect {
        height: HEADER_ROWS,
        ..area
    };
    let footer = Rect {
        y: area.bottom() - FOOTER_ROWS,
        height: FOOTER_ROWS,
        ..area
    };
    let body_y = area.y + HEADER_ROWS;
    let body_height = area.height - HEADER_ROWS - FOOTER_ROWS;
    let side = (side && area.width >= ALL_DAY_SIDE_MIN_WIDTH).then(|| {
        Rect::new(
            area.right() - ALL_DAY_WIDTH,
            body_y,
            ALL_DAY_WIDTH,
            body_height,
        )
    });
    let columns_width = area.width - side.map_or(0, |s| s.width + COLUMN_GAP);
    let count = Column::COUNT as u16;
    let usable = columns_width - (count - 1) * COLUMN_GAP;
    let (base, extra) = (usable / count, usable % count);
    let mut titles = PerColumn::<Rect>::default();
    let mut lists = PerColumn::<Rect>::default();
    let mut rules = [Rect::default(); Column::COUNT - 1];
    let mut x = area.x;
    for column in Column::ALL {
        let i = column.index();
        let width = base + u16::from((i as u16) < extra);
        titles[column] = Rect::new(x, body_y, width, COLUMN_TITLE_ROWS);
        lists[column] = Rect::new(
            x,
            body_y + COLUMN_TITLE_ROWS,
            width,
            body_height - COLUMN_TITLE_ROWS,
        );
        x += width;
        if let Some(rule) = rules.get_mut(i) {
            *rule = Rect::new(x, body_y, COLUMN_GAP, body_height);
            x += COLUMN_GAP;
        }
    }
    Some(Screen {
        header,
        titles,
        lists,
        rules,
        footer,
        side,
    })
}

/// One page of a column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// The tickets shown: `start..end` of the column.
    pub start: usize,
    pub end: usize,
    /// Where each shown card goes, in order.
    pub slots: Vec<Rect>,
    /// The card of each slot, to keep it there on the next layout.
    pub ids: Vec<String>,
    /// The `+N more` lines, when tickets are hidden above or below.
    pub above: Option<Rect>,
    pub below: Option<Rect>,
    /// Cards have left this page and their slots stand empty: the cards
    /// that stayed were kept where they were (see [`settled`]).
    pub holes: bool,
}

impl Page {
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The lanes of a column list: side by side, splitting the width evenly.
fn lanes(list: Rect) -> impl Iterator<Item = (u16, u16)> {
    let count = (list.width / LANE_MIN_WIDTH).max(1);
    let (base, extra) = (list.width / count, list.width % count);
    (0..count).scan(list.x, move |x, i| {
        let width = base + u16::from(i < extra);
        let lane = (*x, width);
        *x += width;
        Some(lane)
    })
}

/// Places cards from `start` into the lanes between `top` and `top + rows`;
/// returns the first ticket not placed. Every page places at least one card
/// (clipped if it is taller than the room), so paging always moves on.
fn fill(
    list: Rect,
    top: u16,
    rows: u16,
    start: usize,
    count: usize,
    height: &impl Fn(usize, u16) -> u16,
    slots: &mut Vec<Rect>,
) -> usize {
    slots.clear();
    let rows = rows.max(1);
    let mut next = start;
    for (x, width) in lanes(list) {
        let mut used = 0;
        while next < count {
            let wanted = height(next, width);
            if used + wanted > rows && used > 0 {
                break;
            }
            let h = wanted.min(rows - used);
            slots.push(Rect::new(x, top + used, width, h));
            used += h;
            next += 1;
            if used >= rows {
                break;
            }
        }
    }
    next
}

/// The page of `column` that holds its selected ticket, laid out in `list`.
pub fn page(model: &Model, column: Column, list: Rect) -> Page {
    let tickets = model.column(column);
    let count = tickets.len();
    let selected = model.selected_index(column).min(count.saturating_sub(1));
    let height = |i: usize, width: u16| card_height(model, column, i, width);
    let mut slots = Vec::new();
    let mut start = 0;
    loop {
        let above = u16::from(start > 0) * MORE_ROWS;
        let top = list.y + above;
        let room = list.height.saturating_sub(above);
        let mut end = fill(list, top, room, start, count, &height, &mut slots);
        if end < count {
            // Something is left below: give up a row to say so.
            end = fill(
                list,
                top,
                room.saturating_sub(MORE_ROWS),
                start,
                count,
                &height,
                &mut slots,
            );
        }
        if selected < end || end >= count {
            let line = |y| Rect::new(list.x, y, list.width, MORE_ROWS);
            return Page {
                start,
                end,
                ids: tickets[start..end].iter().map(|t| t.id.clone()).collect(),
                slots,
                above: (start > 0).then(|| line(list.y)),
                below: (end < count).then(|| line(list.bottom().saturating_sub(MORE_ROWS))),
                holes: false,
            };
        }
        start = end;
    }
}

fn card_height(model: &Model, column: Column, i: usize, width: u16) -> u16 {
    model
        .column(column)
        .get(i)
        .map_or(card::MISSING_HEIGHT, |t| {
            card::height(&model.board, t, width)
        })
}

/// The page of `column` with the cards of `previous` that are still there
/// kept in their slots, and new cards after them where there is room; the
/// slots of cards that left stay empty. `None` when that cannot be (a card
/// came between two kept ones, changed height, or the selection left the
/// page): then the page is laid out afresh.
///
/// Why: a bump takes a card out of its column, and laying the column out
/// again moves every card below it, which rewrites most of the screen
/// (several kilobytes over SSH for one key). Kept in place, only the bumped
/// card's slot changes. The holes close once the kitchen has been still for
/// [`SETTLE`].
fn settled(model: &Model, column: Column, list: Rect, previous: &Page) -> Option<Page> {
    let tickets = model.column(column);
    let count = tickets.len();
    let index: std::collections::HashMap<&str, usize> = tickets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let kept: Vec<(usize, Rect)> = previous
        .ids
        .iter()
        .zip(&previous.slots)
        .filter_map(|(id, slot)| Some((*index.get(id.as_str())?, *slot)))
        .collect();
    let (head, tail) = (kept.first()?, kept.last()?);
    // In order and with nothing in between, each as tall as before (a card
    // cut at the page's foot may only have grown).
    let in_order = kept.windows(2).all(|w| w[1].0 == w[0].0 + 1);
    let same_height = kept.iter().all(|&(i, slot)| {
        let wanted = card_height(model, column, i, slot.width);
        wanted == slot.height
            || (slot == tail.1
                && wanted > slot.height
                && slot.bottom() >= list.bottom().saturating_sub(MORE_ROWS))
    });
    let start = head.0;
    if !in_order || !same_height || (start > 0 && previous.above.is_none()) {
        return None;
    }
    let mut slots: Vec<Rect> = kept.iter().map(|&(_, slot)| slot).collect();
    let mut end = tail.0 + 1;
    // New cards after the last kept one: below it in its lane, then in the
    // lanes to its right, leaving a row for `+N more` if some do not fit.
    let bottom = list.bottom();
    let lanes: Vec<(u16, u16)> = lanes(list).collect();
    let mut lane = lanes.iter().position(|&(x, _)| x == tail.1.x)?;
    let mut y = tail.1.bottom();
    while end < count {
        let (x, width) = lanes[lane];
        let wanted = card_height(model, column, end, width);
        let room_below = bottom.saturating_sub(MORE_ROWS * u16::from(end + 1 < count));
        if y + wanted <= room_below {
            slots.push(Rect::new(x, y, width, wanted));
            y += wanted;
            end += 1;
        } else if lane + 1 < lanes.len() {
            lane += 1;
            y = list.y + u16::from(start > 0) * MORE_ROWS;
        } else {
            break;
        }
    }
    let below_row = bottom.saturating_sub(MORE_ROWS);
    if end < count && slots.iter().any(|s| s.bottom() > below_row) {
        return None;
    }
    let selected = model.selected_index(column).min(count.saturating_sub(1));
    if count > 0 && !(start..end).contains(&selected) {
        return None;
    }
    let more_line = |y| Rect::new(list.x, y, list.width, MORE_ROWS);
    Some(Page {
        start,
        end,
        ids: tickets[start..end].iter().map(|t| t.id.clone()).collect(),
        slots,
        above: previous.above.filter(|_| start > 0),
        below: (end < count).then(|| more_line(below_row)),
        holes: previous.holes || kept.len() < previous.ids.len(),
    })
}

/// How long the kitchen must be still (no key, no change) before holes
/// left by cards that went are closed.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(4);

/// The screen's regions and every column's page, for a terminal of `area`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub area: Rect,
    /// `None` when the terminal is smaller than [`MIN_WIDTH`] x [`MIN_HEIGHT`].
    pub screen: Option<Screen>,
    pub pages: PerColumn<Page>,
}

/// Lays the model out on `area`. With `previous` (the layout now on
/// screen, of the same area), cards stay where they are ([`settled`]).
pub fn layout(model: &Model, area: Rect, previous: Option<&Layout>) -> Layout {
    let screen = screen(area, model.all_day);
    let previous = previous.filter(|p| p.area == area && p.screen == screen);
    let pages = match &screen {
        Some(screen) => PerColumn::from_fn(|i| {
            let column = Column::ALL[i];
            let list = screen.lists[column];
            previous
                .and_then(|p| settled(model, column, list, &p.pages[column]))
                .unwrap_or_else(|| page(model, column, list))
        }),
        None => PerColumn::default(),
    };
    Layout {
        area,
        screen,
        pages,
    }
}

impl Layout {
    /// Whether some page keeps empty slots of cards that went.
    pub fn has_holes(&self) -> bool {
        self.pages.iter().any(|(_, page)| page.holes)
    }

    /// Whether some page keeps empty slots while tickets of its column are
    /// hidden below it.
    pub fn hides_tickets_under_holes(&self) -> bool {
        self.pages
            .iter()
            .any(|(_, page)| page.holes && page.below.is_some())
    }
}
