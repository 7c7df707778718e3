//! The reports over HTTP (docs/reports.md): `GET /v1/transparency` (JSON or CSV),
//! `GET /v1/transparency/statements` (DSA statements of reasons, NDJSON) and
//! `GET /v1/locations` (JSON or CSV, counts below `console.k_anonymity` withheld).
//!
//! Who: the regulator, auditors of the authorities' or the operator's tenant and the
//! operator's admins read every platform's reports (or one, with `platform`); a platform's
//! admins and auditors read their own platform's (`Permission::ReadReports`). The location
//! report is never split by platform for cross-platform viewers, so that one viewer never
//! holds both an all-platform cell and a one-platform cell to subtract.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use saring_core::auth::{Permission, Principal, RESERVED_TENANTS};
use saring_store::StatsScope;
use serde::Deserialize;

use super::AppState;
use super::api::check_as;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use crate::report::{Period, dsa, locations, transparency};

/// Query of the report endpoints.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD` (UTC).
    pub(crate) from: Option<String>,
    /// Last day, included.
    pub(crate) to: Option<String>,
    /// One platform (default: the caller's own platform, or every platform).
    pub(crate) platform: Option<String>,
    /// `json` (default) or `csv`.
    pub(crate) format: Option<String>,
}

impl ReportQuery {
    fn period(&self) -> ApiResult<Period> {
        let from = self
            .from
            .as_deref()
            .ok_or_else(|| ApiError::invalid("from", "required: the first day, YYYY-MM-DD"))?;
        let to = self
            .to
            .as_deref()
            .ok_or_else(|| ApiError::invalid("to", "required: the last day, YYYY-MM-DD"))?;
        Period::parse(from, to).map_err(|e| ApiError::invalid(e.field, e.reason))
    }

    fn csv(&self) -> ApiResult<bool> {
        match self.format.as_deref() {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(ApiError::invalid(
                "format",
                format!("expected json or csv, got {other:?}"),
            )),
        }
    }
}

/// Whose data a report of `who` covers: `platform` when named, else the caller's own platform,
/// else every platform; checked with `Permission::ReadReports`.
async fn scope<'a>(
    state: &AppState,
    who: &'a Principal,
    platform: Option<&'a str>,
) -> ApiResult<StatsScope<'a>> {
    let own = (!RESERVED_TENANTS.contains(&who.tenant.as_str())).then_some(who.tenant.as_str());
    let p = platform.or(own);
    check_as(
        who,
        Permission::ReadReports(p),
        format_args!("platform {}", p.unwrap_or("")),
    )?;
    match p {
        Some(p) => {
            if state.store.platform(p).await?.is_none() {
                return Err(ApiError::NotFound(format!("platform {p} not found")));
            }
            Ok(StatsScope::Platform(p))
        }
        None => Ok(StatsScope::All),
    }
}

fn download(content_type: &'static str, name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The transparency report for `who`.
pub(crate) async fn transparency_for(
    state: &AppState,
    who: &Principal,
    q: &ReportQuery,
) -> ApiResult<Response> {
    let period = q.period()?;
    let csv = q.csv()?;
    let scope = scope(state, who, q.platform.as_deref()).await?;
    let report = transparency::build(&state.store, scope, &period, state.clock.now()).await?;
    Ok(if csv {
        download(
            "text/csv; charset=utf-8",
            format!("transparency-{}-{}.csv", period.from, period.to),
            report.to_csv(),
        )
    } else {
        axum::Json(report).into_response()
    })
}

/// The DSA statements of reasons for `who`, as NDJSON.
pub(crate) async fn statements_for(
    state: &AppState,
    who: &Principal,
    q: &ReportQuery,
) -> ApiResult<Response> {
    let period = q.period()?;
    if q.format.as_deref().is_some_and(|f| f != "ndjson") {
        return Err(ApiError::invalid(
            "format",
            "statements come as ndjson only",
        ));
    }
    let scope = scope(state, who, q.platform.as_deref()).await?;
    let cfg = &state.config.reports;
    let Some(key) = &cfg.puid_key else {
        return Err(ApiError::Conflict(
            "the DSA export needs reports.puid_key in the service's configuration".into(),
        ));
    };
    let (platforms, facts) = tokio::try_join!(
        state.store.platforms(),
        state
            .store
            .report_decisions(scope, period.from_ms, period.to_ms)
    )?;
    let name_of = |id: &str| {
        platforms
            .iter()
            .find(|p| p.id == id)
            .map_or("", |p| p.name.as_str())
    };
    let (body, _) =
        dsa::ndjson(&facts, name_of, key, &cfg.territorial_scope).map_err(ApiError::Internal)?;
    Ok(download(
        "application/x-ndjson",
        format!("statements-{}-{}.ndjson", period.from, period.to),
        body,
    ))
}

/// The location report for `who`.
pub(crate) async fn locations_for(
    state: &AppState,
    who: &Principal,
    q: &ReportQuery,
) -> ApiResult<Response> {
    let period = q.period()?;
    let csv = q.csv()?;
    let own_platform = !RESERVED_TENANTS.contains(&who.tenant.as_str());
    if q.platform.is_some() && !own_platform {
        // Still refuse what the caller may not read at all before saying why.
        check_as(who, Permission::ReadReports(None), format_args!("reports"))?;
        return Err(ApiError::invalid(
            "platform",
            "the location report covers every platform together for cross-platform viewers, so that no cell can be worked out by subtracting one platform's report from the total",
        ));
    }
    let scope = scope(state, who, q.platform.as_deref()).await?;
    let k = state.config.console.k_anonymity;
    let report = locations::build(&state.store, scope, &period, k).await?;
    Ok(if csv {
        download(
            "text/csv; charset=utf-8",
            format!("locations-{}-{}.csv", report.period.from, report.period.to),
            report.to_csv(),
        )
    } else {
        axum::Json(report).into_response()
    })
}

/// `GET /v1/transparency`: the transparency report.
#[utoipa::path(get, path = "/v1/transparency", tag = "reports",
    params(("from" = String, Query, description = "First day, YYYY-MM-DD (UTC)"), ("to" = String, Query, description = "Last day, included"),
           ("platform" = Option<String>, Query), ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, description = "Per platform and in total: actions by type and ground, automated and notice detection, automated decisions, median time to decision and to action, appeals, authority requests"),
              (status = 422, description = "A bad or missing from, to or format")))]
pub async fn transparency_report(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    transparency_for(&state, &who, &q).await
}

/// `GET /v1/transparency/statements`: statements of reasons in the DSA shape.
#[utoipa::path(get, path = "/v1/transparency/statements", tag = "reports",
    params(("from" = String, Query), ("to" = String, Query), ("platform" = Option<String>, Query)),
    responses((status = 200, description = "NDJSON: one statement per decision (no_violation has none), valid against schemas/dsa-statement-of-reasons.schema.json"),
              (status = 409, description = "reports.puid_key is not configured")))]
pub async fn statements(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    statements_for(&state, &who, &q).await
}

/// `GET /v1/locations`: flagged and actioned accounts per location and ISO week.
#[utoipa::path(get, path = "/v1/locations", tag = "reports",
    params(("from" = String, Query), ("to" = String, Query), ("platform" = Option<String>, Query, description = "Only a platform's own people may name (their own) platform"),
           ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, description = "Rows of location, ISO week, flagged and actioned accounts; counts from 1 to k-1 withheld (null, or <k in CSV); no totals")))]
pub async fn locations_report(
    State(state): State<AppState>,
    Auth(who): Auth,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    locations_for(&state, &who, &q).await
}
