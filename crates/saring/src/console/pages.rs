//! The console's pages: each handler checks the session and the authorisation policy, calls
//! the store, and renders a compiled template.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use saring_core::audit::sha256_hex;
use saring_core::auth::{Permission, Principal, Role, SYSTEM, check};
use saring_core::case::CaseStatus;
use saring_core::decision::{Action, Ground};
use saring_core::ids::{AppealId, CaseId};
use saring_core::time::rfc3339;
use saring_store::{AppealDecision, CaseFilter, DecisionInput};
use serde::Deserialize;

use super::highlight::{Segment, reveal, segments};
use super::{
    BLUR_COOKIE, Console, LOGIN_CSRF_COOKIE, Lang, SESSION_COOKIE, cookie, is_tls, same, set_cookie,
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
    /// Whether content text is blurred.
    pub blurred: bool,
}

impl Frame {
    pub(super) fn of(c: &Console) -> Self {
        Frame {
            t: c.lang(),
            user: Some(c.session.user.clone()),
            csrf: c.session.csrf.clone(),
            blurred: c.blur,
        }
    }

    fn anonymous(t: Lang, csrf: String) -> Self {
        Frame {
            t,
            user: None,
            csrf,
            blurred: false,
        }
    }

    /// Whether the user works a platform's review queue and appeals.
    pub fn works_cases(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Moderator) && u.tenant != SYSTEM)
    }

    /// Whether the user may read review queues: a platform's people their own, the
    /// operator's admins every platform's (read only).
    pub fn reads_queue(&self) -> bool {
        self.works_cases() || self.user.as_ref().is_some_and(Principal::is_system_admin)
    }

    /// The source of this user's requests, for an authority (the regulator, the police).
    pub fn authority(&self) -> Option<saring_core::case::CaseSource> {
        use saring_core::auth::{POLICE, REGULATOR};
        use saring_core::case::CaseSource;
        self.user.as_ref().and_then(|u| match u.role {
            Role::Regulator if u.tenant == REGULATOR => Some(CaseSource::Regulator),
            Role::Police if u.tenant == POLICE => Some(CaseSource::Police),
            _ => None,
        })
    }

    /// Whether the user has a dashboard.
    pub fn sees_dashboard(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| super::dashboard::scope_of(u).is_some())
    }

    /// Whether the user may read the audit log.
    pub fn reads_audit(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| check(u, Permission::ReadAudit).is_ok())
    }
}

pub(super) fn page(t: impl Template) -> Response {
    match t.render() {
        // The security headers are added by the console router's layers.
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    f: Frame,
}

/// The answer for what does not exist — or belongs to another tenant, which this user must
/// not be able to tell apart.
pub(super) fn not_found(c: &Console) -> Response {
    let mut r = page(NotFoundPage { f: Frame::of(c) });
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

pub(super) fn fail(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "console request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; the details are in the server log",
    )
        .into_response()
}

/// The answer to a store refusal: 409 for conflicts, 422 for invalid values, 507 for a full
/// disk, 500 otherwise.
pub(super) fn refused(e: saring_store::Error) -> Response {
    match e {
        e if e.is_storage_full() => {
            tracing::error!(error = %e, "the store's disk is full");
            (
                StatusCode::INSUFFICIENT_STORAGE,
                "the store's disk is full; nothing was changed, retry once space is freed",
            )
                .into_response()
        }
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
        f: Frame::anonymous(t, csrf.clone()),
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
    // Sign-in attempts are limited per user name (all unknown names share one bucket).
    let known = candidate.as_ref().map(|(u, _)| u.name.as_str());
    if let Err(wait) = state.limits.check_login(known) {
        let secs = crate::serve::limits::retry_after_secs(wait);
        tracing::info!("console sign-in rate-limited");
        let message = match t {
            Lang::En => format!("too many sign-in attempts; try again in {secs} s"),
            Lang::Id => format!("terlalu banyak percobaan masuk; coba lagi dalam {secs} detik"),
        };
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs.to_string())],
            message,
        )
            .into_response();
    }
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
            f: Frame::anonymous(t, form.csrf),
            error: true,
        });
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
        return resp;
    };
    let session_ttl_ms = state.config.auth.session_ttl_hours * saring_core::time::HOUR_MS;
    let value = new_token();
    if let Err(e) = state
        .store
        .create_session(
            &sha256_hex(value.as_bytes()),
            &user,
            &new_token(),
            t.code(),
            state.clock.now(),
            session_ttl_ms,
        )
        .await
    {
        return fail(e);
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(v) = set_cookie(
        SESSION_COOKIE,
        &value,
        session_ttl_ms / 1000,
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
    pub(super) csrf: String,
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
    Redirect::to(&local_path(form.back)).into_response()
}

/// `GET /`: the first page this user's role has.
pub async fn home(c: Console) -> Response {
    let f = Frame::of(&c);
    if f.reads_queue() {
        Redirect::to("/queue").into_response()
    } else if f.authority().is_some() {
        Redirect::to("/requests").into_response()
    } else if f.sees_dashboard() {
        Redirect::to("/dashboard").into_response()
    } else if f.reads_audit() {
        Redirect::to("/audit").into_response()
    } else {
        (
            StatusCode::FORBIDDEN,
            "the console has no page for your role yet; use the API",
        )
            .into_response()
    }
}

/// The blur switch.
#[derive(Deserialize)]
pub struct BlurForm {
    csrf: String,
    blur: String,
    back: Option<String>,
}

/// `POST /blur`: remembers whether content text is blurred (the script does the same without
/// a round trip).
pub async fn set_blur(c: Console, Form(form): Form<BlurForm>) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let on = form.blur == "1";
    let mut resp = Redirect::to(&local_path(form.back)).into_response();
    let value = format!(
        "{BLUR_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        if on { "1" } else { "0" }
    );
    if let Ok(v) = value.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A local path to go back to (never another site), `/` when absent or unusable. Only
/// visible ASCII passes, so the `Location` header is always valid (`Redirect::to` would
/// panic on a control character).
fn local_path(back: Option<String>) -> String {
    back.filter(|b| {
        b.starts_with('/')
            && !b.starts_with("//")
            && !b.contains('\\')
            && b.bytes().all(|c| c.is_ascii_graphic())
    })
    .unwrap_or_else(|| "/".into())
}

// ---- queue ----

/// One row of the queue.
pub struct QueueRow {
    id: i64,
    platform: String,
    account: String,
    score: String,
    minor_risk: bool,
    third_party: bool,
    deadline: String,
    overdue: bool,
    location: String,
    opened: String,
    claimed: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    f: Frame,
    rows: Vec<QueueRow>,
    /// Platforms the user may pick from; one for a platform's people.
    platforms: Vec<String>,
    platform: String,
    flag: String,
    status: String,
    location: String,
    statuses: Vec<&'static str>,
}

/// Filters of the queue page.
#[derive(Deserialize)]
pub struct QueueQuery {
    platform: Option<String>,
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
    if !f.reads_queue() {
        return (
            StatusCode::FORBIDDEN,
            "the review queue needs a platform's admin or moderator role",
        )
            .into_response();
    }
    // A platform's people see their platform; the operator's admins pick one (or all).
    let platforms: Vec<String> = if user.tenant == SYSTEM {
        match state.store.platforms().await {
            Ok(p) => p.into_iter().map(|p| p.id).collect(),
            Err(e) => return fail(e),
        }
    } else {
        vec![user.tenant.clone()]
    };
    let platform = if user.tenant == SYSTEM {
        match q.platform.filter(|p| !p.is_empty()) {
            Some(p) if platforms.contains(&p) => Some(p),
            Some(_) => return not_found(&c),
            None => None,
        }
    } else {
        // Asking for another platform's queue shows nothing of it: the filter is the tenant.
        match q.platform.filter(|p| !p.is_empty()) {
            Some(p) if p != user.tenant => return not_found(&c),
            _ => Some(user.tenant.clone()),
        }
    };
    let flag = match q.flag.filter(|f| !f.is_empty()) {
        Some(f) if matches!(f.as_str(), "minor_risk" | "third_party") => Some(f),
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "flag: expected minor_risk or third_party",
            )
                .into_response();
        }
        None => None,
    };
    let status = match q.status.filter(|s| !s.is_empty()) {
        Some(s) => match CaseStatus::parse(&s) {
            Some(st) => st,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    "status: expected open, actioned, dismissed, appealed, upheld or reversed",
                )
                    .into_response();
            }
        },
        None => CaseStatus::Open,
    };
    let location = q
        .location
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    let filter = CaseFilter {
        platform: platform.clone(),
        status: Some(status),
        flag: flag.clone(),
        location: location.clone(),
        limit: Some(200),
    };
    let (cases, names) = match tokio::try_join!(
        state.store.queue(&filter),
        user_names(&state, platform.as_deref())
    ) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let now = state.clock.now();
    let rows = cases
        .into_iter()
        .map(|c| QueueRow {
            claimed: claim_label(&c, now, &names),
            id: c.id.0,
            platform: c.platform,
            account: reveal(&c.account),
            score: format!("{:.2}", c.score),
            minor_risk: c.minor_risk,
            third_party: c.third_party,
            deadline: c.deadline.map(|d| countdown(d - now)).unwrap_or_default(),
            overdue: c.deadline.is_some_and(|d| d < now),
            location: c.location.unwrap_or_default(),
            opened: rfc3339(c.opened_at),
        })
        .collect();
    page(QueuePage {
        f,
        rows,
        platforms,
        platform: platform.unwrap_or_default(),
        flag: flag.unwrap_or_default(),
        status: status.as_str().to_owned(),
        location: location.unwrap_or_default(),
        statuses: vec![
            "open",
            "actioned",
            "dismissed",
            "appealed",
            "upheld",
            "reversed",
        ],
    })
}

/// User ids to names, for "claimed by"; of one platform, or everyone's for the operator.
async fn user_names(
    state: &AppState,
    tenant: Option<&str>,
) -> saring_store::Result<std::collections::HashMap<i64, String>> {
    Ok(state
        .store
        .users(tenant)
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect())
}

/// The claim holder's name (or `#id`) while a claim is live, else empty.
fn claim_label(
    case: &saring_store::CaseRow,
    now: i64,
    names: &std::collections::HashMap<i64, String>,
) -> String {
    case.holder(now)
        .map(|u| names.get(&u).cloned().unwrap_or_else(|| format!("#{u}")))
        .unwrap_or_default()
}

/// `3h 05m`, or `overdue 1h 10m`.
pub(super) fn countdown(ms: i64) -> String {
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
    platform: String,
    minor_risk: bool,
    third_party: bool,
    deadline: String,
    claimed: String,
    claimed_by_me: bool,
    can_work: bool,
    evidence: Vec<EvidenceRow>,
    explanation: String,
    /// The account: status, score, items, flagged items, first and last seen, flags.
    account_summary: Option<AccountSummary>,
    reports: Vec<(String, String, String)>,
    decisions: Vec<(String, String, String, String, bool)>,
    history: Vec<(String, String, String)>,
    prior: Vec<(i64, String)>,
    recommended: String,
    recommended_reason: String,
    grounds: Vec<(String, String)>,
    actions: Vec<String>,
    suggested_ground: String,
    sor_preview: String,
    orders: Vec<OrderView>,
    appeals: Vec<(i64, String, String)>,
    /// The account's network on the case's platform: (account, status).
    network_members: Vec<(String, String)>,
    /// Its links: (account a, account b, evidence kind, value or strength, the two events).
    network_links: Vec<(String, String, String, String, String)>,
    network_truncated: bool,
    /// A network freeze of this case waiting for approval: (id, proposed by me).
    network_pending: Option<(i64, bool)>,
    /// Flagged minor_risk or third_party: the referral panel shows, the decision needs a
    /// referral record.
    protection: bool,
    /// The protection services configured: (name, kind, phone, url).
    contacts: Vec<(String, String, String, String)>,
    /// The kind the case's flags point to first.
    referral_kind: String,
    /// The authorities' request items on this case.
    request_items: Vec<super::requests::ItemView>,
    /// Reasons a request item can be rejected with.
    reject_codes: Vec<&'static str>,
}

/// The account behind a case, as the case page shows it.
pub struct AccountSummary {
    status: String,
    score: String,
    events: i64,
    flagged_events: i64,
    first_seen: String,
    last_seen: String,
    flags: String,
}

/// An enforcement order's delivery, as the case page shows it.
pub struct OrderView {
    id: String,
    kind: String,
    status: String,
    attempts: i64,
    created: String,
    delivered: String,
    last_error: String,
}

/// `GET /cases/{id}`.
pub async fn case(State(state): State<AppState>, c: Console, Path(id): Path<i64>) -> Response {
    let f = Frame::of(&c);
    let detail = match state.store.case_detail(CaseId(id)).await {
        Ok(Some(d)) => d,
        Ok(None) => return not_found(&c),
        Err(e) => return fail(e),
    };
    // Another tenant's case does not exist for this user.
    if check(
        &c.session.user,
        Permission::ReadCases(&detail.case.platform),
    )
    .is_err()
    {
        return not_found(&c);
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
                    (g("family"), g("rule"), reveal(&g("text")))
                })
                .collect(),
        })
        .collect();
    let rec = detail.recommendation;
    // The ground the form suggests (and the preview assumes): child protection on minor-risk
    // signs, trafficking on third-party signs, else the ITE decency article.
    let ground = if detail.case.minor_risk {
        Ground::ChildProtection
    } else if detail.case.third_party {
        Ground::Trafficking
    } else {
        Ground::IteDecency
    };
    let sor_preview = {
        let families =
            saring_core::decision::evidence_families(detail.events.iter().map(|e| &e.signals));
        let flags = saring_core::decision::protection_flags(
            detail.case.minor_risk,
            detail.case.third_party,
        );
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
    let same_platform = |p: &str| p == detail.case.platform;
    let network = match state
        .store
        .network_of(
            &detail.case.platform,
            &detail.case.account,
            state.networks.config().max_members,
            &same_platform,
        )
        .await
    {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    let network_pending = match state
        .store
        .network_actions(Some(&detail.case.platform), Some("pending"))
        .await
    {
        Ok(rows) => rows
            .into_iter()
            .find(|a| a.case_id == id)
            .map(|a| (a.id, a.proposed_by == c.session.user.id.0)),
        Err(e) => return fail(e),
    };
    let names = match user_names(&state, Some(&detail.case.platform)).await {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    let request_items = match state.store.request_items_for_case(detail.case.id).await {
        Ok(items) => items
            .iter()
            .map(|i| super::requests::ItemView::of(i, now, &c.session.user))
            .collect(),
        Err(e) => return fail(e),
    };
    let name_of = |actor: &str| {
        actor
            .strip_prefix("user:")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| actor.to_owned())
    };
    let network_links = network
        .links
        .iter()
        .map(|l| {
            let what = match (l.kind.as_str(), l.strength) {
                ("template", Some(s)) => format!("{s:.2}"),
                ("photo", Some(d)) => format!("{d:.0} bit"),
                _ => reveal(&l.value),
            };
            (
                reveal(&l.account_a),
                reveal(&l.account_b),
                l.kind.clone(),
                what,
                format!("{} ↔ {}", reveal(&l.item_a), reveal(&l.item_b)),
            )
        })
        .collect();
    let network_members = network
        .members
        .iter()
        .map(|m| (reveal(&m.account), m.status.clone()))
        .collect();
    let protection = detail.case.minor_risk || detail.case.third_party;
    page(CasePage {
        f,
        id,
        protection,
        contacts: state
            .config
            .protection
            .contacts
            .iter()
            .map(|k| {
                (
                    k.name.clone(),
                    k.kind.as_str().to_owned(),
                    k.phone.clone().unwrap_or_default(),
                    k.url.clone().unwrap_or_default(),
                )
            })
            .collect(),
        referral_kind: saring_core::request::ReferralKind::for_flags(
            detail.case.minor_risk,
            detail.case.third_party,
        )
        .map(|k| k.as_str().to_owned())
        .unwrap_or_default(),
        request_items,
        reject_codes: saring_core::request::RejectCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect(),
        network_members,
        network_links,
        network_truncated: network.truncated,
        network_pending,
        account: reveal(&detail.case.account),
        platform: detail.case.platform.clone(),
        status: detail.case.status.as_str().to_owned(),
        score: format!("{:.3}", detail.case.score),
        minor_risk: detail.case.minor_risk,
        third_party: detail.case.third_party,
        deadline: detail
            .case
            .deadline
            .map(|d| countdown(d - now))
            .unwrap_or_default(),
        claimed: claim_label(&detail.case, now, &names),
        claimed_by_me: detail.case.holder(now) == Some(c.session.user.id.0),
        can_work,
        evidence,
        explanation,
        account_summary: detail.account.as_ref().map(|a| AccountSummary {
            status: a.status.clone(),
            score: format!("{:.3}", a.score),
            events: a.events,
            flagged_events: a.flagged_events,
            first_seen: rfc3339(a.first_seen),
            last_seen: rfc3339(a.last_seen),
            flags: a.flags.join(", "),
        }),
        reports: detail
            .reports
            .iter()
            .map(|r| {
                (
                    rfc3339(r.created_at),
                    r.source.as_str().to_owned(),
                    reveal(&r.reason),
                )
            })
            .collect(),
        decisions: detail
            .decisions
            .iter()
            .map(|d| {
                (
                    rfc3339(d.decided_at),
                    name_of(&format!("user:{}", d.moderator)),
                    d.action.as_str().to_owned(),
                    d.ground.as_str().to_owned(),
                    d.reversed,
                )
            })
            .collect(),
        history: detail
            .history
            .iter()
            .map(|h| (rfc3339(h.at), name_of(&h.actor), h.kind.clone()))
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
        suggested_ground: ground.as_str().to_owned(),
        sor_preview,
        orders: detail
            .orders
            .iter()
            .map(|o| OrderView {
                id: o.id.clone(),
                kind: o.kind.as_str().to_owned(),
                status: o.status.as_str().to_owned(),
                attempts: o.attempts,
                created: rfc3339(o.created_at),
                delivered: o.delivered_at.map(rfc3339).unwrap_or_default(),
                last_error: o.last_error.clone().unwrap_or_default(),
            })
            .collect(),
        appeals: detail
            .appeals
            .iter()
            .map(|a| (a.id.0, a.status.clone(), reveal(&a.reason)))
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
        return not_found(&c);
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

/// `POST /cases/{id}/release`.
pub async fn release(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let Some(case) = workable_case(&state, &c, id).await else {
        return not_found(&c);
    };
    match state
        .store
        .release(case.id, &c.session.user, state.clock.now())
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
    /// `yes` or `no` on a protection case; absent otherwise.
    #[serde(default)]
    referral_made: String,
    #[serde(default)]
    referral_to: String,
    #[serde(default)]
    referral_kind: String,
    #[serde(default)]
    referral_note: String,
}

impl DecisionForm {
    /// The referral the form records, if it says whether one was made; else what is wrong.
    fn referral(&self) -> Result<Option<saring_store::ReferralInput>, &'static str> {
        let made = match self.referral_made.as_str() {
            "yes" => true,
            "no" => false,
            "" => return Ok(None),
            _ => return Err("referral_made: expected yes or no"),
        };
        let kind = match self.referral_kind.as_str() {
            "" => None,
            k => Some(
                saring_core::request::ReferralKind::parse(k)
                    .ok_or("referral_kind: expected child_protection, anti_trafficking or other")?,
            ),
        };
        Ok(Some(saring_store::ReferralInput {
            made,
            kind,
            to: self.referral_to.clone(),
            note: self.referral_note.clone(),
        }))
    }
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
        return not_found(&c);
    };
    let (Some(action), Some(ground)) = (Action::parse(&form.action), Ground::parse(&form.ground))
    else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action or ground").into_response();
    };
    let referral = match form.referral() {
        Ok(r) => r,
        Err(msg) => return (StatusCode::UNPROCESSABLE_ENTITY, msg).into_response(),
    };
    match state
        .store
        .decide(
            case.id,
            &DecisionInput {
                action,
                ground,
                note: form.note,
                referral,
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

/// The network-freeze form.
#[derive(Debug, Deserialize)]
pub struct NetworkFreezeForm {
    csrf: String,
    ground: String,
    note: String,
}

/// `POST /cases/{id}/network-freeze`: proposes freezing the case's network.
pub async fn propose_network_freeze(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<NetworkFreezeForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let Some(case) = workable_case(&state, &c, id).await else {
        return not_found(&c);
    };
    let Some(ground) = Ground::parse(&form.ground) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown ground").into_response();
    };
    match state
        .store
        .propose_network_freeze(
            case.id,
            state.networks.config().max_members,
            ground,
            &form.note,
            &c.session.user,
            state.clock.now(),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => refused(e),
    }
}

/// The approve/reject form of a network freeze.
#[derive(Debug, Deserialize)]
pub struct NetworkActionForm {
    csrf: String,
    /// `approve` or `reject`.
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /network-actions/{id}`: a second moderator approves (or anyone rejects) a network
/// freeze.
pub async fn decide_network_action(
    State(state): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<NetworkActionForm>,
) -> Response {
    if !c.csrf_ok(&form.csrf) {
        return super::csrf_refused();
    }
    let action = match state.store.network_action(id).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(&c),
        Err(e) => return fail(e),
    };
    if check(&c.session.user, Permission::WorkCases(&action.platform)).is_err() {
        return not_found(&c);
    }
    let now = state.clock.now();
    let result = match form.decision.as_str() {
        "approve" => state
            .store
            .approve_network_action(id, &c.session.user, now)
            .await
            .map(|_| state.notify.notify_one()),
        "reject" => state
            .store
            .reject_network_action(id, &form.reason, &c.session.user, now)
            .await
            .map(|_| ()),
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "decision: approve or reject",
            )
                .into_response();
        }
    };
    match result {
        Ok(()) => Redirect::to(&format!("/cases/{}", action.case_id)).into_response(),
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
                        reveal(&a.account),
                        reveal(&a.reason),
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
        return not_found(&c);
    };
    if check(&c.session.user, Permission::WorkCases(&appeal.platform)).is_err() {
        return not_found(&c);
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

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn switches_only_go_back_to_local_paths() {
        assert_eq!(
            local_path(Some("/queue?flag=minor_risk".into())),
            "/queue?flag=minor_risk"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/x\r\nSet-Cookie: a=b",
            "/é",
        ] {
            assert_eq!(local_path(Some(bad.into())), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
