//! Appeals: the account holder, through the platform, asks for a decision to be reviewed; a
//! different moderator from the one who decided upholds or reverses it, and a reversal writes
//! the order that undoes the action.

use saring_core::auth::Principal;
use saring_core::case::{CaseAction, CaseStatus};
use saring_core::decision::{Action, Ground};
use saring_core::ids::{AppealId, CaseId, DecisionId};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::audit::{AuditTx, record};
use crate::cases::{load_case, transition_case};
use crate::orders::insert_order;
use crate::{Error, Result, Store};

/// An appeal as filed by the platform for the account holder.
#[derive(Debug, Clone)]
pub struct NewAppeal {
    /// The case whose decision is appealed.
    pub case_id: CaseId,
    /// The account holder's reasons.
    pub reason: String,
}

/// How a second moderator decides an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealDecision {
    /// The decision stands.
    Uphold,
    /// The decision is undone.
    Reverse,
}

/// An appeal as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppealRow {
    /// Id.
    pub id: AppealId,
    /// The case.
    pub case_id: CaseId,
    /// The decision appealed.
    pub decision_id: DecisionId,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// The account holder's reasons.
    pub reason: String,
    /// `pending`, `upheld` or `reversed`.
    pub status: String,
    /// Filed (ms).
    pub filed_at: i64,
    /// Who decided it.
    pub decided_by: Option<i64>,
    /// Decided (ms).
    pub decided_at: Option<i64>,
    /// The deciding moderator's note.
    pub note: Option<String>,
}

fn appeal_from_row(r: &sqlx::any::AnyRow) -> Result<AppealRow> {
    let g = Error::db("read an appeal");
    Ok(AppealRow {
        id: AppealId(r.try_get("id").map_err(&g)?),
        case_id: CaseId(r.try_get("case_id").map_err(&g)?),
        decision_id: DecisionId(r.try_get("decision_id").map_err(&g)?),
        platform: r.try_get("platform").map_err(&g)?,
        account: r.try_get("account").map_err(&g)?,
        reason: r.try_get("reason").map_err(&g)?,
        status: r.try_get("status").map_err(&g)?,
        filed_at: r.try_get("filed_at").map_err(&g)?,
        decided_by: r.try_get("decided_by").map_err(&g)?,
        decided_at: r.try_get("decided_at").map_err(&g)?,
        note: r.try_get("note").map_err(&g)?,
    })
}

pub(crate) async fn appeals_for_case(
    conn: &mut AnyConnection,
    case: CaseId,
) -> Result<Vec<AppealRow>> {
    let rows = sqlx::query("SELECT * FROM appeals WHERE case_id = $1 ORDER BY id")
        .bind(case.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(Error::db("read appeals"))?;
    rows.iter().map(appeal_from_row).collect()
}

async fn load_appeal(conn: &mut AnyConnection, id: AppealId) -> Result<AppealRow> {
    let row = sqlx::query("SELECT * FROM appeals WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(Error::db("read an appeal"))?;
    row.as_ref()
        .map(appeal_from_row)
        .transpose()?
        .ok_or_else(|| Error::NotFound(format!("appeal {id}")))
}

impl Store {
    /// One appeal.
    pub async fn appeal(&self, id: AppealId) -> Result<Option<AppealRow>> {
        let mut conn = self.read.acquire().await.map_err(Error::db("connect"))?;
        match load_appeal(&mut conn, id).await {
            Ok(a) => Ok(Some(a)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Appeals of a platform (all when `None`), oldest first, optionally by status.
    pub async fn appeals(
        &self,
        platform: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AppealRow>> {
        let rows = sqlx::query("SELECT * FROM appeals WHERE ($1 IS NULL OR platform = $1) AND ($2 IS NULL OR status = $2) ORDER BY filed_at, id LIMIT $3")
            .bind(platform)
            .bind(status)
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("list appeals"))?;
        rows.iter().map(appeal_from_row).collect()
    }

    /// Files an appeal against the latest decision of an actioned case.
    pub async fn file_appeal(&self, a: &NewAppeal, actor: &str, now: i64) -> Result<AppealRow> {
        if a.reason.trim().is_empty() {
            return Err(Error::Invalid {
                field: "reason".into(),
                reason: "must not be empty".into(),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let case = load_case(&mut tx, a.case_id).await?;
        let decision =
            sqlx::query("SELECT id FROM decisions WHERE case_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(case.id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(Error::db("read a decision"))?
                .map(|r| r.try_get::<i64, _>(0))
                .transpose()
                .map_err(Error::db("read a decision"))?;
        let Some(decision) = decision else {
            return Err(Error::Conflict(format!(
                "case {} has no decision to appeal",
                case.id
            )));
        };
        let mut audit = AuditTx::new();
        transition_case(
            &mut tx,
            &mut audit,
            &case,
            CaseAction::Appeal,
            actor,
            now,
            serde_json::json!({"decision": decision}),
        )
        .await?;
        let row = sqlx::query("INSERT INTO appeals (case_id, decision_id, platform, account, reason, status, filed_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id")
            .bind(case.id.0)
            .bind(decision)
            .bind(&case.platform)
            .bind(&case.account)
            .bind(&a.reason)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::db("store an appeal"))?;
        let id = AppealId(row.try_get(0).map_err(Error::db("store an appeal"))?);
        audit
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &case.platform,
                    "appeal.filed",
                    format!("appeal:{id}"),
                    serde_json::json!({"case": case.id.0, "decision": decision}),
                ),
            )
            .await?;
        let appeal = load_appeal(&mut tx, id).await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(appeal)
    }

    /// Decides an appeal. The moderator must not be the one who made the appealed decision.
    /// Reversal undoes the action: the decision is marked reversed, the account's status goes
    /// back to active, and the undoing order is written to the outbox.
    pub async fn decide_appeal(
        &self,
        id: AppealId,
        decision: AppealDecision,
        note: &str,
        who: &Principal,
        now: i64,
    ) -> Result<(AppealRow, Option<String>)> {
        if note.trim().is_empty() {
            return Err(Error::Invalid {
                field: "note".into(),
                reason: "must say why, in a few words".into(),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let appeal = load_appeal(&mut tx, id).await?;
        if appeal.status != "pending" {
            return Err(Error::Conflict(format!(
                "appeal {id} was already decided ({})",
                appeal.status
            )));
        }
        let row = sqlx::query("SELECT moderator, action, ground FROM decisions WHERE id = $1")
            .bind(appeal.decision_id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::db("read a decision"))?;
        let g = Error::db("read a decision");
        let decider: i64 = row.try_get(0).map_err(&g)?;
        let action: String = row.try_get(1).map_err(&g)?;
        let ground: String = row.try_get(2).map_err(&g)?;
        if decider == who.id.0 {
            return Err(Error::Conflict(format!(
                "you made decision {}; a different moderator must decide its appeal",
                appeal.decision_id
            )));
        }
        let case = load_case(&mut tx, appeal.case_id).await?;
        if case.status != CaseStatus::Appealed {
            return Err(Error::Conflict(format!(
                "case {} is {}, not appealed",
                case.id, case.status
            )));
        }
        let mut audit = AuditTx::new();
        let (case_action, status) = match decision {
            AppealDecision::Uphold => (CaseAction::Uphold, "upheld"),
            AppealDecision::Reverse => (CaseAction::Reverse, "reversed"),
        };
        transition_case(
            &mut tx,
            &mut audit,
            &case,
            case_action,
            &who.actor(),
            now,
            serde_json::json!({"appeal": id.0}),
        )
        .await?;
        sqlx::query("UPDATE appeals SET status = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5")
            .bind(status)
            .bind(who.id.0)
            .bind(now)
            .bind(note)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("decide an appeal"))?;
        let mut order_id = None;
        if decision == AppealDecision::Reverse {
            sqlx::query("UPDATE decisions SET reversed = 1 WHERE id = $1")
                .bind(appeal.decision_id.0)
                .execute(&mut *tx)
                .await
                .map_err(Error::db("reverse a decision"))?;
            sqlx::query(
                "UPDATE accounts SET status = 'active' WHERE platform = $1 AND account = $2",
            )
            .bind(&case.platform)
            .bind(&case.account)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("update an account"))?;
            let action = Action::parse(&action)
                .ok_or_else(|| Error::Corrupt(format!("unknown action {action:?}")))?;
            let ground = Ground::parse(&ground)
                .ok_or_else(|| Error::Corrupt(format!("unknown ground {ground:?}")))?;
            if let Some(kind) = action.reversal() {
                order_id = Some(
                    insert_order(
                        &mut tx,
                        &mut audit,
                        &case,
                        kind,
                        Some(appeal.decision_id),
                        Some(id),
                        ground,
                        None,
                        &who.actor(),
                        now,
                    )
                    .await?,
                );
            }
        }
        audit
            .append(
                &mut tx,
                record(
                    now,
                    &who.actor(),
                    &case.platform,
                    &format!("appeal.{status}"),
                    format!("appeal:{id}"),
                    serde_json::json!({"case": case.id.0}),
                ),
            )
            .await?;
        let appeal = load_appeal(&mut tx, id).await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok((appeal, order_id))
    }
}
