//! Report downloads from the console (`/reports/…`): the same reports, rules and checks as
//! the API's (`serve::report_api`), for the signed-in user; the dashboard links to them for
//! its window.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use super::Console;
use crate::serve::AppState;
use crate::serve::report_api::{self, ReportQuery};

/// `GET /reports/transparency.csv?from=&to=`.
pub async fn transparency_csv(
    State(state): State<AppState>,
    c: Console,
    Query(mut q): Query<ReportQuery>,
) -> Response {
    q.format = Some("csv".into());
    report_api::transparency_for(&state, &c.session.user, &q)
        .await
        .into_response()
}

/// `GET /reports/statements.ndjson?from=&to=`.
pub async fn statements_ndjson(
    State(state): State<AppState>,
    c: Console,
    Query(q): Query<ReportQuery>,
) -> Response {
    report_api::statements_for(&state, &c.session.user, &q)
        .await
        .into_response()
}

/// `GET /reports/locations.csv?from=&to=`.
pub async fn locations_csv(
    State(state): State<AppState>,
    c: Console,
    Query(mut q): Query<ReportQuery>,
) -> Response {
    q.format = Some("csv".into());
    report_api::locations_for(&state, &c.session.user, &q)
        .await
        .into_response()
}
