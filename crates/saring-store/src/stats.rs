//! Read-only queries for the console: the dashboard's aggregates — items scored and flagged
//! per day, decisions by action, time to decision, appeal outcomes, enforcement-order
//! delivery, counts per location with small counts suppressed (k-anonymity) — and the
//! authorities' list of their requests with the cases' status and deadlines.
//!
//! Every query takes a [`StatsScope`] (one platform, or all for the authorities and
//! auditors) and a time window in milliseconds; the window is half-open, `[from, to)`.
//! The SQL is the plain subset SQLite and PostgreSQL share: `$n` placeholders, `CASE`,
//! `COUNT(DISTINCT …)`, integer division for UTC day buckets.

use saring_core::case::{CaseSource, CaseStatus};
use saring_core::ids::{CaseId, ReportId};
use serde::Serialize;
use sqlx::Row;

use crate::{Error, Result, Store};

/// Milliseconds in a day: UTC day buckets are `ms / DAY_MS` (the queries spell it out).
pub const DAY_MS: i64 = 86_400_000;

/// Whose data an aggregate covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsScope<'a> {
    /// One platform's data.
    Platform(&'a str),
    /// Every platform's (the regulator, auditors, the operator).
    All,
}

impl<'a> StatsScope<'a> {
    /// The platform to bind, `None` for all.
    pub(crate) fn platform(self) -> Option<&'a str> {
        match self {
            Self::Platform(p) => Some(p),
            Self::All => None,
        }
    }
}

/// Items received on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Items scored.
    pub scored: i64,
    /// Items the detector labelled as solicitation.
    pub flagged: i64,
}

/// Appeals filed in the window, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AppealCounts {
    /// Not decided yet.
    pub pending: i64,
    /// Decided: the decision stands.
    pub upheld: i64,
    /// Decided: the decision was undone.
    pub reversed: i64,
}

impl AppealCounts {
    /// Reversed appeals as a share of decided ones; `None` when none was decided.
    pub fn reversal_rate(&self) -> Option<f64> {
        let decided = self.upheld + self.reversed;
        // Counts are far below 2^52, so the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        (decided > 0).then(|| self.reversed as f64 / decided as f64)
    }
}

/// One location's counts over the window, after suppression: `None` means "fewer than k".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationCounts {
    /// The location (an apartment complex or area), as the platform sent it.
    pub location: String,
    /// Distinct accounts with flagged content there.
    pub accounts: Option<i64>,
    /// Flagged items there.
    pub items: Option<i64>,
    /// Cases opened there.
    pub cases: Option<i64>,
}

/// Applies k-anonymity to one location's raw counts: when fewer than `k` distinct accounts
/// stand behind the row, every count is withheld (the items and cases would point at those
/// few accounts); otherwise each count below `k` is withheld on its own.
pub fn suppress(location: String, accounts: i64, items: i64, cases: i64, k: i64) -> LocationCounts {
    let shown = |n: i64| (n >= k).then_some(n);
    if accounts < k {
        LocationCounts {
            location,
            accounts: None,
            items: None,
            cases: None,
        }
    } else {
        LocationCounts {
            location,
            accounts: Some(accounts),
            items: shown(items),
            cases: shown(cases),
        }
    }
}

/// An authority's request (a report) and where its case stands — status only, never content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityRequest {
    /// The report.
    pub report_id: ReportId,
    /// Platform.
    pub platform: String,
    /// The platform's account id.
    pub account: String,
    /// Filed (ms).
    pub filed_at: i64,
    /// The case it opened or joined.
    pub case_id: CaseId,
    /// The case's status.
    pub status: CaseStatus,
    /// The case's decide-by time (ms), if any.
    pub deadline: Option<i64>,
    /// When the case was closed (ms), if it was.
    pub closed_at: Option<i64>,
}

impl Store {
    /// Single reports filed from `source` (the regulator's or the police's) through
    /// `POST /v1/reports` — not the items of a multi-account request, which `requests` lists —
    /// open cases first by deadline, then the newest; at most `limit`.
    pub async fn authority_requests(
        &self,
        source: CaseSource,
        limit: i64,
    ) -> Result<Vec<AuthorityRequest>> {
        let g = Error::db("list requests");
        let rows = sqlx::query(
            "SELECT r.id, r.platform, r.account, r.created_at, r.case_id, c.status, c.deadline, c.closed_at
             FROM reports r JOIN cases c ON c.id = r.case_id
             WHERE r.source = $1 AND NOT EXISTS (SELECT 1 FROM request_items i WHERE i.report_id = r.id)
             ORDER BY CASE WHEN c.status = 'open' THEN 0 ELSE 1 END,
                      CASE WHEN c.deadline IS NULL THEN 1 ELSE 0 END, c.deadline, r.id DESC
             LIMIT $2",
        )
        .bind(source.as_str())
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status").map_err(g)?;
                Ok(AuthorityRequest {
                    report_id: ReportId(r.try_get("id").map_err(g)?),
                    platform: r.try_get("platform").map_err(g)?,
                    account: r.try_get("account").map_err(g)?,
                    filed_at: r.try_get("created_at").map_err(g)?,
                    case_id: CaseId(r.try_get("case_id").map_err(g)?),
                    status: CaseStatus::parse(&status)
                        .ok_or_else(|| Error::Corrupt(format!("unknown case status {status:?}")))?,
                    deadline: r.try_get("deadline").map_err(g)?,
                    closed_at: r.try_get("closed_at").map_err(g)?,
                })
            })
            .collect()
    }

    /// Items scored and flagged per UTC day of receipt, for the days that had any.
    pub async fn scored_per_day(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<DayCount>> {
        let g = Error::db("count items per day");
        let rows = sqlx::query(
            "SELECT received_at / 86400000 AS day, COUNT(*) AS scored,
                    SUM(CASE WHEN label = 'solicitation' THEN 1 ELSE 0 END) AS flagged
             FROM events
             WHERE ($1 IS NULL OR platform = $1) AND received_at >= $2 AND received_at < $3
             GROUP BY received_at / 86400000 ORDER BY day",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                Ok(DayCount {
                    day: r.try_get("day").map_err(g)?,
                    scored: r.try_get("scored").map_err(g)?,
                    flagged: r.try_get("flagged").map_err(g)?,
                })
            })
            .collect()
    }

    /// Decisions taken in the window, by action (`freeze`, `restrict`, …), alphabetically.
    pub async fn decisions_by_action(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.count_by(
            "decisions",
            "action",
            "decided_at",
            scope,
            from,
            to,
            "count decisions",
        )
        .await
    }

    /// For each decision taken in the window (at most `limit`, the latest), the time from the
    /// case's opening to the decision, in milliseconds.
    pub async fn decision_times(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        let g = Error::db("read decision times");
        let rows = sqlx::query(
            "SELECT d.decided_at - c.opened_at AS ms FROM decisions d JOIN cases c ON c.id = d.case_id
             WHERE ($1 IS NULL OR d.platform = $1) AND d.decided_at >= $2 AND d.decided_at < $3
             ORDER BY d.id DESC LIMIT $4",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .bind(limit.clamp(1, 100_000))
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("ms").map_err(g))
            .collect()
    }

    /// Appeals filed in the window, by status.
    pub async fn appeal_counts(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<AppealCounts> {
        let g = Error::db("count appeals");
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM appeals
             WHERE ($1 IS NULL OR platform = $1) AND filed_at >= $2 AND filed_at < $3
             GROUP BY status",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        let mut out = AppealCounts::default();
        for r in &rows {
            let status: String = r.try_get("status").map_err(g)?;
            let n: i64 = r.try_get("n").map_err(g)?;
            match status.as_str() {
                "pending" => out.pending += n,
                "upheld" => out.upheld += n,
                "reversed" => out.reversed += n,
                other => {
                    return Err(Error::Corrupt(format!("unknown appeal status {other:?}")));
                }
            }
        }
        Ok(out)
    }

    /// Enforcement orders created in the window, by delivery status (`pending`, `delivered`,
    /// `failing`, `given_up`), alphabetically.
    pub async fn orders_by_status(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.count_by(
            "orders",
            "status",
            "created_at",
            scope,
            from,
            to,
            "count orders",
        )
        .await
    }

    /// Rows of `table` in the scope whose `time` falls in the window, counted per value of
    /// `column`, alphabetically. The names are this module's constants, never input.
    #[allow(clippy::too_many_arguments)]
    async fn count_by(
        &self,
        table: &'static str,
        column: &'static str,
        time: &'static str,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
        what: &'static str,
    ) -> Result<Vec<(String, i64)>> {
        let g = Error::db(what);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {column} AS k, COUNT(*) AS n FROM {table}
             WHERE ($1 IS NULL OR platform = $1) AND {time} >= $2 AND {time} < $3
             GROUP BY {column} ORDER BY {column}"
        )))
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| Ok((r.try_get("k").map_err(g)?, r.try_get("n").map_err(g)?)))
            .collect()
    }

    /// Per location, over the window: distinct accounts with flagged content, flagged items,
    /// and cases opened — suppressed below `k` with [`suppress`]. Sorted by location.
    pub async fn location_counts(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
        k: i64,
    ) -> Result<Vec<LocationCounts>> {
        let g = Error::db("count per location");
        let flagged = sqlx::query(
            "SELECT location, COUNT(DISTINCT platform || ':' || account) AS accounts, COUNT(*) AS items
             FROM events
             WHERE ($1 IS NULL OR platform = $1) AND received_at >= $2 AND received_at < $3
               AND label = 'solicitation' AND location IS NOT NULL
             GROUP BY location",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        let cases = sqlx::query(
            "SELECT location, COUNT(*) AS n FROM cases
             WHERE ($1 IS NULL OR platform = $1) AND opened_at >= $2 AND opened_at < $3
               AND location IS NOT NULL
             GROUP BY location",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        let mut raw: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
        for r in &flagged {
            let e = raw.entry(r.try_get("location").map_err(g)?).or_default();
            e.0 = r.try_get("accounts").map_err(g)?;
            e.1 = r.try_get("items").map_err(g)?;
        }
        for r in &cases {
            let e = raw.entry(r.try_get("location").map_err(g)?).or_default();
            e.2 = r.try_get("n").map_err(g)?;
        }
        Ok(raw
            .into_iter()
            .map(|(location, (accounts, items, cases))| {
                suppress(location, accounts, items, cases, k)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_hides_rows_of_too_few_accounts_and_small_counts() {
        let k = 5;
        let below = suppress("Kalibata City".into(), k - 1, 40, 9, k);
        assert_eq!(
            (below.accounts, below.items, below.cases),
            (None, None, None)
        );
        let at = suppress("Kalibata City".into(), k, 40, k - 1, k);
        assert_eq!((at.accounts, at.items, at.cases), (Some(k), Some(40), None));
    }

    #[test]
    fn reversal_rate_is_over_decided_appeals() {
        let a = AppealCounts {
            pending: 7,
            upheld: 3,
            reversed: 1,
        };
        assert_eq!(a.reversal_rate(), Some(0.25));
        assert_eq!(AppealCounts::default().reversal_rate(), None);
    }
}
