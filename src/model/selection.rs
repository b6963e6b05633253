//! Which ticket has the focus.
//!
//! The focus is held by order id, so it stays on the same ticket when others
//! arrive above it, and by index as a fallback, so when the focused ticket
//! leaves its column the focus lands on the ticket that took its place.

use super::board::{Board, COLUMNS, Ticket};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The focused column (0..3).
    column: usize,
    /// Per column: the selected order id and its last known index.
    ids: [Option<String>; 3],
    indexes: [usize; 3],
    /// The highlighted line of the recall list.
    recall: usize,
}

impl Selection {
    pub fn column(&self) -> usize {
        self.column
    }

    /// The selected index in a column (meaningful only if the column is not empty).
    pub fn index(&self, column: usize) -> usize {
        self.indexes.get(column).copied().unwrap_or(0)
    }

    pub fn id(&self, column: usize) -> Option<&str> {
        self.ids.get(column).and_then(|id| id.as_deref())
    }

    pub fn recall_index(&self) -> usize {
        self.recall
    }

    /// Follows the selected tickets after the board changed.
    pub fn reconcile(&mut self, board: &Board) {
        for column in 0..COLUMNS.len() {
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
    }

    fn select(&mut self, column: usize, index: usize, tickets: &[Ticket]) {
        self.indexes[column] = index;
        self.ids[column] = tickets.get(index).map(|t| t.id.clone());
    }

    /// Moves the column focus by `delta`, stopping at the edges.
    pub fn move_column(&mut self, delta: isize) {
        self.column = self
            .column
            .saturating_add_signed(delta)
            .min(COLUMNS.len() - 1);
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

    /// Focuses an order wherever it is shown in the columns.
    pub fn focus(&mut self, board: &Board, id: &str) {
        for column in 0..COLUMNS.len() {
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
}
