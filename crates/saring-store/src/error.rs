//! The store's error type.

/// Result with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing asked for does not exist (or belongs to another tenant).
    #[error("{0} not found")]
    NotFound(String),
    /// The operation conflicts with the current state (a claim held by someone else, an
    /// existing name).
    #[error("{0}")]
    Conflict(String),
    /// A value was not acceptable.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field that was wrong.
        field: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A domain rule refused the operation (an invalid case transition).
    #[error(transparent)]
    Domain(#[from] saring_core::Error),
    /// Stored data could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The schema could not be brought up to date.
    #[error("could not migrate the database: {0}")]
    Migrate(String),
    /// The database failed.
    #[error("could not {op}: {source}")]
    Db {
        /// What the store was doing.
        op: &'static str,
        /// The database's error.
        source: sqlx::Error,
    },
}

impl Error {
    /// Wraps a database error with what the store was doing, for `map_err`.
    pub(crate) fn db(op: &'static str) -> impl Fn(sqlx::Error) -> Self + Copy {
        move |source| Self::Db { op, source }
    }

    /// Whether the database ran out of disk space: SQLite's `SQLITE_FULL` (13, or an extended
    /// code built on it), PostgreSQL's `disk_full` (53100), or an I/O error `ENOSPC`. The
    /// transaction was rolled back, so nothing was changed; writes work again once space is
    /// freed. Checked before [`Error::is_transient`], which also counts PostgreSQL's class 53.
    pub fn is_storage_full(&self) -> bool {
        /// `ENOSPC` on Linux and the BSDs.
        const ENOSPC: i32 = 28;
        match self {
            Self::Db { source, .. } => match source {
                sqlx::Error::Io(e) => e.raw_os_error() == Some(ENOSPC),
                sqlx::Error::Database(e) => e.code().is_some_and(|c| storage_full_code(&c)),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the failure is transient (the database is unreachable or busy), so that the
    /// caller may retry.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Db { source, .. } => match source {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Protocol(_) => true,
                sqlx::Error::Database(e) => e.code().is_some_and(|c| transient_code(&c)),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Whether a database error code says the disk is full: SQLite's primary code 13
/// (`SQLITE_FULL`; extended codes keep the primary code in their low byte) or PostgreSQL's
/// 53100.
fn storage_full_code(code: &str) -> bool {
    code == "53100" || code.parse::<i64>().is_ok_and(|c| c & 0xff == 13)
}

/// Whether a database error code names a condition that goes away by itself: PostgreSQL's
/// connection exceptions (class 08), serialisation failures and deadlocks (40001, 40P01),
/// lack of resources (class 53) and an administrator or crash shutdown or a server that is
/// starting (57P01–57P03); SQLite's `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6).
fn transient_code(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || matches!(
            code,
            "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "5" | "6"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_codes_are_recognised_and_not_transient() {
        for code in ["13", "53100"] {
            assert!(storage_full_code(code), "{code}");
        }
        for code in ["5", "6", "14", "778", "53200", "08006", ""] {
            assert!(!storage_full_code(code), "{code}");
        }
        let full = Error::Db {
            op: "ingest",
            source: sqlx::Error::Io(std::io::Error::from_raw_os_error(28)),
        };
        assert!(full.is_storage_full());
        let gone = Error::Db {
            op: "ingest",
            source: sqlx::Error::PoolTimedOut,
        };
        assert!(!gone.is_storage_full() && gone.is_transient());
    }
}
