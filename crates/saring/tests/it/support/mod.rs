//! Helpers shared by the integration tests.

pub mod receiver;
pub mod server;
#[cfg(feature = "services")]
pub mod services;
