//! Statements of reasons in the EU DSA Transparency Database's submission shape (its API's
//! field names and enumerated values), one JSON object per decision, for a period.
//!
//! No personal data leaves: the `puid` is a keyed hash (HMAC-SHA256 under
//! `reports.puid_key`) of the platform and the decision id — unique and stable, so a
//! statement can be resubmitted and matched, but not traced back to an account without the
//! key and the store; `decision_facts` is the stored facts only when they hold no digits,
//! `@` or `/` (no phone number, handle or link can pass), else a fixed sentence. The schema
//! `schemas/dsa-statement-of-reasons.schema.json` states the same rules, and the tests
//! validate every exported statement against it.
//!
//! Saring's own statement (`saring_core::decision::StatementOfReasons`) is the record shown
//! to the account holder; the export maps it, adds `territorial_scope`, `platform_name` and
//! (for warnings) `decision_visibility_other`, and leaves out the appeal text.

use hmac::{Hmac, KeyInit as _, Mac as _};
use saring_core::decision::{AutomatedDecision, Ground, StatementOfReasons};
use saring_store::DecisionFact;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use sha2::Sha256;

/// One exported statement. Optional fields are left out when empty, as the database's API
/// expects; the schema forbids any other field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DsaStatement {
    /// `DECISION_VISIBILITY_…` (restrict, warn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_visibility: Option<Vec<String>>,
    /// Required with `DECISION_VISIBILITY_OTHER`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_visibility_other: Option<String>,
    /// `DECISION_ACCOUNT_SUSPENDED` (freeze).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_account: Option<String>,
    /// `DECISION_GROUND_ILLEGAL_CONTENT` or `DECISION_GROUND_INCOMPATIBLE_CONTENT`.
    pub decision_ground: String,
    /// The law, for illegal content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_legal_ground: Option<String>,
    /// Why it is illegal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_explanation: Option<String>,
    /// The terms, for incompatible content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_ground: Option<String>,
    /// Why it is incompatible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_explanation: Option<String>,
    /// `STATEMENT_CATEGORY_…`.
    pub category: String,
    /// `KEYWORD_…`, when one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_specification: Option<Vec<String>>,
    /// `CONTENT_TYPE_…`.
    pub content_type: Vec<String>,
    /// Facts and circumstances, without personal data.
    pub decision_facts: String,
    /// ISO 3166-1 alpha-2 codes where the decision applies.
    pub territorial_scope: Vec<String>,
    /// When the content was posted (`YYYY-MM-DD`).
    pub content_date: String,
    /// When the decision applies from (`YYYY-MM-DD`).
    pub application_date: String,
    /// `SOURCE_…`.
    pub source_type: String,
    /// `Yes` or `No`.
    pub automated_detection: String,
    /// `AUTOMATED_DECISION_…`.
    pub automated_decision: AutomatedDecision,
    /// The keyed-hash id of the statement.
    pub puid: String,
    /// The platform's display name.
    pub platform_name: String,
}

/// Facts used when the stored ones would not pass the personal-data rule.
const FALLBACK_FACTS: &str =
    "The account advertised commercial sexual services. A moderator reviewed the evidence.";

/// Why `text` may hold personal data, if it may: a digit (phone numbers, ids), `@`
/// (handles, e-mail) or `/` (links). The schema's `decision_facts` pattern is the same rule.
pub fn personal_data_risk(text: &str) -> Option<&'static str> {
    if text.chars().any(|c| c.is_ascii_digit() || c.is_numeric()) {
        Some("a number")
    } else if text.contains('@') {
        Some("an @ (handle or e-mail)")
    } else if text.contains('/') {
        Some("a / (link)")
    } else {
        None
    }
}

/// The `puid` of decision `fact`: `srg-` and 32 hex digits of HMAC-SHA256(key,
/// `platform:decision_id`).
pub fn puid(key: &SecretString, platform: &str, decision_id: i64) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256>>::new_from_slice(key.expose_secret().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(platform.as_bytes());
    mac.update(b":");
    mac.update(decision_id.to_string().as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("srg-{}", hex::encode(&digest[..16]))
}

/// The statement for one decision; `None` when it has none (`no_violation`). A stored
/// statement that cannot be read is an error naming the decision.
pub fn statement(
    fact: &DecisionFact,
    platform_name: &str,
    key: &SecretString,
    territorial_scope: &[String],
) -> anyhow::Result<Option<DsaStatement>> {
    let Some(stored) = fact.statement.as_deref() else {
        return Ok(None);
    };
    let sor: StatementOfReasons = serde_json::from_str(stored).map_err(|e| {
        anyhow::anyhow!(
            "decision {}: the stored statement of reasons cannot be read: {e}",
            fact.id.0
        )
    })?;
    let visibility = (!sor.decision_visibility.is_empty()).then(|| sor.decision_visibility.clone());
    let other = sor
        .decision_visibility
        .iter()
        .any(|v| v == "DECISION_VISIBILITY_OTHER")
        .then(|| "Warning shown to the account holder".to_owned());
    let facts = if personal_data_risk(&sor.decision_facts).is_none() {
        sor.decision_facts.clone()
    } else {
        FALLBACK_FACTS.to_owned()
    };
    let keywords = match fact.ground {
        Ground::Trafficking => Some(vec!["KEYWORD_HUMAN_TRAFFICKING".to_owned()]),
        _ => None,
    };
    Ok(Some(DsaStatement {
        decision_visibility: visibility,
        decision_visibility_other: other,
        decision_account: sor.decision_account,
        decision_ground: sor.decision_ground,
        illegal_content_legal_ground: sor.illegal_content_legal_ground,
        illegal_content_explanation: sor.illegal_content_explanation,
        incompatible_content_ground: sor.incompatible_content_ground,
        incompatible_content_explanation: sor.incompatible_content_explanation,
        category: sor.category,
        category_specification: keywords,
        content_type: sor.content_type,
        decision_facts: facts,
        territorial_scope: territorial_scope.to_vec(),
        content_date: sor.content_date,
        application_date: sor.application_date,
        source_type: sor.source_type,
        automated_detection: sor.automated_detection,
        automated_decision: sor.automated_decision,
        puid: puid(key, &fact.platform, fact.id.0),
        platform_name: platform_name.to_owned(),
    }))
}

/// The statements of `facts` as NDJSON (one statement per line), skipping decisions without
/// one. `name_of` gives a platform's display name.
pub fn ndjson<'a>(
    facts: &[DecisionFact],
    name_of: impl Fn(&str) -> &'a str,
    key: &SecretString,
    territorial_scope: &[String],
) -> anyhow::Result<(String, usize)> {
    let mut out = String::new();
    let mut n = 0;
    for f in facts {
        if let Some(s) = statement(f, name_of(&f.platform), key, territorial_scope)? {
            out.push_str(&serde_json::to_string(&s)?);
            out.push('\n');
            n += 1;
        }
    }
    Ok((out, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puid_is_keyed_stable_and_distinct() {
        let k1 = SecretString::from("0123456789abcdef-key-one");
        let k2 = SecretString::from("0123456789abcdef-key-two");
        let a = puid(&k1, "michat", 7);
        assert_eq!(a, puid(&k1, "michat", 7));
        assert_ne!(a, puid(&k1, "michat", 8));
        assert_ne!(a, puid(&k1, "beetalk", 7));
        assert_ne!(a, puid(&k2, "michat", 7));
        assert!(a.starts_with("srg-") && a.len() == 36, "{a}");
    }

    #[test]
    fn personal_data_rule() {
        assert!(personal_data_risk("Evidence found: contact, price, solicitation.").is_none());
        assert!(personal_data_risk("wa 0812 3456 7890").is_some());
        assert!(personal_data_risk("ask @sinta_cantik").is_some());
        assert!(personal_data_risk("see wa.me/62812").is_some());
    }
}
