//! Read-only queries behind the reports of issue 7: the transparency report, the export of
//! statements of reasons in the DSA Transparency Database's shape, and the location report
//! for city and building coordination.
//!
//! These queries return *facts* (one row per decision, request, flagged item or action) and
//! leave the arithmetic — medians, shares, week buckets, suppression — to the caller, in Rust,
//! so that the numbers are the same on SQLite and PostgreSQL (their `percentile`, date and
//! string functions differ). Windows are half-open, `[from, to)`, in milliseconds. The SQL is
//! the subset both backends share (see the crate's query conventions).

use saring_core::case::CaseSource;
use saring_core::decision::{Action, Ground};
use saring_core::ids::DecisionId;
use serde::Serialize;
use sqlx::Row;

use crate::stats::StatsScope;
use crate::{Error, Result, Store};

/// One decision taken in the window, with what the reports need of its case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionFact {
    /// The decision.
    pub id: DecisionId,
    /// Its platform.
    pub platform: String,
    /// What was decided.
    pub action: Action,
    /// The policy ground.
    pub ground: Ground,
    /// How the case was opened (automated detection or a notice).
    pub source: CaseSource,
    /// The stored statement of reasons (JSON), `None` for `no_violation`.
    pub statement: Option<String>,
    /// When the case was opened (ms).
    pub opened_at: i64,
    /// When the decision was taken (ms).
    pub decided_at: i64,
    /// Whether an appeal reversed it.
    pub reversed: bool,
}

/// An authority's request (a report from the regulator or the police) filed in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestFact {
    /// The platform it concerns.
    pub platform: String,
    /// `regulator` or `police`.
    pub source: CaseSource,
    /// When it was filed (ms).
    pub filed_at: i64,
    /// The case's decide-by time (ms), when there is one.
    pub deadline: Option<i64>,
    /// The first decision on its case at or after the filing (ms), if any yet.
    pub acted_at: Option<i64>,
}

/// A flagged item received in the window: where it was, as the platform said or, when it
/// said nothing, the detector's location signals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedItem {
    /// Platform.
    pub platform: String,
    /// The platform's account id (used only to count distinct accounts; never reported).
    pub account: String,
    /// When it was received (ms).
    pub received_at: i64,
    /// The location the platform sent, if any.
    pub location: Option<String>,
    /// The item's signals (JSON array) when it has no location, else `None`.
    pub signals: Option<String>,
}

/// An enforcement decision (freeze, restrict, warn) taken in the window, with its case's
/// location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedAction {
    /// Platform.
    pub platform: String,
    /// The account (used only to count distinct accounts; never reported).
    pub account: String,
    /// When it was decided (ms).
    pub decided_at: i64,
    /// The case's location, if known.
    pub location: Option<String>,
}

/// Appeals filed in the window on one platform, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PlatformAppeals {
    /// Filed.
    pub filed: i64,
    /// Not decided yet.
    pub pending: i64,
    /// Decided: the decision stands.
    pub upheld: i64,
    /// Decided: the decision was undone.
    pub reversed: i64,
}

impl Store {
    /// Every decision taken in the window, oldest first.
    pub async fn report_decisions(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<DecisionFact>> {
        let g = Error::db("read decisions for a report");
        let rows = sqlx::query(
            "SELECT d.id, d.platform, d.action, d.ground, c.source, d.statement, c.opened_at,
                    d.decided_at, d.reversed
             FROM decisions d JOIN cases c ON c.id = d.case_id
             WHERE ($1 IS NULL OR d.platform = $1) AND d.decided_at >= $2 AND d.decided_at < $3
             ORDER BY d.decided_at, d.id",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                let action: String = r.try_get("action").map_err(g)?;
                let ground: String = r.try_get("ground").map_err(g)?;
                let source: String = r.try_get("source").map_err(g)?;
                Ok(DecisionFact {
                    id: DecisionId(r.try_get("id").map_err(g)?),
                    platform: r.try_get("platform").map_err(g)?,
                    action: Action::parse(&action)
                        .ok_or_else(|| Error::Corrupt(format!("unknown action {action:?}")))?,
                    ground: Ground::parse(&ground)
                        .ok_or_else(|| Error::Corrupt(format!("unknown ground {ground:?}")))?,
                    source: CaseSource::parse(&source)
                        .ok_or_else(|| Error::Corrupt(format!("unknown case source {source:?}")))?,
                    statement: r.try_get("statement").map_err(g)?,
                    opened_at: r.try_get("opened_at").map_err(g)?,
                    decided_at: r.try_get("decided_at").map_err(g)?,
                    reversed: r.try_get::<i64, _>("reversed").map_err(g)? == 1,
                })
            })
            .collect()
    }

    /// Appeals filed in the window, per platform (platforms without appeals are absent).
    pub async fn report_appeals(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, PlatformAppeals)>> {
        let g = Error::db("count appeals for a report");
        let rows = sqlx::query(
            "SELECT platform, status, COUNT(*) AS n FROM appeals
             WHERE ($1 IS NULL OR platform = $1) AND filed_at >= $2 AND filed_at < $3
             GROUP BY platform, status ORDER BY platform",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        let mut out: std::collections::BTreeMap<String, PlatformAppeals> = Default::default();
        for r in &rows {
            let platform: String = r.try_get("platform").map_err(g)?;
            let status: String = r.try_get("status").map_err(g)?;
            let n: i64 = r.try_get("n").map_err(g)?;
            let a = out.entry(platform).or_default();
            a.filed += n;
            match status.as_str() {
                "pending" => a.pending += n,
                "upheld" => a.upheld += n,
                "reversed" => a.reversed += n,
                other => return Err(Error::Corrupt(format!("unknown appeal status {other:?}"))),
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Requests from the regulator and the police filed in the window, with their case's
    /// deadline and the first decision taken on the case after the request arrived.
    pub async fn report_requests(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<RequestFact>> {
        let g = Error::db("read authority requests for a report");
        let rows = sqlx::query(
            "SELECT r.platform, r.source, r.created_at, c.deadline,
                    (SELECT MIN(d.decided_at) FROM decisions d
                     WHERE d.case_id = r.case_id AND d.decided_at >= r.created_at) AS acted_at
             FROM reports r JOIN cases c ON c.id = r.case_id
             WHERE ($1 IS NULL OR r.platform = $1) AND r.created_at >= $2 AND r.created_at < $3
               AND r.source IN ('regulator', 'police')
             ORDER BY r.created_at, r.id",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                let source: String = r.try_get("source").map_err(g)?;
                Ok(RequestFact {
                    platform: r.try_get("platform").map_err(g)?,
                    source: CaseSource::parse(&source).ok_or_else(|| {
                        Error::Corrupt(format!("unknown report source {source:?}"))
                    })?,
                    filed_at: r.try_get("created_at").map_err(g)?,
                    deadline: r.try_get("deadline").map_err(g)?,
                    acted_at: r.try_get("acted_at").map_err(g)?,
                })
            })
            .collect()
    }

    /// Items the detector flagged, received in the window, with their location or (when the
    /// platform sent none) their signals.
    pub async fn report_located_items(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<LocatedItem>> {
        let g = Error::db("read flagged items for the location report");
        let rows = sqlx::query(
            "SELECT platform, account, received_at, location,
                    CASE WHEN location IS NULL THEN signals ELSE NULL END AS signals
             FROM events
             WHERE ($1 IS NULL OR platform = $1) AND received_at >= $2 AND received_at < $3
               AND label = 'solicitation'
             ORDER BY received_at, id",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                Ok(LocatedItem {
                    platform: r.try_get("platform").map_err(g)?,
                    account: r.try_get("account").map_err(g)?,
                    received_at: r.try_get("received_at").map_err(g)?,
                    location: r.try_get("location").map_err(g)?,
                    signals: r.try_get("signals").map_err(g)?,
                })
            })
            .collect()
    }

    /// Freeze, restrict and warn decisions taken in the window, with their case's location.
    pub async fn report_located_actions(
        &self,
        scope: StatsScope<'_>,
        from: i64,
        to: i64,
    ) -> Result<Vec<LocatedAction>> {
        let g = Error::db("read actions for the location report");
        let rows = sqlx::query(
            "SELECT d.platform, d.account, d.decided_at, c.location
             FROM decisions d JOIN cases c ON c.id = d.case_id
             WHERE ($1 IS NULL OR d.platform = $1) AND d.decided_at >= $2 AND d.decided_at < $3
               AND d.action IN ('freeze', 'restrict', 'warn')
             ORDER BY d.decided_at, d.id",
        )
        .bind(scope.platform())
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await
        .map_err(g)?;
        rows.iter()
            .map(|r| {
                Ok(LocatedAction {
                    platform: r.try_get("platform").map_err(g)?,
                    account: r.try_get("account").map_err(g)?,
                    decided_at: r.try_get("decided_at").map_err(g)?,
                    location: r.try_get("location").map_err(g)?,
                })
            })
            .collect()
    }
}
