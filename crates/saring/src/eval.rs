//! `saring eval`: measures the detector on labelled JSON Lines files — as written, without
//! hashtags (chat-app ads carry none), and disguised (each text in one obfuscation style,
//! chosen per item by a seeded generator, so runs are repeatable).
//!
//! It prints, per variant: the confusion counts and the usual rates per file, for all files
//! together and per `tags` value; the recall of the protection flags on rows tagged with a
//! flag's name (`minor_risk`, `third_party`), and where else each flag was raised (on other
//! positives, on benign rows) with its precision; a table of thresholds; the expected
//! calibration error. Optionally it corrects labels (`--corrections`), keeps one part of a
//! split (`--split`, `--part`), evaluates a keyword baseline on the same texts
//! (`--baseline keyword`) and draws a precision-recall curve and a reliability diagram as
//! SVG (`--plots DIR`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use saring_detect::obfuscate::{self, Style};
use saring_detect::{Flag, Scratch};

use crate::dataset::{Corrections, Split};
use crate::input::{self, Gold, Labelled, NeedLabel};
use crate::{Baseline, EvalArgs, Outcome, Variant};

/// Thresholds of the threshold table (plus the one in use and the best on the data).
const TABLE_THRESHOLDS: [f32; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// Bins of the reliability diagram and of the expected calibration error.
const BINS: usize = 10;

/// Runs `saring eval`.
pub fn run(args: &EvalArgs) -> Result<Outcome> {
    let detector = input::load_detector(
        args.detector.policy.as_deref(),
        args.detector.model.as_deref(),
    )?;
    let threshold = args.threshold.unwrap_or(detector.pack().thresholds.label);
    if !threshold.is_finite() {
        bail!("--threshold must be a number, not {threshold}");
    }
    let corrections = match &args.corrections {
        Some(path) => Some(Corrections::load(path)?),
        None => None,
    };
    let split = match (&args.split, &args.part) {
        (Some(path), Some(part)) => Some((Split::load(path)?, part.as_str())),
        _ => None,
    };
    let keyword = match args.baseline {
        Some(Baseline::Keyword) => Some(KeywordBaseline::new()?),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;

    let mut files = Vec::new();
    for path in &args.files {
        let mut rows = input::read_labelled(path, NeedLabel::Yes)?;
        let corrected = corrections.as_ref().map_or(0, |c| c.apply(&mut rows));
        let other_parts = split
            .as_ref()
            .map_or(0, |(s, part)| s.keep(&mut rows, part));
        let total = rows.len();
        let rows: Vec<Labelled> = rows.into_iter().filter(|r| r.gold != Gold::Other).collect();
        files.push(FileData {
            name: input::shown(path),
            skipped: total - rows.len(),
            corrected,
            other_parts,
            rows,
        });
    }

    let variants: &[Variant] = match args.variant {
        Variant::All => &[Variant::Clean, Variant::NoHashtags, Variant::Obfuscated],
        Variant::Clean => &[Variant::Clean],
        Variant::NoHashtags => &[Variant::NoHashtags],
        Variant::Obfuscated => &[Variant::Obfuscated],
    };
    let mut rows = Vec::new();
    let mut flag_rows = Vec::new();
    let mut curves = Vec::new();
    for &variant in variants {
        // (score, gold) over every file, for the threshold table and calibration.
        let mut scored: Vec<(f32, bool)> = Vec::new();
        let mut keyword_all = Counts::default();
        let mut all = Counts::default();
        let mut by_tag: BTreeMap<&str, Counts> = BTreeMap::new();
        let mut kw_by_tag: BTreeMap<&str, Counts> = BTreeMap::new();
        let mut flags: BTreeMap<&str, FlagCounts> = BTreeMap::new();
        let mut file_rows = Vec::new();
        let mut kw_file_rows = Vec::new();
        for file in &files {
            let texts = variant_texts(variant, &file.rows, args.seed);
            let verdicts: Vec<(f32, Vec<Flag>)> = pool.install(|| {
                texts
                    .par_iter()
                    .map_init(Scratch::default, |scratch, text| {
                        let v = detector.score(text, scratch);
                        (v.score, v.flags)
                    })
                    .collect()
            });
            let mut counts = Counts::default();
            let mut kw_counts = Counts::default();
            for (i, (row, (score, raised))) in file.rows.iter().zip(&verdicts).enumerate() {
                let actual = row.gold == Gold::Solicitation;
                let predicted = *score >= threshold;
                scored.push((*score, actual));
                counts.add(actual, predicted);
                let kw = keyword.as_ref().map(|k| k.flags(&texts[i]));
                if let Some(kw) = kw {
                    kw_counts.add(actual, kw);
                }
                for flag in raised {
                    if !row.tags.iter().any(|t| t == flag.as_str()) {
                        let e = flags.entry(flag.as_str()).or_default();
                        if actual {
                            e.other_positives += 1;
                        } else {
                            e.benign += 1;
                        }
                    }
                }
                for tag in &row.tags {
                    if args.tags {
                        by_tag.entry(tag).or_default().add(actual, predicted);
                        if let Some(kw) = kw {
                            kw_by_tag.entry(tag).or_default().add(actual, kw);
                        }
                    }
                    if let Some(flag) = Flag::ALL.iter().find(|f| f.as_str() == tag.as_str()) {
                        let e = flags.entry(flag.as_str()).or_default();
                        e.tagged += 1;
                        e.raised += u64::from(raised.contains(flag));
                    }
                }
            }
            all.merge(&counts);
            keyword_all.merge(&kw_counts);
            file_rows.push(Row::new(
                variant_name(variant),
                Slice::File(&file.name),
                &counts,
            ));
            kw_file_rows.push(Row::new(
                baseline_name(variant),
                Slice::File(&file.name),
                &kw_counts,
            ));
        }
        rows.extend(file_rows);
        if files.len() > 1 {
            rows.push(Row::new(variant_name(variant), Slice::All, &all));
        }
        for (tag, counts) in &by_tag {
            rows.push(Row::new(variant_name(variant), Slice::Tag(tag), counts));
        }
        if keyword.is_some() {
            rows.extend(kw_file_rows);
            if files.len() > 1 {
                rows.push(Row::new(baseline_name(variant), Slice::All, &keyword_all));
            }
            for (tag, counts) in &kw_by_tag {
                rows.push(Row::new(baseline_name(variant), Slice::Tag(tag), counts));
            }
        }
        for (flag, c) in flags {
            flag_rows.push(FlagRow {
                variant: variant_name(variant),
                flag,
                rows: c.tagged,
                raised: c.raised,
                recall: ratio(c.raised, c.tagged),
                raised_other_positives: c.other_positives,
                raised_benign: c.benign,
                // Without tagged rows (a file with no `tags`) there is no precision to speak of.
                precision: (c.tagged > 0)
                    .then(|| ratio(c.raised, c.raised + c.other_positives + c.benign))
                    .flatten(),
            });
        }
        curves.push(Curve::new(
            variant_name(variant),
            scored,
            threshold,
            keyword.is_some().then_some(keyword_all),
        ));
    }

    if let Some(dir) = &args.plots {
        let curve = &curves[0];
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the plot directory {}", dir.display()))?;
        pr_plot(&dir.join("pr.svg"), curve)?;
        reliability_plot(&dir.join("reliability.svg"), curve)?;
    }

    if args.json {
        let report = Report {
            threshold,
            seed: args.seed,
            files: files
                .iter()
                .map(|f| FileNote {
                    file: &f.name,
                    scored: f.rows.len(),
                    skipped: f.skipped,
                    corrected: f.corrected,
                    other_parts: f.other_parts,
                })
                .collect(),
            rows,
            flags: flag_rows,
            curves: curves.iter().map(Curve::summary).collect(),
        };
        let text = serde_json::to_string_pretty(&report).context("cannot write the report")?;
        println!("{text}");
    } else {
        let mut head = format!("threshold {threshold}");
        for f in &files {
            if f.skipped > 0 {
                let _ = write!(
                    head,
                    "; {}: {} rows without a usable label skipped",
                    f.name, f.skipped
                );
            }
            if f.corrected > 0 {
                let _ = write!(head, "; {}: {} labels corrected", f.name, f.corrected);
            }
            if f.other_parts > 0 {
                let _ = write!(
                    head,
                    "; {}: {} rows of other split parts left out",
                    f.name, f.other_parts
                );
            }
        }
        println!("{head}");
        print!("{}", table(&rows));
        if !flag_rows.is_empty() {
            println!();
            println!(
                "protection flags: recall on rows tagged with the flag's name; raised elsewhere \
                 (other positives, benign rows); precision = tagged raised / all raised:"
            );
            for f in &flag_rows {
                println!(
                    "{:<12} {:<12} {:>6} rows  {:>6} raised  recall {}  elsewhere: {} positive, {} benign  precision {}",
                    f.variant,
                    f.flag,
                    f.rows,
                    f.raised,
                    metric(f.recall),
                    f.raised_other_positives,
                    f.raised_benign,
                    metric(f.precision)
                );
            }
        }
        for c in &curves {
            println!();
            print!("{}", c.text());
        }
    }
    Ok(Outcome::Success)
}

/// One input file's labelled rows.
struct FileData {
    name: String,
    skipped: usize,
    corrected: usize,
    other_parts: usize,
    rows: Vec<Labelled>,
}

/// The texts of `rows` in a variant; the obfuscated variant starts a fresh generator
/// seeded with `seed` for each file, so a file's texts do not depend on the other files.
fn variant_texts(variant: Variant, rows: &[Labelled], seed: u64) -> Vec<Cow<'_, str>> {
    match variant {
        Variant::Clean | Variant::All => rows
            .iter()
            .map(|r| Cow::Borrowed(r.text.as_str()))
            .collect(),
        Variant::NoHashtags => rows
            .iter()
            .map(|r| Cow::Owned(obfuscate::strip_hashtags(&r.text)))
            .collect(),
        Variant::Obfuscated => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            rows.iter()
                .map(|r| {
                    let style = Style::ALL[rng.random_range(0..Style::ALL.len())];
                    Cow::Owned(obfuscate::obfuscate(&r.text, style, &mut rng))
                })
                .collect()
        }
    }
}

/// The variant's name in output.
fn variant_name(v: Variant) -> &'static str {
    match v {
        Variant::Clean => "clean",
        Variant::NoHashtags => "no-hashtags",
        Variant::Obfuscated => "obfuscated",
        Variant::All => "all",
    }
}

/// The keyword baseline's name for a variant in output.
fn baseline_name(v: Variant) -> &'static str {
    match v {
        Variant::Clean => "keyword/clean",
        Variant::NoHashtags => "keyword/no-hashtags",
        Variant::Obfuscated => "keyword/obfuscated",
        Variant::All => "keyword/all",
    }
}

/// A plain keyword list, the way a moderation team's first script looks: the terms of
/// `bench/baseline_regex.py`, matched on the lower-cased text without any normalisation.
struct KeywordBaseline {
    pattern: regex::Regex,
}

impl KeywordBaseline {
    /// Whole-word terms: short or ambiguous, so they need boundaries.
    const WORD_TERMS: [&'static str; 37] = [
        r"open\s*bo",
        r"bo",
        r"avail",
        r"ready",
        r"vcs",
        r"vcall",
        r"st",
        r"lt",
        r"short\s*time",
        r"long\s*time",
        r"crot",
        r"cod",
        r"no\s*dp",
        r"tanpa\s*dp",
        r"dp",
        r"incall",
        r"outcall",
        r"in\s*room",
        r"include\s*room",
        r"exclude\s*room",
        r"fs",
        r"full\s*service",
        r"ml",
        r"sange",
        r"tante",
        r"jablay",
        r"psk",
        r"wp",
        r"ons",
        r"fwb",
        r"pijat\s*plus",
        r"plus\s*plus",
        r"real\s*pict",
        r"harga\s*nego",
        r"booking",
        r"bookingan",
        r"bispak",
    ];
    /// Distinctive terms: matched anywhere, e.g. inside `#bispakjogja`.
    const SUBSTRING_TERMS: [&'static str; 11] = [
        r"openbo",
        r"bispak",
        r"bisyar",
        r"ayam\s*kampus",
        r"cewek\s*panggilan",
        r"wisata\s*lendir",
        r"kimcil",
        r"panlok",
        r"cewek\s*booking",
        r"bokingan",
        r"includeroom",
    ];

    fn new() -> Result<Self> {
        let pattern = format!(
            r"\b(?:{})\b|(?:{})",
            Self::WORD_TERMS.join("|"),
            Self::SUBSTRING_TERMS.join("|")
        );
        Ok(KeywordBaseline {
            pattern: regex::Regex::new(&pattern).context("cannot compile the keyword baseline")?,
        })
    }

    fn flags(&self, text: &str) -> bool {
        self.pattern.is_match(&text.to_lowercase())
    }
}

/// A confusion matrix.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
struct Counts {
    tp: u64,
    fp: u64,
    tn: u64,
    #[serde(rename = "fn")]
    fn_: u64,
}

impl Counts {
    fn add(&mut self, actual: bool, predicted: bool) {
        match (actual, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    fn merge(&mut self, o: &Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.tn += o.tn;
        self.fn_ += o.fn_;
    }

    fn at(scored: &[(f32, bool)], threshold: f32) -> Self {
        let mut c = Counts::default();
        for &(s, y) in scored {
            c.add(y, s >= threshold);
        }
        c
    }

    fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    fn f1(&self) -> Option<f64> {
        match (self.precision(), self.recall()) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        }
    }

    fn fpr(&self) -> Option<f64> {
        ratio(self.fp, self.fp + self.tn)
    }
}

/// `num / den`, or `None` when `den` is 0.
fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn metric(m: Option<f64>) -> String {
    m.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"))
}

/// The threshold with the best F1 on `scored`, and its figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Best {
    /// The threshold (a multiple of 0.01 between 0.05 and 0.95).
    pub threshold: f32,
    /// F1 there.
    pub f1: f64,
    /// Precision there.
    pub precision: f64,
    /// Recall there.
    pub recall: f64,
}

/// The threshold between 0.05 and 0.95 (in steps of 0.01) with the best F1 on `scored`.
/// When several give the best F1 (a plateau, common on separable data), the middle one of
/// them is taken: it leaves the widest margin on both sides.
pub fn best_threshold(scored: &[(f32, bool)]) -> Best {
    let all: Vec<(f32, Counts)> = (5..=95)
        .map(|i| {
            let t = i as f32 / 100.0;
            (t, Counts::at(scored, t))
        })
        .collect();
    let top = all
        .iter()
        .map(|(_, c)| c.f1().unwrap_or(0.0))
        .fold(0.0f64, f64::max);
    let ties: Vec<&(f32, Counts)> = all
        .iter()
        .filter(|(_, c)| (c.f1().unwrap_or(0.0) - top).abs() <= 1e-12)
        .collect();
    let (t, c) = ties[ties.len() / 2];
    Best {
        threshold: *t,
        f1: c.f1().unwrap_or(0.0),
        precision: c.precision().unwrap_or(0.0),
        recall: c.recall().unwrap_or(0.0),
    }
}

/// One bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
struct Bin {
    lo: f64,
    hi: f64,
    n: u64,
    mean_score: Option<f64>,
    positive_rate: Option<f64>,
}

/// Equal-width bins of the scores, and the expected calibration error: the mean over items
/// of |mean score − share of positives| of their bin.
fn calibration(scored: &[(f32, bool)]) -> (Vec<Bin>, Option<f64>) {
    let mut sums = [(0u64, 0f64, 0u64); BINS];
    for &(s, y) in scored {
        let b = ((f64::from(s) * BINS as f64) as usize).min(BINS - 1);
        sums[b].0 += 1;
        sums[b].1 += f64::from(s);
        sums[b].2 += u64::from(y);
    }
    let mut ece = 0.0;
    let bins = sums
        .iter()
        .enumerate()
        .map(|(i, &(n, sum, pos))| {
            let mean = (n > 0).then(|| sum / n as f64);
            let rate = ratio(pos, n);
            if let (Some(m), Some(r)) = (mean, rate) {
                ece += n as f64 * (m - r).abs();
            }
            Bin {
                lo: i as f64 / BINS as f64,
                hi: (i + 1) as f64 / BINS as f64,
                n,
                mean_score: mean,
                positive_rate: rate,
            }
        })
        .collect();
    (
        bins,
        (!scored.is_empty()).then(|| ece / scored.len() as f64),
    )
}

/// The precision-recall curve: one point per distinct score, highest first.
fn pr_points(scored: &[(f32, bool)]) -> Vec<(f64, f64)> {
    let mut s: Vec<(f32, bool)> = scored.to_vec();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = s.iter().filter(|p| p.1).count() as f64;
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0f64, 0f64);
    for (i, &(score, y)) in s.iter().enumerate() {
        if y {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_score = s.get(i + 1).is_none_or(|n| n.0 != score);
        if last_of_score && positives > 0.0 {
            out.push((tp / positives, tp / (tp + fp)));
        }
    }
    out
}

/// Area under the precision-recall curve (average precision).
fn average_precision(points: &[(f64, f64)]) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    let mut ap = 0.0;
    let mut prev_r = 0.0;
    for &(r, p) in points {
        ap += (r - prev_r) * p;
        prev_r = r;
    }
    Some(ap)
}

/// A variant's scores over all files, with what is derived from them.
struct Curve {
    variant: &'static str,
    threshold: f32,
    scored: Vec<(f32, bool)>,
    keyword: Option<Counts>,
}

/// A threshold-table line.
#[derive(Debug, Serialize)]
struct ThresholdRow {
    threshold: f32,
    /// The threshold in use.
    in_use: bool,
    /// The threshold with the best F1 on this data.
    best: bool,
    #[serde(flatten)]
    counts: Counts,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    fpr: Option<f64>,
}

/// What the JSON report holds of a curve.
#[derive(Debug, Serialize)]
struct CurveSummary {
    variant: &'static str,
    n: usize,
    ece: Option<f64>,
    average_precision: Option<f64>,
    best: Best,
    thresholds: Vec<ThresholdRow>,
    bins: Vec<Bin>,
}

impl Curve {
    fn new(
        variant: &'static str,
        scored: Vec<(f32, bool)>,
        threshold: f32,
        keyword: Option<Counts>,
    ) -> Self {
        Curve {
            variant,
            threshold,
            scored,
            keyword,
        }
    }

    fn thresholds(&self) -> Vec<ThresholdRow> {
        let best = best_threshold(&self.scored).threshold;
        let mut ts: Vec<f32> = TABLE_THRESHOLDS.to_vec();
        ts.extend([self.threshold, best]);
        ts.sort_by(f32::total_cmp);
        ts.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        ts.into_iter()
            .map(|t| {
                let c = Counts::at(&self.scored, t);
                ThresholdRow {
                    threshold: t,
                    in_use: (t - self.threshold).abs() < 1e-6,
                    best: (t - best).abs() < 1e-6,
                    counts: c,
                    precision: c.precision(),
                    recall: c.recall(),
                    f1: c.f1(),
                    fpr: c.fpr(),
                }
            })
            .collect()
    }

    fn summary(&self) -> CurveSummary {
        let (bins, ece) = calibration(&self.scored);
        CurveSummary {
            variant: self.variant,
            n: self.scored.len(),
            ece,
            average_precision: average_precision(&pr_points(&self.scored)),
            best: best_threshold(&self.scored),
            thresholds: self.thresholds(),
            bins,
        }
    }

    fn text(&self) -> String {
        let s = self.summary();
        let c = Counts::at(&self.scored, self.threshold);
        let mut out = format!(
            "{}: all files, {} rows — confusion matrix at threshold {}:\n",
            self.variant, s.n, self.threshold
        );
        let _ = writeln!(
            out,
            "                     predicted solicitation  predicted benign"
        );
        let _ = writeln!(out, "  gold solicitation   {:>22}  {:>16}", c.tp, c.fn_);
        let _ = writeln!(out, "  gold benign         {:>22}  {:>16}", c.fp, c.tn);
        let _ = writeln!(
            out,
            "expected calibration error ({BINS} bins): {}   average precision: {}",
            metric(s.ece),
            metric(s.average_precision)
        );
        let _ = writeln!(
            out,
            "threshold      TP     FP     TN     FN  precision  recall      F1     FPR"
        );
        for r in &s.thresholds {
            let note = match (r.in_use, r.best) {
                (true, true) => "in use; best F1 on this data",
                (true, false) => "in use",
                (false, true) => "best F1 on this data",
                (false, false) => "",
            };
            let _ = writeln!(
                out,
                "{:>9.2}  {:>6} {:>6} {:>6} {:>6}  {:>9}  {:>6}  {:>6}  {:>6}  {}",
                r.threshold,
                r.counts.tp,
                r.counts.fp,
                r.counts.tn,
                r.counts.fn_,
                metric(r.precision),
                metric(r.recall),
                metric(r.f1),
                metric(r.fpr),
                note
            );
        }
        out
    }
}

/// Draws the precision-recall curve, the operating point and the keyword baseline.
fn pr_plot(path: &Path, curve: &Curve) -> Result<()> {
    use plotters::prelude::*;
    let points = pr_points(&curve.scored);
    let op = Counts::at(&curve.scored, curve.threshold);
    let ap = average_precision(&points);
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (640, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Precision-recall ({}, {} rows, AP {})",
                    curve.variant,
                    curve.scored.len(),
                    metric(ap)
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1.0, 0f64..1.02)?;
        chart
            .configure_mesh()
            .x_desc("recall")
            .y_desc("precision")
            .draw()?;
        chart
            .draw_series(LineSeries::new(points.iter().copied(), &BLUE))?
            .label("saring")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
        if let (Some(r), Some(p)) = (op.recall(), op.precision()) {
            chart
                .draw_series(std::iter::once(Circle::new((r, p), 5, BLUE.filled())))?
                .label(format!("threshold {}", curve.threshold))
                .legend(|(x, y)| Circle::new((x + 8, y), 4, BLUE.filled()));
        }
        if let Some(k) = curve.keyword
            && let (Some(r), Some(p)) = (k.recall(), k.precision())
        {
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (r, p),
                    7,
                    RED.filled(),
                )))?
                .label("keyword baseline")
                .legend(|(x, y)| TriangleMarker::new((x + 8, y), 5, RED.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| anyhow::anyhow!("cannot draw {}: {e}", path.display()))
}

/// Draws the reliability diagram: per bin, the share of positives against the mean score.
fn reliability_plot(path: &Path, curve: &Curve) -> Result<()> {
    use plotters::prelude::*;
    let (bins, ece) = calibration(&curve.scored);
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (640, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Reliability ({}, {} rows, ECE {})",
                    curve.variant,
                    curve.scored.len(),
                    metric(ece)
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1.0, 0f64..1.0)?;
        chart
            .configure_mesh()
            .x_desc("mean score in bin")
            .y_desc("share of solicitation")
            .draw()?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.4)))?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.mix(0.4)));
        let pts: Vec<(f64, f64)> = bins
            .iter()
            .filter_map(|b| Some((b.mean_score?, b.positive_rate?)))
            .collect();
        // Each point says how many rows its bin holds: sparse bins jump around.
        let counts: Vec<((f64, f64), u64)> = bins
            .iter()
            .filter_map(|b| Some(((b.mean_score?, b.positive_rate?), b.n)))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), &BLUE))?
            .label("saring")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))?;
        chart.draw_series(counts.iter().map(|&((x, y), n)| {
            Text::new(
                format!("n={n}"),
                (x.min(0.93), if y > 0.9 { y - 0.04 } else { y + 0.02 }),
                ("sans-serif", 11),
            )
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| anyhow::anyhow!("cannot draw {}: {e}", path.display()))
}

/// What a row of the report covers.
#[derive(Debug, Clone, Copy)]
enum Slice<'a> {
    File(&'a str),
    All,
    Tag(&'a str),
}

/// One row of the report.
#[derive(Debug, Serialize)]
struct Row<'a> {
    variant: &'static str,
    /// `file`, `all` (every file) or `tag`.
    kind: &'static str,
    /// The file name or tag (`all` for every file).
    slice: &'a str,
    n: u64,
    positives: u64,
    tp: u64,
    fp: u64,
    tn: u64,
    #[serde(rename = "fn")]
    fn_: u64,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    fpr: Option<f64>,
    accuracy: Option<f64>,
}

impl<'a> Row<'a> {
    fn new(variant: &'static str, slice: Slice<'a>, c: &Counts) -> Self {
        let (kind, slice) = match slice {
            Slice::File(f) => ("file", f),
            Slice::All => ("all", "all"),
            Slice::Tag(t) => ("tag", t),
        };
        let n = c.tp + c.fp + c.tn + c.fn_;
        Row {
            variant,
            kind,
            slice,
            n,
            positives: c.tp + c.fn_,
            tp: c.tp,
            fp: c.fp,
            tn: c.tn,
            fn_: c.fn_,
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
            fpr: c.fpr(),
            accuracy: ratio(c.tp + c.tn, n),
        }
    }
}

/// Recall of a protection flag on the rows tagged with its name.
#[derive(Debug, Serialize)]
struct FlagRow {
    variant: &'static str,
    flag: &'static str,
    /// Rows tagged with the flag's name.
    rows: u64,
    /// Tagged rows on which the flag was raised.
    raised: u64,
    recall: Option<f64>,
    /// Untagged rows labelled solicitation on which the flag was raised.
    raised_other_positives: u64,
    /// Rows labelled benign on which the flag was raised.
    raised_benign: u64,
    /// `raised` over every row the flag was raised on (none when no row is tagged).
    precision: Option<f64>,
}

/// Where one flag was raised, while counting.
#[derive(Debug, Default)]
struct FlagCounts {
    tagged: u64,
    raised: u64,
    other_positives: u64,
    benign: u64,
}

/// Per-file notes in the JSON report.
#[derive(Debug, Serialize)]
struct FileNote<'a> {
    file: &'a str,
    scored: usize,
    skipped: usize,
    corrected: usize,
    other_parts: usize,
}

/// The JSON report.
#[derive(Debug, Serialize)]
struct Report<'a> {
    threshold: f32,
    seed: u64,
    files: Vec<FileNote<'a>>,
    rows: Vec<Row<'a>>,
    flags: Vec<FlagRow>,
    curves: Vec<CurveSummary>,
}

/// The rows as an aligned table: text columns left, numbers right.
fn table(rows: &[Row<'_>]) -> String {
    const HEAD: [&str; 13] = [
        "variant",
        "slice",
        "n",
        "pos",
        "TP",
        "FP",
        "TN",
        "FN",
        "precision",
        "recall",
        "F1",
        "FPR",
        "accuracy",
    ];
    let cells: Vec<[String; 13]> = rows
        .iter()
        .map(|r| {
            let slice = match r.kind {
                "tag" => format!("tag:{}", r.slice),
                _ => r.slice.to_owned(),
            };
            [
                r.variant.to_owned(),
                slice,
                r.n.to_string(),
                r.positives.to_string(),
                r.tp.to_string(),
                r.fp.to_string(),
                r.tn.to_string(),
                r.fn_.to_string(),
                metric(r.precision),
                metric(r.recall),
                metric(r.f1),
                metric(r.fpr),
                metric(r.accuracy),
            ]
        })
        .collect();
    let mut width = HEAD.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cols.iter().zip(width).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            if i < 2 {
                let _ = write!(s, "{cell:<w$}");
            } else {
                let _ = write!(s, "{cell:>w$}");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&HEAD.map(str::to_owned));
    for row in &cells {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_counts() {
        let c = Counts {
            tp: 8,
            fp: 2,
            tn: 88,
            fn_: 2,
        };
        let r = Row::new("clean", Slice::All, &c);
        assert_eq!(r.n, 100);
        assert_eq!(r.positives, 10);
        assert_eq!(r.precision, Some(0.8));
        assert_eq!(r.recall, Some(0.8));
        assert!(r.f1.is_some_and(|f| (f - 0.8).abs() < 1e-12));
        assert_eq!(r.fpr, Some(2.0 / 90.0));
        assert_eq!(r.accuracy, Some(0.96));
        let none = Row::new("clean", Slice::All, &Counts::default());
        assert_eq!((none.precision, none.recall, none.f1), (None, None, None));
    }

    #[test]
    fn table_columns_line_up() {
        let c = Counts {
            tp: 1,
            fp: 0,
            tn: 12345,
            fn_: 0,
        };
        let rows = [
            Row::new("clean", Slice::File("a.jsonl"), &c),
            Row::new("obfuscated", Slice::Tag("chat"), &Counts::default()),
        ];
        let t = table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines[0].starts_with("variant     slice"), "{t}");
        assert!(lines[2].contains("tag:chat"), "{t}");
        // Numbers are right-aligned, so every line ends in the same column.
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width), "{t}");
    }

    #[test]
    fn obfuscated_texts_are_repeatable() {
        let rows = vec![Labelled {
            line: 1,
            id: None,
            text: "open bo malam ini".to_owned(),
            gold: Gold::Solicitation,
            tags: Vec::new(),
        }];
        let a = variant_texts(Variant::Obfuscated, &rows, 5);
        let b = variant_texts(Variant::Obfuscated, &rows, 5);
        assert_eq!(a, b);
        assert_ne!(a[0], "open bo malam ini");
    }

    #[test]
    fn best_threshold_separates_and_prefers_the_middle() {
        // Perfectly separated at any threshold in (0.3, 0.7]: the middle of 0.31..=0.70.
        let s = [(0.1, false), (0.3, false), (0.7, true), (0.9, true)];
        let b = best_threshold(&s);
        assert!((b.threshold - 0.5).abs() < 0.011, "{b:?}");
        assert_eq!(b.f1, 1.0);
        // A positive at 0.2 pulls the plateau down to 0.11..=0.20.
        let s = [(0.1, false), (0.2, true), (0.9, true)];
        let b = best_threshold(&s);
        assert!(b.threshold > 0.1 && b.threshold <= 0.2, "{b:?}");
        assert_eq!(b.f1, 1.0);
    }

    #[test]
    fn ece_of_calibrated_and_overconfident_scores() {
        // Scores of 0.25 of which a quarter are positive: calibrated, ECE 0.
        let mut s = vec![(0.25, true)];
        s.extend([(0.25, false); 3]);
        let (bins, ece) = calibration(&s);
        assert_eq!(bins.len(), BINS);
        assert!(ece.is_some_and(|e| e.abs() < 1e-9), "{ece:?}");
        // Scores of 0.95 of which half are positive: ECE 0.45.
        let s = [(0.95, true), (0.95, false)];
        let (_, ece) = calibration(&s);
        assert!(ece.is_some_and(|e| (e - 0.45).abs() < 1e-6), "{ece:?}");
        assert_eq!(calibration(&[]).1, None);
    }

    #[test]
    fn pr_curve_and_average_precision() {
        let s = [(0.9, true), (0.8, false), (0.7, true), (0.1, false)];
        let p = pr_points(&s);
        assert_eq!(
            p,
            vec![(0.5, 1.0), (0.5, 0.5), (1.0, 2.0 / 3.0), (1.0, 0.5)]
        );
        let ap = average_precision(&p).expect("some");
        assert!((ap - (0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-9, "{ap}");
    }

    #[test]
    fn keyword_baseline_matches_words_and_hashtags_but_not_disguises() {
        let k = KeywordBaseline::new().expect("compiles");
        assert!(k.flags("Open BO malam ini"));
        assert!(k.flags("cek #bispakjogja"));
        assert!(!k.flags("selamat pagi semua"));
        assert!(!k.flags("0p3n b0 malam ini"));
        assert!(!k.flags("boleh"), "`bo` only as a whole word");
    }

    #[test]
    fn plots_are_svg_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let curve = Curve::new(
            "clean",
            vec![(0.9, true), (0.6, false), (0.4, true), (0.1, false)],
            0.5,
            Some(Counts {
                tp: 1,
                fp: 1,
                tn: 1,
                fn_: 1,
            }),
        );
        pr_plot(&dir.path().join("pr.svg"), &curve).expect("draws");
        reliability_plot(&dir.path().join("r.svg"), &curve).expect("draws");
        let pr = std::fs::read_to_string(dir.path().join("pr.svg")).expect("written");
        assert!(pr.starts_with("<svg"), "{}", &pr[..pr.len().min(80)]);
        assert!(pr.contains("Precision-recall"), "caption written");
        assert!(pr.contains("keyword baseline"), "legend written");
        let r = std::fs::read_to_string(dir.path().join("r.svg")).expect("written");
        assert!(r.contains("ECE"), "caption written");
        assert!(r.contains("n=1"), "bin counts written");
    }
}
