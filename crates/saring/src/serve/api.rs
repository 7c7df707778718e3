//! The JSON API's handlers (except ingest, in `ingest.rs`). Each one authenticates, asks the
//! authorisation policy (`saring_core::auth::check`), calls the store and maps the result —
//! no SQL here. A resource of another tenant answers 404, as if it did not exist.

use axum::Json;
use axum::extract::{Path, Query, State};
use saring_core::auth::{Denied, POLICE, Permission, REGULATOR, Role, check};
use saring_core::case::{CaseSource, CaseStatus};
use saring_core::decision::{Action, Ground, OrderStatus};
use saring_core::ids::{AppealId, CaseId};
use saring_core::time::HOUR_MS;
use saring_store::{
    AppealDecision, CaseFilter, DecisionInput, NewAppeal, NewReport, PlatformUpdate,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::{Auth, new_token, token_hash};
use super::error::{ApiError, ApiResult};

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            ApiError::invalid(
                if path == "." { String::new() } else { path },
                inner.to_string(),
            )
        } else {
            ApiError::BadRequest(format!("the body is not valid JSON: {inner}"))
        }
    })
}

/// A JSON body parsed with field paths in its errors (`note: invalid type: integer`).
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), 1024 * 1024)
            .await
            .map_err(|_| ApiError::TooLarge("the body is over the limit of 1 MiB".into()))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// What the caller wants to do with a case.
#[derive(Debug, Clone, Copy)]
pub(super) enum Need {
    Read,
    Work,
    Appeal,
    LegalHold,
}

/// Loads a case the caller may read in full, else 404.
pub(super) async fn readable_case(
    state: &AppState,
    who: &saring_core::auth::Principal,
    id: i64,
    need: Need,
) -> ApiResult<saring_store::CaseRow> {
    let case = state
        .store
        .case(CaseId(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("case {id} not found")))?;
    let perm = match need {
        Need::Read => Permission::ReadCases(&case.platform),
        Need::Work => Permission::WorkCases(&case.platform),
        Need::Appeal => Permission::FileAppeal(&case.platform),
        Need::LegalHold => Permission::LegalHold(&case.platform),
    };
    check_as(who, perm, format_args!("case {id}"))?;
    Ok(case)
}

/// The platform whose cases a listing shows: the one asked for, else the caller's own (the
/// operator's admins must name one); another tenant's answers 404.
pub(super) fn readable_platform(
    who: &saring_core::auth::Principal,
    asked: Option<String>,
) -> ApiResult<String> {
    let platform = match asked {
        Some(p) => p,
        None if !who.is_system_admin() => who.tenant.clone(),
        None => {
            return Err(ApiError::invalid(
                "platform",
                "required for the operator's admins",
            ));
        }
    };
    check_as(
        who,
        Permission::ReadCases(&platform),
        format_args!("platform {platform}"),
    )?;
    Ok(platform)
}

/// Asks the authorisation policy; another tenant's `what` answers 404 "`what` not found", as if
/// it did not exist.
pub(super) fn check_as(
    who: &saring_core::auth::Principal,
    perm: Permission<'_>,
    what: std::fmt::Arguments<'_>,
) -> ApiResult<()> {
    check(who, perm).map_err(|d| match d {
        Denied::NotFound => ApiError::NotFound(format!("{what} not found")),
        d => d.into(),
    })
}

/// `GET /healthz`: the store answers; and what the linker does (`off`, `standby` — another
/// process links — or `leader` with the committed events it has not linked yet).
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The service and its store answer; linker role and events waiting to be linked")))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.store.ping().await?;
    let linker = match state.networks.role() {
        super::LinkerRole::Off => json!({"role": "off"}),
        super::LinkerRole::Standby => json!({"role": "standby"}),
        super::LinkerRole::Leader(cursor) => {
            json!({"role": "leader", "pending_events": state.store.events_after(cursor).await?})
        }
    };
    Ok(Json(json!({"status": "ok", "linker": linker})))
}

/// `GET /metrics` (Prometheus text format).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus metrics")))]
pub async fn metrics(State(state): State<AppState>) -> String {
    state.metrics.render()
}

/// `GET /v1/accounts/{platform}/{account}`.
#[utoipa::path(get, path = "/v1/accounts/{platform}/{account}", tag = "accounts",
    params(("platform" = String, Path), ("account" = String, Path)),
    responses((status = 200, description = "Score (noisy-or of the top 3 decayed item scores), flags, status, recent content and cases"), (status = 404, description = "Unknown, or another tenant's")))]
pub async fn account(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path((platform, account)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    check_as(
        &who,
        Permission::ReadAccount(&platform),
        format_args!("account {platform}/{account}"),
    )?;
    let (acc, events, cases) = state
        .store
        .account(&platform, &account)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("account {platform}/{account} not found")))?;
    Ok(Json(
        json!({"account": acc, "events": events, "cases": cases}),
    ))
}

/// Body of `POST /v1/reports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// Why.
    pub reason: String,
    /// Urgent regulator request (decide within the urgent deadline).
    #[serde(default)]
    pub urgent: bool,
}

/// `POST /v1/reports`: a platform user's report (via the platform), a regulator's takedown
/// request (with a deadline) or a police report.
#[utoipa::path(post, path = "/v1/reports", tag = "cases", request_body(content = String, description = "{platform, account, reason, urgent?}", content_type = "application/json"),
    responses((status = 201, description = "The report and the open case it joined or opened")))]
pub async fn file_report(
    State(state): State<AppState>,
    Auth(who): Auth,
    JsonBody(b): JsonBody<ReportBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    check(&who, Permission::FileReport(&b.platform))?;
    if b.account.trim().is_empty() {
        return Err(ApiError::invalid("account", "must not be empty"));
    }
    let now = state.clock.now();
    let cfg = &state.config.cases;
    let (source, deadline) = match who.role {
        Role::Regulator if who.tenant == REGULATOR => {
            let hours = if b.urgent {
                cfg.urgent_deadline_hours
            } else {
                cfg.regulator_deadline_hours
            };
            (CaseSource::Regulator, Some(now + hours * HOUR_MS))
        }
        Role::Police if who.tenant == POLICE => (CaseSource::Police, None),
        _ => (CaseSource::UserReport, None),
    };
    if b.urgent && source != CaseSource::Regulator {
        return Err(ApiError::invalid(
            "urgent",
            "only the regulator's requests carry a deadline",
        ));
    }
    let out = state
        .store
        .file_report(
            &NewReport {
                platform: b.platform,
                account: b.account,
                source,
                reason: b.reason,
                deadline,
            },
            &who.actor(),
            now,
        )
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(json!(out))))
}

/// Query of `GET /v1/cases`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesQuery {
    /// Platform (required for the operator's admins; a platform's people see only theirs).
    pub platform: Option<String>,
    /// `open` (default), `actioned`, `dismissed`, `appealed`, `upheld`, `reversed`.
    pub status: Option<String>,
    /// `minor_risk` or `third_party`.
    pub flag: Option<String>,
    /// A location label.
    pub location: Option<String>,
    /// At most this many (default 50).
    pub limit: Option<i64>,
}

/// `GET /v1/cases`: the review queue in priority order.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(("platform" = Option<String>, Query), ("status" = Option<String>, Query), ("flag" = Option<String>, Query), ("location" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Cases: minor risk first, then trafficking signs, deadline, score; each with `overdue` (open past its deadline)")))]
pub async fn queue(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<CasesQuery>,
) -> ApiResult<Json<Value>> {
    let platform = readable_platform(&who, q.platform)?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            CaseStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", format!("unknown status {s:?}")))
        })
        .transpose()?;
    let cases = state
        .store
        .queue(&CaseFilter {
            platform: Some(platform),
            status,
            flag: q.flag,
            location: q.location,
            limit: q.limit,
        })
        .await?;
    // `overdue`: open past its deadline (an authority's request, ban evasion).
    let now = state.clock.now();
    let cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            let mut v = json!(c);
            v["overdue"] =
                json!(c.status == CaseStatus::Open && c.deadline.is_some_and(|d| d < now));
            v
        })
        .collect();
    Ok(Json(json!({"cases": cases})))
}

/// `GET /v1/cases/{id}`: everything for the platform's people; only the status for the
/// authorities.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "The case"), (status = 404, description = "Unknown, or another tenant's")))]
pub async fn case(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    if matches!(who.role, Role::Regulator | Role::Police) {
        let view = state
            .store
            .case_status(CaseId(id))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("case {id} not found")))?;
        check(&who, Permission::ReadCaseStatus(&view.platform))?;
        return Ok(Json(json!({"case": view})));
    }
    let case = readable_case(&state, &who, id, Need::Read).await?;
    let detail = state
        .store
        .case_detail(case.id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("case {id} not found")))?;
    Ok(Json(json!(detail)))
}

/// `POST /v1/cases/{id}/claim`.
#[utoipa::path(post, path = "/v1/cases/{id}/claim", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "Claimed until claim_expires"), (status = 409, description = "Claimed by someone else")))]
pub async fn claim(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let case = readable_case(&state, &who, id, Need::Work).await?;
    let lease = state.config.cases.claim_lease_secs * 1000;
    Ok(Json(
        json!({"case": state.store.claim(case.id, &who, lease, state.clock.now()).await?}),
    ))
}

/// `POST /v1/cases/{id}/release`.
#[utoipa::path(post, path = "/v1/cases/{id}/release", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "Released")))]
pub async fn release(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let case = readable_case(&state, &who, id, Need::Work).await?;
    Ok(Json(
        json!({"case": state.store.release(case.id, &who, state.clock.now()).await?}),
    ))
}

/// Body of `POST /v1/cases/{id}/decision`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `freeze`, `restrict`, `warn` or `no_violation`.
    pub action: Action,
    /// The policy ground (`none` for `no_violation`).
    pub ground: Ground,
    /// Why, in a few words (internal).
    pub note: String,
    /// Whether the case was referred to a protection service; required on a case flagged
    /// minor_risk or third_party.
    pub referral_made: Option<bool>,
    /// The service referred to (required when `referral_made`).
    pub referral_to: Option<String>,
    /// `child_protection`, `anti_trafficking` or `other` (default: from the case's flags).
    pub referral_kind: Option<saring_core::request::ReferralKind>,
    /// A note on the referral (required when no referral was made: why not).
    pub referral_note: Option<String>,
}

impl DecisionBody {
    /// The referral, when `referral_made` says whether one was made.
    fn referral(&self) -> ApiResult<Option<saring_store::ReferralInput>> {
        match self.referral_made {
            Some(made) => Ok(Some(saring_store::ReferralInput {
                made,
                kind: self.referral_kind,
                to: self.referral_to.clone().unwrap_or_default(),
                note: self.referral_note.clone().unwrap_or_default(),
            })),
            None if self.referral_to.is_some()
                || self.referral_kind.is_some()
                || self.referral_note.is_some() =>
            {
                Err(ApiError::invalid(
                    "referral_made",
                    "say whether a referral was made (true or false) when giving its details",
                ))
            }
            None => Ok(None),
        }
    }
}

/// `POST /v1/cases/{id}/decision`.
#[utoipa::path(post, path = "/v1/cases/{id}/decision", tag = "cases", params(("id" = i64, Path)), request_body(content = String, description = "{action, ground, note, referral_made?, referral_to?, referral_kind?, referral_note?} — referral_made is required on a case flagged minor_risk or third_party", content_type = "application/json"),
    responses((status = 200, description = "The decision, the case's new status and the order written to the outbox"), (status = 409, description = "Not open, or claimed by someone else"),
              (status = 422, description = "A field is wrong or missing (referral_made on a protection case)")))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<DecisionBody>,
) -> ApiResult<Json<Value>> {
    let case = readable_case(&state, &who, id, Need::Work).await?;
    let referral = b.referral()?;
    let out = state
        .store
        .decide(
            case.id,
            &DecisionInput {
                action: b.action,
                ground: b.ground,
                note: b.note,
                referral,
            },
            &who,
            state.clock.now(),
        )
        .await?;
    metrics::counter!("saring_decisions_total", "action" => b.action.as_str()).increment(1);
    if out.order_id.is_some() {
        state.notify.notify_one();
    }
    Ok(Json(json!(out)))
}

/// Body of `POST /v1/appeals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// The case whose decision is appealed.
    pub case_id: i64,
    /// The account holder's reasons.
    pub reason: String,
}

/// `POST /v1/appeals` (the platform, for the account holder).
#[utoipa::path(post, path = "/v1/appeals", tag = "appeals", request_body(content = String, description = "{case_id, reason}", content_type = "application/json"), responses((status = 201, description = "The appeal")))]
pub async fn file_appeal(
    State(state): State<AppState>,
    Auth(who): Auth,
    JsonBody(b): JsonBody<AppealBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    let case = readable_case(&state, &who, b.case_id, Need::Appeal).await?;
    let appeal = state
        .store
        .file_appeal(
            &NewAppeal {
                case_id: case.id,
                reason: b.reason,
            },
            &who.actor(),
            state.clock.now(),
        )
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({"appeal": appeal})),
    ))
}

/// Query of `GET /v1/appeals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealsQuery {
    /// `pending` (default), `upheld` or `reversed`.
    pub status: Option<String>,
}

/// `GET /v1/appeals`: the appeals queue of the caller's platform.
#[utoipa::path(get, path = "/v1/appeals", tag = "appeals", params(("status" = Option<String>, Query)), responses((status = 200, description = "Appeals, oldest first")))]
pub async fn appeals(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<AppealsQuery>,
) -> ApiResult<Json<Value>> {
    check(&who, Permission::ReadCases(&who.tenant))?;
    let platform = (!who.is_system_admin()).then_some(who.tenant.as_str());
    let status = q.status.unwrap_or_else(|| "pending".into());
    if !matches!(status.as_str(), "pending" | "upheld" | "reversed") {
        return Err(ApiError::invalid(
            "status",
            format!("unknown status {status:?}; expected pending, upheld or reversed"),
        ));
    }
    Ok(Json(
        json!({"appeals": state.store.appeals(platform, Some(&status), 200).await?}),
    ))
}

/// Body of `POST /v1/appeals/{id}/decision`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionBody {
    /// `uphold` or `reverse`.
    pub decision: AppealDecision,
    /// Why.
    pub note: String,
}

/// `POST /v1/appeals/{id}/decision`: by a different moderator from the one who decided.
#[utoipa::path(post, path = "/v1/appeals/{id}/decision", tag = "appeals", params(("id" = i64, Path)), request_body(content = String, description = "{decision: uphold|reverse, note}", content_type = "application/json"),
    responses((status = 200, description = "The appeal and, on reversal, the undoing order"), (status = 409, description = "Same moderator, or already decided")))]
pub async fn decide_appeal(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AppealDecisionBody>,
) -> ApiResult<Json<Value>> {
    let appeal = state
        .store
        .appeal(AppealId(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("appeal {id} not found")))?;
    check_as(
        &who,
        Permission::WorkCases(&appeal.platform),
        format_args!("appeal {id}"),
    )?;
    let (appeal, order_id) = state
        .store
        .decide_appeal(appeal.id, b.decision, &b.note, &who, state.clock.now())
        .await?;
    if order_id.is_some() {
        state.notify.notify_one();
    }
    Ok(Json(json!({"appeal": appeal, "order_id": order_id})))
}

/// Query of `GET /v1/orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersQuery {
    /// `pending`, `delivered`, `failing` or `given_up`.
    pub status: Option<String>,
    /// Platform (for the operator's admins).
    pub platform: Option<String>,
}

/// `GET /v1/orders`: enforcement orders and their delivery status.
#[utoipa::path(get, path = "/v1/orders", tag = "orders", params(("status" = Option<String>, Query), ("platform" = Option<String>, Query)), responses((status = 200, description = "Orders, newest first")))]
pub async fn orders(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<OrdersQuery>,
) -> ApiResult<Json<Value>> {
    let platform = q.platform.unwrap_or_else(|| who.tenant.clone());
    check(&who, Permission::ReadOrders(&platform))?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            OrderStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", format!("unknown status {s:?}")))
        })
        .transpose()?;
    Ok(Json(
        json!({"orders": state.store.orders(Some(&platform), status, 200).await?}),
    ))
}

/// `GET /v1/orders/{id}`: one order with the body that is sent.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", params(("id" = String, Path)), responses((status = 200, description = "The order and its body")))]
pub async fn order(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (row, body) = state
        .store
        .order(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("order {id} not found")))?;
    check_as(
        &who,
        Permission::ReadOrders(&row.platform),
        format_args!("order {id}"),
    )?;
    Ok(Json(json!({"order": row, "body": body})))
}

/// Query of `GET /v1/audit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this sequence number.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// `GET /v1/audit`: the audit log (a platform's auditors see their tenant's entries).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(("after" = Option<i64>, Query), ("limit" = Option<i64>, Query)), responses((status = 200, description = "Entries with their hashes")))]
pub async fn audit(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    check(&who, Permission::ReadAudit)?;
    let tenant =
        (!matches!(who.tenant.as_str(), "system" | "regulator")).then_some(who.tenant.as_str());
    let entries = state
        .store
        .audit_entries(
            q.after.unwrap_or(0),
            q.limit.unwrap_or(100).clamp(1, 1000),
            tenant,
        )
        .await?;
    Ok(Json(json!({"entries": entries})))
}

/// `GET /v1/audit/verify`: walks the whole chain.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", responses((status = 200, description = "{valid, entries, head} or {valid: false, seq, reason}")))]
pub async fn audit_verify(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> ApiResult<Json<Value>> {
    check(&who, Permission::ReadAudit)?;
    Ok(Json(match state.store.verify_audit().await? {
        Ok((n, head)) => json!({"valid": true, "entries": n, "head": head}),
        Err(b) => json!({"valid": false, "seq": b.seq, "reason": b.reason}),
    }))
}

/// Body of `POST /v1/platforms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformBody {
    /// Id (`a-z0-9-_`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Case threshold (default from the configuration).
    pub case_threshold: Option<f64>,
}

/// `POST /v1/platforms` (the operator's admins).
#[utoipa::path(post, path = "/v1/platforms", tag = "admin", request_body(content = String, description = "{id, name, case_threshold?}", content_type = "application/json"), responses((status = 201, description = "Created")))]
pub async fn create_platform(
    State(state): State<AppState>,
    Auth(who): Auth,
    JsonBody(b): JsonBody<PlatformBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    check(&who, Permission::CreatePlatform)?;
    let t = b
        .case_threshold
        .unwrap_or(state.config.cases.default_threshold);
    let p = state
        .store
        .create_platform(&b.id, &b.name, t, &who.actor(), state.clock.now())
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({"platform": p})),
    ))
}

/// Body of `PATCH /v1/platforms/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformPatch {
    /// New display name.
    pub name: Option<String>,
    /// New webhook URL (`null` disconnects).
    #[serde(default, with = "double_option")]
    pub webhook_url: Option<Option<String>>,
    /// Make a new signing secret and sign with it too (it is returned once).
    #[serde(default)]
    pub rotate_secret: bool,
    /// Keep only the newest secret (ends a rotation).
    #[serde(default)]
    pub retire_old_secrets: bool,
    /// New case threshold.
    pub case_threshold: Option<f64>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// `PATCH /v1/platforms/{id}`: webhook URL, secret rotation, threshold.
#[utoipa::path(patch, path = "/v1/platforms/{id}", tag = "admin", params(("id" = String, Path)), request_body(content = String, description = "{name?, webhook_url?, rotate_secret?, retire_old_secrets?, case_threshold?}", content_type = "application/json"),
    responses((status = 200, description = "The platform, and the new secret once when rotated")))]
pub async fn update_platform(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PlatformPatch>,
) -> ApiResult<Json<Value>> {
    check_as(
        &who,
        Permission::ManagePlatform(&id),
        format_args!("platform {id}"),
    )?;
    if let Some(Some(url)) = &b.webhook_url {
        crate::webhook::target::check_target(url, state.config.webhook.allow_private_targets)
            .await
            .map_err(|e| ApiError::invalid("webhook_url", e.to_string()))?;
    }
    let new_secret = b.rotate_secret.then(crate::webhook::sign::generate_secret);
    let update = PlatformUpdate {
        name: b.name,
        webhook_url: b.webhook_url,
        add_secret: new_secret.clone(),
        keep_secrets: b.retire_old_secrets.then_some(1),
        case_threshold: b.case_threshold,
    };
    let p = state
        .store
        .update_platform(&id, update, &who.actor(), state.clock.now())
        .await?;
    Ok(Json(json!({"platform": p, "new_secret": new_secret})))
}

/// Body of `POST /v1/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// Unique name.
    pub name: String,
    /// Tenant: a platform id, `regulator`, `police` or `system`.
    pub tenant: String,
    /// `admin`, `moderator`, `regulator`, `police` or `auditor`.
    pub role: Role,
}

/// `POST /v1/users`: creates a user and returns its token, once.
#[utoipa::path(post, path = "/v1/users", tag = "admin", request_body(content = String, description = "{name, tenant, role}", content_type = "application/json"), responses((status = 201, description = "The user and its token (shown once)")))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(who): Auth,
    JsonBody(b): JsonBody<UserBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    check(&who, Permission::ManageUsers(&b.tenant))?;
    let token = new_token();
    let user = state
        .store
        .create_user(
            &b.name,
            &b.tenant,
            b.role,
            &token_hash(&token),
            &who.actor(),
            state.clock.now(),
        )
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({"user": user, "token": token})),
    ))
}

/// Body of `POST /v1/cases/{id}/legal-hold`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldBody {
    /// `true` places the hold, `false` releases it.
    pub hold: bool,
    /// The legal basis (or why the hold ends).
    pub reason: String,
}

/// `POST /v1/cases/{id}/legal-hold`: the police, the regulator or the platform's admin keeps a
/// case's content and evidence past retention, until released.
#[utoipa::path(post, path = "/v1/cases/{id}/legal-hold", tag = "cases", params(("id" = i64, Path)),
    request_body(content = String, description = "{hold, reason}", content_type = "application/json"),
    responses((status = 200, description = "The case's status with its hold"), (status = 409, description = "Already in that state")))]
pub async fn legal_hold(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<LegalHoldBody>,
) -> ApiResult<Json<Value>> {
    let case = readable_case(&state, &who, id, Need::LegalHold).await?;
    let case = state
        .store
        .set_legal_hold(case.id, b.hold, &b.reason, &who.actor(), state.clock.now())
        .await?;
    Ok(Json(
        json!({"case_id": case.id, "status": case.status, "legal_hold": case.legal_hold}),
    ))
}
