//! Enforcement orders: the durable outbox a decision writes to in its own transaction, and the
//! bookkeeping of delivery attempts.
//!
//! An order's id (`ord_…`) is the Standard Webhooks `webhook-id`, so it doubles as the
//! idempotency key the platform dedupes on. Its body is fixed when the order is written and
//! sent byte for byte on every attempt.

use saring_core::audit::AuditRecord;
use saring_core::decision::{Ground, OrderKind, OrderStatus, StatementOfReasons};
use saring_core::ids::{AppealId, CaseId, DecisionId};
use saring_core::time::rfc3339;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::AuditTx;
use crate::cases::CaseRow;
use crate::{Backend, Error, Result, Store, from_json};

/// An order as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRow {
    /// Id (`ord_…`), also the webhook id and idempotency key.
    pub id: String,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// The case.
    pub case_id: CaseId,
    /// The decision that caused it, if any.
    pub decision_id: Option<DecisionId>,
    /// The appeal that caused it, if any.
    pub appeal_id: Option<AppealId>,
    /// What the platform must do.
    pub kind: OrderKind,
    /// Delivery status.
    pub status: OrderStatus,
    /// Attempts made.
    pub attempts: i64,
    /// Next attempt (ms), while pending or failing.
    pub next_attempt_at: i64,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Written (ms).
    pub created_at: i64,
    /// Acknowledged (ms).
    pub delivered_at: Option<i64>,
}

/// An order handed to a dispatcher.
#[derive(Debug, Clone)]
pub struct DueOrderRow {
    /// Id.
    pub id: String,
    /// Webhook URL of the platform.
    pub url: String,
    /// Signing secrets, newest first.
    pub secrets: Vec<String>,
    /// The body to send.
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderOutcome {
    /// Acknowledged.
    Delivered {
        /// Attempts including this one.
        attempts: u32,
    },
    /// Failed; try again at `next_attempt_at`.
    Retry {
        /// Attempts including this one.
        attempts: u32,
        /// What went wrong.
        error: String,
        /// When to try again (ms).
        next_attempt_at: i64,
    },
    /// Failed for the last time.
    GaveUp {
        /// Attempts including this one.
        attempts: u32,
        /// What went wrong.
        error: String,
    },
}

const ORDER_COLUMNS: &str = "id, platform, account, case_id, decision_id, appeal_id, kind, status, attempts, next_attempt_at, last_error, created_at, delivered_at";

fn order_from_row(r: &sqlx::any::AnyRow) -> Result<OrderRow> {
    let g = Error::db("read an order");
    let kind: String = r.try_get("kind").map_err(&g)?;
    let status: String = r.try_get("status").map_err(&g)?;
    Ok(OrderRow {
        id: r.try_get("id").map_err(&g)?,
        platform: r.try_get("platform").map_err(&g)?,
        account: r.try_get("account").map_err(&g)?,
        case_id: CaseId(r.try_get("case_id").map_err(&g)?),
        decision_id: r
            .try_get::<Option<i64>, _>("decision_id")
            .map_err(&g)?
            .map(DecisionId),
        appeal_id: r
            .try_get::<Option<i64>, _>("appeal_id")
            .map_err(&g)?
            .map(AppealId),
        kind: OrderKind::parse(&kind)
            .ok_or_else(|| Error::Corrupt(format!("unknown order kind {kind:?}")))?,
        status: OrderStatus::parse(&status)
            .ok_or_else(|| Error::Corrupt(format!("unknown order status {status:?}")))?,
        attempts: r.try_get("attempts").map_err(&g)?,
        next_attempt_at: r.try_get("next_attempt_at").map_err(&g)?,
        last_error: r.try_get("last_error").map_err(&g)?,
        created_at: r.try_get("created_at").map_err(&g)?,
        delivered_at: r.try_get("delivered_at").map_err(&g)?,
    })
}

/// Writes an order to the outbox inside the caller's transaction and returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_order(
    conn: &mut AnyConnection,
    audit: &mut AuditTx,
    case: &CaseRow,
    kind: OrderKind,
    decision: Option<DecisionId>,
    appeal: Option<AppealId>,
    ground: Ground,
    sor: Option<&StatementOfReasons>,
    actor: &str,
    now: i64,
) -> Result<String> {
    let id = format!("ord_{}", uuid::Uuid::now_v7().simple());
    let body = serde_json::json!({
        "type": format!("order.{}", kind.as_str()),
        "timestamp": rfc3339(now),
        "data": {
            "order_id": id,
            "kind": kind.as_str(),
            "platform": case.platform,
            "account": case.account,
            "case_id": case.id,
            "decision_id": decision,
            "appeal_id": appeal,
            "ground": ground.as_str(),
            "ground_reference": ground.reference(),
            "statement_of_reasons": sor,
        }
    })
    .to_string();
    sqlx::query("INSERT INTO orders (id, platform, account, case_id, decision_id, appeal_id, kind, body, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9)")
        .bind(&id)
        .bind(&case.platform)
        .bind(&case.account)
        .bind(case.id.0)
        .bind(decision.map(|d| d.0))
        .bind(appeal.map(|a| a.0))
        .bind(kind.as_str())
        .bind(&body)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(Error::db("write an order"))?;
    audit
        .append(
            conn,
            AuditRecord {
                at: now,
                actor: actor.to_owned(),
                tenant: case.platform.clone(),
                action: "order.created".into(),
                subject: format!("order:{id}"),
                detail: serde_json::json!({"kind": kind.as_str(), "case": case.id.0}).to_string(),
            },
        )
        .await?;
    Ok(id)
}

pub(crate) async fn orders_for_case(
    conn: &mut AnyConnection,
    case: CaseId,
) -> Result<Vec<OrderRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE case_id = $1 ORDER BY created_at, id"
    )))
    .bind(case.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::db("read orders"))?;
    rows.iter().map(order_from_row).collect()
}

impl Store {
    /// One order with its body.
    pub async fn order(&self, id: &str) -> Result<Option<(OrderRow, serde_json::Value)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS}, body FROM orders WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(Error::db("read an order"))?;
        let Some(row) = row else { return Ok(None) };
        let body: String = row.try_get("body").map_err(Error::db("read an order"))?;
        Ok(Some((
            order_from_row(&row)?,
            from_json("orders.body", &body)?,
        )))
    }

    /// A platform's orders, newest first, optionally only those with `status`.
    pub async fn orders(
        &self,
        platform: Option<&str>,
        status: Option<OrderStatus>,
        limit: i64,
    ) -> Result<Vec<OrderRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE ($1 IS NULL OR platform = $1) AND ($2 IS NULL OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3"
        )))
        .bind(platform)
        .bind(status.map(OrderStatus::as_str))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await
        .map_err(Error::db("list orders"))?;
        rows.iter().map(order_from_row).collect()
    }

    /// Leases up to `limit` orders due at `now` whose platform has a webhook URL: their next
    /// attempt moves to `now + lease_ms`, so no other dispatcher — in this process or, on
    /// PostgreSQL, in another service instance — takes them meanwhile.
    pub async fn lease_due_orders(
        &self,
        now: i64,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<DueOrderRow>> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        // SQLite has one writer, so the transaction alone keeps two dispatchers apart. On
        // PostgreSQL each dispatcher locks the rows it takes and skips those another holds;
        // once the new next attempt time is committed, the others no longer see them as due.
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE OF o SKIP LOCKED",
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.body, o.attempts, p.webhook_url, p.webhook_secrets FROM orders o JOIN platforms p ON p.id = o.platform
             WHERE o.status IN ('pending', 'failing') AND o.next_attempt_at <= $1 AND p.webhook_url IS NOT NULL
             ORDER BY o.next_attempt_at, o.id LIMIT $2{lock}"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(Error::db("read due orders"))?;
        let g = Error::db("read due orders");
        let mut due = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id").map_err(&g)?;
            sqlx::query("UPDATE orders SET next_attempt_at = $1 WHERE id = $2")
                .bind(now + lease_ms)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(Error::db("lease an order"))?;
            due.push(DueOrderRow {
                id,
                url: r.try_get("webhook_url").map_err(&g)?,
                secrets: from_json(
                    "platforms.webhook_secrets",
                    &r.try_get::<String, _>("webhook_secrets").map_err(&g)?,
                )?,
                body: r.try_get("body").map_err(&g)?,
                attempts: u32::try_from(r.try_get::<i64, _>("attempts").map_err(&g)?)
                    .unwrap_or(u32::MAX),
            });
        }
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(due)
    }

    /// Records the outcome of one delivery attempt; delivery and giving up are audited.
    pub async fn record_order_outcome(
        &self,
        id: &str,
        outcome: &OrderOutcome,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let platform: String = sqlx::query("SELECT platform FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::db("read an order"))?
            .ok_or_else(|| Error::NotFound(format!("order {id}")))?
            .try_get(0)
            .map_err(Error::db("read an order"))?;
        let (status, attempts, error, next, delivered) = match outcome {
            OrderOutcome::Delivered { attempts } => {
                (OrderStatus::Delivered, *attempts, None, now, Some(now))
            }
            OrderOutcome::Retry {
                attempts,
                error,
                next_attempt_at,
            } => (
                OrderStatus::Failing,
                *attempts,
                Some(error.as_str()),
                *next_attempt_at,
                None,
            ),
            OrderOutcome::GaveUp { attempts, error } => (
                OrderStatus::GivenUp,
                *attempts,
                Some(error.as_str()),
                now,
                None,
            ),
        };
        // A delivered order stays delivered even if a late duplicate attempt reports failure.
        sqlx::query("UPDATE orders SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4, delivered_at = $5 WHERE id = $6 AND status <> 'delivered'")
            .bind(status.as_str())
            .bind(i64::from(attempts))
            .bind(error)
            .bind(next)
            .bind(delivered)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("record a delivery attempt"))?;
        if status != OrderStatus::Failing {
            AuditTx::new()
                .append(
                    &mut tx,
                    AuditRecord {
                        at: now,
                        actor: "dispatcher".into(),
                        tenant: platform,
                        action: format!("order.{}", status.as_str()),
                        subject: format!("order:{id}"),
                        detail: serde_json::json!({"attempts": attempts}).to_string(),
                    },
                )
                .await?;
        }
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(())
    }
}
