//! Shared storage across machines: a PostgreSQL database (the synchronous `postgres` client).
//!
//! Every transaction is SERIALIZABLE; a serialisation failure or deadlock (another worker
//! touched the same rows) is retried with a short back-off, so concurrent workers neither lose
//! nor duplicate a record — the same guarantee Optuna's RDB storage relies on.

use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls};

use super::sql::{numbered, Conn, Dialect, Row, Sql, Tx};
use crate::{Error, Result};

/// How many times a transaction that lost a serialisation race is run again.
const RETRIES: usize = 20;

/// A PostgreSQL registry.
pub struct PostgresConn {
    client: Client,
    shown: String,
}

/// `url` with its password replaced by `***`.
pub fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

impl PostgresConn {
    /// Connect to `url` (`postgres://user:password@host:port/database`), without TLS.
    pub fn open(url: &str) -> Result<PostgresConn> {
        let shown = hide_password(url);
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| Error::input(format!("registry {shown}: not a PostgreSQL URL: {e}")))?;
        config.connect_timeout(Duration::from_secs(10));
        let client = config.connect(NoTls).map_err(|e| {
            Error::input(format!(
                "registry {shown}: cannot connect to PostgreSQL: {e} (is the server running and the URL right?)"
            ))
        })?;
        Ok(PostgresConn { client, shown })
    }
}

fn err(shown: &str, e: postgres::Error) -> Error {
    // The client's own message is just "db error"; the server's code and message say what.
    match e.as_db_error() {
        Some(db) => Error::input(format!(
            "registry {shown}: {} {}: {}{}",
            db.severity(),
            db.code().code(),
            db.message(),
            db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        )),
        None => Error::input(format!("registry {shown}: {e}")),
    }
}

fn retryable(e: &Error) -> bool {
    let text = e.to_string();
    // SQLSTATE 40001 serialization_failure and 40P01 deadlock_detected (`err` writes the code).
    text.contains(": ERROR 40001:") || text.contains(": ERROR 40P01:")
}

struct PgTx<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    shown: &'a str,
}

fn bind(params: &[Sql]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Sql::Int(v) => Box::new(*v),
                Sql::Real(v) => Box::new(*v),
                Sql::Text(v) => Box::new(v.clone()),
            }
        })
        .collect()
}

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, params: &[Sql]) -> Result<u64> {
        let owned = bind(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        self.tx
            .execute(numbered(sql).as_str(), &refs)
            .map_err(|e| err(self.shown, e))
    }

    fn query(&mut self, sql: &str, params: &[Sql]) -> Result<Vec<Row>> {
        let owned = bind(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        let rows = self
            .tx
            .query(numbered(sql).as_str(), &refs)
            .map_err(|e| err(self.shown, e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut r = Vec::with_capacity(row.len());
            for (i, col) in row.columns().iter().enumerate() {
                let t = col.type_();
                let v = if *t == Type::INT8 {
                    Sql::Int(row.try_get(i).map_err(|e| err(self.shown, e))?)
                } else if *t == Type::INT4 {
                    let v: Option<i32> = row.try_get(i).map_err(|e| err(self.shown, e))?;
                    Sql::Int(v.map(i64::from))
                } else if *t == Type::FLOAT8 {
                    Sql::Real(row.try_get(i).map_err(|e| err(self.shown, e))?)
                } else {
                    Sql::Text(row.try_get(i).map_err(|e| err(self.shown, e))?)
                };
                r.push(v);
            }
            out.push(r);
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.batch_execute(sql).map_err(|e| err(self.shown, e))
    }
}

impl Conn for PostgresConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn transaction(&mut self, body: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut attempt = 0;
        loop {
            let shown = self.shown.clone();
            let result = (|| {
                let mut tx = self
                    .client
                    .build_transaction()
                    .isolation_level(IsolationLevel::Serializable)
                    .start()
                    .map_err(|e| err(&shown, e))?;
                body(&mut PgTx {
                    tx: &mut tx,
                    shown: &shown,
                })?;
                tx.commit().map_err(|e| err(&shown, e))
            })();
            match result {
                Err(e) if retryable(&e) && attempt < RETRIES => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(5 * attempt as u64));
                }
                other => return other,
            }
        }
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            hide_password("postgres://me:secret@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(hide_password("postgres://db/x"), "postgres://db/x");
    }
}
