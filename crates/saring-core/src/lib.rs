//! Saring's domain: what an account, a case, a decision, an order, an appeal and an audit
//! entry are, and the rules that govern them — validation of incoming events, the case state
//! machine, the graded enforcement ladder, statements of reasons, account scores, the
//! authorisation policy and the hash-chained audit log.
//!
//! **Architecture invariant:** this crate does no I/O. It has no async runtime, no database
//! and no HTTP; `saring-store` persists what it defines and the binary serves it. Everything
//! here is a value or a pure function, so it tests fast and serves every backend alike.

pub mod account;
pub mod audit;
pub mod auth;
pub mod case;
pub mod decision;
pub mod error;
pub mod event;
pub mod evidence;
pub mod ids;
pub mod network;
pub mod request;
pub mod time;

pub use error::{Error, Result};
