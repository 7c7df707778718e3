//! The connection the ingest path writes through: on SQLite the concrete `SqliteConnection`,
//! on PostgreSQL `AnyConnection`.
//!
//! Through sqlx's `Any` driver every bound string is copied twice (into the `Any` argument,
//! then into the SQLite one) and every returned row is copied into an `AnyRow`; on the
//! ingest path, with fifteen values bound per event, those copies and their allocations were
//! a fifth of the store's cost (`bench/README.md`, "Service"). [`Conn`] binds and reads
//! through the concrete driver when the store is SQLite and through `Any` otherwise, with the
//! same SQL: statements are written as everywhere in the store (`$n`, or `?` numbered by
//! [`Conn::query`] on PostgreSQL), and values are the shared types (`i64`, `f64`, text).

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Any, AnyConnection, Row, Sqlite, SqliteConnection};

use crate::{Backend, Error, Result, Store};

/// A write connection inside a transaction, of either backend.
pub(crate) enum Conn<'c> {
    /// SQLite, through the concrete driver.
    Sqlite(&'c mut SqliteConnection),
    /// Any backend through `Any` (PostgreSQL in practice).
    Any(&'c mut AnyConnection),
}

/// A statement being bound for a [`Conn`] of the same backend.
pub(crate) enum Query {
    Sqlite(sqlx::query::Query<'static, Sqlite, SqliteArguments>),
    Any(sqlx::query::Query<'static, Any, AnyArguments>),
}

/// A row returned through a [`Conn`].
pub(crate) enum ConnRow {
    Sqlite(SqliteRow),
    Any(AnyRow),
}

impl Conn<'_> {
    /// The backend the connection talks to.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Any(c) => Backend::of(c),
        }
    }

    /// A statement written with `$n` or with `?` placeholders (never both), numbered for
    /// PostgreSQL as [`crate::dialect`] does.
    pub(crate) fn query(&self, sql: String) -> Query {
        match self {
            Conn::Sqlite(_) => Query::Sqlite(sqlx::query(sqlx::AssertSqlSafe(sql))),
            Conn::Any(c) => Query::Any(sqlx::query(crate::dialect(c, sql))),
        }
    }

    /// A fixed statement.
    pub(crate) fn fixed(&self, sql: &'static str) -> Query {
        match self {
            Conn::Sqlite(_) => Query::Sqlite(sqlx::query(sql)),
            Conn::Any(_) => Query::Any(sqlx::query(sql)),
        }
    }
}

/// The largest row id that `sql` (`SELECT COALESCE(MAX(id), 0) FROM …`) reads: where the
/// rows that the next inserts of this transaction add begin.
pub(crate) async fn max_id(tx: &mut Conn<'_>, sql: &'static str) -> sqlx::Result<i64> {
    tx.fixed(sql)
        .fetch_optional(tx)
        .await?
        .map_or(Ok(0), |r| r.int(0))
}

/// The connection does not match the statement: a bug in this module's callers.
fn mismatch() -> sqlx::Error {
    sqlx::Error::Protocol("a statement was run on a connection of another backend".into())
}

impl Query {
    /// Binds a string, copied once.
    pub(crate) fn text(self, v: &str) -> Self {
        match self {
            Query::Sqlite(q) => Query::Sqlite(q.bind(v.to_owned())),
            Query::Any(q) => Query::Any(q.bind(v.to_owned())),
        }
    }

    /// Binds a string, moved.
    pub(crate) fn string(self, v: String) -> Self {
        match self {
            Query::Sqlite(q) => Query::Sqlite(q.bind(v)),
            Query::Any(q) => Query::Any(q.bind(v)),
        }
    }

    /// Binds a string or NULL.
    pub(crate) fn opt_text(self, v: Option<&str>) -> Self {
        match self {
            Query::Sqlite(q) => Query::Sqlite(q.bind(v.map(str::to_owned))),
            Query::Any(q) => Query::Any(q.bind(v.map(str::to_owned))),
        }
    }

    /// Binds an integer.
    pub(crate) fn int(self, v: i64) -> Self {
        match self {
            Query::Sqlite(q) => Query::Sqlite(q.bind(v)),
            Query::Any(q) => Query::Any(q.bind(v)),
        }
    }

    /// Binds a float.
    pub(crate) fn real(self, v: f64) -> Self {
        match self {
            Query::Sqlite(q) => Query::Sqlite(q.bind(v)),
            Query::Any(q) => Query::Any(q.bind(v)),
        }
    }

    /// Binds a float or NULL.
    pub(crate) fn opt_real(self, v: Option<f64>) -> Self {
        match self {
            Query::Sqlite(q) => Query::Sqlite(q.bind(v)),
            Query::Any(q) => Query::Any(q.bind(v)),
        }
    }

    /// Runs the statement, ignoring rows.
    pub(crate) async fn execute(self, conn: &mut Conn<'_>) -> sqlx::Result<()> {
        match (self, conn) {
            (Query::Sqlite(q), Conn::Sqlite(c)) => q.execute(&mut **c).await.map(drop),
            (Query::Any(q), Conn::Any(c)) => q.execute(&mut **c).await.map(drop),
            _ => Err(mismatch()),
        }
    }

    /// Runs the statement; returns how many rows it changed and, on SQLite, the row id of
    /// the last row it inserted (`None` elsewhere).
    pub(crate) async fn execute_counted(
        self,
        conn: &mut Conn<'_>,
    ) -> sqlx::Result<(u64, Option<i64>)> {
        match (self, conn) {
            (Query::Sqlite(q), Conn::Sqlite(c)) => {
                let r = q.execute(&mut **c).await?;
                Ok((r.rows_affected(), Some(r.last_insert_rowid())))
            }
            (Query::Any(q), Conn::Any(c)) => {
                let r = q.execute(&mut **c).await?;
                Ok((r.rows_affected(), r.last_insert_id()))
            }
            _ => Err(mismatch()),
        }
    }

    /// Runs the statement and returns its rows.
    pub(crate) async fn fetch_all(self, conn: &mut Conn<'_>) -> sqlx::Result<Vec<ConnRow>> {
        match (self, conn) {
            (Query::Sqlite(q), Conn::Sqlite(c)) => Ok(q
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(ConnRow::Sqlite)
                .collect()),
            (Query::Any(q), Conn::Any(c)) => Ok(q
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(ConnRow::Any)
                .collect()),
            _ => Err(mismatch()),
        }
    }

    /// Runs the statement and returns its first row, if any.
    pub(crate) async fn fetch_optional(self, conn: &mut Conn<'_>) -> sqlx::Result<Option<ConnRow>> {
        match (self, conn) {
            (Query::Sqlite(q), Conn::Sqlite(c)) => {
                Ok(q.fetch_optional(&mut **c).await?.map(ConnRow::Sqlite))
            }
            (Query::Any(q), Conn::Any(c)) => {
                Ok(q.fetch_optional(&mut **c).await?.map(ConnRow::Any))
            }
            _ => Err(mismatch()),
        }
    }
}

impl ConnRow {
    /// A text column, borrowed.
    pub(crate) fn str(&self, i: usize) -> sqlx::Result<&str> {
        match self {
            ConnRow::Sqlite(r) => r.try_get(i),
            ConnRow::Any(r) => r.try_get(i),
        }
    }

    /// An integer column.
    pub(crate) fn int(&self, i: usize) -> sqlx::Result<i64> {
        match self {
            ConnRow::Sqlite(r) => r.try_get(i),
            ConnRow::Any(r) => r.try_get(i),
        }
    }

    /// A float column.
    pub(crate) fn real(&self, i: usize) -> sqlx::Result<f64> {
        match self {
            ConnRow::Sqlite(r) => r.try_get(i),
            ConnRow::Any(r) => r.try_get(i),
        }
    }
}

impl Store {
    /// Runs `f` in a write transaction and commits it (`commit` names the step in the
    /// error). On SQLite the transaction runs on the concrete-driver connection while the
    /// one `Any` write connection is held, so every other writer waits as if it ran there:
    /// SQLite still sees one writer at a time, nobody meets `SQLITE_BUSY`, and ingest and
    /// link records share one connection (whose page cache SQLite would otherwise drop
    /// whenever the other connection had committed). Elsewhere it runs on the `Any` writer.
    pub(crate) async fn write_tx<T>(
        &self,
        commit: &'static str,
        f: impl AsyncFnOnce(&mut Conn<'_>) -> Result<T>,
    ) -> Result<T> {
        if let Some(pool) = &self.sqlite_ingest {
            let _writer = self.write.acquire().await.map_err(Error::db("begin"))?;
            let mut tx = pool.begin().await.map_err(Error::db("begin"))?;
            let out = f(&mut Conn::Sqlite(&mut tx)).await?;
            tx.commit().await.map_err(Error::db(commit))?;
            return Ok(out);
        }
        let mut tx = self.write.begin().await.map_err(Error::db("begin"))?;
        let out = f(&mut Conn::Any(&mut tx)).await?;
        tx.commit().await.map_err(Error::db(commit))?;
        Ok(out)
    }
}
