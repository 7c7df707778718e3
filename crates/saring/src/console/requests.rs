//! The console's pages for the authorities' workflows: the regulator's and the police's
//! requests with each named account's status (and the form to file one), the requests naming
//! a platform's accounts with the form to reject an item, the compliance report and the
//! protection report. Status and counts only: no content is shown on these pages.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use saring_core::auth::{Permission, Principal, check};
use saring_core::case::{CaseSource, CaseStatus};
use saring_core::request::{Compliance, ItemOutcome, Protection, RejectCode, Urgency};
use saring_core::time::{HOUR_MS, date, rfc3339};
use saring_store::{NewRequest, RequestItemRow, RequestRow};
use serde::Deserialize;

use super::Console;
use super::highlight::reveal;
use super::pages::{Frame, countdown, fail, not_found, page, refused};
use crate::serve::AppState;

impl Frame {
    /// Whether the user sees the requests naming a platform's accounts (its admins and
    /// moderators).
    pub fn sees_incoming(&self) -> bool {
        self.works_cases()
    }

    /// Whether the user has a compliance report (the regulator, a platform's admin, the
    /// operator's admins).
    pub fn sees_compliance(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| check(u, Permission::ReadCompliance(&u.tenant)).is_ok())
    }

    /// Whether the user has a protection report (also the police).
    pub fn sees_protection(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| check(u, Permission::ReadProtectionReport(&u.tenant)).is_ok())
    }
}

/// One named account as the console shows it.
pub struct ItemView {
    /// Item id.
    pub id: i64,
    /// Its request.
    pub request_id: i64,
    /// Platform.
    pub platform: String,
    /// Account (hidden characters revealed).
    pub account: String,
    /// The case.
    pub case_id: i64,
    /// `pending`, `overdue`, `acted_on`, `rejected`.
    pub status: &'static str,
    /// Past the deadline without an answer.
    pub overdue: bool,
    /// Time left (or overdue by), while unanswered with a deadline.
    pub countdown: String,
    /// When answered, and whether in time.
    pub answered: String,
    /// The action taken, or the rejection's code and reason.
    pub outcome: String,
    /// Whether this user may reject it now.
    pub can_reject: bool,
}

impl ItemView {
    /// The view of `i` at `now` for `who`.
    pub fn of(i: &RequestItemRow, now: i64, who: &Principal) -> Self {
        let s = i.state(now);
        let unanswered = matches!(s.outcome, ItemOutcome::Pending | ItemOutcome::Overdue);
        ItemView {
            id: i.id,
            request_id: i.request_id,
            platform: i.platform.clone(),
            account: reveal(&i.account),
            case_id: i.case_id.0,
            status: s.outcome.as_str(),
            overdue: s.outcome == ItemOutcome::Overdue,
            countdown: match i.deadline {
                Some(d) if unanswered => countdown(d - now),
                _ => String::new(),
            },
            answered: s
                .answered_at
                .map(|at| {
                    let when = rfc3339(at);
                    match s.in_time {
                        Some(true) => format!("{when} ✓"),
                        Some(false) => format!("{when} (late)"),
                        None => when,
                    }
                })
                .unwrap_or_default(),
            outcome: match (s.action, s.reject_code) {
                (Some(a), _) => a.as_str().to_owned(),
                (None, Some(code)) => match &i.reject_reason {
                    Some(r) => format!("{code}: {}", reveal(r)),
                    None => code.as_str().to_owned(),
                },
                _ => String::new(),
            },
            can_reject: unanswered
                && i.case_status == CaseStatus::Open
                && check(who, Permission::WorkCases(&i.platform)).is_ok(),
        }
    }
}

/// One request as the console shows it.
pub struct RequestView {
    id: i64,
    source: String,
    legal_ground: String,
    category: String,
    urgency: String,
    reference: String,
    received: String,
    items: Vec<ItemView>,
}

impl RequestView {
    fn of(r: &RequestRow, now: i64, who: &Principal) -> Self {
        RequestView {
            id: r.id,
            source: r.source.as_str().to_owned(),
            legal_ground: reveal(&r.legal_ground),
            category: reveal(&r.category),
            urgency: r.urgency.as_str().to_owned(),
            reference: reveal(&r.reference),
            received: rfc3339(r.received_at),
            items: r.items.iter().map(|i| ItemView::of(i, now, who)).collect(),
        }
    }
}

/// A single report filed through `POST /v1/reports` (not part of a request).
pub struct ReportRowView {
    report_id: i64,
    platform: String,
    account: String,
    filed: String,
    case_id: i64,
    status: String,
    countdown: String,
    overdue: bool,
    closed: String,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    f: Frame,
    requests: Vec<RequestView>,
    rows: Vec<ReportRowView>,
    is_regulator: bool,
}

/// `GET /requests`: the regulator's takedown requests (or the police's reports) with each
/// named account's status and deadline countdown, and single reports — status only, never
/// content.
pub async fn requests(State(state): State<AppState>, c: Console) -> Response {
    let f = Frame::of(&c);
    let Some(source) = f.authority() else {
        return (
            StatusCode::FORBIDDEN,
            "this page is the regulator's and the police's: it needs the regulator or police role",
        )
            .into_response();
    };
    let (list, reports) = match tokio::try_join!(
        state.store.requests(Some(source), None, 200),
        state.store.authority_requests(source, 500)
    ) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let now = state.clock.now();
    let rows = reports
        .into_iter()
        .map(|r| {
            let open = r.status == CaseStatus::Open;
            ReportRowView {
                report_id: r.report_id.0,
                platform: r.platform,
                account: reveal(&r.account),
                filed: rfc3339(r.filed_at),
                case_id: r.case_id.0,
                status: r.status.as_str().to_owned(),
                countdown: match r.deadline {
                    Some(d) if open => countdown(d - now),
                    _ => String::new(),
                },
                overdue: open && r.deadline.is_some_and(|d| d < now),
                closed: r.closed_at.map(rfc3339).unwrap_or_default(),
            }
        })
        .collect();
    let user = &c.session.user;
    page(RequestsPage {
        requests: list.iter().map(|r| RequestView::of(r, now, user)).collect(),
        rows,
        is_regulator: source == CaseSource::Regulator,
        f,
    })
}

/// The form filing a request.
#[derive(Deserialize)]
pub struct FileRequestForm {
    csrf: String,
    /// One `platform account` (or `platform/account`) per line.
    accounts: String,
    legal_ground: String,
    category: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    reference: String,
}

/// `(platform, account)` per non-empty line, or the number of the first line that has no
/// account.
fn parse_accounts(text: &str) -> Result<Vec<(String, String)>, usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            let l = l.trim();
            l.split_once(['/', ' ', '\t'])
                .map(|(p, a)| (p.trim().to_owned(), a.trim().to_owned()))
                .filter(|(p, a)| !p.is_empty() && !a.is_empty())
                .ok_or(n + 1)
        })
        .collect()
}

/// `POST /requests`: files a request from the console.
pub async fn file_request(
    State(state): State<AppState>,
    c: Console,
    Form(form): Form<FileRequestForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let f = Frame::of(&c);
    let Some(source) = f.authority() else {
        return (
            StatusCode::FORBIDDEN,
            "this needs the regulator or police role",
        )
            .into_response();
    };
    let accounts = match parse_accounts(&form.accounts) {
        Ok(a) => a,
        Err(line) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("accounts, line {line}: expected \"platform account\""),
            )
                .into_response();
        }
    };
    let urgency = match form.urgency.as_str() {
        "" | "normal" => Urgency::Normal,
        "urgent" if source == CaseSource::Regulator => Urgency::Urgent,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "urgency: only the regulator's requests are normal or urgent",
            )
                .into_response();
        }
    };
    let now = state.clock.now();
    let cfg = &state.config.cases;
    let deadline = (source == CaseSource::Regulator).then(|| {
        now + HOUR_MS
            * match urgency {
                Urgency::Urgent => cfg.urgent_deadline_hours,
                Urgency::Normal => cfg.regulator_deadline_hours,
            }
    });
    let r = NewRequest {
        source,
        legal_ground: form.legal_ground,
        category: form.category,
        urgency,
        reference: form.reference,
        accounts,
        deadline,
    };
    match state
        .store
        .file_request(&r, &c.session.user.actor(), now)
        .await
    {
        Ok(_) => Redirect::to("/requests").into_response(),
        Err(saring_store::Error::Invalid { field, reason }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            // accounts[2] is the third account line.
            format!("{field}: {reason} (accounts[n] is the n+1-th account line)"),
        )
            .into_response(),
        Err(e) => refused(e),
    }
}

#[derive(Template)]
#[template(path = "incoming_requests.html")]
struct IncomingPage {
    f: Frame,
    requests: Vec<RequestView>,
    codes: Vec<&'static str>,
}

/// `GET /incoming-requests`: the authorities' requests naming the user's platform's
/// accounts, with a form to reject an unanswered item with a reason.
pub async fn incoming(State(state): State<AppState>, c: Console) -> Response {
    let f = Frame::of(&c);
    if !f.sees_incoming() {
        return (
            StatusCode::FORBIDDEN,
            "this page is a platform's: it needs a platform's admin or moderator role",
        )
            .into_response();
    }
    let user = &c.session.user;
    let list = match state.store.requests(None, Some(&user.tenant), 200).await {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let now = state.clock.now();
    page(IncomingPage {
        requests: list.iter().map(|r| RequestView::of(r, now, user)).collect(),
        codes: RejectCode::ALL.iter().map(|c| c.as_str()).collect(),
        f,
    })
}

/// The form rejecting a request item.
#[derive(Deserialize)]
pub struct RejectForm {
    csrf: String,
    code: String,
    reason: String,
    /// Where to go afterwards: `case` for the case page, else the incoming requests.
    #[serde(default)]
    back: String,
}

/// `POST /request-items/{id}/reject`.
pub async fn reject_item(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<RejectForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let item = match state.store.request_item(id).await {
        Ok(Some(i)) if check(&c.session.user, Permission::WorkCases(&i.platform)).is_ok() => i,
        Ok(_) => return not_found(&c),
        Err(e) => return fail(e),
    };
    let Some(code) = RejectCode::parse(&form.code) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "code: unknown reason code",
        )
            .into_response();
    };
    match state
        .store
        .reject_request_item(
            id,
            code,
            &form.reason,
            &c.session.user.actor(),
            state.clock.now(),
        )
        .await
    {
        Ok(_) if form.back == "case" => {
            Redirect::to(&format!("/cases/{}", item.case_id)).into_response()
        }
        Ok(_) => Redirect::to("/incoming-requests").into_response(),
        Err(e) => refused(e),
    }
}

/// The period of a report page.
#[derive(Deserialize)]
pub struct PeriodForm {
    from: Option<String>,
    to: Option<String>,
}

/// The platforms `who` may read with `perm`, or a 403 answer.
async fn report_platforms(
    state: &AppState,
    who: &Principal,
    perm: fn(&str) -> Permission<'_>,
    needed: &'static str,
) -> Result<Vec<String>, Response> {
    let all = state.store.platforms().await.map_err(fail)?;
    let mine: Vec<String> = all
        .into_iter()
        .map(|p| p.id)
        .filter(|p| check(who, perm(p)).is_ok())
        .collect();
    if mine.is_empty() && check(who, perm(&who.tenant)).is_err() {
        return Err((StatusCode::FORBIDDEN, needed).into_response());
    }
    Ok(mine)
}

/// The period asked for, as `[from, to)` and the two dates to show, or `None` when it is not
/// a period.
fn period_of(q: &PeriodForm, now: i64) -> Option<(i64, i64, String, String)> {
    let blank = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let (from, to) = (blank(&q.from), blank(&q.to));
    crate::serve::period(from.as_deref(), to.as_deref(), now)
        .ok()
        .map(|(a, b)| (a, b, date(a), date(b - 1)))
}

/// The answer to a period that is not one.
fn bad_period() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "from, to: expected dates YYYY-MM-DD, from on or before to",
    )
        .into_response()
}

/// `1h 05m` for a duration in milliseconds, `—` for none.
fn duration(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".into(), |ms| countdown(ms.max(0)))
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    f: Frame,
    from: String,
    to: String,
    rows: Vec<(String, Compliance, String)>,
    total: (Compliance, String),
}

/// `GET /compliance`: the compliance report per platform for a period.
pub async fn compliance(
    State(state): State<AppState>,
    c: Console,
    Query(q): Query<PeriodForm>,
) -> Response {
    let f = Frame::of(&c);
    let platforms = match report_platforms(
        &state,
        &c.session.user,
        |p| Permission::ReadCompliance(p),
        "the compliance report needs the regulator's role or a platform's admin role",
    )
    .await
    {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some((from, to, from_s, to_s)) = period_of(&q, state.clock.now()) else {
        return bad_period();
    };
    let (per, total): (BTreeMap<String, Compliance>, Compliance) =
        match crate::serve::compliance_figures(&state, &platforms, from, to).await {
            Ok(x) => x,
            Err(e) => return fail(format!("{e:?}")),
        };
    page(CompliancePage {
        f,
        from: from_s,
        to: to_s,
        rows: per
            .into_iter()
            .map(|(p, c)| {
                let m = duration(c.median_response_ms);
                (p, c, m)
            })
            .collect(),
        total: {
            let m = duration(total.median_response_ms);
            (total, m)
        },
    })
}

#[derive(Template)]
#[template(path = "protection.html")]
struct ProtectionPage {
    f: Frame,
    from: String,
    to: String,
    rows: Vec<(String, Protection, String)>,
    total: (Protection, String),
}

/// `GET /protection`: the protection report per platform for a period (counts only).
pub async fn protection(
    State(state): State<AppState>,
    c: Console,
    Query(q): Query<PeriodForm>,
) -> Response {
    let f = Frame::of(&c);
    let platforms = match report_platforms(
        &state,
        &c.session.user,
        |p| Permission::ReadProtectionReport(p),
        "the protection report needs a platform's admin, the regulator's or the police's role",
    )
    .await
    {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some((from, to, from_s, to_s)) = period_of(&q, state.clock.now()) else {
        return bad_period();
    };
    let (per, total) = match crate::serve::protection_figures(&state, &platforms, from, to).await {
        Ok(x) => x,
        Err(e) => return fail(format!("{e:?}")),
    };
    page(ProtectionPage {
        f,
        from: from_s,
        to: to_s,
        rows: per
            .into_iter()
            .map(|(p, c)| {
                let m = duration(c.median_time_to_referral_ms);
                (p, c, m)
            })
            .collect(),
        total: {
            let m = duration(total.median_time_to_referral_ms);
            (total, m)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::parse_accounts;

    #[test]
    fn account_lines_name_a_platform_and_an_account() {
        assert_eq!(
            parse_accounts("michat a1\n\n beetalk/b 2 \n"),
            Ok(vec![
                ("michat".into(), "a1".into()),
                ("beetalk".into(), "b 2".into())
            ])
        );
        assert_eq!(parse_accounts("michat a1\nlonely\n"), Err(2));
    }
}
