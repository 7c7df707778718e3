//! The location report for city and building coordination: per location (apartment complex
//! or area) and ISO week, how many distinct accounts posted flagged content there and how many
//! were actioned (freeze, restrict, warn) — counts only, never an account, and every count
//! from 1 to k − 1 withheld.
//!
//! **Where.** An item's location is what the platform sent (`location` of the event), put in
//! the gazetteer's spelling when it is one of its names; when the platform sent none, the
//! detector's location signal, but only when it names a gazetteer place (free text is never
//! reported). An action's location is its case's, else the last location of the account's
//! flagged items in the period.
//!
//! **Differencing.** A withheld cell must not be recoverable from shown numbers. So: (1) no
//! totals are published — no row, column or grand total, and the distinct-account counts do
//! not add up anyway; (2) the period is widened to whole ISO weeks, so two reports over
//! overlapping days cannot be subtracted to isolate part of a week; (3) the API reports every
//! platform together to cross-platform viewers and one platform only to that platform's own
//! people, so a cross-platform cell and a one-platform cell are never both in one viewer's
//! hands. docs/reports.md states the rule.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use saring_detect::normalize::normalize;
use saring_store::{LocatedAction, LocatedItem, StatsScope, Store};
use serde::Serialize;

use super::{Period, csv_field, date_of};

/// The gazetteer: `canonical|alias|…` per line.
const GAZETTEER: &str = include_str!("../../../../data/locations.txt");

/// Normalised name → display name (the canonical name in title case).
fn gazetteer() -> &'static HashMap<String, String> {
    static MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for line in GAZETTEER.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut names = line.split('|').map(str::trim);
            let Some(canonical) = names.next() else {
                continue;
            };
            let display = title_case(canonical);
            for name in std::iter::once(canonical).chain(names) {
                map.entry(key(name)).or_insert_with(|| display.clone());
            }
        }
        map
    })
}

fn key(name: &str) -> String {
    normalize(name)
        .as_str()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The gazetteer's display name of `name`, if it is one of its names or aliases.
pub fn gazetteer_name(name: &str) -> Option<&'static str> {
    gazetteer().get(&key(name)).map(String::as_str)
}

/// Where a platform-sent location is reported: its gazetteer name, else as sent (trimmed).
fn place(sent: &str) -> Option<String> {
    let t = sent.trim();
    if t.is_empty() {
        return None;
    }
    Some(gazetteer_name(t).map_or_else(|| t.to_owned(), str::to_owned))
}

/// The first gazetteer place a signal array names (`[{"family": "location", "text": …}]`).
fn place_from_signals(signals: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(signals).ok()?;
    v.as_array()?
        .iter()
        .filter(|s| s.get("family").and_then(|f| f.as_str()) == Some("location"))
        .filter_map(|s| s.get("text").and_then(|t| t.as_str()))
        .find_map(gazetteer_name)
        .map(str::to_owned)
}

/// The ISO week of `ms` (UTC), as `2026-W48`.
pub fn iso_week(ms: i64) -> String {
    let w = date_of(ms).iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// One row: a location in one week. `None` counts are withheld (1 to k − 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The location.
    pub location: String,
    /// ISO week (`2026-W48`).
    pub week: String,
    /// Distinct accounts with flagged content there that week.
    pub flagged_accounts: Option<i64>,
    /// Distinct accounts actioned (freeze, restrict, warn) there that week.
    pub actioned_accounts: Option<i64>,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct LocationReport {
    /// The period, widened to whole ISO weeks.
    pub period: Period,
    /// `all` or the one platform.
    pub scope: String,
    /// Counts from 1 to k − 1 are withheld.
    pub k: i64,
    /// The rule, in words.
    pub suppression: String,
    /// Rows by location, then week.
    pub rows: Vec<Row>,
}

/// Withholds `n` when it is from 1 to k − 1.
pub fn suppress(n: i64, k: i64) -> Option<i64> {
    (n == 0 || n >= k).then_some(n)
}

/// Builds the rows from the facts (already limited to the period and scope).
pub fn aggregate(items: &[LocatedItem], actions: &[LocatedAction], k: i64) -> Vec<Row> {
    type Who = (String, String);
    let mut cells: BTreeMap<(String, String), (HashSet<Who>, HashSet<Who>)> = BTreeMap::new();
    let mut last_place: HashMap<Who, String> = HashMap::new();
    for it in items {
        let p = match (&it.location, &it.signals) {
            (Some(l), _) => place(l),
            (None, Some(s)) => place_from_signals(s),
            (None, None) => None,
        };
        let Some(p) = p else { continue };
        let who = (it.platform.clone(), it.account.clone());
        last_place.insert(who.clone(), p.clone());
        cells
            .entry((p, iso_week(it.received_at)))
            .or_default()
            .0
            .insert(who);
    }
    for a in actions {
        let who = (a.platform.clone(), a.account.clone());
        let p = a
            .location
            .as_deref()
            .and_then(place)
            .or_else(|| last_place.get(&who).cloned());
        let Some(p) = p else { continue };
        cells
            .entry((p, iso_week(a.decided_at)))
            .or_default()
            .1
            .insert(who);
    }
    cells
        .into_iter()
        .map(|((location, week), (flagged, actioned))| {
            let n = |s: &HashSet<Who>| i64::try_from(s.len()).unwrap_or(i64::MAX);
            Row {
                location,
                week,
                flagged_accounts: suppress(n(&flagged), k),
                actioned_accounts: suppress(n(&actioned), k),
            }
        })
        .collect()
}

/// Reads the facts of `period` (widened to whole weeks) and builds the report.
pub async fn build(
    store: &Store,
    scope: StatsScope<'_>,
    period: &Period,
    k: i64,
) -> saring_store::Result<LocationReport> {
    let weeks = period.whole_weeks();
    let (items, actions) = tokio::try_join!(
        store.report_located_items(scope, weeks.from_ms, weeks.to_ms),
        store.report_located_actions(scope, weeks.from_ms, weeks.to_ms),
    )?;
    Ok(LocationReport {
        rows: aggregate(&items, &actions, k),
        scope: match scope {
            StatsScope::Platform(p) => p.to_owned(),
            StatsScope::All => "all".to_owned(),
        },
        k,
        suppression: format!(
            "counts from 1 to {} are withheld (null, \"<{k}\" in CSV); no totals are published; the period is widened to whole ISO weeks",
            k - 1
        ),
        period: weeks,
    })
}

impl LocationReport {
    /// `location,week,flagged_accounts,actioned_accounts`; withheld counts are `<k`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("location,week,flagged_accounts,actioned_accounts\n");
        let cell = |n: Option<i64>| n.map_or_else(|| format!("<{}", self.k), |n| n.to_string());
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{}\n",
                csv_field(&r.location),
                r.week,
                cell(r.flagged_accounts),
                cell(r.actioned_accounts)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(account: &str, location: Option<&str>, signals: Option<&str>, at: i64) -> LocatedItem {
        LocatedItem {
            platform: "michat".into(),
            account: account.into(),
            received_at: at,
            location: location.map(str::to_owned),
            signals: signals.map(str::to_owned),
        }
    }

    #[test]
    fn gazetteer_names_and_aliases() {
        assert_eq!(gazetteer_name("kalcit"), Some("Kalibata City"));
        assert_eq!(gazetteer_name("KALIBATA  CITY"), Some("Kalibata City"));
        assert_eq!(gazetteer_name("rumah pak rt"), None);
    }

    #[test]
    fn suppression_at_k_minus_one_and_k() {
        let k = 5;
        // 2026-11-04 (a Wednesday) 10:00 UTC.
        let t = 1_793_786_400_000;
        let mut items: Vec<_> = (0..k - 1)
            .map(|i| item(&format!("m{i}"), Some("Margonda Residence"), None, t))
            .collect();
        items.extend((0..k).map(|i| item(&format!("k{i}"), Some("kalcit"), None, t)));
        // A signal naming a gazetteer place counts; one naming anything else does not.
        items.push(item(
            "k-sig",
            None,
            Some(r#"[{"family":"location","rule":"gazetteer","text":"Kalibata City"}]"#),
            t,
        ));
        items.push(item(
            "x",
            None,
            Some(r#"[{"family":"location","rule":"area","text":"dekat rumah"}]"#),
            t,
        ));
        let rows = aggregate(&items, &[], k);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].location, "Kalibata City");
        assert_eq!(rows[0].week, iso_week(t));
        assert_eq!(rows[0].flagged_accounts, Some(k + 1));
        assert_eq!(rows[0].actioned_accounts, Some(0));
        assert_eq!(rows[1].location, "Margonda Residence");
        assert_eq!(rows[1].flagged_accounts, None);
        assert_eq!(suppress(k - 1, k), None);
        assert_eq!(suppress(k, k), Some(k));
        assert_eq!(suppress(0, k), Some(0));
    }

    #[test]
    fn iso_weeks() {
        // 2026-11-04 is in ISO week 45 of 2026; 2027-01-01 (a Friday) is in 2026-W53.
        assert_eq!(iso_week(1_793_786_400_000), "2026-W45");
        assert_eq!(iso_week(1_798_761_600_000), "2026-W53");
    }
}
