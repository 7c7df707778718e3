//! The authorities' workflows: a regulator's takedown request or a police report naming
//! several accounts (`POST /v1/requests`), its items' status for the authority and the named
//! platforms (`GET /v1/requests`), a platform's rejection of an item with a reason, the
//! compliance report per platform and period, the protection report, and an authority's
//! audited read of a case's evidence. Handlers authenticate, ask `auth::check`, call the
//! store and shape the answer; what an item's status means is `saring_core::request`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use saring_core::auth::{POLICE, Permission, Principal, REGULATOR, Role, check};
use saring_core::case::CaseSource;
use saring_core::ids::CaseId;
use saring_core::request::{Compliance, Protection, ReferralKind, RejectCode, Urgency};
use saring_core::time::{DAY_MS, HOUR_MS, rfc3339};
use saring_store::{NewRequest, RequestItemRow, RequestRow};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::api::{JsonBody, check_as};
use super::auth::Auth;
use super::error::{ApiError, ApiResult};

/// One protection service the console's referral panel lists (`[[protection.contacts]]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContactConfig {
    /// The service's name (an organisation, a hotline).
    pub name: String,
    /// `child_protection`, `anti_trafficking` or `other`.
    pub kind: ReferralKind,
    /// Its phone number, if it has one.
    #[serde(default)]
    pub phone: Option<String>,
    /// Its web address or reporting form, if it has one.
    #[serde(default)]
    pub url: Option<String>,
}

/// The protection route (`[protection]`): the services a protection case can be referred to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtectionConfig {
    /// The services shown on the referral panel of cases flagged minor_risk or third_party.
    /// Empty by default: each deployment lists the services it works with (see
    /// docs/configuration.md for the shape).
    pub contacts: Vec<ContactConfig>,
}

impl ProtectionConfig {
    /// Every problem with the settings.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (i, c) in self.contacts.iter().enumerate() {
            if c.name.trim().is_empty() {
                p.push(format!("protection.contacts[{i}].name must not be empty"));
            }
            if let Some(url) = &c.url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                p.push(format!(
                    "protection.contacts[{i}].url must start with https:// or http://, got {url:?}"
                ));
            }
            if let Some(phone) = &c.phone
                && (phone.trim().is_empty()
                    || !phone
                        .chars()
                        .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch)))
            {
                p.push(format!(
                    "protection.contacts[{i}].phone may hold only digits, spaces and + - ( ), got {phone:?}"
                ));
            }
        }
        p
    }
}

/// The source of an authority's requests: the regulator's or the police's.
fn authority_source(who: &Principal) -> Option<CaseSource> {
    match (who.role, who.tenant.as_str()) {
        (Role::Regulator, REGULATOR) => Some(CaseSource::Regulator),
        (Role::Police, POLICE) => Some(CaseSource::Police),
        _ => None,
    }
}

/// One named account of `POST /v1/requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRef {
    /// Platform id.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
}

/// Body of `POST /v1/requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// The accounts (at most 200), each with its platform.
    pub accounts: Vec<AccountRef>,
    /// The legal basis (regulation and article; a police report number).
    pub legal_ground: String,
    /// What the accounts are about (`prostitution`, `trafficking`, `child_exploitation`, …).
    pub category: String,
    /// `normal` (default) or `urgent` (regulator only).
    #[serde(default)]
    pub urgency: Urgency,
    /// The authority's own reference (a letter number).
    #[serde(default)]
    pub reference: String,
}

/// An item as the API shows it: the stored row and its state now.
fn item_json(i: &RequestItemRow, now: i64) -> Value {
    let s = i.state(now);
    json!({
        "id": i.id,
        "platform": i.platform,
        "account": i.account,
        "case_id": i.case_id,
        "case_status": i.case_status,
        "received_at": rfc3339(i.received_at),
        "deadline": i.deadline.map(rfc3339),
        "status": s.outcome,
        "overdue": s.outcome == saring_core::request::ItemOutcome::Overdue,
        "answered_at": s.answered_at.map(rfc3339),
        "in_time": s.in_time,
        "action": s.action,
        "reject_code": s.reject_code,
        "reject_reason": i.reject_reason,
    })
}

fn request_json(r: &RequestRow, now: i64) -> Value {
    let items: Vec<Value> = r.items.iter().map(|i| item_json(i, now)).collect();
    let overdue = items.iter().filter(|i| i["overdue"] == true).count();
    json!({
        "id": r.id,
        "source": r.source,
        "legal_ground": r.legal_ground,
        "category": r.category,
        "urgency": r.urgency,
        "reference": r.reference,
        "received_at": rfc3339(r.received_at),
        "deadline": r.deadline.map(rfc3339),
        "overdue_items": overdue,
        "items": items,
    })
}

/// `POST /v1/requests`: the regulator files a takedown request (deadline from receipt: 24 h,
/// 4 h when urgent; `[cases]`), the police a report (no deadline), naming several accounts.
#[utoipa::path(post, path = "/v1/requests", tag = "requests",
    request_body(content = String, description = "{accounts: [{platform, account}], legal_ground, category, urgency?: normal|urgent, reference?}", content_type = "application/json"),
    responses((status = 201, description = "The request with one item per account, each with the case it joined or opened"),
              (status = 422, description = "A field is missing or wrong; the field is named (accounts[2].platform)")))]
pub async fn file_request(
    State(state): State<AppState>,
    Auth(who): Auth,
    JsonBody(b): JsonBody<RequestBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    check(&who, Permission::FileRequest)?;
    let source = authority_source(&who)
        .ok_or_else(|| ApiError::Forbidden("this needs the regulator or police role".into()))?;
    let now = state.clock.now();
    let cfg = &state.config.cases;
    let deadline = match (source, b.urgency) {
        (CaseSource::Regulator, Urgency::Urgent) => Some(now + cfg.urgent_deadline_hours * HOUR_MS),
        (CaseSource::Regulator, Urgency::Normal) => {
            Some(now + cfg.regulator_deadline_hours * HOUR_MS)
        }
        (_, Urgency::Urgent) => {
            return Err(ApiError::invalid(
                "urgency",
                "only the regulator's requests carry a deadline",
            ));
        }
        _ => None,
    };
    let req = state
        .store
        .file_request(
            &NewRequest {
                source,
                legal_ground: b.legal_ground,
                category: b.category,
                urgency: b.urgency,
                reference: b.reference,
                accounts: b
                    .accounts
                    .into_iter()
                    .map(|a| (a.platform, a.account))
                    .collect(),
                deadline,
            },
            &who.actor(),
            now,
        )
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({"request": request_json(&req, now)})),
    ))
}

/// Query of `GET /v1/requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestsQuery {
    /// A platform (the operator's admins; a platform's people see only theirs).
    pub platform: Option<String>,
    /// At most this many requests (default 100).
    pub limit: Option<i64>,
}

/// Whose requests the caller sees: an authority's own (by source), or those naming accounts
/// of a platform (with only that platform's items), or every one (the operator's admins).
fn request_scope(
    who: &Principal,
    asked: Option<String>,
) -> ApiResult<(Option<CaseSource>, Option<String>)> {
    if let Some(source) = authority_source(who) {
        check(who, Permission::ReadRequests(&who.tenant))?;
        return Ok((Some(source), None));
    }
    let platform = match asked {
        Some(p) => p,
        None if who.is_system_admin() => return Ok((None, None)),
        None => who.tenant.clone(),
    };
    check_as(
        who,
        Permission::ReadRequests(&platform),
        format_args!("platform {platform}"),
    )?;
    Ok((None, Some(platform)))
}

/// `GET /v1/requests`: the regulator's (or the police's) own requests, or the requests that
/// name the caller's platform's accounts, newest first, each item with its status: pending,
/// overdue, acted_on (action, when, in time or not), rejected (code, reason).
#[utoipa::path(get, path = "/v1/requests", tag = "requests", params(("platform" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Requests with their items' status")))]
pub async fn requests(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<RequestsQuery>,
) -> ApiResult<Json<Value>> {
    let (source, platform) = request_scope(&who, q.platform)?;
    let now = state.clock.now();
    let list = state
        .store
        .requests(source, platform.as_deref(), q.limit.unwrap_or(100))
        .await?;
    Ok(Json(
        json!({"requests": list.iter().map(|r| request_json(r, now)).collect::<Vec<_>>()}),
    ))
}

/// Loads request `id` as the caller may see it (404 otherwise).
async fn visible_request(state: &AppState, who: &Principal, id: i64) -> ApiResult<RequestRow> {
    let missing = || ApiError::NotFound(format!("request {id} not found"));
    let (source, platform) = match authority_source(who) {
        Some(s) => (Some(s), None),
        None if who.is_system_admin() => (None, None),
        None => {
            check_as(
                who,
                Permission::ReadRequests(&who.tenant),
                format_args!("request {id}"),
            )?;
            (None, Some(who.tenant.clone()))
        }
    };
    if source.is_some() {
        check(who, Permission::ReadRequests(&who.tenant))?;
    }
    let req = state
        .store
        .request(id, platform.as_deref())
        .await?
        .ok_or_else(missing)?;
    if source.is_some_and(|s| s != req.source) {
        return Err(missing());
    }
    Ok(req)
}

/// `GET /v1/requests/{id}`.
#[utoipa::path(get, path = "/v1/requests/{id}", tag = "requests", params(("id" = i64, Path)),
    responses((status = 200, description = "The request with its items' status (a platform's people: their platform's items)"), (status = 404, description = "Unknown, or another tenant's")))]
pub async fn request(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let req = visible_request(&state, &who, id).await?;
    Ok(Json(
        json!({"request": request_json(&req, state.clock.now())}),
    ))
}

/// Body of `POST /v1/requests/{id}/items/{item}/reject`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// `account_not_found`, `no_violation`, `insufficient_ground`, `already_actioned` or
    /// `other`.
    pub code: RejectCode,
    /// Why, in words the authority reads.
    pub reason: String,
}

/// `POST /v1/requests/{id}/items/{item}/reject`: the platform's moderator rejects one named
/// account with a reason; recorded, audited, and shown to the authority.
#[utoipa::path(post, path = "/v1/requests/{id}/items/{item}/reject", tag = "requests", params(("id" = i64, Path), ("item" = i64, Path)),
    request_body(content = String, description = "{code, reason}", content_type = "application/json"),
    responses((status = 200, description = "The item, rejected"), (status = 409, description = "Already answered"), (status = 404, description = "Unknown, or another tenant's")))]
pub async fn reject_item(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path((id, item)): Path<(i64, i64)>,
    JsonBody(b): JsonBody<RejectBody>,
) -> ApiResult<Json<Value>> {
    let row = state
        .store
        .request_item(item)
        .await?
        .filter(|i| i.request_id == id)
        .ok_or_else(|| ApiError::NotFound(format!("request item {id}/{item} not found")))?;
    check_as(
        &who,
        Permission::WorkCases(&row.platform),
        format_args!("request item {id}/{item}"),
    )?;
    let now = state.clock.now();
    let row = state
        .store
        .reject_request_item(item, b.code, &b.reason, &who.actor(), now)
        .await?;
    Ok(Json(json!({"item": item_json(&row, now)})))
}

/// Query of the reports: a platform and a period of UTC days.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// One platform (default: every platform the caller may read; a platform's admin: its
    /// own).
    pub platform: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC; default 30 days before `to`).
    pub from: Option<String>,
    /// Last day, inclusive, `YYYY-MM-DD` (UTC; default today).
    pub to: Option<String>,
}

/// `[from, to)` in milliseconds from a period of UTC days (`to` inclusive; default today, and
/// `from` 30 days before it), read like every report's period ([`crate::report::Period`]).
pub fn period(from: Option<&str>, to: Option<&str>, now: i64) -> ApiResult<(i64, i64)> {
    use crate::report::{Period, date_of};
    let bad = |e: crate::report::BadField| ApiError::invalid(e.field, e.reason);
    let to = to.map_or_else(|| date_of(now).to_string(), str::to_owned);
    let from = match from {
        Some(f) => f.to_owned(),
        None => date_of(Period::parse(&to, &to).map_err(bad)?.to_ms - 30 * DAY_MS).to_string(),
    };
    let p = Period::parse(&from, &to).map_err(bad)?;
    Ok((p.from_ms, p.to_ms))
}

/// The platforms a report covers: the one asked for, else every one the caller may read with
/// `perm` (a platform's admin: its own).
async fn report_platforms(
    state: &AppState,
    who: &Principal,
    asked: Option<String>,
    perm: fn(&str) -> Permission<'_>,
) -> ApiResult<Vec<String>> {
    if let Some(p) = asked {
        check_as(who, perm(&p), format_args!("platform {p}"))?;
        if state.store.platform(&p).await?.is_none() {
            return Err(ApiError::NotFound(format!("platform {p} not found")));
        }
        return Ok(vec![p]);
    }
    let all: Vec<String> = state
        .store
        .platforms()
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mine: Vec<String> = all
        .into_iter()
        .filter(|p| check(who, perm(p)).is_ok())
        .collect();
    if mine.is_empty() {
        // Answer as the policy does for the caller's own tenant (403 with what is needed).
        check(who, perm(&who.tenant))?;
    }
    Ok(mine)
}

/// The compliance report's figures, per platform and in total.
pub async fn compliance_figures(
    state: &AppState,
    platforms: &[String],
    from: i64,
    to: i64,
) -> ApiResult<(BTreeMap<String, Compliance>, Compliance)> {
    let one = (platforms.len() == 1).then(|| platforms[0].as_str());
    let items = state
        .store
        .request_items_received(CaseSource::Regulator, one, from, to)
        .await?;
    let now = state.clock.now();
    let mut per: BTreeMap<String, Compliance> = platforms
        .iter()
        .map(|p| (p.clone(), Compliance::default()))
        .collect();
    let mut total = Compliance::default();
    for i in &items {
        let Some(c) = per.get_mut(&i.platform) else {
            continue;
        };
        let (f, s) = (i.facts(), i.state(now));
        c.add(&f, &s);
        total.add(&f, &s);
    }
    Ok((per, total))
}

/// `GET /v1/reports/compliance`: per platform and period, the regulator's takedown request
/// items received, acted on in time, late, rejected with reason (by code), still pending and
/// overdue — the regulator sees every platform, a platform's admin its own.
#[utoipa::path(get, path = "/v1/reports/compliance", tag = "reports",
    params(("platform" = Option<String>, Query), ("from" = Option<String>, Query, description = "YYYY-MM-DD"), ("to" = Option<String>, Query, description = "YYYY-MM-DD, inclusive")),
    responses((status = 200, description = "{from, to, generated_at, platforms: {id: figures}, total}")))]
pub async fn compliance(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    let now = state.clock.now();
    let (from, to) = period(q.from.as_deref(), q.to.as_deref(), now)?;
    let platforms =
        report_platforms(&state, &who, q.platform, |p| Permission::ReadCompliance(p)).await?;
    let (per, total) = compliance_figures(&state, &platforms, from, to).await?;
    Ok(Json(json!({
        "from": rfc3339(from),
        "to": rfc3339(to),
        "generated_at": rfc3339(now),
        "platforms": per,
        "total": total,
    })))
}

/// The protection report's figures, per platform and in total.
pub async fn protection_figures(
    state: &AppState,
    platforms: &[String],
    from: i64,
    to: i64,
) -> ApiResult<(BTreeMap<String, Protection>, Protection)> {
    let one = (platforms.len() == 1).then(|| platforms[0].as_str());
    let facts = state.store.protection_facts(one, from, to).await?;
    let mut per: BTreeMap<String, Protection> = platforms
        .iter()
        .map(|p| (p.clone(), Protection::default()))
        .collect();
    let mut total = Protection::default();
    for (p, f) in &facts {
        let Some(c) = per.get_mut(p) else { continue };
        c.add(f);
        total.add(f);
    }
    Ok((per, total))
}

/// `GET /v1/reports/protection`: per platform and period, the protection cases (minor-risk or
/// trafficking signs), decided, referrals made by the service's kind, no referral, and the
/// median time to referral — counts only, never a case or an account.
#[utoipa::path(get, path = "/v1/reports/protection", tag = "reports",
    params(("platform" = Option<String>, Query), ("from" = Option<String>, Query, description = "YYYY-MM-DD"), ("to" = Option<String>, Query, description = "YYYY-MM-DD, inclusive")),
    responses((status = 200, description = "{from, to, generated_at, platforms: {id: figures}, total}")))]
pub async fn protection(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    let now = state.clock.now();
    let (from, to) = period(q.from.as_deref(), q.to.as_deref(), now)?;
    let platforms = report_platforms(&state, &who, q.platform, |p| {
        Permission::ReadProtectionReport(p)
    })
    .await?;
    let (per, total) = protection_figures(&state, &platforms, from, to).await?;
    Ok(Json(json!({
        "from": rfc3339(from),
        "to": rfc3339(to),
        "generated_at": rfc3339(now),
        "platforms": per,
        "total": total,
    })))
}

/// `GET /v1/cases/{id}/evidence`: the case's items as received (SHA-256, signals) and its
/// statements of reasons — never internal notes. An authority gets it only for a case its own
/// request or report is on. Every read is written to the audit log (`evidence.accessed`, ids
/// and counts) before the answer leaves.
#[utoipa::path(get, path = "/v1/cases/{id}/evidence", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "Items and statements of reasons"), (status = 403, description = "An authority without a request or report on the case"), (status = 404, description = "Unknown, or another tenant's")))]
pub async fn evidence(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let case = state
        .store
        .case(CaseId(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("case {id} not found")))?;
    check_as(
        &who,
        Permission::ReadEvidence(&case.platform),
        format_args!("case {id}"),
    )?;
    if let Some(source) = authority_source(&who)
        && !state.store.authority_reported(case.id, source).await?
    {
        return Err(ApiError::Forbidden(format!(
            "the evidence of case {id} is shared with the {} only for its own requests or reports, and there is none on this case",
            who.tenant
        )));
    }
    let ev = state
        .store
        .authority_evidence(case.id, &who.actor(), state.clock.now())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("case {id} not found")))?;
    Ok(Json(json!(ev)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_whole_utc_days() {
        let (from, to) = period(Some("2026-11-01"), Some("2026-11-30"), 0).expect("period");
        assert_eq!(rfc3339(from), "2026-11-01T00:00:00Z");
        assert_eq!(rfc3339(to), "2026-12-01T00:00:00Z");
        assert!(period(Some("2026-12-01"), Some("2026-11-30"), 0).is_err());
        assert!(period(Some("1 Nov"), None, 0).is_err());
    }

    #[test]
    fn contacts_are_checked() {
        let c = ProtectionConfig {
            contacts: vec![ContactConfig {
                name: " ".into(),
                kind: ReferralKind::ChildProtection,
                phone: Some("call me".into()),
                url: Some("ftp://x".into()),
            }],
        };
        let p = c.problems().join("\n");
        assert!(
            p.contains("name") && p.contains("phone") && p.contains("url"),
            "{p}"
        );
    }
}
