//! Helpers shared by the integration tests.

pub mod receiver;
pub mod server;
