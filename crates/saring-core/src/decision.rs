//! Decisions, the graded enforcement ladder, enforcement orders and statements of reasons.
//!
//! A moderator decides `freeze`, `restrict`, `warn` or `no_violation`, always with a policy
//! ground. The ladder recommends the next step for a repeat violator (warn → restrict →
//! freeze), and goes straight to freeze when content shows minor-risk or trafficking signs.
//! Every decision carries a statement of reasons shaped like a record of the EU DSA
//! Transparency Database, so transparency reports come straight from stored data.

use serde::{Deserialize, Serialize};

use crate::case::names;
use crate::time::{Millis, date};

/// What a moderator decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Suspend the account: it can neither post nor be reached.
    Freeze,
    /// Hide the account from discovery ("people nearby", search).
    Restrict,
    /// Warn the account holder.
    Warn,
    /// No violation: close the case without action.
    NoViolation,
}

names!(Action {
    Freeze => "freeze",
    Restrict => "restrict",
    Warn => "warn",
    NoViolation => "no_violation",
});

impl Action {
    /// The order the platform must carry out, if any.
    pub fn order(self) -> Option<OrderKind> {
        match self {
            Self::Freeze => Some(OrderKind::Freeze),
            Self::Restrict => Some(OrderKind::Restrict),
            Self::Warn => Some(OrderKind::Warn),
            Self::NoViolation => None,
        }
    }

    /// The order that undoes this action when an appeal succeeds, if any.
    pub fn reversal(self) -> Option<OrderKind> {
        match self {
            Self::Freeze => Some(OrderKind::Unfreeze),
            Self::Restrict => Some(OrderKind::Unrestrict),
            Self::Warn => Some(OrderKind::WithdrawWarning),
            Self::NoViolation => None,
        }
    }

    /// How severe the action is on the ladder (no violation 0, freeze 3).
    pub fn severity(self) -> u8 {
        match self {
            Self::NoViolation => 0,
            Self::Warn => 1,
            Self::Restrict => 2,
            Self::Freeze => 3,
        }
    }
}

/// What an enforcement order asks the platform to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// Suspend the account.
    Freeze,
    /// Hide the account from discovery.
    Restrict,
    /// Show the account holder a warning.
    Warn,
    /// Lift a suspension.
    Unfreeze,
    /// Lift a restriction.
    Unrestrict,
    /// Withdraw a warning.
    WithdrawWarning,
}

names!(OrderKind {
    Freeze => "freeze",
    Restrict => "restrict",
    Warn => "warn",
    Unfreeze => "unfreeze",
    Unrestrict => "unrestrict",
    WithdrawWarning => "withdraw_warning",
});

/// Delivery status of an enforcement order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Not yet attempted.
    Pending,
    /// The platform acknowledged it.
    Delivered,
    /// At least one attempt failed; will be retried.
    Failing,
    /// Every attempt failed; a person must look at it.
    GivenUp,
}

names!(OrderStatus {
    Pending => "pending",
    Delivered => "delivered",
    Failing => "failing",
    GivenUp => "given_up",
});

/// A policy ground: the rule a decision rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// Indonesian law on electronic information (UU ITE) art. 27(1): distributing content that
    /// violates decency — offering commercial sex.
    IteDecency,
    /// Pornography law (UU 44/2008) art. 4(2): offering or advertising sexual services.
    PornographyLaw,
    /// Anti-trafficking law (UU 21/2007): signs of trafficking in persons.
    Trafficking,
    /// Child protection law (UU 35/2014): sexual exploitation of a minor.
    ChildProtection,
    /// The platform's own terms: sexual solicitation is not allowed.
    PlatformTerms,
    /// No rule was broken (for `no_violation` decisions).
    None,
}

names!(Ground {
    IteDecency => "ite_decency",
    PornographyLaw => "pornography_law",
    Trafficking => "trafficking",
    ChildProtection => "child_protection",
    PlatformTerms => "platform_terms",
    None => "none",
});

impl Ground {
    /// Every ground, in the order a form lists them.
    pub const ALL: [Ground; 6] = [
        Ground::IteDecency,
        Ground::PornographyLaw,
        Ground::Trafficking,
        Ground::ChildProtection,
        Ground::PlatformTerms,
        Ground::None,
    ];

    /// The legal or contractual reference, as written in a statement of reasons.
    pub fn reference(self) -> &'static str {
        match self {
            Self::IteDecency => "UU 11/2008 jo. UU 1/2024 (ITE) Pasal 27 ayat (1)",
            Self::PornographyLaw => "UU 44/2008 (Pornografi) Pasal 4 ayat (2)",
            Self::Trafficking => "UU 21/2007 (Pemberantasan Tindak Pidana Perdagangan Orang)",
            Self::ChildProtection => "UU 35/2014 (Perlindungan Anak)",
            Self::PlatformTerms => "platform terms of service: sexual solicitation",
            Self::None => "",
        }
    }

    /// Whether the ground is a law (illegal content) rather than the platform's terms.
    pub fn is_legal(self) -> bool {
        !matches!(self, Self::PlatformTerms | Self::None)
    }
}

/// The ladder's advice for the next decision on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// The recommended action.
    pub action: Action,
    /// Why, in one sentence.
    pub reason: &'static str,
}

/// Recommends the next step: freeze at once on minor-risk or trafficking signs; otherwise one
/// step above the most severe standing (not reversed) action on the account — warn, then
/// restrict, then freeze.
pub fn recommend(standing: &[Action], minor_risk: bool, third_party: bool) -> Recommendation {
    if minor_risk {
        return Recommendation {
            action: Action::Freeze,
            reason: "minor-risk signs: freeze and refer to child protection",
        };
    }
    if third_party {
        return Recommendation {
            action: Action::Freeze,
            reason: "third-party control (pimp or trafficking) signs: freeze and refer",
        };
    }
    match standing.iter().map(|a| a.severity()).max().unwrap_or(0) {
        0 => Recommendation {
            action: Action::Warn,
            reason: "first violation: warn",
        },
        1 => Recommendation {
            action: Action::Restrict,
            reason: "already warned: restrict",
        },
        _ => Recommendation {
            action: Action::Freeze,
            reason: "already restricted or frozen: freeze",
        },
    }
}

/// How far a decision was automated, in the DSA's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AutomatedDecision {
    /// A machine decided alone.
    #[serde(rename = "AUTOMATED_DECISION_FULLY")]
    Fully,
    /// A machine proposed, a person decided.
    #[serde(rename = "AUTOMATED_DECISION_PARTIALLY")]
    Partially,
    /// A person decided without a machine's proposal.
    #[serde(rename = "AUTOMATED_DECISION_NOT_AUTOMATED")]
    NotAutomated,
}

/// A statement of reasons, shaped like the EU DSA Transparency Database's submission format
/// (field names and enumerated values as in its API). It holds no personal data: `puid` is the
/// platform's opaque id for the decision, never the account name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementOfReasons {
    /// Restriction of the content's visibility, if any (`DECISION_VISIBILITY_…`).
    pub decision_visibility: Vec<String>,
    /// Restriction of the account, if any (`DECISION_ACCOUNT_SUSPENDED`).
    pub decision_account: Option<String>,
    /// `DECISION_GROUND_ILLEGAL_CONTENT` or `DECISION_GROUND_INCOMPATIBLE_CONTENT`.
    pub decision_ground: String,
    /// The law relied on, for illegal content.
    pub illegal_content_legal_ground: Option<String>,
    /// Why the content is illegal under that law.
    pub illegal_content_explanation: Option<String>,
    /// The terms relied on, for content incompatible with the terms.
    pub incompatible_content_ground: Option<String>,
    /// Why the content is incompatible with them.
    pub incompatible_content_explanation: Option<String>,
    /// `STATEMENT_CATEGORY_…`.
    pub category: String,
    /// `CONTENT_TYPE_TEXT` and others.
    pub content_type: Vec<String>,
    /// The facts and circumstances relied on (no personal data).
    pub decision_facts: String,
    /// `Yes` when automated means detected the content.
    pub automated_detection: String,
    /// How far the decision was automated.
    pub automated_decision: AutomatedDecision,
    /// `SOURCE_ARTICLE_16` (notice), `SOURCE_TRUSTED_FLAGGER` or `SOURCE_VOLUNTARY`.
    pub source_type: String,
    /// The date of the decision (`YYYY-MM-DD`).
    pub application_date: String,
    /// The date the content was created (`YYYY-MM-DD`).
    pub content_date: String,
    /// The platform's unique id for this statement.
    pub puid: String,
    /// How the account holder can seek redress.
    pub redress: String,
}

/// What a statement of reasons is built from.
#[derive(Debug, Clone)]
pub struct SorInput<'a> {
    /// The decision.
    pub action: Action,
    /// Its policy ground.
    pub ground: Ground,
    /// How the case was opened.
    pub source: crate::case::CaseSource,
    /// Whether the detector flagged the content (automated detection).
    pub automated_detection: bool,
    /// Names of the signal families that fired (evidence, no content).
    pub signal_families: &'a [String],
    /// Flags raised on the content.
    pub flags: &'a [String],
    /// When the decision was made.
    pub decided_at: Millis,
    /// When the earliest content of the case was created.
    pub content_at: Millis,
    /// The platform's unique id for the decision.
    pub puid: String,
}

/// The signal families found in signal arrays (`[{"family": …}, …]`, as `scan` prints them),
/// sorted, without `benign_context`: the evidence a statement of reasons names.
pub fn evidence_families<'a>(
    signal_arrays: impl IntoIterator<Item = &'a serde_json::Value>,
) -> Vec<String> {
    let families: std::collections::BTreeSet<&str> = signal_arrays
        .into_iter()
        .flat_map(|a| a.as_array().into_iter().flatten())
        .filter_map(|s| s.get("family").and_then(serde_json::Value::as_str))
        .filter(|f| *f != "benign_context")
        .collect();
    families.into_iter().map(str::to_owned).collect()
}

/// A case's protection flags, as a statement of reasons names them.
pub fn protection_flags(minor_risk: bool, third_party: bool) -> Vec<String> {
    [(minor_risk, "minor_risk"), (third_party, "third_party")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f.to_owned())
        .collect()
}

/// Builds the statement of reasons for a decision (`None` for `no_violation`, which restricts
/// nothing and needs none).
pub fn statement_of_reasons(input: &SorInput<'_>) -> Option<StatementOfReasons> {
    let (visibility, account) = match input.action {
        Action::Freeze => (vec![], Some("DECISION_ACCOUNT_SUSPENDED".to_owned())),
        Action::Restrict => (vec!["DECISION_VISIBILITY_CONTENT_DEMOTED".to_owned()], None),
        Action::Warn => (vec!["DECISION_VISIBILITY_OTHER".to_owned()], None),
        Action::NoViolation => return None,
    };
    let category = if input.ground == Ground::ChildProtection
        || input.flags.iter().any(|f| f == "minor_risk")
    {
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    } else if input.ground == Ground::Trafficking {
        "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR"
    } else {
        "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"
    };
    let mut facts = format!(
        "The account advertised commercial sexual services. Evidence found: {}.",
        if input.signal_families.is_empty() {
            "reports reviewed by a moderator".to_owned()
        } else {
            input.signal_families.join(", ")
        }
    );
    if !input.flags.is_empty() {
        facts.push_str(&format!(" Protection flags: {}.", input.flags.join(", ")));
    }
    let explanation = "Offering or advertising sexual services for payment.".to_owned();
    let legal = input.ground.is_legal();
    Some(StatementOfReasons {
        decision_visibility: visibility,
        decision_account: account,
        decision_ground: if legal {
            "DECISION_GROUND_ILLEGAL_CONTENT"
        } else {
            "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        }
        .to_owned(),
        illegal_content_legal_ground: legal.then(|| input.ground.reference().to_owned()),
        illegal_content_explanation: legal.then(|| explanation.clone()),
        incompatible_content_ground: (!legal).then(|| input.ground.reference().to_owned()),
        incompatible_content_explanation: (!legal).then_some(explanation),
        category: category.to_owned(),
        content_type: vec!["CONTENT_TYPE_TEXT".to_owned()],
        decision_facts: facts,
        automated_detection: if input.automated_detection {
            "Yes"
        } else {
            "No"
        }
        .to_owned(),
        automated_decision: if input.automated_detection {
            AutomatedDecision::Partially
        } else {
            AutomatedDecision::NotAutomated
        },
        source_type: match input.source {
            crate::case::CaseSource::Automated
            | crate::case::CaseSource::BanEvasion
            | crate::case::CaseSource::Network => "SOURCE_VOLUNTARY",
            crate::case::CaseSource::UserReport => "SOURCE_ARTICLE_16",
            crate::case::CaseSource::Regulator | crate::case::CaseSource::Police => {
                "SOURCE_TRUSTED_FLAGGER"
            }
        }
        .to_owned(),
        application_date: date(input.decided_at),
        content_date: date(input.content_at),
        puid: input.puid.clone(),
        redress: "Appeal through the platform within 6 months; a different moderator reviews it."
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseSource;

    #[test]
    fn ladder_steps_up_and_jumps_on_protection_flags() {
        assert_eq!(recommend(&[], false, false).action, Action::Warn);
        assert_eq!(
            recommend(&[Action::Warn], false, false).action,
            Action::Restrict
        );
        assert_eq!(
            recommend(&[Action::Warn, Action::Restrict], false, false).action,
            Action::Freeze
        );
        assert_eq!(recommend(&[], true, false).action, Action::Freeze);
        assert_eq!(recommend(&[], false, true).action, Action::Freeze);
    }

    #[test]
    fn every_action_but_no_violation_has_an_order_and_a_reversal() {
        for a in [Action::Freeze, Action::Restrict, Action::Warn] {
            assert!(a.order().is_some() && a.reversal().is_some());
        }
        assert_eq!(Action::NoViolation.order(), None);
    }

    #[test]
    fn statement_of_reasons_follows_the_dsa_shape() {
        let families = vec!["solicitation".to_owned(), "price".to_owned()];
        let flags = vec!["minor_risk".to_owned()];
        let sor = statement_of_reasons(&SorInput {
            action: Action::Freeze,
            ground: Ground::IteDecency,
            source: CaseSource::Automated,
            automated_detection: true,
            signal_families: &families,
            flags: &flags,
            decided_at: 1_764_400_000_000,
            content_at: 1_764_300_000_000,
            puid: "michat-dec-1".into(),
        })
        .expect("freeze has a statement");
        let v = serde_json::to_value(&sor).expect("serialises");
        assert_eq!(v["decision_account"], "DECISION_ACCOUNT_SUSPENDED");
        assert_eq!(v["decision_ground"], "DECISION_GROUND_ILLEGAL_CONTENT");
        assert_eq!(v["category"], "STATEMENT_CATEGORY_PROTECTION_OF_MINORS");
        assert_eq!(v["automated_decision"], "AUTOMATED_DECISION_PARTIALLY");
        assert_eq!(v["source_type"], "SOURCE_VOLUNTARY");
        assert_eq!(v["application_date"], "2025-11-29");
        assert!(v["incompatible_content_ground"].is_null());
        assert!(
            statement_of_reasons(&SorInput {
                action: Action::NoViolation,
                ..sor_input_dummy(&families)
            })
            .is_none()
        );
    }

    fn sor_input_dummy(f: &[String]) -> SorInput<'_> {
        SorInput {
            action: Action::Warn,
            ground: Ground::PlatformTerms,
            source: CaseSource::UserReport,
            automated_detection: false,
            signal_families: f,
            flags: &[],
            decided_at: 0,
            content_at: 0,
            puid: String::new(),
        }
    }

    #[test]
    fn evidence_names_families_once_without_benign_context() {
        let a = serde_json::json!([{"family": "price"}, {"family": "benign_context"}, {"family": "contact"}]);
        let b = serde_json::json!([{"family": "price"}, {"rule": "no family"}]);
        assert_eq!(evidence_families([&a, &b]), ["contact", "price"]);
        assert_eq!(protection_flags(true, true), ["minor_risk", "third_party"]);
        assert!(protection_flags(false, false).is_empty());
    }

    #[test]
    fn terms_ground_is_incompatible_content() {
        let sor = statement_of_reasons(&sor_input_dummy(&[])).expect("warn has a statement");
        assert_eq!(sor.decision_ground, "DECISION_GROUND_INCOMPATIBLE_CONTENT");
        assert_eq!(sor.source_type, "SOURCE_ARTICLE_16");
        assert_eq!(sor.automated_decision, AutomatedDecision::NotAutomated);
    }
}
