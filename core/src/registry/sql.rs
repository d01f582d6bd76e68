//! The little SQL both storages share: typed values, rows, and a connection that runs one
//! closure in one transaction. Queries are written once with `?` placeholders; the PostgreSQL
//! connection numbers them (`$1`, `$2`, …) before sending.

use crate::{Error, Result};

/// A value bound to a placeholder or read from a column. `None` is SQL NULL of that type.
#[derive(Debug, Clone, PartialEq)]
pub enum Sql {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

impl Sql {
    /// An integer value.
    pub fn int(v: impl Into<i64>) -> Sql {
        Sql::Int(Some(v.into()))
    }

    /// A text value.
    pub fn text(v: impl Into<String>) -> Sql {
        Sql::Text(Some(v.into()))
    }

    /// The value as an integer (NULL and other types: `None`).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Sql::Int(v) => *v,
            Sql::Real(v) => v.map(|x| x as i64),
            Sql::Text(_) => None,
        }
    }

    /// The value as a real (integers widen).
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Sql::Real(v) => *v,
            Sql::Int(v) => v.map(|x| x as f64),
            Sql::Text(_) => None,
        }
    }

    /// The value as text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Sql::Text(v) => v.as_deref(),
            _ => None,
        }
    }
}

impl From<Option<i64>> for Sql {
    fn from(v: Option<i64>) -> Sql {
        Sql::Int(v)
    }
}

impl From<Option<f64>> for Sql {
    fn from(v: Option<f64>) -> Sql {
        Sql::Real(v)
    }
}

impl From<Option<String>> for Sql {
    fn from(v: Option<String>) -> Sql {
        Sql::Text(v)
    }
}

/// One result row.
pub type Row = Vec<Sql>;

/// Statements inside one transaction.
pub trait Tx {
    /// Run a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Sql]) -> Result<u64>;
    /// Run a query; its rows.
    fn query(&mut self, sql: &str, params: &[Sql]) -> Result<Vec<Row>>;
    /// Run several statements without parameters (schema scripts).
    fn batch(&mut self, sql: &str) -> Result<()>;
}

/// Which SQL dialect a storage speaks (for the few statements that differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A storage connection.
pub trait Conn: Send {
    /// The dialect of the schema scripts.
    fn dialect(&self) -> Dialect;
    /// Run `body` in one transaction that takes the write lock at once (SQLite `BEGIN IMMEDIATE`,
    /// a serialisable PostgreSQL transaction retried on a serialisation failure): committed
    /// when `body` returns `Ok`, rolled back otherwise.
    fn transaction(&mut self, body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Where this storage lives, with any password hidden (for messages).
    fn describe(&self) -> String;
}

/// Run `body` in a transaction and hand back what it produced.
pub fn with_tx<T>(
    conn: &mut dyn Conn,
    mut body: impl FnMut(&mut dyn Tx) -> Result<T>,
) -> Result<T> {
    let mut out = None;
    conn.transaction(&mut |tx| {
        out = Some(body(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| Error::input("registry: a transaction produced no result"))
}

/// Number `?` placeholders as `$1`, `$2`, … (outside string literals).
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_literals() {
        assert_eq!(
            numbered("SELECT * FROM runs WHERE a = ? AND b = '?' AND c = ?"),
            "SELECT * FROM runs WHERE a = $1 AND b = '?' AND c = $2"
        );
    }
}
