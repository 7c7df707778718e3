//! Cases, reports, claims and decisions.
//!
//! A case's status changes only in [`transition_case`], which asks `saring-core`'s state
//! machine for the next status, updates the row only if it still has the status that was read
//! (so two writers cannot both move it), and writes the case event — all inside the caller's
//! transaction, with the audit entry.

use saring_core::account::TopItems;
use saring_core::audit::AuditRecord;
use saring_core::auth::Principal;
use saring_core::case::{CaseAction, CaseSource, CaseStatus, Priority, transition};
use saring_core::decision::{
    Action, Ground, Recommendation, SorInput, StatementOfReasons, evidence_families,
    protection_flags, recommend, statement_of_reasons,
};
use saring_core::ids::{CaseId, DecisionId, ReportId};
use saring_core::request::ReferralKind;
use saring_core::time::rfc3339;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{AuditTx, record};
use crate::orders::{OrderRow, insert_order};
use crate::{Error, Result, Store, from_json, to_json};

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    /// Id.
    pub id: CaseId,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// Status.
    pub status: CaseStatus,
    /// How it was opened.
    pub source: CaseSource,
    /// The account score when last updated.
    pub score: f64,
    /// Minor-risk signs seen.
    pub minor_risk: bool,
    /// Third-party (pimp, trafficking) signs seen.
    pub third_party: bool,
    /// Decide-by time (ms), from an authority's request.
    pub deadline: Option<i64>,
    /// Coarse location of the content, if known.
    pub location: Option<String>,
    /// Opened (ms).
    pub opened_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Who holds the claim, if anyone.
    pub claimed_by: Option<i64>,
    /// When the claim lapses (ms).
    pub claim_expires: Option<i64>,
    /// Closed (ms), for terminal statuses.
    pub closed_at: Option<i64>,
    /// Kept past retention for the authorities.
    pub legal_hold: bool,
}

/// What an authority may see of a case: its status, never content or internal notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseStatusView {
    /// Id.
    pub id: CaseId,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// Status.
    pub status: CaseStatus,
    /// Opened (RFC 3339).
    pub opened_at: String,
    /// The latest decision's action, if any.
    pub action: Option<Action>,
    /// The latest decision's time (RFC 3339), if any.
    pub decided_at: Option<String>,
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// `active`, `warned`, `restricted` or `frozen`.
    pub status: String,
    /// Aggregated score (see `saring_core::account`).
    pub score: f64,
    /// Protection flags seen on any of its content.
    pub flags: Vec<String>,
    /// Events received.
    pub events: i64,
    /// Events at or above the flagged score.
    pub flagged_events: i64,
    /// Earliest content (ms).
    pub first_seen: i64,
    /// Latest content (ms).
    pub last_seen: i64,
}

/// One stored event, with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    /// The platform's event id.
    pub event_id: String,
    /// Kind.
    pub kind: String,
    /// The text as written; `None` once purged.
    pub text: Option<String>,
    /// SHA-256 of the text as received.
    pub text_sha256: String,
    /// Created (ms).
    pub ts: i64,
    /// Score.
    pub score: f64,
    /// Label.
    pub label: String,
    /// Flags.
    pub flags: Vec<String>,
    /// Signals with spans into `text`.
    pub signals: serde_json::Value,
    /// Location.
    pub location: Option<String>,
}

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEventRow {
    /// When.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What (`opened`, `claimed`, `decided`, …).
    pub kind: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// Details.
    pub detail: serde_json::Value,
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRow {
    /// Id.
    pub id: DecisionId,
    /// The case.
    pub case_id: CaseId,
    /// Who decided.
    pub moderator: i64,
    /// What.
    pub action: Action,
    /// On what ground.
    pub ground: Ground,
    /// The moderator's note (internal).
    pub note: String,
    /// What the ladder recommended.
    pub recommended: Action,
    /// The statement of reasons.
    pub statement: Option<StatementOfReasons>,
    /// When (ms).
    pub decided_at: i64,
    /// Undone on appeal.
    pub reversed: bool,
}

/// A report as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// Id.
    pub id: ReportId,
    /// Source.
    pub source: CaseSource,
    /// Who filed it (`user:<id>`).
    pub reporter: String,
    /// Why.
    pub reason: String,
    /// When (ms).
    pub created_at: i64,
}

/// Everything a moderator needs to decide a case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseRow,
    /// The account.
    pub account: Option<AccountRow>,
    /// The account's content, highest score first (at most 50).
    pub events: Vec<EventRow>,
    /// The case's history.
    pub history: Vec<CaseEventRow>,
    /// Decisions on this case.
    pub decisions: Vec<DecisionRow>,
    /// Appeals on this case.
    pub appeals: Vec<crate::AppealRow>,
    /// Enforcement orders from this case.
    pub orders: Vec<OrderRow>,
    /// Reports that opened or joined this case.
    pub reports: Vec<ReportRow>,
    /// Earlier cases on the same account (id, status).
    pub prior_cases: Vec<(CaseId, CaseStatus)>,
    /// The ladder's recommendation for the next decision.
    pub recommendation: Recommendation,
}

/// Filters for the review queue.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this platform (`None`: all, for the operator).
    pub platform: Option<String>,
    /// Only this status (default `open`).
    pub status: Option<CaseStatus>,
    /// Only cases with this flag (`minor_risk` or `third_party`).
    pub flag: Option<String>,
    /// Only this location.
    pub location: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

/// A report about an account, from a platform user, the regulator or the police.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// Who the report comes from.
    pub source: CaseSource,
    /// Why.
    pub reason: String,
    /// Decide-by time, for authority requests with a deadline.
    pub deadline: Option<i64>,
}

/// What filing a report did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportOutcome {
    /// The report.
    pub report_id: ReportId,
    /// The open case it joined or opened.
    pub case_id: CaseId,
    /// Whether the case was opened by this report.
    pub case_opened: bool,
}

/// A moderator's decision.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    /// What.
    pub action: Action,
    /// On what ground.
    pub ground: Ground,
    /// Why, in the moderator's words (internal).
    pub note: String,
    /// Whether the case was referred to a protection service: required when the case is
    /// flagged minor_risk or third_party, recorded whenever given.
    pub referral: Option<ReferralInput>,
}

/// Whether a protection case was referred to a protection service, recorded with its decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReferralInput {
    /// A referral was made.
    pub made: bool,
    /// The service's kind (default: from the case's flags).
    pub kind: Option<ReferralKind>,
    /// The service referred to (a contact's name or free text); required when made.
    pub to: String,
    /// A note (required when no referral was made: why not).
    pub note: String,
}

impl ReferralInput {
    /// Every problem with the referral as given, as (field, reason).
    fn problem(&self) -> Option<(&'static str, &'static str)> {
        if self.made && self.to.trim().is_empty() {
            Some((
                "referral_to",
                "name the service the case was referred to (a contact from [protection] or its name)",
            ))
        } else if !self.made && self.note.trim().is_empty() {
            Some(("referral_note", "say why no referral was made"))
        } else {
            None
        }
    }
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionOutcome {
    /// The decision.
    pub decision_id: DecisionId,
    /// The case's new status.
    pub status: CaseStatus,
    /// The enforcement order written to the outbox, if the platform must act.
    pub order_id: Option<String>,
    /// What the ladder had recommended.
    pub recommended: Action,
}

pub(crate) struct OpenCase<'a> {
    pub platform: &'a str,
    pub account: &'a str,
    pub source: CaseSource,
    pub score: f64,
    pub minor_risk: bool,
    pub third_party: bool,
    pub deadline: Option<i64>,
    pub location: Option<&'a str>,
}

const CASE_COLUMNS: &str = "id, platform, account, status, source, score, minor_risk, third_party, deadline, location, opened_at, updated_at, claimed_by, claim_expires, closed_at, legal_hold";

fn case_from_row(r: &sqlx::any::AnyRow) -> Result<CaseRow> {
    let g = Error::db("read a case");
    let status: String = r.try_get("status").map_err(&g)?;
    let source: String = r.try_get("source").map_err(&g)?;
    Ok(CaseRow {
        id: CaseId(r.try_get("id").map_err(&g)?),
        platform: r.try_get("platform").map_err(&g)?,
        account: r.try_get("account").map_err(&g)?,
        status: CaseStatus::parse(&status)
            .ok_or_else(|| Error::Corrupt(format!("unknown case status {status:?}")))?,
        source: CaseSource::parse(&source)
            .ok_or_else(|| Error::Corrupt(format!("unknown case source {source:?}")))?,
        score: r.try_get("score").map_err(&g)?,
        minor_risk: r.try_get::<i64, _>("minor_risk").map_err(&g)? != 0,
        third_party: r.try_get::<i64, _>("third_party").map_err(&g)? != 0,
        deadline: r.try_get("deadline").map_err(&g)?,
        location: r.try_get("location").map_err(&g)?,
        opened_at: r.try_get("opened_at").map_err(&g)?,
        updated_at: r.try_get("updated_at").map_err(&g)?,
        claimed_by: r.try_get("claimed_by").map_err(&g)?,
        claim_expires: r.try_get("claim_expires").map_err(&g)?,
        closed_at: r.try_get("closed_at").map_err(&g)?,
        legal_hold: r.try_get::<i64, _>("legal_hold").map_err(&g)? != 0,
    })
}

impl CaseRow {
    /// Who holds a live claim on the case at `now`, if anyone.
    pub fn holder(&self, now: i64) -> Option<i64> {
        match (self.claimed_by, self.claim_expires) {
            (Some(user), Some(until)) if until > now => Some(user),
            _ => None,
        }
    }

    /// Refuses with [`Error::Conflict`] when someone other than `who` holds a live claim.
    pub(crate) fn check_not_held_by_other(&self, who: &Principal, now: i64) -> Result<()> {
        match self.holder(now) {
            Some(holder) if holder != who.id.0 => Err(Error::Conflict(format!(
                "case {} is claimed by user {holder} until {}",
                self.id,
                rfc3339(self.claim_expires.unwrap_or(now))
            ))),
            _ => Ok(()),
        }
    }
}

fn decision_from_row(r: &sqlx::any::AnyRow) -> Result<DecisionRow> {
    let g = Error::db("read a decision");
    let action: String = r.try_get("action").map_err(&g)?;
    let recommended: String = r.try_get("recommended").map_err(&g)?;
    let ground: String = r.try_get("ground").map_err(&g)?;
    let statement: Option<String> = r.try_get("statement").map_err(&g)?;
    let parse_action =
        |s: &str| Action::parse(s).ok_or_else(|| Error::Corrupt(format!("unknown action {s:?}")));
    Ok(DecisionRow {
        id: DecisionId(r.try_get("id").map_err(&g)?),
        case_id: CaseId(r.try_get("case_id").map_err(&g)?),
        moderator: r.try_get("moderator").map_err(&g)?,
        action: parse_action(&action)?,
        ground: Ground::parse(&ground)
            .ok_or_else(|| Error::Corrupt(format!("unknown ground {ground:?}")))?,
        note: r.try_get("note").map_err(&g)?,
        recommended: parse_action(&recommended)?,
        statement: statement
            .as_deref()
            .map(|s| from_json("decisions.statement", s))
            .transpose()?,
        decided_at: r.try_get("decided_at").map_err(&g)?,
        reversed: r.try_get::<i64, _>("reversed").map_err(&g)? != 0,
    })
}

fn account_from_row(r: &sqlx::any::AnyRow) -> Result<AccountRow> {
    let g = Error::db("read an account");
    Ok(AccountRow {
        platform: r.try_get("platform").map_err(&g)?,
        account: r.try_get("account").map_err(&g)?,
        status: r.try_get("status").map_err(&g)?,
        score: r.try_get("score").map_err(&g)?,
        flags: from_json(
            "accounts.flags",
            &r.try_get::<String, _>("flags").map_err(&g)?,
        )?,
        events: r.try_get("events").map_err(&g)?,
        flagged_events: r.try_get("flagged_events").map_err(&g)?,
        first_seen: r.try_get("first_seen").map_err(&g)?,
        last_seen: r.try_get("last_seen").map_err(&g)?,
    })
}

fn event_from_row(r: &sqlx::any::AnyRow) -> Result<EventRow> {
    let g = Error::db("read an event");
    Ok(EventRow {
        event_id: r.try_get("event_id").map_err(&g)?,
        kind: r.try_get("kind").map_err(&g)?,
        text: r.try_get("text").map_err(&g)?,
        text_sha256: r.try_get("text_sha256").map_err(&g)?,
        ts: r.try_get("ts").map_err(&g)?,
        score: r.try_get("score").map_err(&g)?,
        label: r.try_get("label").map_err(&g)?,
        flags: from_json(
            "events.flags",
            &r.try_get::<String, _>("flags").map_err(&g)?,
        )?,
        signals: from_json(
            "events.signals",
            &r.try_get::<String, _>("signals").map_err(&g)?,
        )?,
        location: r.try_get("location").map_err(&g)?,
    })
}

pub(crate) async fn open_case_for(
    conn: &mut AnyConnection,
    platform: &str,
    account: &str,
) -> Result<Option<CaseId>> {
    let row = sqlx::query(
        "SELECT id FROM cases WHERE platform = $1 AND account = $2 AND status = 'open'",
    )
    .bind(platform)
    .bind(account)
    .fetch_optional(&mut *conn)
    .await
    .map_err(Error::db("find an open case"))?;
    row.map(|r| r.try_get::<i64, _>(0).map(CaseId))
        .transpose()
        .map_err(Error::db("find an open case"))
}

#[allow(clippy::too_many_arguments, reason = "one row's columns")]
async fn case_event(
    conn: &mut AnyConnection,
    case: CaseId,
    at: i64,
    actor: &str,
    kind: &str,
    from: Option<CaseStatus>,
    to: Option<CaseStatus>,
    detail: serde_json::Value,
) -> Result<()> {
    sqlx::query("INSERT INTO case_events (case_id, at, actor, kind, from_status, to_status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(case.0)
        .bind(at)
        .bind(actor)
        .bind(kind)
        .bind(from.map(CaseStatus::as_str))
        .bind(to.map(CaseStatus::as_str))
        .bind(detail.to_string())
        .execute(&mut *conn)
        .await
        .map_err(Error::db("record a case event"))?;
    Ok(())
}

pub(crate) async fn open_case(
    conn: &mut AnyConnection,
    audit: &mut AuditTx,
    c: OpenCase<'_>,
    actor: &str,
    now: i64,
) -> Result<CaseId> {
    let rank = Priority {
        minor_risk: c.minor_risk,
        third_party: c.third_party,
        deadline: c.deadline,
        score: c.score,
        opened_at: now,
    }
    .rank();
    let row = sqlx::query(
        "INSERT INTO cases (platform, account, status, source, score, minor_risk, third_party, rank, deadline, location, opened_at, updated_at)
         VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(c.platform)
    .bind(c.account)
    .bind(c.source.as_str())
    .bind(c.score)
    .bind(i64::from(c.minor_risk))
    .bind(i64::from(c.third_party))
    .bind(rank)
    .bind(c.deadline)
    .bind(c.location)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(Error::db("open a case"))?;
    let id = CaseId(row.try_get(0).map_err(Error::db("open a case"))?);
    let detail = serde_json::json!({"source": c.source.as_str(), "score": c.score, "minor_risk": c.minor_risk, "third_party": c.third_party});
    case_event(
        conn,
        id,
        now,
        actor,
        "opened",
        None,
        Some(CaseStatus::Open),
        detail.clone(),
    )
    .await?;
    audit
        .append(
            conn,
            record(
                now,
                actor,
                c.platform,
                "case.opened",
                format!("case:{id}"),
                detail,
            ),
        )
        .await?;
    Ok(id)
}

/// Moves a case through the state machine, inside the caller's transaction: checks the
/// transition, updates the row only if its status is still `from`, records the case event and
/// the audit entry.
pub(crate) async fn transition_case(
    conn: &mut AnyConnection,
    audit: &mut AuditTx,
    case: &CaseRow,
    action: CaseAction,
    actor: &str,
    now: i64,
    detail: serde_json::Value,
) -> Result<CaseStatus> {
    let to = transition(case.status, action)?;
    let terminal = matches!(
        to,
        CaseStatus::Dismissed | CaseStatus::Upheld | CaseStatus::Reversed
    );
    let done = sqlx::query("UPDATE cases SET status = $1, updated_at = $2, claimed_by = NULL, claim_expires = NULL, closed_at = CASE WHEN $3 = 1 THEN $2 ELSE closed_at END WHERE id = $4 AND status = $5")
        .bind(to.as_str())
        .bind(now)
        .bind(i64::from(terminal))
        .bind(case.id.0)
        .bind(case.status.as_str())
        .execute(&mut *conn)
        .await
        .map_err(Error::db("change a case's status"))?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(format!(
            "case {} changed while this request was handled; reload it",
            case.id
        )));
    }
    case_event(
        conn,
        case.id,
        now,
        actor,
        action.as_str(),
        Some(case.status),
        Some(to),
        detail.clone(),
    )
    .await?;
    let mut detail = detail;
    detail["from"] = case.status.as_str().into();
    detail["to"] = to.as_str().into();
    audit
        .append(
            conn,
            AuditRecord {
                at: now,
                actor: actor.to_owned(),
                tenant: case.platform.clone(),
                action: format!("case.{}", to.as_str()),
                subject: format!("case:{}", case.id),
                detail: detail.to_string(),
            },
        )
        .await?;
    Ok(to)
}

pub(crate) async fn load_case(conn: &mut AnyConnection, id: CaseId) -> Result<CaseRow> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(Error::db("read a case"))?
    .ok_or_else(|| Error::NotFound(format!("case {id}")))?;
    case_from_row(&row)
}

async fn standing_actions(
    conn: &mut AnyConnection,
    platform: &str,
    account: &str,
) -> Result<Vec<Action>> {
    let rows = sqlx::query(
        "SELECT action FROM decisions WHERE platform = $1 AND account = $2 AND reversed = 0",
    )
    .bind(platform)
    .bind(account)
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::db("read earlier decisions"))?;
    rows.iter()
        .map(|r| {
            let a: String = r.try_get(0).map_err(Error::db("read earlier decisions"))?;
            Action::parse(&a).ok_or_else(|| Error::Corrupt(format!("unknown action {a:?}")))
        })
        .collect()
}

/// Files a report inside the caller's transaction: joins the account's open case (moving its
/// deadline earlier when the report's is) or opens one; records the report, the case event
/// and the audit entry.
pub(crate) async fn file_report_in(
    tx: &mut AnyConnection,
    audit: &mut AuditTx,
    r: &NewReport,
    reporter: &str,
    now: i64,
) -> Result<ReportOutcome> {
    if sqlx::query("SELECT 1 FROM platforms WHERE id = $1")
        .bind(&r.platform)
        .fetch_optional(&mut *tx)
        .await
        .map_err(Error::db("read a platform"))?
        .is_none()
    {
        return Err(Error::NotFound(format!("platform {}", r.platform)));
    }
    let (case_id, opened) = match open_case_for(&mut *tx, &r.platform, &r.account).await? {
        Some(id) => {
            if let Some(d) = r.deadline {
                sqlx::query("UPDATE cases SET deadline = CASE WHEN deadline IS NULL OR deadline > $1 THEN $1 ELSE deadline END, updated_at = $2 WHERE id = $3")
                        .bind(d)
                        .bind(now)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(Error::db("update a case"))?;
            }
            (id, false)
        }
        None => {
            let acc = sqlx::query(
                "SELECT score, flags FROM accounts WHERE platform = $1 AND account = $2",
            )
            .bind(&r.platform)
            .bind(&r.account)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::db("read an account"))?;
            let (score, flags) = match acc {
                Some(row) => (
                    row.try_get::<f64, _>(0)
                        .map_err(Error::db("read an account"))?,
                    from_json::<Vec<String>>(
                        "accounts.flags",
                        &row.try_get::<String, _>(1)
                            .map_err(Error::db("read an account"))?,
                    )?,
                ),
                None => {
                    sqlx::query("INSERT INTO accounts (platform, account, top_items, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)")
                            .bind(&r.platform)
                            .bind(&r.account)
                            .bind(to_json(&TopItems::default()))
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .map_err(Error::db("create an account"))?;
                    (0.0, Vec::new())
                }
            };
            let open = OpenCase {
                platform: &r.platform,
                account: &r.account,
                source: r.source,
                score,
                minor_risk: flags.iter().any(|f| f == "minor_risk"),
                third_party: flags.iter().any(|f| f == "third_party"),
                deadline: r.deadline,
                location: None,
            };
            (open_case(&mut *tx, audit, open, reporter, now).await?, true)
        }
    };
    let row = sqlx::query("INSERT INTO reports (platform, account, case_id, source, reporter, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(&r.platform)
            .bind(&r.account)
            .bind(case_id.0)
            .bind(r.source.as_str())
            .bind(reporter)
            .bind(&r.reason)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::db("store a report"))?;
    let report_id = ReportId(row.try_get(0).map_err(Error::db("store a report"))?);
    case_event(
        &mut *tx,
        case_id,
        now,
        reporter,
        "reported",
        None,
        None,
        serde_json::json!({"report": report_id.0, "source": r.source.as_str()}),
    )
    .await?;
    audit
            .append(&mut *tx, record(now, reporter, &r.platform, "report.filed", format!("case:{case_id}"), serde_json::json!({"report": report_id.0, "source": r.source.as_str(), "deadline": r.deadline})))
            .await?;
    Ok(ReportOutcome {
        report_id,
        case_id,
        case_opened: opened,
    })
}

impl Store {
    /// One case.
    pub async fn case(&self, id: CaseId) -> Result<Option<CaseRow>> {
        let mut conn = self.read.acquire().await.map_err(Error::db("connect"))?;
        match load_case(&mut conn, id).await {
            Ok(c) => Ok(Some(c)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The review queue: in priority order (minor risk, trafficking signs, deadline, score,
    /// age).
    pub async fn queue(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE status = $1");
        let mut n = 1;
        let mut next = || {
            n += 1;
            n
        };
        let p_platform = f.platform.as_ref().map(|_| next());
        let p_location = f.location.as_ref().map(|_| next());
        let p_limit = next();
        if let Some(i) = p_platform {
            sql.push_str(&format!(" AND platform = ${i}"));
        }
        if let Some(i) = p_location {
            sql.push_str(&format!(" AND location = ${i}"));
        }
        match f.flag.as_deref() {
            Some("minor_risk") => sql.push_str(" AND minor_risk = 1"),
            Some("third_party") => sql.push_str(" AND third_party = 1"),
            Some(other) => {
                return Err(Error::Invalid {
                    field: "flag".into(),
                    reason: format!("unknown flag {other:?}; expected minor_risk or third_party"),
                });
            }
            None => {}
        }
        sql.push_str(&format!(" ORDER BY rank, CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, score DESC, opened_at, id LIMIT ${p_limit}"));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(f.status.unwrap_or(CaseStatus::Open).as_str());
        if let Some(p) = &f.platform {
            q = q.bind(p);
        }
        if let Some(l) = &f.location {
            q = q.bind(l);
        }
        let rows = q
            .bind(f.limit.unwrap_or(50).clamp(1, 500))
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read the queue"))?;
        rows.iter().map(case_from_row).collect()
    }

    /// What an authority may see of a case.
    pub async fn case_status(&self, id: CaseId) -> Result<Option<CaseStatusView>> {
        let Some(c) = self.case(id).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT action, decided_at FROM decisions WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(Error::db("read a decision"))?;
        let (action, decided_at) = match row {
            Some(r) => {
                let a: String = r.try_get(0).map_err(Error::db("read a decision"))?;
                (
                    Action::parse(&a),
                    Some(rfc3339(r.try_get(1).map_err(Error::db("read a decision"))?)),
                )
            }
            None => (None, None),
        };
        Ok(Some(CaseStatusView {
            id: c.id,
            platform: c.platform,
            account: c.account,
            status: c.status,
            opened_at: rfc3339(c.opened_at),
            action,
            decided_at,
        }))
    }

    /// An account with its recent content.
    pub async fn account(
        &self,
        platform: &str,
        account: &str,
    ) -> Result<Option<(AccountRow, Vec<EventRow>, Vec<CaseRow>)>> {
        let row = sqlx::query("SELECT * FROM accounts WHERE platform = $1 AND account = $2")
            .bind(platform)
            .bind(account)
            .fetch_optional(&self.read)
            .await
            .map_err(Error::db("read an account"))?;
        let Some(row) = row else { return Ok(None) };
        let acc = account_from_row(&row)?;
        let events = sqlx::query("SELECT * FROM events WHERE platform = $1 AND account = $2 ORDER BY ts DESC, id DESC LIMIT 100")
            .bind(platform)
            .bind(account)
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read events"))?;
        let cases = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE platform = $1 AND account = $2 ORDER BY id DESC"
        )))
        .bind(platform)
        .bind(account)
        .fetch_all(&self.read)
        .await
        .map_err(Error::db("read cases"))?;
        Ok(Some((
            acc,
            events.iter().map(event_from_row).collect::<Result<_>>()?,
            cases.iter().map(case_from_row).collect::<Result<_>>()?,
        )))
    }

    /// Everything about a case, for the person deciding it.
    pub async fn case_detail(&self, id: CaseId) -> Result<Option<CaseDetail>> {
        let mut conn = self.read.acquire().await.map_err(Error::db("connect"))?;
        let case = match load_case(&mut conn, id).await {
            Ok(c) => c,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let g = Error::db("read a case");
        let account = sqlx::query("SELECT * FROM accounts WHERE platform = $1 AND account = $2")
            .bind(&case.platform)
            .bind(&case.account)
            .fetch_optional(&mut *conn)
            .await
            .map_err(&g)?
            .as_ref()
            .map(account_from_row)
            .transpose()?;
        let events = sqlx::query("SELECT * FROM events WHERE platform = $1 AND account = $2 ORDER BY score DESC, ts DESC LIMIT 50")
            .bind(&case.platform)
            .bind(&case.account)
            .fetch_all(&mut *conn)
            .await
            .map_err(&g)?
            .iter()
            .map(event_from_row)
            .collect::<Result<Vec<_>>>()?;
        let history = sqlx::query("SELECT at, actor, kind, from_status, to_status, detail FROM case_events WHERE case_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(&g)?
            .iter()
            .map(|r| {
                Ok(CaseEventRow {
                    at: r.try_get("at").map_err(&g)?,
                    actor: r.try_get("actor").map_err(&g)?,
                    kind: r.try_get("kind").map_err(&g)?,
                    from_status: r.try_get("from_status").map_err(&g)?,
                    to_status: r.try_get("to_status").map_err(&g)?,
                    detail: from_json("case_events.detail", &r.try_get::<String, _>("detail").map_err(&g)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let decisions = sqlx::query("SELECT * FROM decisions WHERE case_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(&g)?
            .iter()
            .map(decision_from_row)
            .collect::<Result<Vec<_>>>()?;
        let appeals = crate::appeals::appeals_for_case(&mut conn, id).await?;
        let orders = crate::orders::orders_for_case(&mut conn, id).await?;
        let reports = sqlx::query("SELECT id, source, reporter, reason, created_at FROM reports WHERE case_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(&g)?
            .iter()
            .map(|r| {
                let source: String = r.try_get("source").map_err(&g)?;
                Ok(ReportRow {
                    id: ReportId(r.try_get("id").map_err(&g)?),
                    source: CaseSource::parse(&source).ok_or_else(|| Error::Corrupt(format!("unknown source {source:?}")))?,
                    reporter: r.try_get("reporter").map_err(&g)?,
                    reason: r.try_get("reason").map_err(&g)?,
                    created_at: r.try_get("created_at").map_err(&g)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let prior_cases = sqlx::query("SELECT id, status FROM cases WHERE platform = $1 AND account = $2 AND id <> $3 ORDER BY id DESC")
            .bind(&case.platform)
            .bind(&case.account)
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(&g)?
            .iter()
            .map(|r| {
                let s: String = r.try_get(1).map_err(&g)?;
                Ok((CaseId(r.try_get(0).map_err(&g)?), CaseStatus::parse(&s).ok_or_else(|| Error::Corrupt(format!("unknown status {s:?}")))?))
            })
            .collect::<Result<Vec<_>>>()?;
        let standing = standing_actions(&mut conn, &case.platform, &case.account).await?;
        let recommendation = recommend(&standing, case.minor_risk, case.third_party);
        Ok(Some(CaseDetail {
            case,
            account,
            events,
            history,
            decisions,
            appeals,
            orders,
            reports,
            prior_cases,
            recommendation,
        }))
    }

    /// Claims a case for `who` until `now + lease_ms` (renewing their own claim).
    pub async fn claim(
        &self,
        id: CaseId,
        who: &Principal,
        lease_ms: i64,
        now: i64,
    ) -> Result<CaseRow> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let case = load_case(&mut tx, id).await?;
        if case.status != CaseStatus::Open && case.status != CaseStatus::Appealed {
            return Err(Error::Conflict(format!(
                "case {id} is {} and cannot be claimed",
                case.status
            )));
        }
        case.check_not_held_by_other(who, now)?;
        sqlx::query("UPDATE cases SET claimed_by = $1, claim_expires = $2 WHERE id = $3")
            .bind(who.id.0)
            .bind(now + lease_ms)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("claim a case"))?;
        case_event(
            &mut tx,
            id,
            now,
            &who.actor(),
            "claimed",
            None,
            None,
            serde_json::json!({"until": now + lease_ms}),
        )
        .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        self.case(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("case {id}")))
    }

    /// Releases `who`'s claim on a case.
    pub async fn release(&self, id: CaseId, who: &Principal, now: i64) -> Result<CaseRow> {
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let case = load_case(&mut tx, id).await?;
        if case.claimed_by != Some(who.id.0) {
            return Err(Error::Conflict(format!("case {id} is not claimed by you")));
        }
        sqlx::query("UPDATE cases SET claimed_by = NULL, claim_expires = NULL WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("release a case"))?;
        case_event(
            &mut tx,
            id,
            now,
            &who.actor(),
            "released",
            None,
            None,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        self.case(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("case {id}")))
    }

    /// Files a report: joins the account's open case or opens one.
    pub async fn file_report(
        &self,
        r: &NewReport,
        reporter: &str,
        now: i64,
    ) -> Result<ReportOutcome> {
        if r.reason.trim().is_empty() {
            return Err(Error::Invalid {
                field: "reason".into(),
                reason: "must not be empty".into(),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let mut audit = AuditTx::new();
        let out = file_report_in(&mut tx, &mut audit, r, reporter, now).await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(out)
    }

    /// Records a moderator's decision on an open case: the decision with its statement of
    /// reasons, the case's new status, the account's status, and the enforcement order in the
    /// outbox — one transaction.
    ///
    /// A case flagged minor_risk or third_party is a protection case: its decision must say
    /// whether a referral to a protection service was made ([`DecisionInput::referral`]),
    /// else [`Error::Invalid`] names `referral_made`.
    pub async fn decide(
        &self,
        id: CaseId,
        input: &DecisionInput,
        who: &Principal,
        now: i64,
    ) -> Result<DecisionOutcome> {
        self.decide_with(id, input, who, now, true).await
    }

    /// [`Store::decide`], with the referral requirement switched off for the members of an
    /// approved network freeze (their referral belongs to the network's own case).
    pub(crate) async fn decide_with(
        &self,
        id: CaseId,
        input: &DecisionInput,
        who: &Principal,
        now: i64,
        require_referral: bool,
    ) -> Result<DecisionOutcome> {
        if input.note.trim().is_empty() {
            return Err(Error::Invalid {
                field: "note".into(),
                reason: "must say why, in a few words".into(),
            });
        }
        match (input.action, input.ground) {
            (Action::NoViolation, Ground::None) => {}
            (Action::NoViolation, g) => {
                return Err(Error::Invalid {
                    field: "ground".into(),
                    reason: format!("a no_violation decision takes ground none, not {g}"),
                });
            }
            (a, Ground::None) => {
                return Err(Error::Invalid {
                    field: "ground".into(),
                    reason: format!("a {a} decision needs a policy ground"),
                });
            }
            _ => {}
        }
        if let Some((field, reason)) = input.referral.as_ref().and_then(ReferralInput::problem) {
            return Err(Error::Invalid {
                field: field.into(),
                reason: reason.into(),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let case = load_case(&mut tx, id).await?;
        case.check_not_held_by_other(who, now)?;
        let protection = case.minor_risk || case.third_party;
        if protection && require_referral && input.referral.is_none() {
            return Err(Error::Invalid {
                field: "referral_made".into(),
                reason: "required on a case flagged minor_risk or third_party: record whether a referral to a child-protection or anti-trafficking service was made (referral_made, referral_to, referral_note)".into(),
            });
        }
        let standing = standing_actions(&mut tx, &case.platform, &case.account).await?;
        let rec = recommend(&standing, case.minor_risk, case.third_party);
        let evidence = sqlx::query("SELECT signals, score, ts FROM events WHERE platform = $1 AND account = $2 ORDER BY score DESC LIMIT 20")
            .bind(&case.platform)
            .bind(&case.account)
            .fetch_all(&mut *tx)
            .await
            .map_err(Error::db("read evidence"))?;
        let mut signal_arrays = Vec::with_capacity(evidence.len());
        let mut automated = false;
        let mut content_at = case.opened_at;
        for r in &evidence {
            let g = Error::db("read evidence");
            signal_arrays.push(from_json::<serde_json::Value>(
                "events.signals",
                &r.try_get::<String, _>(0).map_err(g)?,
            )?);
            automated |= r.try_get::<f64, _>(1).map_err(g)? >= 0.5;
            content_at = content_at.min(r.try_get::<i64, _>(2).map_err(g)?);
        }
        let families = evidence_families(&signal_arrays);
        let flags = protection_flags(case.minor_risk, case.third_party);
        let puid = format!("{}-case-{}-{}", case.platform, case.id, now);
        let sor = statement_of_reasons(&SorInput {
            action: input.action,
            ground: input.ground,
            source: case.source,
            automated_detection: automated,
            signal_families: &families,
            flags: &flags,
            decided_at: now,
            content_at,
            puid,
        });
        let mut audit = AuditTx::new();
        let case_action = if input.action == Action::NoViolation {
            CaseAction::DecideNoViolation
        } else {
            CaseAction::DecideAction
        };
        let row = sqlx::query("INSERT INTO decisions (case_id, platform, account, moderator, action, ground, note, recommended, statement, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(id.0)
            .bind(&case.platform)
            .bind(&case.account)
            .bind(who.id.0)
            .bind(input.action.as_str())
            .bind(input.ground.as_str())
            .bind(&input.note)
            .bind(rec.action.as_str())
            .bind(sor.as_ref().map(to_json))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::db("store a decision"))?;
        let decision_id = DecisionId(row.try_get(0).map_err(Error::db("store a decision"))?);
        let detail = serde_json::json!({"decision": decision_id.0, "action": input.action.as_str(), "ground": input.ground.as_str(), "recommended": rec.action.as_str()});
        let status = transition_case(
            &mut tx,
            &mut audit,
            &case,
            case_action,
            &who.actor(),
            now,
            detail,
        )
        .await?;
        if let Some(r) = &input.referral {
            let kind = r
                .kind
                .or_else(|| ReferralKind::for_flags(case.minor_risk, case.third_party))
                .filter(|_| r.made);
            sqlx::query("INSERT INTO referrals (decision_id, case_id, platform, minor_risk, third_party, made, kind, contact, note, case_opened_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(decision_id.0)
                .bind(id.0)
                .bind(&case.platform)
                .bind(i64::from(case.minor_risk))
                .bind(i64::from(case.third_party))
                .bind(i64::from(r.made))
                .bind(kind.map(ReferralKind::as_str))
                .bind(r.to.trim())
                .bind(r.note.trim())
                .bind(case.opened_at)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(Error::db("record a referral"))?;
            // Ids and the kind only: the note stays in the referrals table.
            audit
                .append(
                    &mut tx,
                    record(
                        now,
                        &who.actor(),
                        &case.platform,
                        "referral.recorded",
                        format!("case:{id}"),
                        serde_json::json!({"decision": decision_id.0, "made": r.made, "kind": kind.map(ReferralKind::as_str)}),
                    ),
                )
                .await?;
        }
        let account_status = match input.action {
            Action::Freeze => Some("frozen"),
            Action::Restrict => Some("restricted"),
            Action::Warn => Some("warned"),
            Action::NoViolation => None,
        };
        if let Some(s) = account_status {
            sqlx::query("UPDATE accounts SET status = $1 WHERE platform = $2 AND account = $3")
                .bind(s)
                .bind(&case.platform)
                .bind(&case.account)
                .execute(&mut *tx)
                .await
                .map_err(Error::db("update an account"))?;
        }
        let order_id = match input.action.order() {
            Some(kind) => Some(
                insert_order(
                    &mut tx,
                    &mut audit,
                    &case,
                    kind,
                    Some(decision_id),
                    None,
                    input.ground,
                    sor.as_ref(),
                    &who.actor(),
                    now,
                )
                .await?,
            ),
            None => None,
        };
        tx.commit().await.map_err(Error::db("commit a decision"))?;
        Ok(DecisionOutcome {
            decision_id,
            status,
            order_id,
            recommended: rec.action,
        })
    }
}

impl Store {
    /// Places (`hold`) or releases a legal hold on a case: while held, retention never purges
    /// the account's content. The reason is written to the case's history and the audit log.
    pub async fn set_legal_hold(
        &self,
        id: CaseId,
        hold: bool,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<CaseRow> {
        if reason.trim().is_empty() {
            return Err(Error::Invalid {
                field: "reason".into(),
                reason: "must name the legal basis or why the hold ends".into(),
            });
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let case = load_case(&mut tx, id).await?;
        if case.legal_hold == hold {
            return Err(Error::Conflict(format!(
                "case {id} is {} under legal hold",
                if hold { "already" } else { "not" }
            )));
        }
        sqlx::query("UPDATE cases SET legal_hold = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(hold))
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("update a case"))?;
        let kind = if hold {
            "legal_hold"
        } else {
            "legal_hold_released"
        };
        case_event(
            &mut tx,
            id,
            now,
            actor,
            kind,
            None,
            None,
            serde_json::json!({"reason": reason}),
        )
        .await?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &case.platform,
                    &format!("case.{kind}"),
                    format!("case:{id}"),
                    serde_json::json!({"reason": reason}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        self.case(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("case {id}")))
    }

    /// Purges the content of events whose account's cases are all dismissed and closed before
    /// `now - retention_ms`, unless any case of the account is under legal hold. The text and
    /// contacts go; the text's SHA-256 stays as evidence that it existed. Works through the
    /// due cases in short transactions of at most 100 (indexed look-ups only), so it never
    /// holds the writer for long. Returns how many events were purged.
    pub async fn purge_dismissed(&self, now: i64, retention_ms: i64) -> Result<u64> {
        let cutoff = now - retention_ms;
        let mut total = 0;
        loop {
            let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
            let due = sqlx::query(
                "SELECT id, platform, account FROM cases WHERE status = 'dismissed' AND content_purged = 0 AND legal_hold = 0
                 AND closed_at <= $1 ORDER BY closed_at LIMIT 100",
            )
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await
            .map_err(Error::db("find content to purge"))?;
            if due.is_empty() {
                break;
            }
            let g = Error::db("find content to purge");
            let mut purged = 0;
            for row in &due {
                let id: i64 = row.try_get(0).map_err(g)?;
                let platform: String = row.try_get(1).map_err(g)?;
                let account: String = row.try_get(2).map_err(g)?;
                let blocked = sqlx::query(
                    "SELECT 1 FROM cases WHERE platform = $1 AND account = $2 AND id <> $3
                     AND (status <> 'dismissed' OR closed_at IS NULL OR closed_at > $4 OR legal_hold <> 0) LIMIT 1",
                )
                .bind(&platform)
                .bind(&account)
                .bind(id)
                .bind(cutoff)
                .fetch_optional(&mut *tx)
                .await
                .map_err(g)?
                .is_some();
                if !blocked {
                    purged += sqlx::query(
                        "UPDATE events SET text = NULL, contacts = '[]', photo_hashes = '[]', signals = '[]', purged_at = $1
                         WHERE platform = $2 AND account = $3 AND text IS NOT NULL",
                    )
                    .bind(now)
                    .bind(&platform)
                    .bind(&account)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::db("purge content"))?
                    .rows_affected();
                }
                sqlx::query("UPDATE cases SET content_purged = $1 WHERE id = $2")
                    .bind(if blocked { 2_i64 } else { 1 })
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::db("mark a purged case"))?;
            }
            if purged > 0 {
                AuditTx::new()
                    .append(
                        &mut tx,
                        record(now, "retention", saring_core::auth::SYSTEM, "content.purged", "events".into(), serde_json::json!({"events": purged, "cases": due.len(), "closed_before": cutoff})),
                    )
                    .await?;
            }
            tx.commit().await.map_err(Error::db("commit"))?;
            total += purged;
        }
        Ok(total)
    }
}
