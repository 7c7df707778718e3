//! Authorities' requests (a regulator's takedown request, a police report) naming several
//! accounts, the platforms' rejections of single items, and the read-only facts behind the
//! compliance and protection reports and an authority's view of a case's evidence.
//!
//! Filing a request is one transaction: the request, then for each named account the report
//! that joins or opens its case (with the request's deadline) and the item linking the two,
//! with their audit entries. An item's state is not stored: it follows from its deadline, its
//! rejection and the first decision on its case (`saring_core::request::item_state`).

use saring_core::case::{CaseSource, CaseStatus};
use saring_core::decision::{Action, StatementOfReasons};
use saring_core::evidence::Item;
use saring_core::ids::CaseId;
use saring_core::request::{
    ItemFacts, ItemState, ProtectionFacts, ReferralKind, RejectCode, Urgency, item_state,
};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{AuditTx, record};
use crate::cases::{NewReport, file_report_in};
use crate::{Error, Result, Store, from_json};

/// Most accounts one request may name.
pub const MAX_REQUEST_ACCOUNTS: usize = 200;

/// A request as filed.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// `regulator` or `police`.
    pub source: CaseSource,
    /// The legal basis (a regulation and article, a police report number).
    pub legal_ground: String,
    /// What the accounts are about (e.g. `prostitution`, `trafficking`, `child_exploitation`).
    pub category: String,
    /// Normal or urgent.
    pub urgency: Urgency,
    /// The authority's own reference (a letter number); may be empty.
    pub reference: String,
    /// The named accounts: (platform, account id).
    pub accounts: Vec<(String, String)>,
    /// Act-by time (ms), from receipt; `None` for requests without a deadline.
    pub deadline: Option<i64>,
}

/// One named account of a request, with where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestItemRow {
    /// Id.
    pub id: i64,
    /// The request.
    pub request_id: i64,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// The case it joined or opened.
    pub case_id: CaseId,
    /// The case's status now.
    pub case_status: CaseStatus,
    /// Received (ms).
    pub received_at: i64,
    /// Act-by time (ms).
    pub deadline: Option<i64>,
    /// Rejected (ms), by whom (`user:<id>`), why.
    pub rejected_at: Option<i64>,
    /// Who rejected it.
    pub rejected_by: Option<String>,
    /// The rejection's reason code.
    pub reject_code: Option<RejectCode>,
    /// The rejection's reason in words.
    pub reject_reason: Option<String>,
    /// The first decision on the case: action and time (ms).
    pub decision: Option<(Action, i64)>,
}

impl RequestItemRow {
    /// The facts its state follows from.
    pub fn facts(&self) -> ItemFacts {
        ItemFacts {
            received_at: self.received_at,
            deadline: self.deadline,
            rejected: self.rejected_at.zip(self.reject_code),
            decision: self.decision,
        }
    }

    /// Where it stands at `now`.
    pub fn state(&self, now: i64) -> ItemState {
        item_state(&self.facts(), now)
    }
}

/// A request with its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    /// Id.
    pub id: i64,
    /// `regulator` or `police`.
    pub source: CaseSource,
    /// Who filed it (`user:<id>`).
    pub filed_by: String,
    /// The legal basis.
    pub legal_ground: String,
    /// The category.
    pub category: String,
    /// Normal or urgent.
    pub urgency: Urgency,
    /// The authority's reference.
    pub reference: String,
    /// Received (ms).
    pub received_at: i64,
    /// Act-by time (ms).
    pub deadline: Option<i64>,
    /// Its items (only those of one platform when the listing is a platform's).
    pub items: Vec<RequestItemRow>,
}

/// What an authority may see of the evidence of a case its request or report is on: the
/// items as received (with their SHA-256 and signals) and the statements of reasons — never
/// the platform's internal notes, history or other reporters.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorityEvidence {
    /// The case.
    pub case_id: CaseId,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// Status.
    pub status: CaseStatus,
    /// The account's items, oldest first (purged ones by hash only).
    pub items: Vec<Item>,
    /// The decisions' statements of reasons.
    pub statements: Vec<StatementOfReasons>,
}

const ITEM_SELECT: &str = "SELECT i.id, i.request_id, i.platform, i.account, i.case_id, c.status AS case_status, i.received_at, i.deadline,
        i.rejected_at, i.rejected_by, i.reject_code, i.reject_reason, d.action, d.decided_at
     FROM request_items i JOIN cases c ON c.id = i.case_id
     LEFT JOIN decisions d ON d.id = (SELECT MIN(id) FROM decisions WHERE case_id = i.case_id)";

fn item_from_row(r: &sqlx::any::AnyRow) -> Result<RequestItemRow> {
    let g = Error::db("read a request item");
    let status: String = r.try_get("case_status").map_err(g)?;
    let code: Option<String> = r.try_get("reject_code").map_err(g)?;
    let action: Option<String> = r.try_get("action").map_err(g)?;
    let decided_at: Option<i64> = r.try_get("decided_at").map_err(g)?;
    let decision = match (action, decided_at) {
        (Some(a), Some(at)) => Some((
            Action::parse(&a).ok_or_else(|| Error::Corrupt(format!("unknown action {a:?}")))?,
            at,
        )),
        _ => None,
    };
    Ok(RequestItemRow {
        id: r.try_get("id").map_err(g)?,
        request_id: r.try_get("request_id").map_err(g)?,
        platform: r.try_get("platform").map_err(g)?,
        account: r.try_get("account").map_err(g)?,
        case_id: CaseId(r.try_get("case_id").map_err(g)?),
        case_status: CaseStatus::parse(&status)
            .ok_or_else(|| Error::Corrupt(format!("unknown case status {status:?}")))?,
        received_at: r.try_get("received_at").map_err(g)?,
        deadline: r.try_get("deadline").map_err(g)?,
        rejected_at: r.try_get("rejected_at").map_err(g)?,
        rejected_by: r.try_get("rejected_by").map_err(g)?,
        reject_code: code
            .map(|c| {
                RejectCode::parse(&c)
                    .ok_or_else(|| Error::Corrupt(format!("unknown reject code {c:?}")))
            })
            .transpose()?,
        reject_reason: r.try_get("reject_reason").map_err(g)?,
        decision,
    })
}

fn request_from_row(r: &sqlx::any::AnyRow) -> Result<RequestRow> {
    let g = Error::db("read a request");
    let source: String = r.try_get("source").map_err(g)?;
    let urgency: String = r.try_get("urgency").map_err(g)?;
    Ok(RequestRow {
        id: r.try_get("id").map_err(g)?,
        source: CaseSource::parse(&source)
            .ok_or_else(|| Error::Corrupt(format!("unknown request source {source:?}")))?,
        filed_by: r.try_get("filed_by").map_err(g)?,
        legal_ground: r.try_get("legal_ground").map_err(g)?,
        category: r.try_get("category").map_err(g)?,
        urgency: Urgency::parse(&urgency)
            .ok_or_else(|| Error::Corrupt(format!("unknown urgency {urgency:?}")))?,
        reference: r.try_get("reference").map_err(g)?,
        received_at: r.try_get("received_at").map_err(g)?,
        deadline: r.try_get("deadline").map_err(g)?,
        items: Vec::new(),
    })
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

impl NewRequest {
    /// The first problem, naming the field (`accounts[2].platform`).
    fn check(&self, platforms: &[String]) -> Result<()> {
        if !matches!(self.source, CaseSource::Regulator | CaseSource::Police) {
            return Err(invalid("source", "must be regulator or police"));
        }
        for (field, v) in [
            ("legal_ground", &self.legal_ground),
            ("category", &self.category),
        ] {
            if v.trim().is_empty() {
                return Err(invalid(field, "must not be empty"));
            }
            if v.len() > 500 {
                return Err(invalid(field, "must be at most 500 bytes"));
            }
        }
        if self.reference.len() > 200 {
            return Err(invalid("reference", "must be at most 200 bytes"));
        }
        if self.accounts.is_empty() {
            return Err(invalid("accounts", "must name at least one account"));
        }
        if self.accounts.len() > MAX_REQUEST_ACCOUNTS {
            return Err(invalid(
                "accounts",
                format!("may name at most {MAX_REQUEST_ACCOUNTS} accounts per request"),
            ));
        }
        let mut seen = std::collections::HashMap::new();
        for (i, (platform, account)) in self.accounts.iter().enumerate() {
            if !platforms.contains(platform) {
                return Err(invalid(
                    format!("accounts[{i}].platform"),
                    format!("unknown platform {platform:?}"),
                ));
            }
            if account.trim().is_empty() || account.len() > 200 {
                return Err(invalid(
                    format!("accounts[{i}].account"),
                    "must be 1 to 200 bytes",
                ));
            }
            if let Some(j) = seen.insert((platform, account), i) {
                return Err(invalid(
                    format!("accounts[{i}]"),
                    format!("names the same account as accounts[{j}]"),
                ));
            }
        }
        Ok(())
    }
}

impl Store {
    /// Files an authority's request: for each named account, a report that joins the
    /// account's open case or opens one (with the request's deadline), and an item linking
    /// the two — one transaction with their audit entries. Returns the request with its items.
    pub async fn file_request(&self, r: &NewRequest, actor: &str, now: i64) -> Result<RequestRow> {
        let platforms: Vec<String> = self.platforms().await?.into_iter().map(|p| p.id).collect();
        r.check(&platforms)?;
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let mut audit = AuditTx::new();
        let row = sqlx::query("INSERT INTO requests (source, filed_by, legal_ground, category, urgency, reference, received_at, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(r.source.as_str())
            .bind(actor)
            .bind(r.legal_ground.trim())
            .bind(r.category.trim())
            .bind(r.urgency.as_str())
            .bind(r.reference.trim())
            .bind(now)
            .bind(r.deadline)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::db("store a request"))?;
        let id: i64 = row.try_get(0).map_err(Error::db("store a request"))?;
        let tenant = match r.source {
            CaseSource::Police => saring_core::auth::POLICE,
            _ => saring_core::auth::REGULATOR,
        };
        audit
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    tenant,
                    "request.filed",
                    format!("request:{id}"),
                    serde_json::json!({"source": r.source.as_str(), "urgency": r.urgency.as_str(), "items": r.accounts.len(), "deadline": r.deadline}),
                ),
            )
            .await?;
        for (platform, account) in &r.accounts {
            let report = NewReport {
                platform: platform.clone(),
                account: account.clone(),
                source: r.source,
                reason: format!(
                    "{} request {id} ({}, {}): {}",
                    r.source.as_str(),
                    r.urgency.as_str(),
                    r.category.trim(),
                    r.legal_ground.trim()
                ),
                deadline: r.deadline,
            };
            let out = file_report_in(&mut tx, &mut audit, &report, actor, now).await?;
            sqlx::query("INSERT INTO request_items (request_id, platform, account, case_id, report_id, received_at, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(platform)
                .bind(account)
                .bind(out.case_id.0)
                .bind(out.report_id.0)
                .bind(now)
                .bind(r.deadline)
                .execute(&mut *tx)
                .await
                .map_err(Error::db("store a request item"))?;
        }
        tx.commit().await.map_err(Error::db("commit a request"))?;
        self.request(id, None)
            .await?
            .ok_or_else(|| Error::NotFound(format!("request {id}")))
    }

    /// One request with its items (only `platform`'s when given; `None` when it has none).
    pub async fn request(&self, id: i64, platform: Option<&str>) -> Result<Option<RequestRow>> {
        let row = sqlx::query("SELECT * FROM requests WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(Error::db("read a request"))?;
        let Some(row) = row else { return Ok(None) };
        let mut req = request_from_row(&row)?;
        req.items = self.items_of(&[id], platform).await?;
        if platform.is_some() && req.items.is_empty() {
            return Ok(None);
        }
        Ok(Some(req))
    }

    async fn items_of(&self, ids: &[i64], platform: Option<&str>) -> Result<Vec<RequestItemRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        // The ids are integers formatted here, never text from a client.
        let sql = format!(
            "{ITEM_SELECT} WHERE i.request_id IN ({list}) AND ($1 IS NULL OR i.platform = $1) ORDER BY i.request_id DESC, i.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(platform)
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read request items"))?
            .iter()
            .map(item_from_row)
            .collect()
    }

    /// Requests newest first: an authority's own (`source`), or those naming accounts of
    /// `platform` (with only that platform's items), or every one (both `None`).
    pub async fn requests(
        &self,
        source: Option<CaseSource>,
        platform: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        let rows = sqlx::query(
            "SELECT * FROM requests q WHERE ($1 IS NULL OR q.source = $1)
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM request_items i WHERE i.request_id = q.id AND i.platform = $2))
             ORDER BY q.id DESC LIMIT $3",
        )
        .bind(source.map(CaseSource::as_str))
        .bind(platform)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await
        .map_err(Error::db("list requests"))?;
        let mut out = rows
            .iter()
            .map(request_from_row)
            .collect::<Result<Vec<_>>>()?;
        let ids: Vec<i64> = out.iter().map(|r| r.id).collect();
        let mut items = self.items_of(&ids, platform).await?;
        for r in &mut out {
            let (mine, rest): (Vec<_>, Vec<_>) =
                items.into_iter().partition(|i| i.request_id == r.id);
            r.items = mine;
            items = rest;
        }
        Ok(out)
    }

    /// The request items on case `id`, oldest first.
    pub async fn request_items_for_case(&self, id: CaseId) -> Result<Vec<RequestItemRow>> {
        let sql = format!("{ITEM_SELECT} WHERE i.case_id = $1 ORDER BY i.id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read request items"))?
            .iter()
            .map(item_from_row)
            .collect()
    }

    /// One request item.
    pub async fn request_item(&self, id: i64) -> Result<Option<RequestItemRow>> {
        let sql = format!("{ITEM_SELECT} WHERE i.id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(Error::db("read a request item"))?
            .as_ref()
            .map(item_from_row)
            .transpose()
    }

    /// A platform's moderator rejects a request item with a reason (its code and words): the
    /// rejection is the item's answer. Only an unanswered item can be rejected. When the case
    /// was opened by a regulator's request its deadline becomes the earliest of its other
    /// unanswered items' (none: no deadline). Recorded in the case's history and the audit
    /// log (ids and the code; the words stay with the item).
    pub async fn reject_request_item(
        &self,
        id: i64,
        code: RejectCode,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<RequestItemRow> {
        if reason.trim().is_empty() {
            return Err(invalid(
                "reason",
                "must say why the request is rejected (the regulator reads it)",
            ));
        }
        if reason.len() > 2000 {
            return Err(invalid("reason", "must be at most 2000 bytes"));
        }
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        let sql = format!("{ITEM_SELECT} WHERE i.id = $1");
        let item = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::db("read a request item"))?
            .as_ref()
            .map(item_from_row)
            .transpose()?
            .ok_or_else(|| Error::NotFound(format!("request item {id}")))?;
        if item.rejected_at.is_some() {
            return Err(Error::Conflict(format!(
                "request item {id} is already rejected"
            )));
        }
        if let Some((action, _)) = item.decision {
            return Err(Error::Conflict(format!(
                "request item {id} is already answered: its case {} was decided ({action})",
                item.case_id
            )));
        }
        sqlx::query("UPDATE request_items SET rejected_at = $1, rejected_by = $2, reject_code = $3, reject_reason = $4 WHERE id = $5")
            .bind(now)
            .bind(actor)
            .bind(code.as_str())
            .bind(reason.trim())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::db("reject a request item"))?;
        sqlx::query(
            "UPDATE cases SET deadline = (SELECT MIN(i.deadline) FROM request_items i WHERE i.case_id = $1 AND i.rejected_at IS NULL),
                              updated_at = $2
             WHERE id = $1 AND status = 'open' AND source = 'regulator'",
        )
        .bind(item.case_id.0)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(Error::db("update a case's deadline"))?;
        sqlx::query("INSERT INTO case_events (case_id, at, actor, kind, from_status, to_status, detail) VALUES ($1, $2, $3, 'request_item_rejected', NULL, NULL, $4)")
            .bind(item.case_id.0)
            .bind(now)
            .bind(actor)
            .bind(serde_json::json!({"request": item.request_id, "item": id, "code": code.as_str()}).to_string())
            .execute(&mut *tx)
            .await
            .map_err(Error::db("record a case event"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &item.platform,
                    "request.item_rejected",
                    format!("request:{}", item.request_id),
                    serde_json::json!({"item": id, "case": item.case_id.0, "code": code.as_str()}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        self.request_item(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("request item {id}")))
    }

    /// The items of `source`'s requests received in `[from, to)` (of one platform, or all),
    /// for the compliance report.
    pub async fn request_items_received(
        &self,
        source: CaseSource,
        platform: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<RequestItemRow>> {
        let sql = format!(
            "{ITEM_SELECT} JOIN requests q ON q.id = i.request_id
             WHERE q.source = $1 AND ($2 IS NULL OR i.platform = $2) AND i.received_at >= $3 AND i.received_at < $4
             ORDER BY i.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(source.as_str())
            .bind(platform)
            .bind(from)
            .bind(to)
            .fetch_all(&self.read)
            .await
            .map_err(Error::db("read request items"))?
            .iter()
            .map(item_from_row)
            .collect()
    }

    /// The protection cases (flagged minor_risk or third_party) opened in `[from, to)` (of
    /// one platform, or all), each with its platform and the facts the protection report
    /// counts — no account, no case id.
    pub async fn protection_facts(
        &self,
        platform: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, ProtectionFacts)>> {
        let g = Error::db("read protection cases");
        let rows = sqlx::query(
            "SELECT c.platform, c.minor_risk, c.third_party, c.opened_at,
                    CASE WHEN c.status = 'open' THEN 0 ELSE 1 END AS decided,
                    r.made, r.kind, r.recorded_at
             FROM cases c
             LEFT JOIN referrals r ON r.id = (SELECT MIN(id) FROM referrals WHERE case_id = c.id)
             WHERE (c.minor_risk = 1 OR c.third_party = 1) AND ($1 IS NULL OR c.platform = $1)
               AND c.opened_at >= $2 AND c.opened_at < $3
             ORDER BY c.platform",
        )
        .bind(platform)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                let made: Option<i64> = r.try_get("made").map_err(g)?;
                let kind: Option<String> = r.try_get("kind").map_err(g)?;
                let at: Option<i64> = r.try_get("recorded_at").map_err(g)?;
                Ok((
                    r.try_get("platform").map_err(g)?,
                    ProtectionFacts {
                        minor_risk: r.try_get::<i64, _>("minor_risk").map_err(g)? != 0,
                        third_party: r.try_get::<i64, _>("third_party").map_err(g)? != 0,
                        opened_at: r.try_get("opened_at").map_err(g)?,
                        decided: r.try_get::<i64, _>("decided").map_err(g)? != 0,
                        referral: made.zip(at).map(|(m, at)| {
                            (m != 0, kind.as_deref().and_then(ReferralKind::parse), at)
                        }),
                    },
                ))
            })
            .collect()
    }

    /// Whether an authority (`source`) has a request or report on case `id`.
    pub async fn authority_reported(&self, id: CaseId, source: CaseSource) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM reports WHERE case_id = $1 AND source = $2 LIMIT 1")
                .bind(id.0)
                .bind(source.as_str())
                .fetch_optional(&self.read)
                .await
                .map_err(Error::db("read reports"))?
                .is_some(),
        )
    }

    /// The evidence of case `id` as an authority may see it, and the audit entry that records
    /// the access (`evidence.accessed`: the case, the number of items; ids only). The entry is
    /// committed before the evidence is returned: no read goes unrecorded.
    pub async fn authority_evidence(
        &self,
        id: CaseId,
        actor: &str,
        now: i64,
    ) -> Result<Option<AuthorityEvidence>> {
        let Some(contents) = self.evidence_contents(id).await? else {
            return Ok(None);
        };
        let Some(case) = self.case(id).await? else {
            return Ok(None);
        };
        let statements = match contents.decisions.as_array() {
            Some(ds) => ds
                .iter()
                .filter_map(|d| d.get("statement").filter(|s| !s.is_null()))
                .map(|s| from_json::<StatementOfReasons>("decisions.statement", &s.to_string()))
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let mut tx = self.begin_write().await.map_err(Error::db("begin"))?;
        AuditTx::new()
            .append(
                &mut tx,
                record(
                    now,
                    actor,
                    &case.platform,
                    "evidence.accessed",
                    format!("case:{id}"),
                    serde_json::json!({"items": contents.items.len(), "statements": statements.len(), "via": "api"}),
                ),
            )
            .await?;
        tx.commit().await.map_err(Error::db("commit"))?;
        Ok(Some(AuthorityEvidence {
            case_id: id,
            platform: case.platform,
            account: case.account,
            status: case.status,
            items: contents.items,
            statements,
        }))
    }
}
