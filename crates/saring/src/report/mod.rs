//! The reports that come straight from the stored data (issue 7), for the CLI
//! (`saring report …`) and the API alike:
//!
//! * [`transparency`]: per platform and period — actions by type and ground, automated and
//!   human detection and decision, median time to decision, appeals and reversals, the
//!   authorities' requests and whether they were acted on in time; JSON, CSV and SVG charts;
//! * [`dsa`]: every statement of reasons in the EU DSA Transparency Database's submission
//!   shape, without personal data (keyed-hash `puid`, facts without numbers or handles),
//!   validated in the tests against `schemas/dsa-statement-of-reasons.schema.json`;
//! * [`locations`]: flagged and actioned accounts per location and ISO week, every count below
//!   k withheld, for city and building coordination.
//!
//! The store hands over facts (`saring_store::reports`); the arithmetic is here, in Rust, so
//! SQLite and PostgreSQL give the same numbers. docs/reports.md describes every field.

pub mod cli;
pub mod dsa;
pub mod locations;
pub mod transparency;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use saring_core::time::DAY_MS;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The `[reports]` section of the configuration. The location report's k is
/// `console.k_anonymity`, one setting for the dashboard and the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportsConfig {
    /// Key of the keyed hash (HMAC-SHA256) that turns a decision into the `puid` of its DSA
    /// statement: stable across exports, unique, and not reversible without the key. The DSA
    /// export refuses to run without it (`SARING_REPORTS__PUID_KEY`).
    #[serde(skip_serializing)]
    pub puid_key: Option<SecretString>,
    /// `territorial_scope` of exported statements: ISO 3166-1 alpha-2 codes where the decision
    /// applies (the EU database accepts EU/EEA codes only).
    pub territorial_scope: Vec<String>,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        Self {
            puid_key: None,
            territorial_scope: vec!["ID".into()],
        }
    }
}

impl ReportsConfig {
    /// Every problem with the settings.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.territorial_scope.is_empty()
            || !self
                .territorial_scope
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            p.push(format!(
                "reports.territorial_scope must list ISO 3166-1 alpha-2 codes such as \"ID\", got {:?}",
                self.territorial_scope
            ));
        }
        if let Some(k) = &self.puid_key {
            use secrecy::ExposeSecret as _;
            if k.expose_secret().len() < 16 {
                p.push("reports.puid_key must be at least 16 characters".into());
            }
        }
        p
    }
}

/// A report's period: whole UTC days from `from` to `to`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day (`YYYY-MM-DD`).
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// Start, ms (included).
    #[serde(skip)]
    pub from_ms: i64,
    /// End, ms (excluded): the midnight after `to`.
    #[serde(skip)]
    pub to_ms: i64,
}

/// The longest period one report covers, in days.
const MAX_DAYS: i64 = 3660;

/// A field that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadField {
    /// The field (`from`, `to`, …).
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for BadField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for BadField {}

/// Midnight (UTC) at the start of `d`, in ms.
fn midnight_ms(d: Date) -> i64 {
    d.to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MAX)
}

/// The UTC calendar date of `ms`.
pub fn date_of(ms: i64) -> Date {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(TimeZone::UTC)
        .date()
}

impl Period {
    /// Reads `from` and `to` (`YYYY-MM-DD`, UTC days, both included).
    pub fn parse(from: &str, to: &str) -> Result<Self, BadField> {
        let day = |field: &'static str, s: &str| {
            s.trim().parse::<Date>().map_err(|_| BadField {
                field,
                reason: format!("expected a date such as 2026-11-01, got {s:?}"),
            })
        };
        let (f, t) = (day("from", from)?, day("to", to)?);
        if t < f {
            return Err(BadField {
                field: "to",
                reason: format!("{t} is before from ({f})"),
            });
        }
        let (from_ms, to_ms) = (midnight_ms(f), midnight_ms(t).saturating_add(DAY_MS));
        if (to_ms - from_ms) / DAY_MS > MAX_DAYS {
            return Err(BadField {
                field: "to",
                reason: format!("a report covers at most {MAX_DAYS} days"),
            });
        }
        Ok(Self {
            from: f.to_string(),
            to: t.to_string(),
            from_ms,
            to_ms,
        })
    }

    /// The same period widened to whole ISO weeks (Monday to Sunday), so that no two
    /// reports differ by part of a week (see [`locations`]).
    pub fn whole_weeks(&self) -> Self {
        let f = date_of(self.from_ms);
        let t = date_of(self.to_ms - 1);
        let monday = f
            .checked_sub(jiff::Span::new().days(i64::from(f.weekday().to_monday_zero_offset())))
            .unwrap_or(f);
        let sunday = t
            .checked_add(jiff::Span::new().days(i64::from(6 - t.weekday().to_monday_zero_offset())))
            .unwrap_or(t);
        Self {
            from: monday.to_string(),
            to: sunday.to_string(),
            from_ms: midnight_ms(monday),
            to_ms: midnight_ms(sunday).saturating_add(DAY_MS),
        }
    }
}

/// The median of `values` (sorted in place): the middle value, or the mean of the two middle
/// values when there is an even number; `None` when there are none.
pub fn median(values: &mut [i64]) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    if n == 0 {
        return None;
    }
    // Times in ms fit f64's 53-bit mantissa for millions of years.
    #[allow(clippy::cast_precision_loss)]
    let at = |i: usize| values[i] as f64;
    Some(if n % 2 == 1 {
        at(n / 2)
    } else {
        f64::midpoint(at(n / 2 - 1), at(n / 2))
    })
}

/// One CSV field, quoted when it holds a comma, a quote or a line break.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7.0));
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2.5));
    }

    #[test]
    fn period_is_whole_utc_days_and_widens_to_weeks() {
        let p = Period::parse("2026-11-04", "2026-11-04").expect("valid");
        assert_eq!(p.to_ms - p.from_ms, DAY_MS);
        // 2026-11-04 is a Wednesday: its ISO week runs from Monday 2 to Sunday 8 November.
        let w = p.whole_weeks();
        assert_eq!(
            (w.from.as_str(), w.to.as_str()),
            ("2026-11-02", "2026-11-08")
        );
        assert_eq!(w.to_ms - w.from_ms, 7 * DAY_MS);
        let e = Period::parse("2026-11-05", "2026-11-04").expect_err("reversed");
        assert_eq!(e.field, "to");
        assert_eq!(
            Period::parse("yesterday", "2026-11-04")
                .expect_err("bad")
                .field,
            "from"
        );
    }

    #[test]
    fn config_problems_name_the_setting() {
        assert!(ReportsConfig::default().problems().is_empty());
        let bad = ReportsConfig {
            puid_key: Some(SecretString::from("short")),
            territorial_scope: vec!["Indonesia".into()],
        };
        let p = bad.problems().join("; ");
        assert!(
            p.contains("reports.puid_key") && p.contains("reports.territorial_scope"),
            "{p}"
        );
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("Kalibata City"), "Kalibata City");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
