//! Saring's store: everything the service keeps, in SQLite by default and PostgreSQL for
//! scale-out, through sqlx.
//!
//! One [`Store`] serves both backends through sqlx's `Any` driver, and each backend has its own
//! migrations (`migrations/sqlite/`, `migrations/postgres/`: the same tables and columns).
//! Every operation that changes state runs in one transaction that also appends its audit
//! entries, so what is committed is always audited and what is audited was committed. Domain
//! rules (case transitions, the ladder, statements of reasons, the audit hash chain) come from
//! `saring-core`; this crate only persists them.
//!
//! # Query conventions (both backends)
//!
//! * **Placeholders.** A statement with a fixed shape is written with numbered placeholders
//!   (`$1`, `$2`, a number may repeat), which SQLite and PostgreSQL both understand. A
//!   statement built for many rows (`VALUES (…),(…)`, `IN (…)`) is written with `?` — SQLite
//!   binds named parameters in time quadratic in their number — using `ingest::placeholders` and
//!   `ingest::list`, and is passed through `dialect(conn, sql)`, which numbers the `?` as `$1…$n` on
//!   PostgreSQL. Never mix both styles in one statement.
//! * **Types.** Integers are `i64` (SQLite `INTEGER`, PostgreSQL `BIGINT`), floats `f64`
//!   (`REAL` / `DOUBLE PRECISION`), booleans are `i64` 0/1 (`INTEGER` / `BIGINT`; compare with
//!   `= 1`, never rely on a boolean type), JSON and times-as-text are `TEXT`, times are `i64`
//!   milliseconds. sqlx's `Any` driver decodes no `NUMERIC`: on PostgreSQL `SUM` of an integer
//!   column and `AVG` return `NUMERIC`, so cast aggregates (`CAST(SUM(x) AS BIGINT)`,
//!   `CAST(AVG(x) AS DOUBLE PRECISION)`); `COUNT(*)` is `BIGINT` on both and fine. An integer
//!   literal or comparison selected as a column (`SELECT 1`, `SELECT a = b`) is `INT4` /
//!   `BOOLEAN` on PostgreSQL: decode literals as `i64` (integers of any width decode) and
//!   write comparisons as `CASE WHEN … THEN 1 ELSE 0 END`.
//! * **Dialect.** Use the SQL both share: `ON CONFLICT … DO NOTHING / DO UPDATE` with
//!   `excluded.`, `RETURNING`, `COALESCE`, `CASE`, CTEs, partial indexes. No `INSERT OR …`,
//!   `IFNULL`, `strftime`, `rowid`, `ILIKE` or `::` casts (use `CAST(x AS T)`). The one
//!   exception is SQLite's own form of the counted event and link inserts (`INSERT OR IGNORE`,
//!   see `ingest::insert_events_sql`), which only the SQLite path runs.
//! * **Writes.** On SQLite all writes go through a single connection (SQLite allows one writer
//!   at a time; queueing in the pool is cheaper than retrying on `SQLITE_BUSY`), while reads
//!   use a pool. Ingest and `record_links` are the exception in form, not in effect: they
//!   write through a connection of their own with the concrete SQLite driver (`conn.rs`), but
//!   only while they hold the write connection, so writers still take turns. On PostgreSQL
//!   writes run concurrently (several service instances and workers): ingest locks the account rows it updates (in sorted order), audit appends take
//!   one transaction-scoped advisory lock so the hash chain stays a single chain, and
//!   dispatchers lease orders with `FOR UPDATE SKIP LOCKED`.

mod appeals;
mod audit;
mod cases;
mod conn;
mod error;
mod evidence;
mod ingest;
mod networks;
mod orders;
mod platforms;
mod reports;
mod requests;
mod sessions;
mod stats;
mod training;
mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AnyPool, Executor};

pub use appeals::{AppealDecision, AppealRow, NewAppeal};
pub use audit::AuditTx;
pub use cases::{
    AccountRow, CaseDetail, CaseEventRow, CaseFilter, CaseRow, CaseStatusView, DecisionInput,
    DecisionOutcome, DecisionRow, EventRow, NewReport, ReferralInput, ReportOutcome, ReportRow,
};
pub use error::{Error, Result};
pub use ingest::{IngestOutcome, IngestParams, ScoredEvent};
pub use networks::{
    LinkCursor, LinkRow, LinkerLease, LinkingEvent, MemberOutcome, NetworkActionRow, NetworkMember,
    NetworkView, NewLink,
};
pub use orders::{DueOrderRow, OrderOutcome, OrderRow};
pub use platforms::{Platform, PlatformUpdate};
pub use reports::{DecisionFact, LocatedAction, LocatedItem, PlatformAppeals, RequestFact};
pub use requests::{
    AuthorityEvidence, MAX_REQUEST_ACCOUNTS, NewRequest, RequestItemRow, RequestRow,
};
pub use sessions::Session;
pub use stats::{
    AppealCounts, AuthorityRequest, DAY_MS, DayCount, LocationCounts, StatsScope, suppress,
};
pub use training::{DecisionLabel, StoredItem};
pub use users::{TokenUser, UserRow};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The store. Cheap to clone: clones share the pools.
#[derive(Debug, Clone)]
pub struct Store {
    write: AnyPool,
    read: AnyPool,
    /// SQLite only: the connection `Store::ingest` writes through, with the concrete driver
    /// (no `Any` copies of every bound value). Ingest holds `write` meanwhile, so there is
    /// still one writer at a time.
    sqlite_ingest: Option<SqlitePool>,
    /// SQLite only: the connection [`Store::checkpoint`] copies the write-ahead log into the
    /// database file through, opened on first use.
    checkpointer: Option<SqlitePool>,
    /// SQLite only: the connection [`Store::committed_events`] reads through, with the
    /// concrete driver (no `Any` copy of every text the linker reads), opened on first use.
    linker_read: Option<SqlitePool>,
    /// Transactions waiting for the one write connection through [`Store::begin_write`]
    /// (decisions, claims, reports and the other writes people wait for): the linker lets
    /// them in between the parts of a large link record ([`Store::record_links`]).
    writers_waiting: Arc<AtomicUsize>,
    backend: Backend,
}

/// Counts a writer in [`Store::writers_waiting`] until it has its connection, or gives up
/// waiting (a dropped future).
struct WaitingWriter<'a>(&'a AtomicUsize);

impl<'a> WaitingWriter<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for WaitingWriter<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Backend {
    /// The backend a connection talks to.
    pub(crate) fn of(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// Makes a statement written with `?` placeholders runnable on `conn`'s backend: on
/// PostgreSQL each `?` outside quotes becomes `$1`, `$2`, … in order; SQLite takes it as it is.
pub(crate) fn dialect(conn: &sqlx::AnyConnection, sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(match Backend::of(conn) {
        Backend::Sqlite => sql,
        Backend::Postgres => number_placeholders(&sql),
    })
}

/// Numbers the `?` placeholders of `sql` that lie outside string literals and quoted names.
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + sql.len() / 4);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Opens (creating if needed) the database at `url` — `sqlite://saring.db` or
    /// `postgres://…` — and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, Durability::Full).await
    }

    /// Opens the store with a chosen SQLite durability (see [`Durability`]).
    pub async fn open_with(url: &str, durability: Durability) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::Invalid {
                field: "database url".into(),
                reason: "must start with sqlite:// or postgres://".into(),
            });
        };
        if backend == Backend::Postgres {
            return Self::open_postgres(url).await;
        }
        let url = if url.contains('?') {
            url.to_owned()
        } else {
            format!("{url}?mode=rwc")
        };
        let options =
            AnyConnectOptions::from_str(&url).map_err(Error::db("parse the database url"))?;
        let write = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(match durability {
                Durability::Full => sqlite_pragmas_full,
                Durability::Normal => sqlite_pragmas_normal,
            })
            .after_release(sqlite_release_writer)
            .connect_with(options.clone())
            .await
            .map_err(Error::db("open the database"))?;
        SQLITE_MIGRATIONS
            .run(&write)
            .await
            .map_err(|e| Error::Migrate(e.to_string()))?;
        let read = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(match durability {
                Durability::Full => sqlite_pragmas_full,
                Durability::Normal => sqlite_pragmas_normal,
            })
            .connect_with(options.clone())
            .await
            .map_err(Error::db("open the database for reading"))?;
        let sqlite_options =
            SqliteConnectOptions::from_str(&url).map_err(Error::db("parse the database url"))?;
        let checkpointer =
            one_sqlite_connection(durability, "").connect_lazy_with(sqlite_options.clone());
        let linker_read =
            one_sqlite_connection(durability, "").connect_lazy_with(sqlite_options.clone());
        let sqlite_ingest = one_sqlite_connection(durability, SQLITE_INGEST_PRAGMAS)
            .after_release(|conn, _| {
                use sqlx::Connection;
                // As `sqlite_release_writer`: a connection left inside a transaction by a
                // failed commit is closed, not reused.
                Box::pin(async move {
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(sqlite_options)
            .await
            .map_err(Error::db("open the database for ingest"))?;
        Ok(Self {
            write,
            read,
            sqlite_ingest: Some(sqlite_ingest),
            checkpointer: Some(checkpointer),
            linker_read: Some(linker_read),
            writers_waiting: Arc::default(),
            backend,
        })
    }

    /// Opens a PostgreSQL store: one pool serves reads and writes (PostgreSQL takes
    /// concurrent writers), and the migrations run under sqlx's migration lock, so several
    /// processes may start at once.
    async fn open_postgres(url: &str) -> Result<Self> {
        let options =
            AnyConnectOptions::from_str(url).map_err(Error::db("parse the database url"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .after_connect(postgres_session)
            .connect_with(options)
            .await
            .map_err(Error::db("open the database"))?;
        POSTGRES_MIGRATIONS
            .run(&pool)
            .await
            .map_err(|e| Error::Migrate(e.to_string()))?;
        Ok(Self {
            write: pool.clone(),
            read: pool,
            sqlite_ingest: None,
            checkpointer: None,
            linker_read: None,
            writers_waiting: Arc::default(),
            backend: Backend::Postgres,
        })
    }

    /// Begins a transaction on the write connection, counted as waiting until it has it (see
    /// `writers_waiting`).
    pub(crate) async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        let _waiting = WaitingWriter::new(&self.writers_waiting);
        self.write.begin().await
    }

    /// The backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(Error::db("ping"))?;
        Ok(())
    }

    /// Closes the pools, waiting for running queries.
    pub async fn close(&self) {
        if let Some(pool) = &self.sqlite_ingest {
            pool.close().await;
        }
        if let Some(pool) = &self.checkpointer {
            pool.close().await;
        }
        if let Some(pool) = &self.linker_read {
            pool.close().await;
        }
        self.write.close().await;
        self.read.close().await;
    }
}

/// Options for a pool of one connection with the concrete SQLite driver, set up with the
/// same pragmas as the `Any` pools, then `extra` (ingest's connection and the checkpointer's).
fn one_sqlite_connection(durability: Durability, extra: &'static str) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(match durability {
                    Durability::Full => SQLITE_PRAGMAS_FULL,
                    Durability::Normal => SQLITE_PRAGMAS_NORMAL,
                })
                .await?;
                if !extra.is_empty() {
                    conn.execute(extra).await?;
                }
                Ok(())
            })
        })
}

/// What ingest's connection (the writer of events, accounts, cases and links) sets beside
/// the common pragmas: a page cache of 32 MiB (8,192 pages of 4 KiB) instead of SQLite's
/// 2 MiB.
///
/// A 500-event batch dirties about 1,000 pages (random leaves of `accounts`,
/// `events_by_account`, the case and link indexes), more than the default cache holds, so
/// SQLite spilled dirty pages into the log in the middle of the transaction and read the
/// pages it had evicted — the upper levels of those B-trees among them — back from the file
/// at every batch. On a 100,000-event store (`accounts` and its indexes, `events_by_account`,
/// `links` and the case indexes: about 4,500 pages) the pages ingest touches now stay cached
/// between batches: the SQLite threads read 13.5 → 5.6 KB and make 3.3 → 1.4 read and 7.0 →
/// 5.9 write calls per event (`/work/tmp/run100k.sh`, 100,000 events, concurrency 2). Only
/// this connection: the readers and the checkpointer keep the default, and the cache grows only
/// as pages are used, so a small store takes less.
const SQLITE_INGEST_PRAGMAS: &str = "PRAGMA cache_size = -32768;";

/// What one [`Store::checkpoint`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Checkpoint {
    /// Frames (pages) in the write-ahead log.
    pub log_frames: i64,
    /// Frames of the log now copied into the database file.
    pub copied_frames: i64,
}

/// WAL pages (4 KiB each) from which a writer's commit checkpoints by itself once
/// [`Store::defer_checkpoints`] has been called: a backstop in case [`Store::checkpoint`]
/// stops being called (SQLite's default is 1,000).
const DEFERRED_AUTOCHECKPOINT_PAGES: i64 = 16_384;

impl Store {
    /// SQLite: leaves copying the write-ahead log into the database file to
    /// [`Store::checkpoint`], called by a background task, instead of the commit that finds
    /// the log longer than 1,000 pages (SQLite's automatic checkpoint, which runs on the one
    /// writer's path, holding every other writer up meanwhile). The writers still checkpoint
    /// by themselves from 16,384 pages (`DEFERRED_AUTOCHECKPOINT_PAGES`), so the log stays
    /// bounded if the task stops. Nothing on PostgreSQL.
    pub async fn defer_checkpoints(&self) -> Result<()> {
        let Some(ingest) = &self.sqlite_ingest else {
            return Ok(());
        };
        let pragma = format!("PRAGMA wal_autocheckpoint = {DEFERRED_AUTOCHECKPOINT_PAGES}");
        let mut writer = self.write.acquire().await.map_err(Error::db("begin"))?;
        sqlx::query(sqlx::AssertSqlSafe(pragma.clone()))
            .execute(&mut *writer)
            .await
            .map_err(Error::db("set wal_autocheckpoint"))?;
        let mut conn = ingest.acquire().await.map_err(Error::db("begin"))?;
        sqlx::query(sqlx::AssertSqlSafe(pragma))
            .execute(&mut *conn)
            .await
            .map_err(Error::db("set wal_autocheckpoint"))?;
        Ok(())
    }

    /// SQLite: copies the write-ahead log into the database file with `PASSIVE` checkpoints,
    /// which never wait for readers and keep `synchronous` durability (the database file is
    /// synced before the log may be reused). Most of the log is copied while writers go on;
    /// the frames committed meanwhile are copied holding the one write connection, between
    /// two commits, so that the log is then wholly copied and the next commit can start it
    /// again from its beginning — which SQLite does only if no reader holds an older snapshot
    /// at that moment, so under steady reads the log grows for a while between restarts (up
    /// to the writers' backstop, see [`Store::defer_checkpoints`]). `None` on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        let Some(pool) = &self.checkpointer else {
            return Ok(None);
        };
        let mut conn = pool.acquire().await.map_err(Error::db("checkpoint"))?;
        passive_checkpoint(&mut conn).await?;
        let _writer = self.write.acquire().await.map_err(Error::db("begin"))?;
        Ok(Some(passive_checkpoint(&mut conn).await?))
    }
}

/// `PRAGMA wal_checkpoint(PASSIVE)` on `conn`.
async fn passive_checkpoint(conn: &mut sqlx::SqliteConnection) -> Result<Checkpoint> {
    use sqlx::Row;
    let g = Error::db("checkpoint");
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *conn)
        .await
        .map_err(g)?;
    Ok(Checkpoint {
        log_frames: row.try_get(1).map_err(g)?,
        copied_frames: row.try_get(2).map_err(g)?,
    })
}

/// How hard SQLite works to keep a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = FULL`: every commit is on disk before it returns; it survives a process
    /// crash, an OS crash and a power loss. The default.
    #[default]
    Full,
    /// `synchronous = NORMAL` (in WAL mode): a commit survives a process crash (SIGKILL) but
    /// the last commits may be lost on an OS crash or power loss; much cheaper per commit.
    Normal,
}

/// The SQLite connection settings with [`Durability::Full`].
///
/// `temp_store = MEMORY` keeps statement journals (the undo record that lets one statement of
/// a transaction fail alone, written by every multi-row insert and upsert) in memory: in a
/// temporary file they cost a `pwrite` per page, 7 % of the server's CPU under ingest
/// (`bench/README.md`, "Service"). They are never needed after a crash, so durability does not
/// change.
const SQLITE_PRAGMAS_FULL: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;";
/// The SQLite connection settings with [`Durability::Normal`].
const SQLITE_PRAGMAS_NORMAL: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;";

/// Sets the SQLite connection up: write-ahead log (readers don't block the writer), full
/// synchronisation, foreign keys, and a busy timeout.
fn sqlite_pragmas_full(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_core_compat::BoxFuture<'_, sqlx::Result<()>> {
    Box::pin(async move {
        conn.execute(SQLITE_PRAGMAS_FULL).await?;
        Ok(())
    })
}

/// Sets a PostgreSQL session up: statements are planned with their parameters' values. The
/// batched statements (`account IN ($2, …, $251)`, multi-row `VALUES`) are prepared once and
/// run many times; a generic plan cannot hash a list of parameters and compares each row with
/// every one of them, which measured twice as slow end to end (bench/worker.sh, 30,000 events,
/// one worker: 12.1 s generic, 5.9 s custom).
fn postgres_session(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_core_compat::BoxFuture<'_, sqlx::Result<()>> {
    Box::pin(async move {
        conn.execute("SET plan_cache_mode = force_custom_plan")
            .await?;
        Ok(())
    })
}

/// Keeps the write connection only if it is out of any transaction once released.
///
/// Regression (disk full, `serve_disk_full`): when `COMMIT` fails with `SQLITE_FULL`, SQLite
/// rolls the transaction back by itself, sqlx's `ROLLBACK` on drop then fails ("no
/// transaction is active"), and sqlx still counts the connection as inside a transaction.
/// Its next `begin` became a `SAVEPOINT` and its "commit" a `RELEASE` inside a transaction
/// that never committed: the API answered 200 for batches that were lost at the next
/// restart. The ping first lets the queued rollback of a dropped transaction run; a
/// connection still counted inside a transaction after it is closed (closing rolls back
/// whatever is open), and the pool opens a fresh one.
fn sqlite_release_writer(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_core_compat::BoxFuture<'_, sqlx::Result<bool>> {
    use sqlx::Connection;
    Box::pin(async move {
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!(
                "the write connection was left inside a transaction (a failed commit); reopening it"
            );
            return Ok(false);
        }
        Ok(true)
    })
}

/// As [`sqlite_pragmas_full`], with `synchronous = NORMAL`.
fn sqlite_pragmas_normal(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_core_compat::BoxFuture<'_, sqlx::Result<()>> {
    Box::pin(async move {
        conn.execute(SQLITE_PRAGMAS_NORMAL).await?;
        Ok(())
    })
}

/// The boxed future type `after_connect` wants, spelled without another dependency.
mod futures_core_compat {
    /// A boxed, sendable future.
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

/// Converts a JSON string column into a value, naming the column on failure.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(column: &str, s: &str) -> Result<T> {
    serde_json::from_str(s)
        .map_err(|e| Error::Corrupt(format!("column {column} holds invalid JSON: {e}")))
}

/// Serialises a value for a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Serialising plain data structs (no maps with non-string keys) cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            number_placeholders("INSERT INTO t VALUES (?,?),(?,?) -- x"),
            "INSERT INTO t VALUES ($1,$2),($3,$4) -- x"
        );
        assert_eq!(
            number_placeholders("SELECT '?', \"a?\" FROM t WHERE a = ? AND b = 'it''s?'"),
            "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = 'it''s?'"
        );
    }
}
