//! Read-only queries for the model: moderators' decisions as training labels
//! (`saring train --from-db`) and stored content for `saring backtest`. Nothing here writes.
//!
//! The SQL is the plain dialect SQLite and PostgreSQL share (`$n` placeholders, no
//! backend-specific functions), like the other store files.

use serde::Serialize;
use sqlx::Row;

use crate::{Error, Result, Store, from_json};

/// A stored item whose label a moderator's decision on its account gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionLabel {
    /// The decision's id.
    pub decision_id: i64,
    /// `freeze`, `restrict` or `no_violation`.
    pub action: String,
    /// When it was decided (ms).
    pub decided_at: i64,
    /// Platform.
    pub platform: String,
    /// Account.
    pub account: String,
    /// The platform's event id.
    pub event_id: String,
    /// The text as written.
    pub text: String,
}

/// A stored item with the verdict it got at ingest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredItem {
    /// Row id (for paging).
    pub id: i64,
    /// Platform.
    pub platform: String,
    /// The platform's event id.
    pub event_id: String,
    /// Account.
    pub account: String,
    /// The text as written.
    pub text: String,
    /// Created (ms).
    pub ts: i64,
    /// Stored score.
    pub score: f64,
    /// Stored label.
    pub label: String,
    /// Stored flags.
    pub flags: Vec<String>,
}

impl Store {
    /// Items labelled by moderators' decisions made at or after `since` (ms), newest
    /// decision first: for `freeze` and `restrict`, the account's items that were flagged
    /// as solicitation and received before the decision (the content the moderator
    /// confirmed); for `no_violation`, all of the account's items received before it.
    /// Reversed decisions (upheld appeals) and purged texts are left out. One item may
    /// appear under several decisions; the caller keeps the newest.
    pub async fn decision_labels(&self, since: i64) -> Result<Vec<DecisionLabel>> {
        let g = Error::db("read decisions for training");
        let rows = sqlx::query(
            "SELECT d.id AS decision_id, d.action, d.decided_at, e.platform, e.account, \
                    e.event_id, e.text \
             FROM decisions d \
             JOIN events e ON e.platform = d.platform AND e.account = d.account \
             WHERE d.reversed = 0 AND d.decided_at >= $1 \
               AND e.text IS NOT NULL AND e.received_at <= d.decided_at \
               AND (d.action = 'no_violation' \
                    OR (d.action IN ('freeze', 'restrict') AND e.label = 'solicitation')) \
             ORDER BY d.decided_at DESC, d.id DESC, e.id",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await
        .map_err(&g)?;
        rows.iter()
            .map(|r| {
                Ok(DecisionLabel {
                    decision_id: r.try_get("decision_id").map_err(&g)?,
                    action: r.try_get("action").map_err(&g)?,
                    decided_at: r.try_get("decided_at").map_err(&g)?,
                    platform: r.try_get("platform").map_err(&g)?,
                    account: r.try_get("account").map_err(&g)?,
                    event_id: r.try_get("event_id").map_err(&g)?,
                    text: r.try_get("text").map_err(&g)?,
                })
            })
            .collect()
    }

    /// Up to `limit` stored items created at or after `since` (ms) with a row id above
    /// `after`, in row order; purged texts are left out. Page with the last row's `id`.
    pub async fn stored_items(
        &self,
        since: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredItem>> {
        let g = Error::db("read stored items");
        let rows = sqlx::query(
            "SELECT id, platform, event_id, account, text, ts, score, label, flags \
             FROM events \
             WHERE ts >= $1 AND id > $2 AND text IS NOT NULL \
             ORDER BY id LIMIT $3",
        )
        .bind(since)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(&g)?;
        rows.iter()
            .map(|r| {
                Ok(StoredItem {
                    id: r.try_get("id").map_err(&g)?,
                    platform: r.try_get("platform").map_err(&g)?,
                    event_id: r.try_get("event_id").map_err(&g)?,
                    account: r.try_get("account").map_err(&g)?,
                    text: r.try_get("text").map_err(&g)?,
                    ts: r.try_get("ts").map_err(&g)?,
                    score: r.try_get("score").map_err(&g)?,
                    label: r.try_get("label").map_err(&g)?,
                    flags: from_json(
                        "events.flags",
                        &r.try_get::<String, _>("flags").map_err(&g)?,
                    )?,
                })
            })
            .collect()
    }
}
