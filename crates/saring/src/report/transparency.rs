//! The transparency report: for a period and per platform, what was decided and on which
//! ground, how much was found by the detector and how much by notices, how far decisions were
//! automated, how long cases waited for a decision (median), what became of appeals, and
//! whether the authorities' requests were acted on by their deadline. One [`Transparency`]
//! value renders as JSON, as CSV (one line per number) and as SVG charts.

use std::collections::BTreeMap;

use saring_core::case::CaseSource;
use saring_core::decision::{Action, AutomatedDecision, Ground, StatementOfReasons};
use saring_core::time::HOUR_MS;
use saring_store::{DecisionFact, PlatformAppeals, RequestFact, StatsScope, Store};
use serde::Serialize;

use super::{Period, csv_field, median};
use crate::console::charts::{self, Bar};

/// The actions, in the order reports list them.
const ACTIONS: [Action; 4] = [
    Action::Freeze,
    Action::Restrict,
    Action::Warn,
    Action::NoViolation,
];

/// Case sources the detector stands behind (automated detection); the others are notices.
fn automated_source(s: CaseSource) -> bool {
    matches!(
        s,
        CaseSource::Automated | CaseSource::BanEvasion | CaseSource::Network
    )
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Transparency {
    /// The period covered.
    pub period: Period,
    /// `all` or the one platform reported on.
    pub scope: String,
    /// One section per platform, by id.
    pub platforms: Vec<Section>,
    /// The same numbers over every platform in the scope (medians over all decisions).
    pub total: Section,
}

/// The numbers of one platform (or of the total).
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Platform id (`all` for the total).
    pub platform: String,
    /// Display name.
    pub name: String,
    /// Decisions taken in the period.
    pub decisions: i64,
    /// Decisions by action: `freeze`, `restrict`, `warn`, `no_violation` (all present).
    pub actions: BTreeMap<&'static str, i64>,
    /// Decisions by policy ground (every ground present).
    pub grounds: BTreeMap<&'static str, i64>,
    /// Decisions by how their case was opened.
    pub detection: Detection,
    /// Decisions by how far they were automated (statement of reasons).
    pub automated_decision: AutomationCounts,
    /// Time from a case's opening to its decision.
    pub time_to_decision: Durations,
    /// The same, for enforcement decisions only (freeze, restrict, warn).
    pub time_to_action: Durations,
    /// Decisions in the period later reversed on appeal.
    pub reversed_decisions: i64,
    /// Appeals filed in the period, by outcome.
    pub appeals: PlatformAppeals,
    /// Requests filed in the period by the regulator.
    pub regulator_requests: Requests,
    /// Reports filed in the period by the police.
    pub police_requests: Requests,
}

/// How the cases behind the decisions were opened.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Detection {
    /// By automated means: the detector's score, the linker (ban evasion, network freeze).
    pub automated: i64,
    /// By a notice: a user report, the regulator, the police.
    pub notice: i64,
    /// Per case source (`automated`, `user_report`, `regulator`, `police`, `ban_evasion`,
    /// `network`), the sources that occurred.
    pub by_source: BTreeMap<&'static str, i64>,
}

/// Decisions by the statement of reasons' `automated_decision`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AutomationCounts {
    /// `AUTOMATED_DECISION_FULLY` (Saring never decides alone, so 0 unless data says so).
    pub fully: i64,
    /// `AUTOMATED_DECISION_PARTIALLY`: a machine proposed, a person decided.
    pub partially: i64,
    /// `AUTOMATED_DECISION_NOT_AUTOMATED`.
    pub not_automated: i64,
    /// Decisions without a statement (`no_violation`).
    pub no_statement: i64,
}

/// A median over some decisions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Durations {
    /// How many decisions.
    pub count: i64,
    /// Median in milliseconds (`null` when none).
    pub median_ms: Option<f64>,
    /// The same in hours, to two decimals.
    pub median_hours: Option<f64>,
}

/// What became of the requests of one authority.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Requests {
    /// Filed in the period.
    pub received: i64,
    /// Their case was decided after the request arrived.
    pub acted_on: i64,
    /// They had a deadline.
    pub with_deadline: i64,
    /// With a deadline, decided by it.
    pub acted_on_in_time: i64,
    /// With a deadline, decided after it, or not decided and the deadline passed.
    pub late: i64,
    /// With a deadline not yet passed and no decision yet.
    pub open: i64,
}

fn durations(mut ms: Vec<i64>) -> Durations {
    let m = median(&mut ms);
    #[allow(clippy::cast_precision_loss)]
    let hours = m.map(|m| (m / HOUR_MS as f64 * 100.0).round() / 100.0);
    Durations {
        count: i64::try_from(ms.len()).unwrap_or(i64::MAX),
        median_ms: m,
        median_hours: hours,
    }
}

fn requests(facts: &[&RequestFact], now: i64) -> Requests {
    let mut r = Requests::default();
    for f in facts {
        r.received += 1;
        r.acted_on += i64::from(f.acted_at.is_some());
        if let Some(deadline) = f.deadline {
            r.with_deadline += 1;
            match f.acted_at {
                Some(at) if at <= deadline => r.acted_on_in_time += 1,
                Some(_) => r.late += 1,
                None if now > deadline => r.late += 1,
                None => r.open += 1,
            }
        }
    }
    r
}

/// Builds one section from the facts that belong to it.
fn section(
    platform: &str,
    name: &str,
    decisions: &[&DecisionFact],
    appeals: PlatformAppeals,
    reqs: &[&RequestFact],
    now: i64,
) -> Section {
    let mut actions: BTreeMap<&'static str, i64> =
        ACTIONS.iter().map(|a| (a.as_str(), 0)).collect();
    let mut grounds: BTreeMap<&'static str, i64> =
        Ground::ALL.iter().map(|g| (g.as_str(), 0)).collect();
    let mut detection = Detection::default();
    let mut automation = AutomationCounts::default();
    let (mut to_decision, mut to_action) = (Vec::new(), Vec::new());
    let mut reversed = 0;
    for d in decisions {
        *actions.entry(d.action.as_str()).or_default() += 1;
        *grounds.entry(d.ground.as_str()).or_default() += 1;
        if automated_source(d.source) {
            detection.automated += 1;
        } else {
            detection.notice += 1;
        }
        *detection.by_source.entry(d.source.as_str()).or_default() += 1;
        let sor = d
            .statement
            .as_deref()
            .and_then(|s| serde_json::from_str::<StatementOfReasons>(s).ok());
        match sor.map(|s| s.automated_decision) {
            Some(AutomatedDecision::Fully) => automation.fully += 1,
            Some(AutomatedDecision::Partially) => automation.partially += 1,
            Some(AutomatedDecision::NotAutomated) => automation.not_automated += 1,
            None => automation.no_statement += 1,
        }
        let waited = (d.decided_at - d.opened_at).max(0);
        to_decision.push(waited);
        if d.action != Action::NoViolation {
            to_action.push(waited);
        }
        reversed += i64::from(d.reversed);
    }
    let src = |s: CaseSource| {
        reqs.iter()
            .copied()
            .filter(|r| r.source == s)
            .collect::<Vec<_>>()
    };
    Section {
        platform: platform.to_owned(),
        name: name.to_owned(),
        decisions: i64::try_from(decisions.len()).unwrap_or(i64::MAX),
        actions,
        grounds,
        detection,
        automated_decision: automation,
        time_to_decision: durations(to_decision),
        time_to_action: durations(to_action),
        reversed_decisions: reversed,
        appeals,
        regulator_requests: requests(&src(CaseSource::Regulator), now),
        police_requests: requests(&src(CaseSource::Police), now),
    }
}

/// Reads the facts of the period and builds the report. `now` decides which open requests
/// are already late.
pub async fn build(
    store: &Store,
    scope: StatsScope<'_>,
    period: &Period,
    now: i64,
) -> saring_store::Result<Transparency> {
    let (from, to) = (period.from_ms, period.to_ms);
    let (platforms, decisions, appeals, reqs) = tokio::try_join!(
        store.platforms(),
        store.report_decisions(scope, from, to),
        store.report_appeals(scope, from, to),
        store.report_requests(scope, from, to),
    )?;
    let platforms: Vec<_> = platforms
        .into_iter()
        .filter(|p| match scope {
            StatsScope::Platform(id) => p.id == id,
            StatsScope::All => true,
        })
        .collect();
    let mut sections = Vec::new();
    let mut all_appeals = PlatformAppeals::default();
    for p in &platforms {
        let ds: Vec<_> = decisions.iter().filter(|d| d.platform == p.id).collect();
        let rs: Vec<_> = reqs.iter().filter(|r| r.platform == p.id).collect();
        let a = appeals
            .iter()
            .find(|(id, _)| *id == p.id)
            .map(|(_, a)| *a)
            .unwrap_or_default();
        all_appeals.filed += a.filed;
        all_appeals.pending += a.pending;
        all_appeals.upheld += a.upheld;
        all_appeals.reversed += a.reversed;
        sections.push(section(&p.id, &p.name, &ds, a, &rs, now));
    }
    let known = |id: &str| platforms.iter().any(|p| p.id == id);
    let ds: Vec<_> = decisions.iter().filter(|d| known(&d.platform)).collect();
    let rs: Vec<_> = reqs.iter().filter(|r| known(&r.platform)).collect();
    let total = section("all", "all platforms", &ds, all_appeals, &rs, now);
    Ok(Transparency {
        period: period.clone(),
        scope: match scope {
            StatsScope::Platform(p) => p.to_owned(),
            StatsScope::All => "all".to_owned(),
        },
        platforms: sections,
        total,
    })
}

impl Transparency {
    /// The report as CSV: `platform,metric,key,value`, one line per number, the total last
    /// (platform `all`). Empty medians are empty fields.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("platform,metric,key,value\n");
        for s in self.platforms.iter().chain(std::iter::once(&self.total)) {
            let mut line = |metric: &str, key: &str, value: String| {
                out.push_str(&format!(
                    "{},{metric},{key},{value}\n",
                    csv_field(&s.platform)
                ));
            };
            line("decisions", "all", s.decisions.to_string());
            for (k, v) in &s.actions {
                line("actions", k, v.to_string());
            }
            for (k, v) in &s.grounds {
                line("grounds", k, v.to_string());
            }
            line("detection", "automated", s.detection.automated.to_string());
            line("detection", "notice", s.detection.notice.to_string());
            for (k, v) in &s.detection.by_source {
                line("detection_source", k, v.to_string());
            }
            let a = &s.automated_decision;
            line("automated_decision", "fully", a.fully.to_string());
            line("automated_decision", "partially", a.partially.to_string());
            line(
                "automated_decision",
                "not_automated",
                a.not_automated.to_string(),
            );
            line(
                "automated_decision",
                "no_statement",
                a.no_statement.to_string(),
            );
            let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            for (metric, d) in [
                ("time_to_decision", &s.time_to_decision),
                ("time_to_action", &s.time_to_action),
            ] {
                line(metric, "count", d.count.to_string());
                line(metric, "median_ms", opt(d.median_ms));
                line(metric, "median_hours", opt(d.median_hours));
            }
            line(
                "reversed_decisions",
                "all",
                s.reversed_decisions.to_string(),
            );
            line("appeals", "filed", s.appeals.filed.to_string());
            line("appeals", "pending", s.appeals.pending.to_string());
            line("appeals", "upheld", s.appeals.upheld.to_string());
            line("appeals", "reversed", s.appeals.reversed.to_string());
            for (metric, r) in [
                ("regulator_requests", &s.regulator_requests),
                ("police_requests", &s.police_requests),
            ] {
                line(metric, "received", r.received.to_string());
                line(metric, "acted_on", r.acted_on.to_string());
                line(metric, "with_deadline", r.with_deadline.to_string());
                line(metric, "acted_on_in_time", r.acted_on_in_time.to_string());
                line(metric, "late", r.late.to_string());
                line(metric, "open", r.open.to_string());
            }
        }
        out
    }

    /// The charts of the total, as `(file name, SVG)`: actions by type, decisions by ground,
    /// automated and notice detection, appeal outcomes, authority requests. Labels are fixed
    /// names, never data.
    pub fn charts(&self) -> anyhow::Result<Vec<(&'static str, String)>> {
        let t = &self.total;
        #[allow(clippy::cast_precision_loss)]
        let bar = |label: &str, value: i64, warn: bool| Bar {
            label: label.to_owned(),
            value: value as f64,
            warn,
        };
        let actions: Vec<Bar> = t
            .actions
            .iter()
            .map(|(k, v)| bar(k, *v, *k == "freeze"))
            .collect();
        let grounds: Vec<Bar> = t.grounds.iter().map(|(k, v)| bar(k, *v, false)).collect();
        let detection = vec![
            bar("automated", t.detection.automated, false),
            bar("notice", t.detection.notice, false),
            bar("auto_decision", t.automated_decision.fully, true),
            bar("partly_auto", t.automated_decision.partially, false),
            bar("human", t.automated_decision.not_automated, false),
        ];
        let appeals = vec![
            bar("pending", t.appeals.pending, false),
            bar("upheld", t.appeals.upheld, false),
            bar("reversed", t.appeals.reversed, true),
        ];
        let (r, p) = (&t.regulator_requests, &t.police_requests);
        let requests = vec![
            bar("reg_in_time", r.acted_on_in_time, false),
            bar("reg_late", r.late, true),
            bar("reg_open", r.open, false),
            bar("police_acted", p.acted_on, false),
            bar("police_waiting", p.received - p.acted_on, true),
        ];
        Ok(vec![
            ("actions.svg", charts::bars(&actions, "decisions")?),
            ("grounds.svg", charts::bars(&grounds, "decisions")?),
            ("automation.svg", charts::bars(&detection, "decisions")?),
            ("appeals.svg", charts::bars(&appeals, "appeals")?),
            ("requests.svg", charts::bars(&requests, "requests")?),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saring_core::ids::DecisionId;

    fn fact(action: Action, source: CaseSource, waited_h: i64) -> DecisionFact {
        DecisionFact {
            id: DecisionId(1),
            platform: "michat".into(),
            action,
            ground: Ground::IteDecency,
            source,
            statement: None,
            opened_at: 0,
            decided_at: waited_h * HOUR_MS,
            reversed: false,
        }
    }

    #[test]
    fn section_counts_and_medians() {
        let ds = [
            fact(Action::Freeze, CaseSource::Automated, 1),
            fact(Action::Warn, CaseSource::Regulator, 3),
            fact(Action::NoViolation, CaseSource::UserReport, 10),
            fact(Action::Freeze, CaseSource::Automated, 2),
        ];
        let refs: Vec<_> = ds.iter().collect();
        let req = |deadline: Option<i64>, acted_at: Option<i64>| RequestFact {
            platform: "michat".into(),
            source: CaseSource::Regulator,
            filed_at: 0,
            deadline,
            acted_at,
        };
        let rs = [
            req(Some(10), Some(5)),
            req(Some(10), Some(11)),
            req(Some(10), None),
            req(Some(100), None),
            req(None, Some(1)),
        ];
        let rrefs: Vec<_> = rs.iter().collect();
        let s = section(
            "michat",
            "MiChat",
            &refs,
            PlatformAppeals::default(),
            &rrefs,
            50,
        );
        assert_eq!(s.actions["freeze"], 2);
        assert_eq!(s.actions["no_violation"], 1);
        assert_eq!(s.grounds["ite_decency"], 4);
        assert_eq!((s.detection.automated, s.detection.notice), (2, 2));
        // 1, 2, 3, 10 hours: the median is 2.5 hours; actions only: 1, 2, 3 → 2 hours.
        assert_eq!(s.time_to_decision.median_hours, Some(2.5));
        assert_eq!(s.time_to_action.median_ms, Some(2.0 * HOUR_MS as f64));
        let r = &s.regulator_requests;
        assert_eq!(
            (
                r.received,
                r.acted_on,
                r.with_deadline,
                r.acted_on_in_time,
                r.late,
                r.open
            ),
            (5, 3, 4, 1, 2, 1)
        );
    }
}
