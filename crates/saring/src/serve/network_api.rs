//! The networks API: an account's network with the evidence of each link, and network freezes
//! that a second moderator approves. Another tenant's accounts never appear: a network is
//! walked only through accounts the caller may read.

use axum::Json;
use axum::extract::{Path, Query, State};
use saring_core::auth::{Permission, check};
use saring_core::decision::Ground;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::api::{JsonBody, Need, check_as, readable_case, readable_platform};
use super::auth::Auth;
use super::error::{ApiError, ApiResult};

/// `GET /v1/accounts/{platform}/{account}/network`.
#[utoipa::path(get, path = "/v1/accounts/{platform}/{account}/network", tag = "accounts",
    params(("platform" = String, Path), ("account" = String, Path)),
    responses((status = 200, description = "The accounts linked to this one (those the caller may see), each link with its evidence: the shared identifier, template similarity or photo distance, and the two events it was found in"),
              (status = 404, description = "Unknown, or another tenant's")))]
pub async fn network(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path((platform, account)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    check_as(
        &who,
        Permission::ReadAccount(&platform),
        format_args!("account {platform}/{account}"),
    )?;
    if state.store.account(&platform, &account).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "account {platform}/{account} not found"
        )));
    }
    let visible = |p: &str| check(&who, Permission::ReadAccount(p)).is_ok();
    let net = state
        .store
        .network_of(
            &platform,
            &account,
            state.networks.config().max_members,
            &visible,
        )
        .await?;
    Ok(Json(json!(net)))
}

/// Body of `POST /v1/cases/{id}/network-freeze`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFreezeBody {
    /// The policy ground.
    pub ground: Ground,
    /// Why, in the moderator's words.
    pub note: String,
}

/// `POST /v1/cases/{id}/network-freeze`: proposes freezing every account of the case's
/// network on its platform; a different moderator must approve.
#[utoipa::path(post, path = "/v1/cases/{id}/network-freeze", tag = "cases", params(("id" = i64, Path)),
    request_body(content = String, description = "{ground, note}", content_type = "application/json"),
    responses((status = 201, description = "The proposal, pending a second moderator's approval"),
              (status = 409, description = "No linked accounts, a proposal already pending, or the case is claimed by someone else")))]
pub async fn propose_freeze(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<NetworkFreezeBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    let case = readable_case(&state, &who, id, Need::Work).await?;
    let action = state
        .store
        .propose_network_freeze(
            case.id,
            state.networks.config().max_members,
            b.ground,
            &b.note,
            &who,
            state.clock.now(),
        )
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(json!(action))))
}

/// Query of `GET /v1/network-actions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsQuery {
    /// The platform (required for the operator's admins; others see their own).
    pub platform: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: Option<String>,
}

/// `GET /v1/network-actions`: network freezes of one platform, newest first.
#[utoipa::path(get, path = "/v1/network-actions", tag = "cases", params(("platform" = Option<String>, Query), ("status" = Option<String>, Query)),
    responses((status = 200, description = "Network freezes, newest first")))]
pub async fn actions(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<ActionsQuery>,
) -> ApiResult<Json<Value>> {
    if let Some(s) = &q.status
        && !matches!(
            s.as_str(),
            "pending" | "approving" | "approved" | "rejected"
        )
    {
        return Err(ApiError::invalid(
            "status",
            format!("must be pending, approved or rejected, not {s:?}"),
        ));
    }
    let platform = readable_platform(&who, q.platform)?;
    let rows = state
        .store
        .network_actions(Some(&platform), q.status.as_deref())
        .await?;
    Ok(Json(json!({"network_actions": rows})))
}

async fn readable_action(
    state: &AppState,
    who: &saring_core::auth::Principal,
    id: i64,
    work: bool,
) -> ApiResult<saring_store::NetworkActionRow> {
    let action = state
        .store
        .network_action(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("network action {id} not found")))?;
    let perm = if work {
        Permission::WorkCases(&action.platform)
    } else {
        Permission::ReadCases(&action.platform)
    };
    check_as(who, perm, format_args!("network action {id}"))?;
    Ok(action)
}

/// `GET /v1/network-actions/{id}`.
#[utoipa::path(get, path = "/v1/network-actions/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "The network freeze and, once approved, what happened to each account")))]
pub async fn action(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(readable_action(&state, &who, id, false).await?)))
}

/// `POST /v1/network-actions/{id}/approve`: a second moderator approves and carries out the
/// freeze (a case, a freeze decision and an enforcement order per account not frozen yet).
#[utoipa::path(post, path = "/v1/network-actions/{id}/approve", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "Approved; `result` says what happened to each account"),
              (status = 409, description = "Not pending, or the approver is the proposer")))]
pub async fn approve(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    readable_action(&state, &who, id, true).await?;
    let done = state
        .store
        .approve_network_action(id, &who, state.clock.now())
        .await?;
    state.notify.notify_one();
    Ok(Json(json!(done)))
}

/// Body of `POST /v1/network-actions/{id}/reject`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why.
    pub reason: String,
}

/// `POST /v1/network-actions/{id}/reject`.
#[utoipa::path(post, path = "/v1/network-actions/{id}/reject", tag = "cases", params(("id" = i64, Path)),
    request_body(content = String, description = "{reason}", content_type = "application/json"),
    responses((status = 200, description = "Rejected; nothing was frozen"), (status = 409, description = "Not pending")))]
pub async fn reject(
    State(state): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<RejectBody>,
) -> ApiResult<Json<Value>> {
    readable_action(&state, &who, id, true).await?;
    let done = state
        .store
        .reject_network_action(id, &b.reason, &who, state.clock.now())
        .await?;
    Ok(Json(json!(done)))
}
