//! The writes of a transaction, held back and sent to `SQLite` as one call.
//!
//! sqlx runs each `SQLite` statement on the connection's worker thread, so
//! every statement is a round trip between threads: two wake-ups and a
//! queue each way. A new order is an `INSERT` into orders, one into events
//! and the counters' `UPDATE`; sent one by one they were most of the time
//! between the POST and the commit (see docs/benchmarks.md). A batch is
//! one round trip: sqlx runs a multi-statement query statement by
//! statement on one argument list, numbering `$N` across the whole list,
//! so each statement's own `$1, $2, ...` is shifted past the arguments
//! before it.
//!
//! Each shape of transaction (an order, a check of N parts, a change,
//! with or without a kept answer) is one SQL text, prepared once and kept
//! in the connection's statement cache; the cache is sqlx's, an LRU of
//! 100 statements, so the shapes a client can cause stay bounded.

use super::super::StoreError;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Encode, Sqlite, Type};

/// Statements waiting to be sent, with their arguments.
#[derive(Default)]
pub(super) struct Batch {
    sql: String,
    args: SqliteArguments<'static>,
    /// Parameters the statements named, to check against the arguments.
    named: usize,
}

impl Batch {
    pub(super) fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// Appends `statement` (its parameters numbered from `$1`); its
    /// arguments follow with [`Batch::bind`], in order.
    pub(super) fn push(&mut self, statement: &str) -> &mut Self {
        let offset = self.args.len();
        debug_assert_eq!(offset, self.named, "every parameter bound");
        if !self.sql.is_empty() {
            self.sql.push_str(";\n");
        }
        self.named = offset + shift_parameters(statement, offset, &mut self.sql);
        self
    }

    pub(super) fn bind<T>(&mut self, value: T) -> Result<&mut Self, StoreError>
    where
        T: 'static + Send + Encode<'static, Sqlite> + Type<Sqlite>,
    {
        self.args
            .add(value)
            .map_err(|err| StoreError::Database(sqlx::Error::Encode(err)))?;
        Ok(self)
    }

    /// The statements and their arguments, leaving the batch empty.
    pub(super) fn take(&mut self) -> (String, SqliteArguments<'static>) {
        debug_assert_eq!(self.args.len(), self.named, "every parameter bound");
        self.named = 0;
        (
            std::mem::take(&mut self.sql),
            std::mem::take(&mut self.args),
        )
    }
}

/// Writes `statement` to `out` with each `$N` as `$(N + offset)`; returns
/// the highest N. Our statements hold no `$` outside parameters (no string
/// literals with one), so no quoting is tracked.
fn shift_parameters(statement: &str, offset: usize, out: &mut String) -> usize {
    let mut highest = 0;
    let mut rest = statement;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => {
                highest = highest.max(n);
                out.push_str(&(n + offset).to_string());
            }
            // A `$` not followed by a number is left as it was.
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    highest
}

#[cfg(test)]
mod tests {
    use super::shift_parameters;

    fn shifted(statement: &str, offset: usize) -> (String, usize) {
        let mut out = String::new();
        let highest = shift_parameters(statement, offset, &mut out);
        (out, highest)
    }

    #[test]
    fn parameters_are_shifted_past_the_earlier_arguments() {
        assert_eq!(
            shifted("UPDATE t SET a = $1, b = $2 WHERE id = $10", 3),
            ("UPDATE t SET a = $4, b = $5 WHERE id = $13".to_owned(), 10)
        );
    }

    #[test]
    fn a_repeated_parameter_stays_one_parameter() {
        assert_eq!(
            shifted("SELECT $1 WHERE $2 IS NULL OR x = $2", 5),
            ("SELECT $6 WHERE $7 IS NULL OR x = $7".to_owned(), 2)
        );
    }

    #[test]
    fn a_statement_without_parameters_is_kept_as_it_is() {
        assert_eq!(
            shifted("DELETE FROM t WHERE a = 'x$'", 2),
            ("DELETE FROM t WHERE a = 'x$'".to_owned(), 0)
        );
    }
}
