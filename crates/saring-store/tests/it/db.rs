//! One store test suite, every backend: each test is written once as an `async fn(TestDb)`
//! and [`both_backends!`] runs it on a fresh SQLite file and — with the `services` feature —
//! on a fresh PostgreSQL database (it fails, never skips, when the server cannot be reached).

#![cfg_attr(
    not(feature = "services"),
    allow(
        dead_code,
        reason = "the PostgreSQL half runs with the `services` feature"
    )
)]

use sqlx::Connection;

/// The PostgreSQL server the `services` tests use; `SARING_TEST_PG` overrides it (a URL to
/// an existing database on the server, used only to create and drop the test databases).
pub const DEFAULT_PG: &str = "postgres://root@127.0.0.1:5432/postgres";

/// A fresh, empty database for one test.
pub struct TestDb {
    /// The URL to open the store with.
    pub url: String,
    /// The temporary directory of an SQLite file.
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and database name of a PostgreSQL database, dropped by [`TestDb::finish`].
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A new SQLite file in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self {
            url: format!("sqlite://{}", dir.path().join("t.db").display()),
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A new PostgreSQL database on the test server. Panics (fails the test) when the server
    /// cannot be reached.
    pub async fn postgres() -> Self {
        sqlx::any::install_default_drivers();
        let admin = std::env::var("SARING_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_owned());
        let name = format!("saring_t_{}", uuid::Uuid::now_v7().simple());
        let mut c = sqlx::AnyConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL must be reachable at {admin} for the `services` tests: {e}")
            });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create a test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Self {
            url: format!("{base}/{name}"),
            _dir: None,
            pg: Some((admin.clone(), name)),
        }
    }

    /// Drops a PostgreSQL test database (SQLite's directory goes with the value).
    pub async fn finish(self) {
        if let Some((admin, name)) = &self.pg {
            let mut c = sqlx::AnyConnection::connect(admin)
                .await
                .expect("connect to drop the test database");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut c)
            .await
            .expect("drop the test database");
        }
    }

    /// Runs one statement on the database behind the store's back (to break things).
    pub async fn execute(&self, sql: &str, id: Option<i64>) -> u64 {
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
        if let Some(id) = id {
            q = q.bind(id);
        }
        q.execute(&mut c).await.expect("execute").rows_affected()
    }
}

/// Runs each named `async fn(TestDb)` of the calling module on every backend: a module per
/// test with a `sqlite` test and, with the `services` feature, a `postgres` test.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::db::TestDb::sqlite();
                super::$name(&db).await;
                db.finish().await;
            }

            #[cfg(feature = "services")]
            #[tokio::test]
            async fn postgres() {
                let db = $crate::db::TestDb::postgres().await;
                super::$name(&db).await;
                db.finish().await;
            }
        }
    )*};
}
