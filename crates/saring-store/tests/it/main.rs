//! Store tests: one suite, run against every backend this build has — SQLite always,
//! PostgreSQL with the `services` feature (see `db.rs`).

mod db;
mod store_concurrency;
mod store_lifecycle;
mod store_reports;
mod store_requests;
