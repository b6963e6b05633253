//! The columns of the board, named once.

use kds_protocol::Status;
use std::fmt;

/// A column of the board, left to right. Completed orders have none (they
/// live in the recall list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Pending,
    Preparing,
    Ready,
}

impl Column {
    /// How many columns there are: the length of every per-column array.
    pub const COUNT: usize = 3;
    pub const ALL: [Column; Column::COUNT] = [Column::Pending, Column::Preparing, Column::Ready];

    /// The column of a status; `None` for completed orders.
    pub fn of(status: Status) -> Option<Column> {
        match status {
            Status::Pending => Some(Column::Pending),
            Status::Preparing => Some(Column::Preparing),
            Status::Ready => Some(Column::Ready),
            Status::Completed => None,
        }
    }

    pub fn status(self) -> Status {
        match self {
            Column::Pending => Status::Pending,
            Column::Preparing => Status::Preparing,
            Column::Ready => Status::Ready,
        }
    }

    /// Its place from the left, from 0: the index into per-column arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The column `delta` places away, stopping at the edges.
    #[must_use]
    pub fn step(self, delta: isize) -> Column {
        let index = self
            .index()
            .saturating_add_signed(delta)
            .min(Column::COUNT - 1);
        Column::ALL[index]
    }

    /// As the header and the column titles write it.
    pub fn name(self) -> &'static str {
        match self {
            Column::Pending => "Pending",
            Column::Preparing => "Preparing",
            Column::Ready => "Ready",
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One value per column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerColumn<T>([T; Column::COUNT]);

impl<T> PerColumn<T> {
    pub fn from_fn(f: impl FnMut(usize) -> T) -> Self {
        Self(std::array::from_fn(f))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Column, &T)> {
        Column::ALL.into_iter().zip(&self.0)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Column, &mut T)> {
        Column::ALL.into_iter().zip(&mut self.0)
    }
}

impl<T> std::ops::Index<Column> for PerColumn<T> {
    type Output = T;

    fn index(&self, column: Column) -> &T {
        &self.0[column.index()]
    }
}

impl<T> std::ops::IndexMut<Column> for PerColumn<T> {
    fn index_mut(&mut self, column: Column) -> &mut T {
        &mut self.0[column.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_statuses() {
        for column in Column::ALL {
            assert_eq!(Column::of(column.status()), Some(column));
            assert_eq!(Column::ALL[column.index()], column);
        }
        assert_eq!(Column::of(Status::Completed), None);
        assert_eq!(Column::Pending.step(-1), Column::Pending);
        assert_eq!(Column::Pending.step(1), Column::Preparing);
        assert_eq!(Column::Preparing.step(5), Column::Ready);
    }
}
