//! `saring eval`: measures the detector on labelled JSON Lines files — as written, without
//! hashtags (chat-app ads carry none), and disguised (each text in one obfuscation style,
//! chosen per item by a seeded generator, so runs are repeatable) — and prints the
//! confusion counts and the usual rates per variant, per file and optionally per tag.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use saring_detect::obfuscate::{self, Style};
use saring_detect::{Detector, Scratch};

use crate::input::{self, Gold, Labelled, NeedLabel};
use crate::{EvalArgs, Outcome, Variant};

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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;

    let mut files = Vec::new();
    for path in &args.files {
        let rows = input::read_labelled(path, NeedLabel::Yes)?;
        let total = rows.len();
        let rows: Vec<Labelled> = rows.into_iter().filter(|r| r.gold != Gold::Other).collect();
        files.push(FileData {
            name: input::shown(path),
            skipped: total - rows.len(),
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
    for &variant in variants {
        let mut all = Counts::default();
        let mut by_tag: BTreeMap<&str, Counts> = BTreeMap::new();
        for file in &files {
            let texts = variant_texts(variant, &file.rows, args.seed);
            let flagged: Vec<bool> = pool.install(|| {
                texts
                    .par_iter()
                    .map_init(Scratch::default, |scratch, text| {
                        predict(&detector, text, scratch, threshold)
                    })
                    .collect()
            });
            let mut counts = Counts::default();
            for (row, &predicted) in file.rows.iter().zip(&flagged) {
                let actual = row.gold == Gold::Solicitation;
                counts.add(actual, predicted);
                if args.tags {
                    for tag in &row.tags {
                        by_tag.entry(tag).or_default().add(actual, predicted);
                    }
                }
            }
            all.merge(&counts);
            rows.push(Row::new(variant, Slice::File(&file.name), &counts));
        }
        if files.len() > 1 {
            rows.push(Row::new(variant, Slice::All, &all));
        }
        for (tag, counts) in &by_tag {
            rows.push(Row::new(variant, Slice::Tag(tag), counts));
        }
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
                })
                .collect(),
            rows,
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
        }
        println!("{head}");
        print!("{}", table(&rows));
    }
    Ok(Outcome::Success)
}

/// One input file's labelled rows.
struct FileData {
    name: String,
    skipped: usize,
    rows: Vec<Labelled>,
}

/// True when the detector labels `text` solicitation at `threshold`.
fn predict(detector: &Detector, text: &str, scratch: &mut Scratch, threshold: f32) -> bool {
    detector.score(text, scratch).score >= threshold
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

/// A confusion matrix.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    tp: u64,
    fp: u64,
    tn: u64,
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
}

/// `num / den`, or `None` when `den` is 0.
fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
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
    fn new(variant: Variant, slice: Slice<'a>, c: &Counts) -> Self {
        let (kind, slice) = match slice {
            Slice::File(f) => ("file", f),
            Slice::All => ("all", "all"),
            Slice::Tag(t) => ("tag", t),
        };
        let precision = ratio(c.tp, c.tp + c.fp);
        let recall = ratio(c.tp, c.tp + c.fn_);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        let n = c.tp + c.fp + c.tn + c.fn_;
        Row {
            variant: variant_name(variant),
            kind,
            slice,
            n,
            positives: c.tp + c.fn_,
            tp: c.tp,
            fp: c.fp,
            tn: c.tn,
            fn_: c.fn_,
            precision,
            recall,
            f1,
            fpr: ratio(c.fp, c.fp + c.tn),
            accuracy: ratio(c.tp + c.tn, n),
        }
    }
}

/// Per-file notes in the JSON report.
#[derive(Debug, Serialize)]
struct FileNote<'a> {
    file: &'a str,
    scored: usize,
    skipped: usize,
}

/// The JSON report.
#[derive(Debug, Serialize)]
struct Report<'a> {
    threshold: f32,
    seed: u64,
    files: Vec<FileNote<'a>>,
    rows: Vec<Row<'a>>,
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
    let metric = |m: Option<f64>| m.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"));
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
        let r = Row::new(Variant::Clean, Slice::All, &c);
        assert_eq!(r.n, 100);
        assert_eq!(r.positives, 10);
        assert_eq!(r.precision, Some(0.8));
        assert_eq!(r.recall, Some(0.8));
        assert!(r.f1.is_some_and(|f| (f - 0.8).abs() < 1e-12));
        assert_eq!(r.fpr, Some(2.0 / 90.0));
        assert_eq!(r.accuracy, Some(0.96));
        let none = Row::new(Variant::Clean, Slice::All, &Counts::default());
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
            Row::new(Variant::Clean, Slice::File("a.jsonl"), &c),
            Row::new(Variant::Obfuscated, Slice::Tag("chat"), &Counts::default()),
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
            text: "open bo malam ini".to_owned(),
            gold: Gold::Solicitation,
            tags: Vec::new(),
        }];
        let a = variant_texts(Variant::Obfuscated, &rows, 5);
        let b = variant_texts(Variant::Obfuscated, &rows, 5);
        assert_eq!(a, b);
        assert_ne!(a[0], "open bo malam ini");
    }
}
