//! Which card has the focus, and which line inside it when a cook has
//! stepped into it to mark lines done.
//!
//! The focus is held by card id, so it stays on the same card when others
//! arrive above it, and by index as a fallback, so when the focused card
//! leaves its column the focus lands on the card that took its place.

use super::board::{Board, Ticket};
use super::column::{Column, PerColumn};

/// A line of a card, as (part, line index in the part's order).
pub type LineRef = (usize, usize);

/// Stepped into a card: the highlighted line is the `index`th of its
/// lines still to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFocus {
    pub ticket: String,
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    column: Column,
    /// Per column: the selected card id and its last known index.
    ids: PerColumn<Option<String>>,
    indexes: PerColumn<usize>,
    /// The highlighted line of the recall list.
    recall: usize,
    line: Option<LineFocus>,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            column: Column::Pending,
            ids: PerColumn::default(),
            indexes: PerColumn::default(),
            recall: 0,
            line: None,
        }
    }
}

/// The lines of a card a cook can mark done: those not voided, of parts not voided.
pub fn live_lines(board: &Board, ticket: &Ticket) -> Vec<LineRef> {
    let mut lines = Vec::new();
    for (part, shown) in ticket.parts.iter().enumerate() {
        let Some(order) = board.order(&shown.order_id).filter(|o| !o.is_voided()) else {
            continue;
        };
        lines.extend(order.live_items().map(|(item, _)| (part, item)));
    }
    lines
}

impl Selection {
    pub fn column(&self) -> Column {
        self.column
    }

    /// The selected index in a column (meaningful only if the column is not empty).
    pub fn index(&self, column: Column) -> usize {
        self.indexes[column]
    }

    pub fn id(&self, column: Column) -> Option<&str> {
        self.ids[column].as_deref()
    }

    pub fn recall_index(&self) -> usize {
        self.recall
    }

    pub fn line(&self) -> Option<&LineFocus> {
        self.line.as_ref()
    }

    /// Follows the selected cards after the board changed; leaves a card
    /// stepped into if it left the focus or has no line left to mark.
    pub fn reconcile(&mut self, board: &Board) {
        for column in Column::ALL {
            let tickets = board.column(column);
            let found = self.ids[column]
                .as_deref()
                .and_then(|id| tickets.iter().position(|t| t.id == id));
            let index = match found {
                Some(index) => index,
                None => self.indexes[column].min(tickets.len().saturating_sub(1)),
            };
            self.select(column, index, tickets);
        }
        self.recall = self.recall.min(board.recall().len().saturating_sub(1));
        if let Some(line) = &mut self.line {
            let focused = self.ids[self.column].as_deref() == Some(line.ticket.as_str());
            let count = board
                .ticket(&line.ticket)
                .map_or(0, |t| live_lines(board, t).len());
            if focused && count > 0 {
                line.index = line.index.min(count - 1);
            } else {
                self.line = None;
            }
        }
    }

    fn select(&mut self, column: Column, index: usize, tickets: &[Ticket]) {
        self.indexes[column] = index;
        self.ids[column] = tickets.get(index).map(|t| t.id.clone());
    }

    /// Moves the column focus by `delta`, stopping at the edges.
    pub fn move_column(&mut self, delta: isize) {
        self.column = self.column.step(delta);
        self.line = None;
    }

    /// Moves the selection in the focused column by `delta`, stopping at the ends.
    pub fn move_ticket(&mut self, board: &Board, delta: isize) {
        let tickets = board.column(self.column);
        if tickets.is_empty() {
            return;
        }
        let index = self.indexes[self.column]
            .saturating_add_signed(delta)
            .min(tickets.len() - 1);
        self.select(self.column, index, tickets);
    }

    /// Moves the recall-list highlight by `delta`.
    pub fn move_recall(&mut self, board: &Board, delta: isize) {
        self.recall = self
            .recall
            .saturating_add_signed(delta)
            .min(board.recall().len().saturating_sub(1));
    }

    /// Focuses a card wherever it is shown in the columns.
    pub fn focus(&mut self, board: &Board, id: &str) {
        for column in Column::ALL {
            let tickets = board.column(column);
            if let Some(index) = tickets.iter().position(|t| t.id == id) {
                self.column = column;
                self.select(column, index, tickets);
            }
        }
    }

    /// Opening the recall list starts at its newest order.
    pub fn reset_recall(&mut self) {
        self.recall = 0;
    }

    /// Steps into the focused card, at its first line; false when it has
    /// no line to mark.
    pub fn enter_lines(&mut self, board: &Board) -> bool {
        let Some(ticket) = self.ids[self.column]
            .as_deref()
            .and_then(|id| board.ticket(id))
        else {
            return false;
        };
        if live_lines(board, ticket).is_empty() {
            return false;
        }
        self.line = Some(LineFocus {
            ticket: ticket.id.clone(),
            index: 0,
        });
        true
    }

    pub fn leave_lines(&mut self) {
        self.line = None;
    }

    /// Moves the highlighted line by `delta`, stopping at the ends.
    pub fn move_line(&mut self, board: &Board, delta: isize) {
        let Some(line) = &mut self.line else { return };
        let count = board
            .ticket(&line.ticket)
            .map_or(0, |t| live_lines(board, t).len());
        line.index = line
            .index
            .saturating_add_signed(delta)
            .min(count.saturating_sub(1));
    }

    /// Highlights the `n`th line (from 0) if there is one.
    pub fn set_line(&mut self, board: &Board, n: usize) -> bool {
        let Some(line) = &mut self.line else {
            return false;
        };
        let count = board
            .ticket(&line.ticket)
            .map_or(0, |t| live_lines(board, t).len());
        if n < count {
            line.index = n;
            true
        } else {
            false
        }
    }
}
