//! The console's pages: each handler checks the session and the authorisation policy, calls
//! the store, and renders a compiled template.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use saring_core::audit::sha256_hex;
use saring_core::auth::{Permission, Principal, Role, check};
use saring_core::case::CaseStatus;
use saring_core::decision::{Action, Ground};
use saring_core::ids::{AppealId, CaseId};
use saring_core::time::rfc3339;
use saring_store::{AppealDecision, CaseFilter, DecisionInput};
use serde::Deserialize;

use super::highlight::{Segment, segments};
use super::{
    Console, LOGIN_CSRF_COOKIE, Lang, SESSION_COOKIE, SESSION_TTL_MS, cookie, is_tls, same,
    security_headers, set_cookie,
};
use crate::serve::{AppState, new_token};

/// What every page's frame needs.
pub struct Frame {
    /// The language.
    pub t: Lang,
    /// The user's name, role and tenant, when signed in.
    pub user: Option<Principal>,
    /// The CSRF token for forms.
    pub csrf: String,
}

impl Frame {
    fn of(c: &Console) -> Self {
        Frame {
            t: c.lang(),
            user: Some(c.session.user.clone()),
            csrf: c.session.csrf.clone(),
        }
    }

    /// Whether the user may see the review queue and appeals.
    pub fn works_cases(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            matches!(u.role, Role::Admin | Role::Moderator) && u.tenant != saring_core::auth::SYSTEM
        })
    }

    /// Whether the user may read the audit log.
    pub fn reads_audit(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| check(u, Permission::ReadAudit).is_ok())
    }
}

fn page(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => {
            let mut resp = Html(html).into_response();
            security_headers(resp.headers_mut());
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "could not render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn not_found(t: Lang) -> Response {
    let mut r = (
        StatusCode::NOT_FOUND,
        Html(format!(
            "<!doctype html><title>404</title><p>404 — {}</p>",
            if t == Lang::En {
                "not found"
            } else {
                "tidak ditemukan"
            }
        )),
    )
        .into_response();
    security_headers(r.headers_mut());
    r
}

fn fail(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "console request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; the details are in the server log",
    )
        .into_response()
}

/// The answer to a store refusal: 409 for conflicts, 422 for invalid values, 500 otherwise.
fn refused(e: saring_store::Error) -> Response {
    match e {
        saring_store::Error::Conflict(m) => (StatusCode::CONFLICT, m).into_response(),
        saring_store::Error::Domain(d) => (StatusCode::CONFLICT, d.to_string()).into_response(),
        saring_store::Error::Invalid { field, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: {reason}"),
        )
            .into_response(),
        e => fail(e),
    }
}

// ---- login ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    f: Frame,
    error: bool,
}

/// `GET /login`.
pub async fn login_form(headers: HeaderMap) -> Response {
    let t = Lang::parse(cookie(&headers, "saring_lang").unwrap_or("id"));
    let csrf = new_token();
    let mut resp = page(LoginPage {
        f: Frame {
            t,
            user: None,
            csrf: csrf.clone(),
        },
        error: false,
    });
    if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, &csrf, 1800, is_tls(&headers)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = Lang::parse(cookie(&headers, "saring_lang").unwrap_or("id"));
    if !cookie(&headers, LOGIN_CSRF_COOKIE).is_some_and(|c| same(c, &form.csrf)) {
        return (
            StatusCode::FORBIDDEN,
            "the login form expired; reload the page",
        )
            .into_response();
    }
    let candidate = match state.store.login_candidate(&form.username).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let password = form.password;
    let verified = tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordVerifier;
        let Some((user, Some(phc))) = candidate else {
            // Spend the same effort on unknown users, so timing does not reveal names.
            let _ = crate::serve::hash_password("x");
            return None;
        };
        let parsed = argon2::password_hash::phc::PasswordHash::new(&phc).ok()?;
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .ok()
            .map(|()| user)
    })
    .await
    .ok()
    .flatten();
    let Some(user) = verified else {
        tracing::info!("console sign-in refused");
        let mut resp = page(LoginPage {
            f: Frame {
                t,
                user: None,
                csrf: form.csrf,
            },
            error: true,
        });
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
        return resp;
    };
    let value = new_token();
    if let Err(e) = state
        .store
        .create_session(
            &sha256_hex(value.as_bytes()),
            &user,
            &new_token(),
            t.code(),
            state.clock.now(),
            SESSION_TTL_MS,
        )
        .await
    {
        return fail(e);
    }
    let mut resp = Redirect::to("/queue").into_response();
    if let Ok(v) = set_cookie(
        SESSION_COOKIE,
        &value,
        SESSION_TTL_MS / 1000,
        is_tls(&headers),
    )
    .parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    c: Console,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    if let Err(e) = state.store.end_session(&c.id_hash).await {
        return fail(e);
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, false).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The language switch.
#[derive(Deserialize)]
pub struct LangForm {
    csrf: String,
    lang: String,
    back: Option<String>,
}

/// `POST /lang`.
pub async fn set_lang(
    State(state): State<AppState>,
    c: Console,
    Form(form): Form<LangForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let lang = Lang::parse(&form.lang);
    if let Err(e) = state.store.set_session_lang(&c.id_hash, lang.code()).await {
        return fail(e);
    }
    // Only local paths, so the switch cannot redirect elsewhere.
    let back = form
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/queue".into());
    Redirect::to(&back).into_response()
}

// ---- queue ----

/// One row of the queue.
pub struct QueueRow {
    id: i64,
    account: String,
    score: String,
    minor_risk: bool,
    third_party: bool,
    deadline: String,
    location: String,
    opened: String,
    claimed: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    f: Frame,
    rows: Vec<QueueRow>,
    flag: String,
    status: String,
}

/// Filters of the queue page.
#[derive(Deserialize)]
pub struct QueueQuery {
    flag: Option<String>,
    status: Option<String>,
    location: Option<String>,
}

/// `GET /queue`.
pub async fn queue(
    State(state): State<AppState>,
    c: Console,
    Query(q): Query<QueueQuery>,
) -> Response {
    let f = Frame::of(&c);
    let user = &c.session.user;
    if check(user, Permission::ReadCases(&user.tenant)).is_err()
        || user.tenant == saring_core::auth::SYSTEM
    {
        return page(QueuePage {
            f,
            rows: vec![],
            flag: String::new(),
            status: String::new(),
        });
    }
    let flag = q
        .flag
        .filter(|f| matches!(f.as_str(), "minor_risk" | "third_party"));
    let status = q
        .status
        .as_deref()
        .and_then(CaseStatus::parse)
        .unwrap_or(CaseStatus::Open);
    let filter = CaseFilter {
        platform: Some(user.tenant.clone()),
        status: Some(status),
        flag: flag.clone(),
        location: q.location.filter(|l| !l.is_empty()),
        limit: Some(200),
    };
    let cases = match state.store.queue(&filter).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let now = state.clock.now();
    let rows = cases
        .into_iter()
        .map(|c| QueueRow {
            claimed: claim_label(&c, now),
            id: c.id.0,
            account: c.account,
            score: format!("{:.2}", c.score),
            minor_risk: c.minor_risk,
            third_party: c.third_party,
            deadline: c.deadline.map(|d| countdown(d - now)).unwrap_or_default(),
            location: c.location.unwrap_or_default(),
            opened: rfc3339(c.opened_at),
        })
        .collect();
    page(QueuePage {
        f,
        rows,
        flag: flag.unwrap_or_default(),
        status: status.as_str().to_owned(),
    })
}

/// `#<user>` while a claim is live, else empty.
fn claim_label(case: &saring_store::CaseRow, now: i64) -> String {
    case.holder(now)
        .map(|u| format!("#{u}"))
        .unwrap_or_default()
}

/// `3h 05m`, or `overdue 1h 10m`.
fn countdown(ms: i64) -> String {
    let (sign, ms) = if ms < 0 { ("overdue ", -ms) } else { ("", ms) };
    let mins = ms / 60_000;
    format!("{sign}{}h {:02}m", mins / 60, mins % 60)
}

// ---- case ----

/// One item of evidence.
pub struct EvidenceRow {
    event_id: String,
    kind: String,
    score: String,
    flags: String,
    when: String,
    purged: bool,
    segments: Vec<Segment>,
    signals: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    f: Frame,
    id: i64,
    account: String,
    status: String,
    score: String,
    minor_risk: bool,
    third_party: bool,
    claimed: String,
    can_work: bool,
    evidence: Vec<EvidenceRow>,
    explanation: String,
    history: Vec<(String, String, String)>,
    prior: Vec<(i64, String)>,
    recommended: String,
    recommended_reason: String,
    grounds: Vec<(String, String)>,
    actions: Vec<String>,
    sor_preview: String,
    orders: Vec<(String, String, String, String, String)>,
    appeals: Vec<(i64, String, String)>,
}

/// `GET /cases/{id}`.
pub async fn case(State(state): State<AppState>, c: Console, Path(id): Path<i64>) -> Response {
    let f = Frame::of(&c);
    let t = f.t;
    let detail = match state.store.case_detail(CaseId(id)).await {
        Ok(Some(d)) => d,
        Ok(None) => return not_found(t),
        Err(e) => return fail(e),
    };
    // Another tenant's case does not exist for this user.
    if check(
        &c.session.user,
        Permission::ReadCases(&detail.case.platform),
    )
    .is_err()
    {
        return not_found(t);
    }
    let can_work = check(
        &c.session.user,
        Permission::WorkCases(&detail.case.platform),
    )
    .is_ok()
        && detail.case.status == CaseStatus::Open;
    let explanation = detail
        .events
        .iter()
        .find_map(|e| e.text.as_deref())
        .map(|text| {
            let ex = state.detector.explain(text);
            let terms = ex
                .contributions
                .iter()
                .take(12)
                .map(|c| format!("{:+.3}  {}", c.logit, c.feature))
                .collect::<Vec<_>>()
                .join("\n");
            format!(
                "{terms}\n= logit {:.3} → score {:.3} (threshold {:.2})",
                ex.logit, ex.verdict.score, ex.threshold
            )
        })
        .unwrap_or_default();
    let evidence = detail
        .events
        .iter()
        .map(|e| EvidenceRow {
            event_id: e.event_id.clone(),
            kind: e.kind.clone(),
            score: format!("{:.3}", e.score),
            flags: e.flags.join(", "),
            when: rfc3339(e.ts),
            purged: e.text.is_none(),
            segments: e
                .text
                .as_deref()
                .map(|t| segments(t, &e.signals))
                .unwrap_or_default(),
            signals: e
                .signals
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let g = |k: &str| {
                        s.get(k)
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                            .unwrap_or_default()
                    };
                    (g("family"), g("rule"), g("text"))
                })
                .collect(),
        })
        .collect();
    let rec = detail.recommendation;
    let sor_preview = {
        let families =
            saring_core::decision::evidence_families(detail.events.iter().map(|e| &e.signals));
        let flags = saring_core::decision::protection_flags(
            detail.case.minor_risk,
            detail.case.third_party,
        );
        let ground = if detail.case.minor_risk {
            Ground::ChildProtection
        } else {
            Ground::IteDecency
        };
        saring_core::decision::statement_of_reasons(&saring_core::decision::SorInput {
            action: rec.action,
            ground,
            source: detail.case.source,
            automated_detection: detail.events.iter().any(|e| e.score >= 0.5),
            signal_families: &families,
            flags: &flags,
            decided_at: state.clock.now(),
            content_at: detail
                .events
                .iter()
                .map(|e| e.ts)
                .min()
                .unwrap_or(detail.case.opened_at),
            puid: format!("{}-case-{}", detail.case.platform, detail.case.id),
        })
        .map(|s| serde_json::to_string_pretty(&s).unwrap_or_default())
        .unwrap_or_default()
    };
    let now = state.clock.now();
    page(CasePage {
        f,
        id,
        account: detail.case.account.clone(),
        status: detail.case.status.as_str().to_owned(),
        score: format!("{:.3}", detail.case.score),
        minor_risk: detail.case.minor_risk,
        third_party: detail.case.third_party,
        claimed: claim_label(&detail.case, now),
        can_work,
        evidence,
        explanation,
        history: detail
            .history
            .iter()
            .map(|h| (rfc3339(h.at), h.actor.clone(), h.kind.clone()))
            .collect(),
        prior: detail
            .prior_cases
            .iter()
            .map(|(id, s)| (id.0, s.as_str().to_owned()))
            .collect(),
        recommended: rec.action.as_str().to_owned(),
        recommended_reason: rec.reason.to_owned(),
        grounds: Ground::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str().to_owned(),
                    if g.reference().is_empty() {
                        "—".to_owned()
                    } else {
                        g.reference().to_owned()
                    },
                )
            })
            .collect(),
        actions: [
            Action::Freeze,
            Action::Restrict,
            Action::Warn,
            Action::NoViolation,
        ]
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect(),
        sor_preview,
        orders: detail
            .orders
            .iter()
            .map(|o| {
                (
                    o.id.clone(),
                    o.kind.as_str().to_owned(),
                    o.status.as_str().to_owned(),
                    o.attempts.to_string(),
                    o.last_error.clone().unwrap_or_default(),
                )
            })
            .collect(),
        appeals: detail
            .appeals
            .iter()
            .map(|a| (a.id.0, a.status.clone(), a.reason.clone()))
            .collect(),
    })
}

/// The case `id` when this user may work it; `None` (answered 404) when it does not exist or
/// belongs to another tenant.
async fn workable_case(state: &AppState, c: &Console, id: i64) -> Option<saring_store::CaseRow> {
    let case = state.store.case(CaseId(id)).await.ok().flatten()?;
    check(&c.session.user, Permission::WorkCases(&case.platform))
        .is_ok()
        .then_some(case)
}

/// `POST /cases/{id}/claim`.
pub async fn claim(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let Some(case) = workable_case(&state, &c, id).await else {
        return not_found(c.lang());
    };
    match state
        .store
        .claim(
            case.id,
            &c.session.user,
            state.config.cases.claim_lease_secs * 1000,
            state.clock.now(),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => refused(e),
    }
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    action: String,
    ground: String,
    note: String,
}

/// `POST /cases/{id}/decision`.
pub async fn decide(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let Some(case) = workable_case(&state, &c, id).await else {
        return not_found(c.lang());
    };
    let (Some(action), Some(ground)) = (Action::parse(&form.action), Ground::parse(&form.ground))
    else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action or ground").into_response();
    };
    match state
        .store
        .decide(
            case.id,
            &DecisionInput {
                action,
                ground,
                note: form.note,
            },
            &c.session.user,
            state.clock.now(),
        )
        .await
    {
        Ok(out) => {
            if out.order_id.is_some() {
                state.notify.notify_one();
            }
            Redirect::to(&format!("/cases/{id}")).into_response()
        }
        Err(e) => refused(e),
    }
}

// ---- appeals ----

#[derive(Template)]
#[template(path = "appeals.html")]
struct AppealsPage {
    f: Frame,
    rows: Vec<(i64, i64, String, String, String)>,
}

/// `GET /appeals`.
pub async fn appeals(State(state): State<AppState>, c: Console) -> Response {
    let f = Frame::of(&c);
    if !f.works_cases() {
        return page(AppealsPage { f, rows: vec![] });
    }
    match state
        .store
        .appeals(Some(&c.session.user.tenant), Some("pending"), 200)
        .await
    {
        Ok(list) => page(AppealsPage {
            f,
            rows: list
                .into_iter()
                .map(|a| {
                    (
                        a.id.0,
                        a.case_id.0,
                        a.account,
                        a.reason,
                        rfc3339(a.filed_at),
                    )
                })
                .collect(),
        }),
        Err(e) => fail(e),
    }
}

/// The appeal decision form.
#[derive(Deserialize)]
pub struct AppealForm {
    csrf: String,
    decision: String,
    note: String,
}

/// `POST /appeals/{id}/decision`.
pub async fn decide_appeal(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<AppealForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let Ok(Some(appeal)) = state.store.appeal(AppealId(id)).await else {
        return not_found(c.lang());
    };
    if check(&c.session.user, Permission::WorkCases(&appeal.platform)).is_err() {
        return not_found(c.lang());
    }
    let decision = match form.decision.as_str() {
        "uphold" => AppealDecision::Uphold,
        "reverse" => AppealDecision::Reverse,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "decision: expected uphold or reverse",
            )
                .into_response();
        }
    };
    match state
        .store
        .decide_appeal(
            appeal.id,
            decision,
            &form.note,
            &c.session.user,
            state.clock.now(),
        )
        .await
    {
        Ok((_, order)) => {
            if order.is_some() {
                state.notify.notify_one();
            }
            Redirect::to("/appeals").into_response()
        }
        Err(e) => refused(e),
    }
}

// ---- audit ----

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    f: Frame,
    verified: Option<(bool, String)>,
    rows: Vec<(i64, String, String, String, String, String)>,
}

/// Query of the audit page.
#[derive(Deserialize)]
pub struct AuditQuery {
    verify: Option<String>,
}

/// `GET /audit` (`?verify=1` walks the chain).
pub async fn audit(
    State(state): State<AppState>,
    c: Console,
    Query(q): Query<AuditQuery>,
) -> Response {
    let f = Frame::of(&c);
    if !f.reads_audit() {
        return (
            StatusCode::FORBIDDEN,
            "the audit log needs the auditor role",
        )
            .into_response();
    }
    let verified = if q.verify.is_some() {
        match state.store.verify_audit().await {
            Ok(Ok((n, head))) => Some((true, format!("{n} — {head}"))),
            Ok(Err(b)) => Some((false, b.to_string())),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    match state.store.audit_latest(200).await {
        Ok(entries) => page(AuditPage {
            f,
            verified,
            rows: entries
                .into_iter()
                .map(|e| {
                    (
                        e.seq,
                        rfc3339(e.record.at),
                        e.record.actor,
                        e.record.action,
                        e.record.subject,
                        e.hash[..12].to_owned(),
                    )
                })
                .collect(),
        }),
        Err(e) => fail(e),
    }
}
