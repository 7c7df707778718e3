//! The detector: normalise → signals → features → model → verdict, with an explanation of
//! how each score was reached.

use std::fmt;

use serde::Serialize;

use crate::features::{
    for_each_ngram_shaped, lanes_total, ngram_buckets, ngram_value, ngram_weight_sum,
    shape_untagged, strip_tags,
};
use crate::model::{Model, sigmoid};
use crate::normalize::{Normalized, Normalizer};
use crate::policy::{Family, PolicyPack};
use crate::signals::{Hit, Matcher};
use crate::{Error, Result};

/// The label of a scored item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// An offer of commercial sex.
    Solicitation,
    /// Anything else.
    Benign,
}

impl Label {
    /// The label as written in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Solicitation => "solicitation",
            Label::Benign => "benign",
        }
    }
}

/// A flag that sends an item to protection as well as enforcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Signs that a minor is involved.
    MinorRisk,
    /// Signs of a third party in control (a pimp, trafficking).
    ThirdParty,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Flag; 2] = [Flag::MinorRisk, Flag::ThirdParty];

    /// The flag as written in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::MinorRisk => "minor_risk",
            Flag::ThirdParty => "third_party",
        }
    }
}

/// One signal that fired, with its span in the original text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal<'a> {
    /// The rule's family.
    pub family: Family,
    /// The rule's name.
    pub rule: &'a str,
    /// Start byte offset in the original text.
    pub start: usize,
    /// End byte offset (exclusive) in the original text.
    pub end: usize,
    /// Exactly `original[start..end]`.
    pub text: &'a str,
}

/// The detector's answer for one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict<'a> {
    /// Probability-like score in 0..1.
    pub score: f32,
    /// `solicitation` when `score` reaches the pack's label threshold.
    pub label: Label,
    /// Protection flags.
    pub flags: Vec<Flag>,
    /// The signals that fired, in text order.
    pub signals: Vec<Signal<'a>>,
}

/// Reusable per-thread buffers for scoring.
#[derive(Debug, Default)]
pub struct Scratch {
    normalizer: Normalizer,
    normalized: Normalized,
    hits: Vec<Hit>,
    features: Features,
    untagged: String,
    /// The bytes scoring reads the n-grams from ([`shape_untagged`]).
    shaped: Vec<u8>,
}

/// The model's inputs for one item.
#[derive(Debug, Default, Clone)]
pub struct Features {
    /// N-gram buckets, with repetition.
    pub ngrams: Vec<u32>,
    /// The value each n-gram occurrence carries.
    pub ngram_value: f32,
    /// `(rule index, value)` for each rule that fired, once per rule.
    pub rules: Vec<(u32, f32)>,
    /// Value per family, in [`Family::ALL`] order.
    pub families: [f32; 8],
}

/// One term of the score's sum, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// What contributed: `rule open_bo`, `family solicitation`, `text n-grams`, `bias`.
    pub feature: String,
    /// The feature's value.
    pub value: f32,
    /// The model's weight for it.
    pub weight: f32,
    /// `value × weight`: what it added to the logit.
    pub logit: f32,
}

/// How a score was reached, for a person to read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation<'a> {
    /// The text after normalisation.
    pub normalized: String,
    /// The verdict.
    pub verdict: Verdict<'a>,
    /// The terms of the logit, largest effect first.
    pub contributions: Vec<Contribution>,
    /// The sum of the contributions; the score is `sigmoid(logit)`.
    pub logit: f32,
    /// The pack's label threshold.
    pub threshold: f32,
}

/// Scores text with a policy pack and a model.
#[derive(Debug, Clone)]
pub struct Detector {
    pack: PolicyPack,
    matcher: Matcher,
    model: Model,
    /// Model weight per pack rule (0 for rules the model has not seen).
    rule_weights: Vec<f32>,
}

/// The most a family's value can reach, however many of its rules fire.
const FAMILY_CAP: f32 = 3.0;

impl Detector {
    /// Compiles `pack` and pairs it with `model`.
    pub fn new(pack: PolicyPack, model: Model) -> Result<Self> {
        pack.validate()?;
        let matcher = Matcher::new(&pack)?;
        let rule_weights = pack
            .rules
            .iter()
            .map(|r| model.rule_weight(&r.name))
            .collect();
        Ok(Detector {
            pack,
            matcher,
            model,
            rule_weights,
        })
    }

    /// The policy pack and model shipped with Saring.
    pub fn builtin() -> Result<Self> {
        Self::new(PolicyPack::builtin(), Model::builtin()?)
    }

    /// Loads a pack and a model from their file contents.
    pub fn from_parts(policy_toml: Option<&str>, model_bytes: Option<&[u8]>) -> Result<Self> {
        let pack = match policy_toml {
            Some(text) => PolicyPack::from_toml(text)?,
            None => PolicyPack::builtin(),
        };
        let model = match model_bytes {
            Some(bytes) => Model::from_bytes(bytes)?,
            None => Model::builtin()?,
        };
        if model.meta.policy_name != pack.pack.name {
            return Err(Error::ModelIncompatible(format!(
                "model was trained with policy pack `{}`, not `{}`",
                model.meta.policy_name, pack.pack.name
            )));
        }
        Self::new(pack, model)
    }

    /// The policy pack.
    pub fn pack(&self) -> &PolicyPack {
        &self.pack
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Normalises `text` and finds its signals, without the model; returns how many
    /// signals fired. This is the cheap first stage, exposed for benchmarks.
    pub fn signals_only(&self, text: &str, scratch: &mut Scratch) -> usize {
        scratch
            .normalizer
            .normalize_into(text, &mut scratch.normalized);
        scratch.hits.clear();
        self.matcher
            .find(scratch.normalized.as_str(), &mut scratch.hits);
        scratch.hits.len()
    }

    /// True when a rule of one of `families` fires on `text`. Training uses it to keep only
    /// weakly labelled positives that show sex-related evidence outside their hashtags.
    pub fn fires_any(&self, text: &str, families: &[Family], scratch: &mut Scratch) -> bool {
        self.signals_only(text, scratch);
        scratch
            .hits
            .iter()
            .any(|h| families.contains(&self.matcher.family(h.rule)))
    }

    /// Computes the model's inputs for `text` (also leaves its hits in `scratch`).
    pub fn featurize(&self, text: &str, scratch: &mut Scratch, out: &mut Features) {
        self.signals_only(text, scratch);
        out.ngrams.clear();
        let untagged = untagged(scratch.normalized.as_str(), &mut scratch.untagged);
        out.ngram_value = ngram_buckets(untagged, self.model.buckets_log2(), &mut out.ngrams);
        self.signal_features(scratch, out);
    }

    /// Fills the rule and family values of `out` from the hits in `scratch`.
    fn signal_features(&self, scratch: &Scratch, out: &mut Features) {
        out.rules.clear();
        out.families = [0.0; 8];
        for h in &scratch.hits {
            if out.rules.iter().any(|&(r, _)| r == h.rule) {
                continue;
            }
            let weight = self.pack.rules[h.rule as usize].weight;
            out.rules.push((h.rule, weight));
            let f = self.matcher.family(h.rule).index();
            out.families[f] = (out.families[f] + weight).min(FAMILY_CAP);
        }
    }

    fn logit(&self, f: &Features) -> f32 {
        let ngram_sum = ngram_weight_sum(&f.ngrams, |b| self.model.ngram_weight(b));
        self.logit_from(ngram_sum, f)
    }

    /// The logit, given the sum of the weights of `f`'s n-grams (which may not be stored in
    /// `f.ngrams`).
    fn logit_from(&self, ngram_sum: f32, f: &Features) -> f32 {
        let ngram = ngram_sum * f.ngram_value;
        let rules: f32 = f
            .rules
            .iter()
            .map(|&(r, v)| self.rule_weights[r as usize] * v)
            .sum();
        let families: f32 = Family::ALL
            .iter()
            .map(|&fam| self.model.family_weight(fam) * f.families[fam.index()])
            .sum();
        self.model.bias() + ngram + rules + families
    }

    /// The model's logit for one item (`score = sigmoid(logit)`), for calibration and
    /// evaluation; scoring does not go through here.
    pub fn logit_of(&self, text: &str, scratch: &mut Scratch) -> f32 {
        let mut features = std::mem::take(&mut scratch.features);
        self.featurize(text, scratch, &mut features);
        let z = self.logit(&features);
        scratch.features = features;
        z
    }

    /// Scores one item.
    pub fn score<'a>(&'a self, text: &'a str, scratch: &mut Scratch) -> Verdict<'a> {
        // What `featurize` and `logit` compute, with the n-gram weights summed as the
        // n-grams are hashed instead of stored first: the same sums in the same order
        // (`ngram_weight_sum`).
        self.signals_only(text, scratch);
        let mut features = std::mem::take(&mut scratch.features);
        features.ngrams.clear();
        shape_untagged(scratch.normalized.as_str(), &mut scratch.shaped);
        // `-0.0`, like `Iterator::sum` for floats.
        let mut lanes = [-0.0f32; 3];
        let weights = self.model.ngram_weights();
        // The table's length is a power of two (checked when the model loads) and every
        // bucket is below it: the mask changes no index and spares the bounds check.
        let last = weights.len() - 1;
        let count = for_each_ngram_shaped(&scratch.shaped, self.model.buckets_log2(), |lane, b| {
            lanes[lane] += weights[b as usize & last];
        });
        let ngram_sum = lanes_total(lanes);
        features.ngram_value = ngram_value(count);
        self.signal_features(scratch, &mut features);
        let score = sigmoid(self.logit_from(ngram_sum, &features));
        scratch.features = features;
        self.verdict(text, score, scratch)
    }

    fn verdict<'a>(&'a self, text: &'a str, score: f32, scratch: &Scratch) -> Verdict<'a> {
        let t = self.pack.thresholds;
        let label = if score >= t.label {
            Label::Solicitation
        } else {
            Label::Benign
        };
        let mut flags = Vec::new();
        let fired = |fam: Family| {
            scratch
                .hits
                .iter()
                .any(|h| self.matcher.family(h.rule) == fam)
        };
        if score >= t.minor_risk() && fired(Family::MinorRisk) {
            flags.push(Flag::MinorRisk);
        }
        if score >= t.flag && fired(Family::ThirdParty) {
            flags.push(Flag::ThirdParty);
        }
        let signals = scratch
            .hits
            .iter()
            .map(|h| {
                let (start, end) =
                    scratch
                        .normalized
                        .original_span(text, h.start as usize, h.end as usize);
                let rule = &self.pack.rules[h.rule as usize];
                Signal {
                    family: rule.family,
                    rule: &rule.name,
                    start,
                    end,
                    text: &text[start..end],
                }
            })
            .collect();
        Verdict {
            score,
            label,
            flags,
            signals,
        }
    }

    /// Scores one item and says how the score was reached.
    pub fn explain<'a>(&'a self, text: &'a str) -> Explanation<'a> {
        let mut scratch = Scratch::default();
        let mut f = Features::default();
        self.featurize(text, &mut scratch, &mut f);
        let logit = self.logit(&f);
        let verdict = self.verdict(text, sigmoid(logit), &scratch);
        let mut contributions = vec![Contribution {
            feature: "bias".to_owned(),
            value: 1.0,
            weight: self.model.bias(),
            logit: self.model.bias(),
        }];
        let ngram_sum = ngram_weight_sum(&f.ngrams, |b| self.model.ngram_weight(b));
        contributions.push(Contribution {
            feature: format!("text n-grams ({})", f.ngrams.len()),
            value: f.ngram_value,
            weight: ngram_sum,
            logit: ngram_sum * f.ngram_value,
        });
        for &(r, v) in &f.rules {
            let w = self.rule_weights[r as usize];
            contributions.push(Contribution {
                feature: format!("rule {}", self.pack.rules[r as usize].name),
                value: v,
                weight: w,
                logit: w * v,
            });
        }
        for fam in Family::ALL {
            let v = f.families[fam.index()];
            if v != 0.0 {
                let w = self.model.family_weight(fam);
                contributions.push(Contribution {
                    feature: format!("family {}", fam.as_str()),
                    value: v,
                    weight: w,
                    logit: w * v,
                });
            }
        }
        contributions.sort_by(|a, b| b.logit.abs().total_cmp(&a.logit.abs()));
        Explanation {
            normalized: scratch.normalized.as_str().to_owned(),
            verdict,
            contributions,
            logit,
            threshold: self.pack.thresholds.label,
        }
    }
}

/// Normalised `text` without hashtags and mentions ([`strip_tags`]): `text` itself when it
/// has none, else a copy in `buf`.
fn untagged<'t>(text: &'t str, buf: &'t mut String) -> &'t str {
    if text.bytes().any(|b| b == b'#' || b == b'@') {
        strip_tags(text, buf);
        buf
    } else {
        text
    }
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = &self.verdict;
        writeln!(f, "normalised: {}", self.normalized.replace('\n', " ⏎ "))?;
        writeln!(f)?;
        if v.signals.is_empty() {
            writeln!(f, "signals: none")?;
        } else {
            writeln!(f, "signals:")?;
            for s in &v.signals {
                writeln!(
                    f,
                    "  {:<15} {:<24} {:>5}..{:<5} {:?}",
                    s.family.as_str(),
                    s.rule,
                    s.start,
                    s.end,
                    s.text
                )?;
            }
        }
        writeln!(f)?;
        writeln!(f, "how the score was reached (logit = sum of terms):")?;
        for c in &self.contributions {
            writeln!(
                f,
                "  {:>+8.3}  {:<36} (value {:.3} × weight {:+.3})",
                c.logit, c.feature, c.value, c.weight
            )?;
        }
        writeln!(f, "  {:>+8.3}  logit", self.logit)?;
        writeln!(f)?;
        let flags: Vec<&str> = v.flags.iter().map(|fl| fl.as_str()).collect();
        writeln!(
            f,
            "score: {:.3} = sigmoid({:+.3}) → {} (threshold {:.2}){}",
            v.score,
            self.logit,
            v.label.as_str(),
            self.threshold,
            if flags.is_empty() {
                String::new()
            } else {
                format!("; flags: {}", flags.join(", "))
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Example, TrainOptions, train};

    fn small_detector() -> Detector {
        let pack = PolicyPack::builtin();
        let examples: Vec<Example> = [
            ("open bo kak wa 0812 1111 2222", true),
            ("avail vcs 100rb kak", true),
            ("ready stock gamis cod wa 0812 3333 4444", false),
            ("selamat pagi semua", false),
        ]
        .iter()
        .map(|(t, p)| Example::new(*t, *p))
        .collect();
        let opts = TrainOptions {
            buckets_log2: 12,
            epochs: 10,
            ..TrainOptions::default()
        };
        let (model, _) = train(&pack, &examples, &opts).expect("trains");
        Detector::new(pack, model).expect("builds")
    }

    #[test]
    fn spans_are_slices_of_the_original() {
        let d = small_detector();
        let text = "🅾️🅿️🅴🅽 🅱️🅾️ ready kalcit, ST 500 LT 1,2jt, wa 0812 8845 1290";
        let v = d.score(text, &mut Scratch::default());
        assert!(!v.signals.is_empty());
        for s in &v.signals {
            assert_eq!(&text[s.start..s.end], s.text);
        }
        assert!(
            v.signals.iter().any(|s| s.text == "🅾️🅿️🅴🅽 🅱️🅾️"),
            "{:?}",
            v.signals
        );
    }

    /// `score` sums the n-gram weights while hashing; `logit_of` stores the buckets first
    /// (as training and explanations do). They give the same score, bit for bit.
    #[test]
    fn scoring_matches_the_stored_features() {
        let d = small_detector();
        let mut texts: Vec<String> = [
            "",
            "a",
            "ab",
            "abc",
            "#openbo @mami",
            "0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 8845 1290",
            "🅾️🅿️🅴🅽 🅱️🅾️ #avail",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        texts.extend(crate::features::spread_of_texts(120));
        let mut scratch = Scratch::default();
        for t in &texts {
            let stored = sigmoid(d.logit_of(t, &mut scratch));
            let fused = d.score(t, &mut scratch).score;
            assert_eq!(fused.to_bits(), stored.to_bits(), "{t:?}");
        }
    }

    #[test]
    fn explanation_sums_to_the_score() {
        let d = small_detector();
        let e = d.explain("0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 8845 1290");
        let sum: f32 = e.contributions.iter().map(|c| c.logit).sum();
        assert!((sum - e.logit).abs() < 1e-3, "{sum} vs {}", e.logit);
        assert!((sigmoid(e.logit) - e.verdict.score).abs() < 1e-6);
        let text = e.to_string();
        assert!(text.contains("normalised: open bo ready kalcit"), "{text}");
        assert!(text.contains("score:"), "{text}");
    }

    #[test]
    fn flags_need_their_family_and_a_score() {
        let d = small_detector();
        let v = d.score(
            "open bo masih pelajar sma, wa 0812 1111 2222",
            &mut Scratch::default(),
        );
        if v.score >= d.pack().thresholds.minor_risk() {
            assert!(v.flags.contains(&Flag::MinorRisk), "{v:?}");
        }
        let v = d.score("selamat pagi", &mut Scratch::default());
        assert!(v.flags.is_empty());
    }

    /// The families of the builtin pack's rules that fire on `text`.
    fn families(d: &Detector, text: &str) -> Vec<Family> {
        let mut s = Scratch::default();
        d.signals_only(text, &mut s);
        s.hits.iter().map(|h| d.matcher.family(h.rule)).collect()
    }

    #[test]
    fn minor_risk_rules_read_ages_menus_and_school_words() {
        let d = small_detector();
        for text in [
            "nia (16) st 500",
            "JUWITA :: 16 :: ST 300",
            "bunga | (15) | 600",
            "umur: 15",
            "masih 16 ya kak",
            "enam belas tahun",
            "siswi kelas 11",
            "⒨⒜⒮⒤⒣ ⒮⒠⒦⒪⒧⒜⒣",
        ] {
            assert!(families(&d, text).contains(&Family::MinorRisk), "{text}");
        }
        // A date, a duration, uniforms for sale and a place named after the scouts.
        for text in [
            "selasa (17/10) libur",
            "sudah kerja 5 tahun",
            "#seragam #souvenir",
            "apartemen green pramuka",
        ] {
            assert!(!families(&d, text).contains(&Family::MinorRisk), "{text}");
        }
    }

    /// Regression: `jam 13-16` in a massage schedule was read as an hourly rate.
    #[test]
    fn times_of_day_are_not_prices() {
        let d = small_detector();
        assert!(!families(&d, "siang (jam 13-16), malam jam 9.30").contains(&Family::Price));
        assert!(families(&d, "1 jam 450").contains(&Family::Price));
        assert!(families(&d, "2 jam 1,5jt").contains(&Family::Price));
    }

    #[test]
    fn minor_risk_flag_has_its_own_threshold() {
        let t = PolicyPack::builtin().thresholds;
        assert!(t.minor_risk() < t.flag, "{t:?}");
        let default = crate::policy::Thresholds::default();
        assert_eq!(default.minor_risk(), default.flag);
    }
}
