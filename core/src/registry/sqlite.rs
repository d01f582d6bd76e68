//! The embedded default storage: one SQLite file (rusqlite, SQLite bundled).
//!
//! Several processes may write the same file: the database runs in WAL mode, every write
//! transaction starts with `BEGIN IMMEDIATE` (it takes the write lock before reading, so two
//! workers never both read the same next trial number), and a busy database is waited on for
//! up to [`BUSY_TIMEOUT`] rather than failing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{params_from_iter, Connection, TransactionBehavior};

use super::sql::{Conn, Dialect, Row, Sql, Tx};
use crate::{Error, Result};

/// How long a writer waits for another process's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A SQLite registry file.
pub struct SqliteConn {
    conn: Connection,
    path: PathBuf,
}

fn err(path: &Path, e: rusqlite::Error) -> Error {
    Error::input(format!("registry {}: {e}", path.display()))
}

impl SqliteConn {
    /// Open (creating it and its folder when missing) the registry file at `path`.
    pub fn open(path: &Path) -> Result<SqliteConn> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fsutil::create_dir_all(dir)?;
        }
        let conn = Connection::open(path).map_err(|e| err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| err(path, e))?;
        // WAL lets readers go on while one process writes; NORMAL sync is durable in WAL mode
        // against process crashes (a power cut may lose the last transactions, never corrupt).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| err(path, e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| err(path, e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| err(path, e))?;
        Ok(SqliteConn {
            conn,
            path: path.to_path_buf(),
        })
    }
}

fn to_value(v: &Sql) -> Value {
    match v {
        Sql::Int(Some(i)) => Value::Integer(*i),
        Sql::Real(Some(x)) => Value::Real(*x),
        Sql::Text(Some(s)) => Value::Text(s.clone()),
        _ => Value::Null,
    }
}

fn from_ref(v: ValueRef<'_>) -> Sql {
    match v {
        ValueRef::Null => Sql::Text(None),
        ValueRef::Integer(i) => Sql::Int(Some(i)),
        ValueRef::Real(x) => Sql::Real(Some(x)),
        ValueRef::Text(t) => Sql::Text(Some(String::from_utf8_lossy(t).into_owned())),
        ValueRef::Blob(b) => Sql::Text(Some(String::from_utf8_lossy(b).into_owned())),
    }
}

struct SqliteTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    path: &'a Path,
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Sql]) -> Result<u64> {
        let n = self
            .tx
            .execute(sql, params_from_iter(params.iter().map(to_value)))
            .map_err(|e| err(self.path, e))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Sql]) -> Result<Vec<Row>> {
        let mut stmt = self.tx.prepare(sql).map_err(|e| err(self.path, e))?;
        let width = stmt.column_count();
        let mut rows = stmt
            .query(params_from_iter(params.iter().map(to_value)))
            .map_err(|e| err(self.path, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| err(self.path, e))? {
            let mut r = Vec::with_capacity(width);
            for i in 0..width {
                r.push(from_ref(row.get_ref(i).map_err(|e| err(self.path, e))?));
            }
            out.push(r);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.execute_batch(sql).map_err(|e| err(self.path, e))
    }
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn transaction(&mut self, body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| err(&path, e))?;
        body(&mut SqliteTx {
            tx: &tx,
            path: &path,
        })?;
        tx.commit().map_err(|e| err(&path, e))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}
