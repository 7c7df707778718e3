//! Enforcement-order delivery: Standard Webhooks signatures ([`sign`]), the policy on which
//! URLs may receive orders ([`target`]), and the dispatcher that sends orders from the outbox
//! with retries and backoff ([`dispatch`]).
//!
//! The service wires it in: it implements [`dispatch::Outbox`] for its store, builds the
//! client with [`dispatch::http_client`], runs [`dispatch::Dispatcher::run`] until shutdown
//! and calls `notify_one` on [`dispatch::Dispatcher::notifier`] after committing an order.

pub mod dispatch;
pub mod sign;
pub mod target;
