//! The model: logistic regression over the policy pack's signals and hashed character
//! n-grams, trained with AdaGrad SGD. Training is deterministic: the same examples, pack
//! and options give the same model, byte for byte.
//!
//! A model file is the magic bytes `SARINGM1` followed by the `postcard` encoding of
//! [`Model`]. It records what it was trained on ([`ModelMeta`]).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::detector::{Detector, Features, Scratch};
use crate::features::FEATURE_VERSION;
use crate::policy::{Family, PolicyPack};
use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"SARINGM1";

/// The model shipped with Saring, embedded in the binary (empty until one is trained).
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../../models/default.model");

/// What a model was trained on and how; kept inside the model file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Feature layout version ([`FEATURE_VERSION`]).
    pub feature_version: u32,
    /// Name of the policy pack used in training.
    pub policy_name: String,
    /// Version of that pack.
    pub policy_version: String,
    /// Random seed.
    pub seed: u64,
    /// Passes over the data.
    pub epochs: u32,
    /// Training examples (after augmentation).
    pub examples: u64,
    /// Of which positive.
    pub positives: u64,
    /// The data it was trained on: one line per source (file, rows, labels, licence).
    pub sources: Vec<String>,
    /// Free text: how it was made.
    pub note: String,
}

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Provenance.
    pub meta: ModelMeta,
    pub(crate) bias: f32,
    pub(crate) buckets_log2: u8,
    pub(crate) ngram: Vec<f32>,
    /// Weight per rule, by rule name (rules the model has not seen weigh 0).
    pub(crate) rules: Vec<(String, f32)>,
    /// Weight per family, in [`Family::ALL`] order.
    pub(crate) families: Vec<f32>,
}

impl Model {
    /// A model with every weight zero: scores 0.5 for everything. The starting point of
    /// training.
    pub fn zero(pack: &PolicyPack, buckets_log2: u8) -> Self {
        Model {
            meta: ModelMeta {
                feature_version: FEATURE_VERSION,
                policy_name: pack.pack.name.clone(),
                policy_version: pack.pack.version.clone(),
                ..ModelMeta::default()
            },
            bias: 0.0,
            buckets_log2,
            ngram: vec![0.0; 1 << buckets_log2],
            rules: pack.rules.iter().map(|r| (r.name.clone(), 0.0)).collect(),
            families: vec![0.0; Family::ALL.len()],
        }
    }

    /// The model shipped with Saring.
    pub fn builtin() -> Result<Self> {
        if BUILTIN_MODEL.is_empty() {
            return Err(Error::ModelFormat(
                "this build has no embedded model; train one with `saring train`".to_owned(),
            ));
        }
        Self::from_bytes(BUILTIN_MODEL)
    }

    /// Decodes a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| Error::ModelFormat("not a Saring model (bad magic bytes)".to_owned()))?;
        let model: Model =
            postcard::from_bytes(body).map_err(|e| Error::ModelFormat(e.to_string()))?;
        if model.meta.feature_version != FEATURE_VERSION {
            return Err(Error::ModelIncompatible(format!(
                "model uses feature layout {}, this build computes {}",
                model.meta.feature_version, FEATURE_VERSION
            )));
        }
        if !(8..=24).contains(&model.buckets_log2)
            || model.ngram.len() != 1usize << model.buckets_log2
            || model.families.len() != Family::ALL.len()
        {
            return Err(Error::ModelFormat(
                "weight tables have the wrong size".to_owned(),
            ));
        }
        Ok(model)
    }

    /// Encodes the model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        // Encoding plain numbers, strings and vectors into a Vec cannot fail.
        #[allow(clippy::expect_used)]
        out.extend(postcard::to_allocvec(self).expect("a model always encodes"));
        out
    }

    /// Bias (intercept).
    pub fn bias(&self) -> f32 {
        self.bias
    }

    /// `log2` of the number of n-gram buckets.
    pub fn buckets_log2(&self) -> u8 {
        self.buckets_log2
    }

    /// The weight of rule `name`, 0 when the model has none.
    pub fn rule_weight(&self, name: &str) -> f32 {
        self.rules
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, w)| *w)
    }

    /// The weight of a family.
    pub fn family_weight(&self, family: Family) -> f32 {
        self.families[family.index()]
    }

    /// Folds Platt scaling into the weights: afterwards the model's logit is
    /// `a · logit + b` of before, so `sigmoid(logit)` is the calibrated probability and the
    /// explanation (a sum of terms) stays exact. Nothing changes on the scoring path.
    pub fn calibrate(&mut self, p: Platt) {
        for w in &mut self.ngram {
            *w *= p.a;
        }
        for (_, w) in &mut self.rules {
            *w *= p.a;
        }
        for w in &mut self.families {
            *w *= p.a;
        }
        self.bias = self.bias * p.a + p.b;
    }

    pub(crate) fn ngram_weight(&self, bucket: u32) -> f32 {
        self.ngram[bucket as usize]
    }

    /// Every n-gram weight, by bucket: `2^buckets_log2` of them.
    pub(crate) fn ngram_weights(&self) -> &[f32] {
        &self.ngram
    }
}

/// One labelled training example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The text as written.
    pub text: String,
    /// True for solicitation.
    pub positive: bool,
    /// How much the example counts (1 for ordinary data; moderators' decisions may weigh
    /// more). Must be positive and finite.
    pub weight: f32,
}

impl Example {
    /// An example of weight 1.
    pub fn new(text: impl Into<String>, positive: bool) -> Self {
        Example {
            text: text.into(),
            positive,
            weight: 1.0,
        }
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Seed for shuffling.
    pub seed: u64,
    /// Passes over the data.
    pub epochs: u32,
    /// `log2` of the number of n-gram buckets.
    pub buckets_log2: u8,
    /// AdaGrad base learning rate.
    pub learning_rate: f32,
    /// L2 penalty, applied to the weights an example touches.
    pub l2: f32,
    /// Where the data came from, recorded in the model.
    pub sources: Vec<String>,
    /// How the model was made, recorded in the model.
    pub note: String,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            seed: 20261129,
            epochs: 6,
            buckets_log2: 18,
            learning_rate: 0.2,
            l2: 1e-5,
            sources: Vec::new(),
            note: String::new(),
        }
    }
}

/// What training did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// Examples used.
    pub examples: usize,
    /// Of which positive.
    pub positives: usize,
    /// Mean log-loss per epoch.
    pub loss: Vec<f64>,
    /// Accuracy on the training data after the last epoch.
    pub train_accuracy: f64,
}

/// Trains a model on `examples` with the signals of `pack`.
pub fn train(
    pack: &PolicyPack,
    examples: &[Example],
    opts: &TrainOptions,
) -> Result<(Model, TrainReport)> {
    let positives = examples.iter().filter(|e| e.positive).count();
    let negatives = examples.len() - positives;
    if let Some(bad) = examples
        .iter()
        .find(|e| !(e.weight.is_finite() && e.weight > 0.0))
    {
        return Err(Error::Training(format!(
            "example weights must be positive numbers, not {}",
            bad.weight
        )));
    }
    if positives == 0 || negatives == 0 {
        return Err(Error::Training(format!(
            "need examples of both classes, have {positives} positive and {negatives} negative"
        )));
    }
    if !(8..=24).contains(&opts.buckets_log2) {
        return Err(Error::Training(
            "buckets_log2 must be between 8 and 24".to_owned(),
        ));
    }
    let mut detector = Detector::new(pack.clone(), Model::zero(pack, opts.buckets_log2))?;
    // Balanced class weights over the examples' own weights.
    let mass = |pos: bool| -> f32 {
        examples
            .iter()
            .filter(|e| e.positive == pos)
            .map(|e| e.weight)
            .sum()
    };
    let (m_pos, m_neg) = (mass(true), mass(false));
    let w_pos = (m_pos + m_neg) / (2.0 * m_pos);
    let w_neg = (m_pos + m_neg) / (2.0 * m_neg);

    let n_ngram = 1usize << opts.buckets_log2;
    let n_rules = pack.rules.len();
    let dim = n_ngram + n_rules + Family::ALL.len() + 1;
    let bias_i = dim - 1;
    let mut w = vec![0f32; dim];
    let mut g2 = vec![0f32; dim];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
    let mut scratch = Scratch::default();
    let mut feats = Features::default();
    let mut loss = Vec::new();
    let mut sparse: Vec<(usize, f32)> = Vec::new();

    for _epoch in 0..opts.epochs {
        order.shuffle(&mut rng);
        let mut total = 0f64;
        for &i in &order {
            let ex = &examples[i];
            detector.featurize(&ex.text, &mut scratch, &mut feats);
            sparse.clear();
            sparse.extend(
                feats
                    .ngrams
                    .iter()
                    .map(|&b| (b as usize, feats.ngram_value)),
            );
            sparse.extend(feats.rules.iter().map(|&(r, v)| (n_ngram + r as usize, v)));
            for (f, &v) in feats.families.iter().enumerate() {
                if v != 0.0 {
                    sparse.push((n_ngram + n_rules + f, v));
                }
            }
            sparse.push((bias_i, 1.0));
            let z: f32 = sparse.iter().map(|&(j, v)| w[j] * v).sum();
            let p = sigmoid(z);
            let y = if ex.positive { 1.0 } else { 0.0 };
            let cw = ex.weight * if ex.positive { w_pos } else { w_neg };
            total += f64::from(cw) * log_loss(p, ex.positive);
            let err = (p - y) * cw;
            for &(j, v) in &sparse {
                let g = err * v + if j == bias_i { 0.0 } else { opts.l2 * w[j] };
                g2[j] += g * g;
                w[j] -= opts.learning_rate * g / (g2[j].sqrt() + 1e-6);
            }
        }
        loss.push(total / examples.len() as f64);
    }

    let mut model = Model::zero(pack, opts.buckets_log2);
    model.ngram.copy_from_slice(&w[..n_ngram]);
    for (k, (_, weight)) in model.rules.iter_mut().enumerate() {
        *weight = w[n_ngram + k];
    }
    model
        .families
        .copy_from_slice(&w[n_ngram + n_rules..n_ngram + n_rules + Family::ALL.len()]);
    model.bias = w[bias_i];
    model.meta.seed = opts.seed;
    model.meta.epochs = opts.epochs;
    model.meta.examples = examples.len() as u64;
    model.meta.positives = positives as u64;
    model.meta.sources = opts.sources.clone();
    model.meta.note = opts.note.clone();

    detector = Detector::new(pack.clone(), model.clone())?;
    let correct = examples
        .iter()
        .filter(|e| {
            let v = detector.score(&e.text, &mut scratch);
            (v.score >= pack.thresholds.label) == e.positive
        })
        .count();
    let report = TrainReport {
        examples: examples.len(),
        positives,
        loss,
        train_accuracy: correct as f64 / examples.len() as f64,
    };
    Ok((model, report))
}

/// Platt scaling: `p = sigmoid(a · logit + b)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Platt {
    /// Slope.
    pub a: f32,
    /// Intercept.
    pub b: f32,
}

/// Fits Platt scaling to `(logit, positive)` pairs by Newton's method on the log-loss, with
/// Platt's smoothed targets (`(N₊+1)/(N₊+2)` and `1/(N₋+2)`) so that separable data does
/// not drive the slope to infinity.
pub fn fit_platt(points: &[(f32, bool)]) -> Result<Platt> {
    let n_pos = points.iter().filter(|p| p.1).count() as f64;
    let n_neg = points.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return Err(Error::Training(format!(
            "calibration needs examples of both classes, have {n_pos} positive and {n_neg} negative"
        )));
    }
    if let Some(bad) = points.iter().find(|p| !p.0.is_finite()) {
        return Err(Error::Training(format!(
            "calibration logit {} is not finite",
            bad.0
        )));
    }
    let t_pos = (n_pos + 1.0) / (n_pos + 2.0);
    let t_neg = 1.0 / (n_neg + 2.0);
    let target = |pos: bool| if pos { t_pos } else { t_neg };
    // Cross-entropy against the smoothed targets, computed stably.
    let loss = |a: f64, b: f64| -> f64 {
        points
            .iter()
            .map(|&(z, pos)| {
                let f = a * f64::from(z) + b;
                let t = target(pos);
                // -(t ln σ(f) + (1-t) ln(1-σ(f))) = ln(1+e^f) - t f
                let softplus = if f > 0.0 {
                    f + (-f).exp().ln_1p()
                } else {
                    f.exp().ln_1p()
                };
                softplus - t * f
            })
            .sum()
    };
    // Platt's start: slope 0, the prior's log-odds; then Newton steps with backtracking.
    let (mut a, mut b) = (0.0f64, ((n_pos + 1.0) / (n_neg + 1.0)).ln());
    let mut current = loss(a, b);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for &(z, pos) in points {
            let z = f64::from(z);
            let p = 1.0 / (1.0 + (-(a * z + b)).exp());
            let d = p - target(pos);
            ga += d * z;
            gb += d;
            let w = p * (1.0 - p);
            haa += w * z * z;
            hab += w * z;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-300 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        let mut step = 1.0;
        let mut improved = false;
        while step > 1e-10 {
            let (na, nb) = (a - step * da, b - step * db);
            let l = loss(na, nb);
            if l <= current {
                (a, b, current) = (na, nb, l);
                improved = true;
                break;
            }
            step /= 2.0;
        }
        if !improved || (step * da).abs().max((step * db).abs()) < 1e-10 {
            break;
        }
    }
    if !(a.is_finite() && b.is_finite()) {
        return Err(Error::Training("calibration did not converge".to_owned()));
    }
    Ok(Platt {
        a: a as f32,
        b: b as f32,
    })
}

/// The logistic function.
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

fn log_loss(p: f32, positive: bool) -> f64 {
    let p = f64::from(p).clamp(1e-7, 1.0 - 1e-7);
    if positive { -p.ln() } else { -(1.0 - p).ln() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Vec<Example> {
        let pos = [
            "open bo kak wa 0812 1111 2222",
            "avail vcs 100rb",
            "ready bo st 500 lt 1jt",
            "0p3n b0 malam ini",
        ];
        let neg = [
            "ready stock gamis cod wa 0812 3333 4444",
            "disewakan apartemen harian",
            "selamat pagi semua",
            "polisi gerebek prostitusi online",
        ];
        pos.iter()
            .map(|t| Example::new(*t, true))
            .chain(neg.iter().map(|t| Example::new(*t, false)))
            .collect()
    }

    fn opts() -> TrainOptions {
        TrainOptions {
            buckets_log2: 12,
            epochs: 20,
            ..TrainOptions::default()
        }
    }

    #[test]
    fn training_is_reproducible() {
        let pack = PolicyPack::builtin();
        let (a, _) = train(&pack, &tiny(), &opts()).expect("trains");
        let (b, _) = train(&pack, &tiny(), &opts()).expect("trains");
        assert_eq!(a.to_bytes(), b.to_bytes());
        let (c, _) = train(&pack, &tiny(), &TrainOptions { seed: 7, ..opts() }).expect("trains");
        assert_ne!(
            a.to_bytes(),
            c.to_bytes(),
            "another seed shuffles differently"
        );
    }

    #[test]
    fn learns_the_training_data() {
        let pack = PolicyPack::builtin();
        let (_, report) = train(&pack, &tiny(), &opts()).expect("trains");
        assert_eq!(report.train_accuracy, 1.0);
        assert!(report.loss.last() < report.loss.first());
    }

    #[test]
    fn round_trips_through_bytes() {
        let pack = PolicyPack::builtin();
        let (model, _) = train(&pack, &tiny(), &opts()).expect("trains");
        let back = Model::from_bytes(&model.to_bytes()).expect("decodes");
        assert_eq!(back, model);
        assert!(Model::from_bytes(b"garbage").is_err());
        let mut truncated = model.to_bytes();
        truncated.truncate(100);
        assert!(Model::from_bytes(&truncated).is_err());
    }

    #[test]
    fn calibration_is_folded_into_the_weights() {
        let pack = PolicyPack::builtin();
        let (model, _) = train(&pack, &tiny(), &opts()).expect("trains");
        let d = Detector::new(pack.clone(), model.clone()).expect("compiles");
        let mut cal = model.clone();
        let p = Platt { a: 0.5, b: -1.0 };
        cal.calibrate(p);
        let dc = Detector::new(pack, cal).expect("compiles");
        let mut s = Scratch::default();
        for e in tiny() {
            let z = d.logit_of(&e.text, &mut s);
            let zc = dc.logit_of(&e.text, &mut s);
            assert!((zc - (0.5 * z - 1.0)).abs() < 1e-4, "{z} {zc}");
            assert!((dc.score(&e.text, &mut s).score - sigmoid(zc)).abs() < 1e-6);
        }
    }

    #[test]
    fn platt_fits_overconfident_scores() {
        // Logits twice too large: the data is 80 % right at logit ±4 (sigmoid(4) ≈ 0.98).
        let mut pts = Vec::new();
        for i in 0..100 {
            let right = i % 5 != 0;
            pts.push((4.0, right));
            pts.push((-4.0, !right));
        }
        let p = fit_platt(&pts).expect("fits");
        let prob = sigmoid(p.a * 4.0 + p.b);
        assert!((prob - 0.8).abs() < 0.02, "{p:?} {prob}");
        assert!(p.a > 0.0 && p.a < 1.0, "{p:?}");
        assert!(fit_platt(&[(1.0, true)]).is_err());
    }

    #[test]
    fn weights_must_be_positive() {
        let pack = PolicyPack::builtin();
        let mut ex = tiny();
        ex[0].weight = 0.0;
        let err = train(&pack, &ex, &opts()).expect_err("refused").to_string();
        assert!(err.contains("weights must be positive"), "{err}");
    }

    #[test]
    fn one_class_is_refused() {
        let pack = PolicyPack::builtin();
        let only: Vec<Example> = tiny().into_iter().filter(|e| e.positive).collect();
        let err = train(&pack, &only, &opts())
            .expect_err("refused")
            .to_string();
        assert!(err.contains("both classes"), "{err}");
    }
}
