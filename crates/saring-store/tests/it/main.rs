//! Store tests: one suite, run against every backend this build has (SQLite always).

mod store_lifecycle;
