//! The dashboard: the service's numbers over the last days, as server-rendered SVG charts
//! with the same numbers in tables beside them, and a per-location table with small counts
//! suppressed (k-anonymity, `console.k_anonymity`).
//!
//! Whose numbers: a platform's admins, moderators and auditors see their platform; the
//! regulator, auditors of the authorities' or the operator's tenants, and the operator's
//! admins see every platform; the police and the operator's moderators have no dashboard.
//! `saring_core::auth` has no statistics permission yet, so the rule is [`scope_of`], built on
//! the same roles and tenants.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saring_core::auth::{Principal, REGULATOR, RESERVED_TENANTS, Role, SYSTEM};
use saring_core::time::{DAY_MS, HOUR_MS, date};
use saring_store::{AppealCounts, StatsScope};
use serde::Deserialize;

use super::Console;
use super::charts::{self, Bar};
use super::pages::{Frame, fail, page};

/// Days shown when the query does not say.
const DEFAULT_DAYS: i64 = 14;
/// The most days one page shows.
const MAX_DAYS: i64 = 90;
/// The most decisions the time-to-decision chart reads.
const MAX_DECISION_TIMES: i64 = 50_000;

/// Whose numbers `u` may see on the dashboard; `None`: no dashboard for this user.
pub fn scope_of(u: &Principal) -> Option<StatsScope<'_>> {
    let platform_tenant = !RESERVED_TENANTS.contains(&u.tenant.as_str());
    match u.role {
        Role::Admin | Role::Moderator | Role::Auditor if platform_tenant => {
            Some(StatsScope::Platform(&u.tenant))
        }
        Role::Admin if u.tenant == SYSTEM => Some(StatsScope::All),
        Role::Auditor => Some(StatsScope::All),
        Role::Regulator if u.tenant == REGULATOR => Some(StatsScope::All),
        _ => None,
    }
}

/// One chart with its numbers.
pub struct Chart {
    /// Element id (`chart-decisions`, …).
    pub id: &'static str,
    /// Translation key of the title.
    pub title: &'static str,
    /// The SVG, or empty when it could not be drawn (the table still shows the numbers).
    pub svg: String,
    /// The numbers: label, value.
    pub rows: Vec<(String, String)>,
}

/// One row of the location table; `None` counts are suppressed.
pub struct LocationRow {
    /// The location.
    pub location: String,
    /// Accounts, items, cases.
    pub counts: [Option<i64>; 3],
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    f: Frame,
    scope: String,
    days: i64,
    k: i64,
    totals: Vec<(&'static str, &'static str, String)>,
    charts: Vec<Chart>,
    locations: Vec<LocationRow>,
    /// Query of the report downloads (`from=…&to=…`), when the user may read reports.
    report_query: Option<String>,
}

/// Query of the dashboard.
#[derive(Deserialize)]
pub struct DashboardQuery {
    days: Option<String>,
}

/// `GET /dashboard` (`?days=N`, 1 to 90, default 14).
pub async fn dashboard(
    State(state): State<crate::serve::AppState>,
    c: Console,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let f = Frame::of(&c);
    let user = c.session.user.clone();
    let Some(scope) = scope_of(&user) else {
        return (
            StatusCode::FORBIDDEN,
            "the dashboard needs a platform's admin, moderator or auditor role, the regulator role, or the auditor role",
        )
            .into_response();
    };
    let days = match q.days.as_deref().map(str::parse::<i64>) {
        None => DEFAULT_DAYS,
        Some(Ok(d)) if (1..=MAX_DAYS).contains(&d) => d,
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("days: expected a whole number from 1 to {MAX_DAYS}"),
            )
                .into_response();
        }
    };
    let k = state.config.console.k_anonymity;
    let today = state.clock.now().div_euclid(DAY_MS);
    let first = today - days + 1;
    let (from, to) = (first * DAY_MS, (today + 1) * DAY_MS);
    let store = &state.store;
    let (per_day, decisions, times, appeals, orders, locations) = match tokio::try_join!(
        store.scored_per_day(scope, from, to),
        store.decisions_by_action(scope, from, to),
        store.decision_times(scope, from, to, MAX_DECISION_TIMES),
        store.appeal_counts(scope, from, to),
        store.orders_by_status(scope, from, to),
        store.location_counts(scope, from, to, k),
    ) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };

    // Every day of the window, empty days included.
    let day_rows: Vec<(String, i64, i64)> = (first..=today)
        .map(|d| {
            let (s, fl) = per_day
                .iter()
                .find(|x| x.day == d)
                .map_or((0, 0), |x| (x.scored, x.flagged));
            (date(d * DAY_MS), s, fl)
        })
        .collect();
    let scored: i64 = day_rows.iter().map(|d| d.1).sum();
    let flagged: i64 = day_rows.iter().map(|d| d.2).sum();
    let count_of = |list: &[(String, i64)], key: &str| {
        list.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
    };
    let failures = count_of(&orders, "failing") + count_of(&orders, "given_up");
    let t = f.t;

    let mut charts = Vec::new();
    // Items scored per day (flagged share in the warning colour is on the next chart).
    let short = |d: &str| d.get(5..).unwrap_or(d).to_owned();
    charts.push(chart(
        "chart-scored",
        "items_per_day",
        charts::bars(
            &day_rows
                .iter()
                .map(|(d, s, _)| Bar {
                    label: short(d),
                    value: as_f64(*s),
                    warn: false,
                })
                .collect::<Vec<_>>(),
            t.t("items"),
        ),
        // The table lists the days that had items; the chart shows every day.
        day_rows
            .iter()
            .filter(|(_, s, _)| *s > 0)
            .map(|(d, s, fl)| (d.clone(), format!("{s} · {}: {fl}", t.t("items_flagged"))))
            .collect(),
    ));
    charts.push(chart(
        "chart-flagged-rate",
        "flagged_rate",
        charts::line(
            &day_rows
                .iter()
                .map(|(d, s, fl)| (short(d), (*s > 0).then(|| as_f64(*fl) / as_f64(*s))))
                .collect::<Vec<_>>(),
            1.0,
            t.t("share"),
        ),
        day_rows
            .iter()
            .filter(|(_, s, _)| *s > 0)
            .map(|(d, s, fl)| (d.clone(), percent(as_f64(*fl) / as_f64(*s))))
            .collect(),
    ));
    let actions = ["freeze", "restrict", "warn", "no_violation"];
    charts.push(chart(
        "chart-decisions",
        "decisions_by_type",
        charts::bars(
            &actions
                .iter()
                .map(|a| Bar {
                    label: (*a).to_owned(),
                    value: as_f64(count_of(&decisions, a)),
                    warn: false,
                })
                .collect::<Vec<_>>(),
            t.t("decisions"),
        ),
        actions
            .iter()
            .map(|a| ((*a).to_owned(), count_of(&decisions, a).to_string()))
            .collect(),
    ));
    let buckets = time_buckets(&times);
    let mut ttd_rows: Vec<(String, String)> = buckets
        .iter()
        .map(|(label, n)| ((*label).to_owned(), n.to_string()))
        .collect();
    if let Some((median, p90)) = median_p90(&times) {
        ttd_rows.push(("median".into(), duration(median)));
        ttd_rows.push(("p90".into(), duration(p90)));
    }
    charts.push(chart(
        "chart-time-to-decision",
        "time_to_decision",
        charts::bars(
            &buckets
                .iter()
                .map(|(label, n)| Bar {
                    label: (*label).to_owned(),
                    value: as_f64(*n),
                    warn: false,
                })
                .collect::<Vec<_>>(),
            t.t("decisions"),
        ),
        ttd_rows,
    ));
    charts.push(appeals_chart(&appeals, t));
    let statuses = ["pending", "delivered", "failing", "given_up"];
    charts.push(chart(
        "chart-orders",
        "order_delivery",
        charts::bars(
            &statuses
                .iter()
                .map(|s| Bar {
                    label: (*s).to_owned(),
                    value: as_f64(count_of(&orders, s)),
                    warn: matches!(*s, "failing" | "given_up"),
                })
                .collect::<Vec<_>>(),
            t.t("orders_short"),
        ),
        statuses
            .iter()
            .map(|s| ((*s).to_owned(), count_of(&orders, s).to_string()))
            .collect(),
    ));

    let totals = vec![
        ("stat-scored", "items_scored", scored.to_string()),
        ("stat-flagged", "items_flagged", flagged.to_string()),
        (
            "stat-flagged-rate",
            "flagged_rate",
            if scored > 0 {
                percent(as_f64(flagged) / as_f64(scored))
            } else {
                "—".into()
            },
        ),
        (
            "stat-decisions",
            "decisions",
            decisions.iter().map(|(_, n)| n).sum::<i64>().to_string(),
        ),
        (
            "stat-reversal-rate",
            "reversal_rate",
            appeals.reversal_rate().map_or_else(|| "—".into(), percent),
        ),
        (
            "stat-order-failures",
            "order_failures",
            failures.to_string(),
        ),
    ];
    page(DashboardPage {
        scope: match scope {
            StatsScope::Platform(p) => p.to_owned(),
            StatsScope::All => t.t("all_platforms").to_owned(),
        },
        report_query: saring_core::auth::check(
            &user,
            saring_core::auth::Permission::ReadReports(
                (!RESERVED_TENANTS.contains(&user.tenant.as_str())).then_some(user.tenant.as_str()),
            ),
        )
        .is_ok()
        .then(|| format!("from={}&to={}", date(from), date(to - 1))),
        f,
        days,
        k,
        totals,
        charts,
        locations: locations
            .into_iter()
            .map(|l| LocationRow {
                location: l.location,
                counts: [l.accounts, l.items, l.cases],
            })
            .collect(),
    })
}

fn appeals_chart(a: &AppealCounts, t: super::Lang) -> Chart {
    let bars = [
        ("upheld", a.upheld, false),
        ("reversed", a.reversed, true),
        ("pending", a.pending, false),
    ];
    let mut rows: Vec<(String, String)> = bars
        .iter()
        .map(|(l, n, _)| ((*l).to_owned(), n.to_string()))
        .collect();
    rows.push((
        t.t("reversal_rate").to_owned(),
        a.reversal_rate().map_or_else(|| "—".into(), percent),
    ));
    chart(
        "chart-appeals",
        "appeal_reversals",
        charts::bars(
            &bars
                .iter()
                .map(|(l, n, warn)| Bar {
                    label: (*l).to_owned(),
                    value: as_f64(*n),
                    warn: *warn,
                })
                .collect::<Vec<_>>(),
            t.t("appeals"),
        ),
        rows,
    )
}

/// A chart, or its table alone when plotters failed (logged).
fn chart(
    id: &'static str,
    title: &'static str,
    svg: anyhow::Result<String>,
    rows: Vec<(String, String)>,
) -> Chart {
    let svg = svg.unwrap_or_else(|e| {
        tracing::error!(error = %format!("{e:#}"), chart = id, "could not draw a chart");
        String::new()
    });
    Chart {
        id,
        title,
        svg,
        rows,
    }
}

/// Counts are small enough to be exact as `f64`.
#[allow(clippy::cast_precision_loss)]
fn as_f64(n: i64) -> f64 {
    n as f64
}

/// `0.25` → `25.0%`.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Decision times in buckets: under 1 h, 1–4 h, 4–24 h, 1–3 days, 3 days or more.
fn time_buckets(times: &[i64]) -> [(&'static str, i64); 5] {
    let mut b = [
        ("<1h", 0),
        ("1-4h", 0),
        ("4-24h", 0),
        ("1-3d", 0),
        (">=3d", 0),
    ];
    for &ms in times {
        let i = match ms {
            ms if ms < HOUR_MS => 0,
            ms if ms < 4 * HOUR_MS => 1,
            ms if ms < DAY_MS => 2,
            ms if ms < 3 * DAY_MS => 3,
            _ => 4,
        };
        b[i].1 += 1;
    }
    b
}

/// The median and 90th percentile (nearest rank) of `times`.
fn median_p90(times: &[i64]) -> Option<(i64, i64)> {
    if times.is_empty() {
        return None;
    }
    let mut v = times.to_vec();
    v.sort_unstable();
    let rank = |p: usize| {
        v[((v.len() * p).div_ceil(100))
            .saturating_sub(1)
            .min(v.len() - 1)]
    };
    Some((rank(50), rank(90)))
}

/// `2h 05m`, `3d 4h`, `45s`.
fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saring_core::ids::UserId;

    fn who(role: Role, tenant: &str) -> Principal {
        Principal {
            id: UserId(1),
            name: "t".into(),
            tenant: tenant.into(),
            role,
        }
    }

    #[test]
    fn scope_follows_role_and_tenant() {
        assert_eq!(
            scope_of(&who(Role::Moderator, "michat")),
            Some(StatsScope::Platform("michat"))
        );
        assert_eq!(
            scope_of(&who(Role::Auditor, "michat")),
            Some(StatsScope::Platform("michat"))
        );
        assert_eq!(scope_of(&who(Role::Auditor, SYSTEM)), Some(StatsScope::All));
        assert_eq!(scope_of(&who(Role::Admin, SYSTEM)), Some(StatsScope::All));
        assert_eq!(
            scope_of(&who(Role::Regulator, REGULATOR)),
            Some(StatsScope::All)
        );
        assert_eq!(scope_of(&who(Role::Police, "police")), None);
        assert_eq!(scope_of(&who(Role::Moderator, SYSTEM)), None);
    }

    #[test]
    fn buckets_and_percentiles() {
        let h = HOUR_MS;
        let times = [h / 2, 2 * h, 5 * h, 30 * h, 100 * h];
        let b = time_buckets(&times);
        assert_eq!(b.map(|x| x.1), [1, 1, 1, 1, 1]);
        assert_eq!(median_p90(&times), Some((5 * h, 100 * h)));
        assert_eq!(median_p90(&[]), None);
        assert_eq!(duration(2 * h + 5 * 60_000), "2h 05m");
        assert_eq!(percent(0.25), "25.0%");
    }
}
