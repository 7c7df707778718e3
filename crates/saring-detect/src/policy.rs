//! Policy packs: versioned data files (TOML) that hold the weighted terms and patterns the
//! detector looks for, grouped by signal family. Changing what Saring looks for is a data
//! change, reviewed like one — not a code change.
//!
//! ```toml
//! [pack]
//! name = "saring-default"
//! version = "2026.11.29"
//!
//! [thresholds]
//! label = 0.5   # score at or above which an item is labelled solicitation
//! flag = 0.35   # score at or above which the third-party flag is raised
//! minor_risk_flag = 0.05   # the same for the minor-risk flag (default: `flag`)
//!
//! [[rules]]
//! family = "solicitation"
//! name = "open_bo"
//! weight = 1.0
//! match = "word"          # word (default) | prefix | substring
//! terms = ["open bo", "openbo", "booking out"]
//!
//! [[rules]]
//! family = "price"
//! name = "st_lt_price"
//! regex = '\b(st|lt)\s*\d{2,4}\b'
//! ```
//!
//! Terms are normalised with the same [`crate::normalize`] as the text, so one spelling
//! covers its obfuscated variants. Regular expressions run on the normalised text.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The policy pack shipped with Saring, embedded in the binary.
pub const BUILTIN_POLICY: &str = include_str!("../../../policy/default.toml");

/// A family of signals: what kind of evidence a rule finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Offers of paid sex: "open BO", "avail", "bispak", "VCS".
    Solicitation,
    /// Services and acts offered: "ST", "LT", "include room", "crot".
    Service,
    /// Prices and price lists: "ST 500 LT 1,2jt", "300rb", "450k".
    Price,
    /// Contact hand-off: phone numbers, WhatsApp, LINE and Telegram handles and links.
    Contact,
    /// Places: apartment complexes and areas.
    Location,
    /// Third-party control: "mami", "admin", menus of several women.
    ThirdParty,
    /// Signs that a minor is involved: "pelajar", "masih sekolah", ages under 18.
    MinorRisk,
    /// Context that speaks against solicitation: news, police statements, scam warnings,
    /// health and outreach services.
    BenignContext,
}

impl Family {
    /// Every family, in a fixed order (the model's feature layout depends on it).
    pub const ALL: [Family; 8] = [
        Family::Solicitation,
        Family::Service,
        Family::Price,
        Family::Contact,
        Family::Location,
        Family::ThirdParty,
        Family::MinorRisk,
        Family::BenignContext,
    ];

    /// The family's name as written in packs and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Solicitation => "solicitation",
            Family::Service => "service",
            Family::Price => "price",
            Family::Contact => "contact",
            Family::Location => "location",
            Family::ThirdParty => "third_party",
            Family::MinorRisk => "minor_risk",
            Family::BenignContext => "benign_context",
        }
    }

    /// Position in [`Family::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a term may match inside the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// Whole words only: "bo" does not match inside "boleh".
    #[default]
    Word,
    /// At the start of a word: "openbo" matches in "#openbojogja".
    Prefix,
    /// Anywhere: "lendir" matches in "#wisatalendirjogja".
    Substring,
}

/// Pack metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    /// The pack's name.
    pub name: String,
    /// The pack's version; recorded in every model trained with it.
    pub version: String,
    /// What the pack is for.
    #[serde(default)]
    pub description: String,
}

/// Score thresholds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Score at or above which an item is labelled `solicitation`.
    pub label: f32,
    /// Score at or above which the `third_party` flag (and, unless `minor_risk_flag` says
    /// otherwise, the `minor_risk` flag) is raised when its signals fire (lower than
    /// `label`: protection errs on the side of caution).
    pub flag: f32,
    /// Score at or above which the `minor_risk` flag is raised when a minor-risk rule fires;
    /// `flag` when absent. Usually far lower than `flag`: a missed child costs more than a
    /// moderator's look at a false flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_risk_flag: Option<f32>,
}

impl Thresholds {
    /// The score at or above which the `minor_risk` flag is raised.
    pub fn minor_risk(&self) -> f32 {
        self.minor_risk_flag.unwrap_or(self.flag)
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            label: 0.5,
            flag: 0.35,
            minor_risk_flag: None,
        }
    }
}

/// One rule as written in the pack: a weighted list of terms or one regular expression.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The rule's family.
    pub family: Family,
    /// A unique name, shown in explanations (`open_bo`).
    pub name: String,
    /// How strongly the rule counts (the model learns a coefficient on top).
    #[serde(default = "default_weight")]
    pub weight: f32,
    /// Where terms may match.
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
    /// Terms, matched after normalisation.
    #[serde(default)]
    pub terms: Vec<String>,
    /// A regular expression over the normalised text (instead of `terms`).
    #[serde(default)]
    pub regex: Option<String>,
    /// A note for the people who maintain the pack.
    #[serde(default)]
    pub note: String,
}

fn default_weight() -> f32 {
    1.0
}

/// A policy pack as read from its file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyPack {
    /// Name and version.
    pub pack: PackInfo,
    /// Score thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The rules, in order.
    pub rules: Vec<RuleConfig>,
}

impl PolicyPack {
    /// Parses and validates a pack, reporting every problem with the rule it concerns.
    pub fn from_toml(text: &str) -> Result<Self> {
        let pack: PolicyPack =
            toml::from_str(text).map_err(|e| Error::PolicySyntax(e.to_string()))?;
        pack.validate()?;
        Ok(pack)
    }

    /// The pack shipped with Saring.
    pub fn builtin() -> Self {
        // The builtin pack is checked by a unit test, so this cannot fail in a release.
        #[allow(clippy::expect_used)]
        Self::from_toml(BUILTIN_POLICY).expect("the builtin policy pack is valid (unit-tested)")
    }

    /// Checks names, weights, thresholds and that each rule has terms or a regex.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let id = if rule.name.is_empty() {
                format!("#{}", i + 1)
            } else {
                rule.name.clone()
            };
            if rule.name.is_empty() {
                problems.push((id.clone(), "has no name".to_owned()));
            } else if !seen.insert(rule.name.as_str()) {
                problems.push((id.clone(), "name is used by an earlier rule".to_owned()));
            }
            if !rule.weight.is_finite() {
                problems.push((id.clone(), "weight is not a finite number".to_owned()));
            }
            match (&rule.regex, rule.terms.is_empty()) {
                (Some(_), false) => {
                    problems.push((id.clone(), "has both `terms` and `regex`".to_owned()));
                }
                (None, true) => {
                    problems.push((id.clone(), "has neither `terms` nor `regex`".to_owned()));
                }
                (Some(re), true) => {
                    if let Err(e) = crate::signals::compile_regex(re) {
                        problems.push((id.clone(), format!("regex does not compile: {e}")));
                    }
                }
                (None, false) => {
                    for t in &rule.terms {
                        if crate::normalize::normalize(t).as_str().trim().is_empty() {
                            problems.push((id.clone(), format!("term {t:?} is empty")));
                        }
                    }
                }
            }
        }
        let t = self.thresholds;
        for (name, v) in [
            ("label", t.label),
            ("flag", t.flag),
            ("minor_risk_flag", t.minor_risk()),
        ] {
            if !(0.0..=1.0).contains(&v) {
                problems.push((
                    format!("thresholds.{name}"),
                    format!("must be between 0 and 1, is {v}"),
                ));
            }
        }
        match problems.len() {
            0 => Ok(()),
            1 => {
                let (rule, reason) = problems.remove(0);
                Err(Error::PolicyRule { rule, reason })
            }
            _ => Err(Error::PolicyRule {
                rule: problems[0].0.clone(),
                reason: problems
                    .iter()
                    .enumerate()
                    .map(|(i, (r, why))| {
                        if i == 0 {
                            why.clone()
                        } else {
                            format!("rule `{r}`: {why}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_pack_is_valid() {
        let pack = PolicyPack::from_toml(BUILTIN_POLICY).expect("valid");
        assert!(pack.rules.len() > 20);
        for family in Family::ALL {
            assert!(
                pack.rules.iter().any(|r| r.family == family),
                "no rule for {family:?}"
            );
        }
    }

    #[test]
    fn bad_rules_are_named() {
        let text = r#"
            [pack]
            name = "t"
            version = "1"
            [[rules]]
            family = "price"
            name = "broken"
            regex = "(unclosed"
            [[rules]]
            family = "solicitation"
            name = "empty"
        "#;
        let err = PolicyPack::from_toml(text)
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("`broken`"), "{err}");
        assert!(err.contains("regex does not compile"), "{err}");
        assert!(err.contains("`empty`: has neither"), "{err}");
    }

    #[test]
    fn unknown_family_and_fields_are_rejected() {
        let text = r#"
            [pack]
            name = "t"
            version = "1"
            [[rules]]
            family = "gossip"
            name = "x"
            terms = ["a"]
        "#;
        let err = PolicyPack::from_toml(text)
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("gossip"), "{err}");
        let text = "[pack]\nname = \"t\"\nversion = \"1\"\ncolour = 1\nrules = []\n";
        let err = PolicyPack::from_toml(text)
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("colour"), "{err}");
    }
}
