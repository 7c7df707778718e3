//! The store as the webhook dispatcher's outbox.

use saring_store::{OrderOutcome, Store};
use secrecy::SecretString;

use super::Clock;
use crate::webhook::dispatch::{DueOrder, Outbox, Outcome};

/// Hands out due orders from the store and records delivery attempts in it.
#[derive(Clone)]
pub struct StoreOutbox {
    /// The store.
    pub store: Store,
    /// The service's clock (leases follow it, so a moved test clock moves them too).
    pub clock: Clock,
}

impl Outbox for StoreOutbox {
    async fn lease_due(
        &self,
        _now_ms: i64,
        limit: u32,
        lease_ms: i64,
    ) -> anyhow::Result<Vec<DueOrder>> {
        let rows = self
            .store
            .lease_due_orders(self.clock.now(), i64::from(limit), lease_ms)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DueOrder {
                id: r.id,
                url: r.url,
                secrets: r.secrets.into_iter().map(SecretString::from).collect(),
                body: r.body,
                attempts: r.attempts,
            })
            .collect())
    }

    async fn record(&self, id: &str, outcome: Outcome) -> anyhow::Result<()> {
        let outcome = match outcome {
            Outcome::Delivered { attempts, .. } => {
                metrics::counter!("saring_orders_total", "outcome" => "delivered").increment(1);
                OrderOutcome::Delivered { attempts }
            }
            Outcome::Retry {
                attempts,
                error,
                next_attempt_ms,
            } => {
                metrics::counter!("saring_orders_total", "outcome" => "retry").increment(1);
                OrderOutcome::Retry {
                    attempts,
                    error,
                    next_attempt_at: next_attempt_ms,
                }
            }
            Outcome::GaveUp { attempts, error } => {
                metrics::counter!("saring_orders_total", "outcome" => "given_up").increment(1);
                OrderOutcome::GaveUp { attempts, error }
            }
        };
        self.store
            .record_order_outcome(id, &outcome, self.clock.now())
            .await?;
        Ok(())
    }
}
