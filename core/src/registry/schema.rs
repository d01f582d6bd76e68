//! The registry's tables, the same on SQLite and PostgreSQL, and their migrations.
//!
//! `schema_version` holds the number of migrations applied; opening a registry applies the
//! missing ones in one transaction, so an old file or database is brought up to date and a
//! newer one (written by a later deepfield) is refused rather than misread.

use super::sql::{with_tx, Conn, Dialect, Sql, Tx};
use crate::{Error, Result};

/// Migrations in order; `{id}` is the auto-numbered key and `{real}` the 64-bit float type of
/// the dialect.
const MIGRATIONS: &[&str] = &[
    // 1: studies, runs, per-step metrics.
    "CREATE TABLE studies (
        id {id},
        name TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL,
        space TEXT,
        created {real} NOT NULL,
        next_trial BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE runs (
        id {id},
        study_id BIGINT REFERENCES studies(id),
        trial BIGINT,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        dataset TEXT,
        split TEXT,
        seed BIGINT,
        params TEXT,
        state TEXT NOT NULL,
        value {real},
        metrics TEXT,
        started {real} NOT NULL,
        finished {real},
        duration_s {real},
        host TEXT,
        hardware TEXT,
        code_version TEXT,
        checkpoint TEXT,
        UNIQUE (study_id, trial)
    );
    CREATE INDEX runs_kind ON runs (kind);
    CREATE INDEX runs_dataset ON runs (dataset);
    CREATE INDEX runs_study ON runs (study_id, state);
    CREATE TABLE metrics (
        run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step BIGINT NOT NULL,
        name TEXT NOT NULL,
        value {real} NOT NULL,
        PRIMARY KEY (run_id, name, step)
    );",
];

/// The schema version this build reads and writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

fn dialect_sql(sql: &str, dialect: Dialect) -> String {
    let (id, real) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "REAL"),
        Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION"),
    };
    sql.replace("{id}", id).replace("{real}", real)
}

fn current(tx: &mut dyn Tx) -> Result<i64> {
    let rows = tx.query("SELECT version FROM schema_version", &[])?;
    Ok(rows.first().and_then(|r| r[0].as_int()).unwrap_or(0))
}

/// Bring the storage up to [`VERSION`]; an error when it is newer than this build.
pub fn migrate(conn: &mut dyn Conn) -> Result<()> {
    let dialect = conn.dialect();
    let place = conn.describe();
    with_tx(conn, |tx| {
        if dialect == Dialect::Postgres {
            // Workers starting together on a fresh database: one creates the tables, the others
            // wait here (concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL).
            tx.batch("SELECT pg_advisory_xact_lock(7245031)")?;
        }
        tx.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let mut version = current(tx)?;
        if version > VERSION {
            return Err(Error::input(format!(
                "registry {place}: schema version {version} is newer than this deepfield's ({VERSION}); upgrade deepfield"
            )));
        }
        if tx
            .query("SELECT version FROM schema_version", &[])?
            .is_empty()
        {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
        }
        while version < VERSION {
            tx.batch(&dialect_sql(MIGRATIONS[version as usize], dialect))?;
            version += 1;
            tx.execute(
                "UPDATE schema_version SET version = ?",
                &[Sql::int(version)],
            )?;
        }
        Ok(())
    })
}
