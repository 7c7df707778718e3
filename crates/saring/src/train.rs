//! `saring train`: trains a model on labelled JSON Lines files and writes it to a file.
//!
//! The data is cleaned before training: texts that are near-duplicates of a text in an
//! `--exclude` file are dropped (so a test set never leaks into training), and near-duplicate
//! examples are kept once (the first). Two texts are near-duplicates when they normalise to
//! the same text once all ASCII digits are removed — reposted ads differ mostly in numbers.
//! Positives of `--weak` files (labelled by how they were collected, such as tweets gathered
//! by prostitution hashtags) are kept only when a sex-related rule still fires once their
//! hashtags are removed: the hashtag-collected set also holds shop and massage ads that a
//! person would label benign, and the model must learn content, not collection method.
//! Massage ads among them are kept only when their text offers sex in words (a sex act, `BO`,
//! `VCS`, a rate card, minor-risk or third-party signs): the hand labels call the others
//! benign.
//! The examples are then augmented (hashtag-free and disguised copies) and trained on.
//!
//! Training is deterministic: the same files, options and seed give a byte-identical model.
//! The model records its sources and a canonical command line (without `--out`, so where
//! it was written does not change it).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

use saring_core::network::minhash::{self, ShingleMode, Signature, TemplateConfig};
use saring_detect::model::{Example, TrainOptions, TrainReport, fit_platt, sigmoid, train};
use saring_detect::normalize::{Normalized, Normalizer};
use saring_detect::{Detector, Family, Model, PolicyPack, Scratch, obfuscate};

use crate::dataset::{self, Corrections, Split};
use crate::input::{self, Gold, NeedLabel};
use crate::{Outcome, TrainArgs};

/// Computes near-duplicate keys: the normalised text without ASCII digits.
#[derive(Debug, Default)]
pub struct DupKey {
    normalizer: Normalizer,
    normalized: Normalized,
}

impl DupKey {
    /// The key of `text`.
    pub fn key(&mut self, text: &str) -> String {
        self.normalizer.normalize_into(text, &mut self.normalized);
        self.normalized
            .as_str()
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect()
    }
}

/// Held-out texts indexed for near-duplicate look-up beyond [`DupKey`]: the same ad with
/// another name, a few words changed or another set of hashtags. MinHash (128 bins, 32 bands
/// of 4) over character 5-shingles of the text with contacts, prices and numbers replaced by
/// slots (`saring_core::network::minhash`, the template linker's shingles), confirmed by the
/// exact Jaccard similarity of the shingle sets.
struct NearIndex {
    config: TemplateConfig,
    min_jaccard: f64,
    shingles: Vec<Vec<u64>>,
    bands: HashMap<u64, Vec<u32>>,
}

impl NearIndex {
    const BANDS: usize = 32;

    fn new(min_jaccard: f64) -> Self {
        NearIndex {
            config: TemplateConfig {
                mode: ShingleMode::Slots,
                ..TemplateConfig::default()
            },
            min_jaccard,
            shingles: Vec::new(),
            bands: HashMap::new(),
        }
    }

    fn signature(&self, text: &str) -> Option<(Vec<u64>, Signature)> {
        let sh = minhash::shingles(text, &self.config);
        let sig = Signature::from_shingles(&sh, self.config.perms)?;
        Some((sh, sig))
    }

    fn insert(&mut self, text: &str) {
        if self.min_jaccard > 1.0 {
            return;
        }
        let Some((sh, sig)) = self.signature(text) else {
            return;
        };
        let id = self.shingles.len() as u32;
        for key in sig.band_keys(Self::BANDS) {
            let ids = self.bands.entry(key).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        self.shingles.push(sh);
    }

    /// True when `text` is at least `min_jaccard` similar to an indexed text.
    fn contains_similar(&self, text: &str) -> bool {
        if self.shingles.is_empty() || self.min_jaccard > 1.0 {
            return false;
        }
        let Some((sh, sig)) = self.signature(text) else {
            return false;
        };
        let mut tried = HashSet::new();
        sig.band_keys(Self::BANDS).iter().any(|key| {
            self.bands.get(key).is_some_and(|ids| {
                ids.iter().any(|&i| {
                    tried.insert(i)
                        && minhash::jaccard(&sh, &self.shingles[i as usize]) >= self.min_jaccard
                })
            })
        })
    }
}

/// What happened to the rows of one data file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct FileCounts {
    rows: usize,
    positive: usize,
    negative: usize,
    skipped: usize,
    excluded: usize,
    similar: usize,
    held_out: usize,
    corrected: usize,
    duplicates: usize,
    conflicting: usize,
    weak_dropped: usize,
    weak_massage_dropped: usize,
    kept: usize,
}

/// The families whose firing makes a weakly labelled positive credible.
const CREDIBLE: [Family; 4] = [
    Family::Solicitation,
    Family::Service,
    Family::ThirdParty,
    Family::MinorRisk,
];

/// Massage, spa and reflexology words. Hand labels (`dev-manual`, and the project's rule in
/// `data/corrections/README.md`) call a massage ad benign unless its text offers sex: of the
/// 37 massage ads in the dev part, 36 are benign, and the one solicitation says "Hj". The
/// hashtag-collected positives hold ~500 massage ads, which taught the model that a massage
/// ad is an ad for sex.
fn massage_ad() -> regex::Regex {
    regex::Regex::new(
        r"(?i)\b(massage|masage|massages|pijat|pijit|urut|spa|terapis|therapist|terapi|refleksi|reflexi|reflexy|reflexology)\b",
    )
    .expect("a valid regex")
}

/// Rules that offer sex in words, beyond availability, contact and price: what makes a
/// massage ad solicitation under the labelling rule. Minor-risk and third-party signs count
/// too (they go to protection whatever the ad says it sells).
const EXPLICIT: [&str; 8] = [
    "open_bo",
    "bo_bare",
    "bispak_bisyar",
    "vcs",
    "sex_acts",
    "lendir",
    "st_lt_price",
    "price_list",
];

/// True when `text` offers sex in words (see [`EXPLICIT`]).
fn explicit_offer(checker: &Detector, text: &str, scratch: &mut Scratch) -> bool {
    checker.score(text, scratch).signals.iter().any(|s| {
        EXPLICIT.contains(&s.rule) || matches!(s.family, Family::MinorRisk | Family::ThirdParty)
    })
}

/// One labelled example before deduplication, with where it came from.
struct Candidate {
    text: String,
    positive: bool,
    weight: f32,
}

/// Runs `saring train`.
pub fn run(args: &TrainArgs) -> Result<Outcome> {
    if !(0.0..=1.0).contains(&args.augment_rate) {
        bail!(
            "--augment-rate must be between 0 and 1, not {}",
            args.augment_rate
        );
    }
    for (flag, x) in [("--l2", args.l2), ("--weak-weight", args.weak_weight)] {
        if !x.is_finite() || x < 0.0 || (flag == "--weak-weight" && x == 0.0) {
            bail!("{flag} must be a non-negative number (positive for a weight), not {x}");
        }
    }
    if !(args.decision_weight.is_finite() && args.decision_weight > 0.0) {
        bail!(
            "--decision-weight must be a positive number, not {}",
            args.decision_weight
        );
    }
    let pack = match &args.policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read policy pack {}", path.display()))?;
            PolicyPack::from_toml(&text)
                .with_context(|| format!("cannot use policy pack {}", path.display()))?
        }
        None => PolicyPack::builtin(),
    };
    let corrections = match &args.corrections {
        Some(path) => Some(Corrections::load(path)?),
        None => None,
    };
    let split = match &args.split {
        Some(path) => Some(Split::load(path)?),
        None => None,
    };

    if args.exclude_similar.is_nan() || args.exclude_similar <= 0.0 {
        bail!(
            "--exclude-similar must be a Jaccard similarity above 0 (above 1 turns it off), not {}",
            args.exclude_similar
        );
    }
    let mut near = NearIndex::new(args.exclude_similar);
    let mut keys = DupKey::default();
    let mut excluded_keys = HashSet::new();
    let mut exclude_notes = Vec::new();
    for path in &args.exclude {
        let rows = input::read_labelled(path, NeedLabel::No)?;
        for row in &rows {
            excluded_keys.insert(keys.key(&row.text));
            near.insert(&row.text);
        }
        exclude_notes.push(format!("{} ({} texts)", input::shown(path), rows.len()));
    }

    // Calibration rows: never trained on.
    let mut calibration = Vec::new();
    let mut calibration_notes = Vec::new();
    for path in &args.calibrate {
        let mut rows = input::read_labelled(path, NeedLabel::Yes)?;
        for row in &rows {
            excluded_keys.insert(keys.key(&row.text));
            near.insert(&row.text);
        }
        if let Some(c) = &corrections {
            c.apply(&mut rows);
        }
        if let Some(s) = &split {
            s.keep(&mut rows, "dev");
        }
        rows.retain(|r| r.gold != Gold::Other);
        calibration_notes.push(input::shown(path));
        calibration.extend(rows);
    }

    // Every data file, corrected; rows the split holds out (dev, test) are set aside and
    // their near-duplicates excluded everywhere.
    let mut files = Vec::new();
    for (path, weak) in args
        .data
        .iter()
        .map(|p| (p, false))
        .chain(args.weak.iter().map(|p| (p, true)))
    {
        let mut rows = input::read_labelled(path, NeedLabel::Yes)?;
        let corrected = corrections.as_ref().map_or(0, |c| c.apply(&mut rows));
        let mut held_out = 0;
        if let Some(s) = &split {
            for row in &rows {
                if s.part(row.id.as_deref()).is_some_and(|p| p != "train") {
                    excluded_keys.insert(keys.key(&row.text));
                    near.insert(&row.text);
                    held_out += 1;
                }
            }
            s.keep(&mut rows, "train");
        }
        files.push((path, weak, rows, corrected, held_out));
    }

    let mut examples = Vec::new();
    // Key → label of the first example with it.
    let mut seen: HashMap<String, bool> = HashMap::new();
    let mut sources = Vec::new();
    let mut excluded_total = 0;

    // Moderators' decisions come first: where they disagree with a file, they win.
    if let Some(url) = &args.from_db {
        let since = match &args.db_since {
            Some(d) => now_ms() - dataset::parse_duration(d)?,
            None => i64::MIN,
        };
        let labels = decision_labels(url, since)?;
        let mut c = FileCounts::default();
        let mut items = HashSet::new();
        let mut decisions = HashSet::new();
        for l in labels {
            // Newest decision first: an item keeps the label of the newest decision.
            if !items.insert((l.platform.clone(), l.event_id.clone())) {
                continue;
            }
            decisions.insert(l.decision_id);
            let positive = l.action != "no_violation";
            c.rows += 1;
            if positive {
                c.positive += 1;
            } else {
                c.negative += 1;
            }
            add_example(
                &mut keys,
                &excluded_keys,
                &near,
                &mut seen,
                &mut examples,
                &mut c,
                Candidate {
                    text: l.text,
                    positive,
                    weight: args.decision_weight,
                },
            );
        }
        excluded_total += c.excluded + c.similar;
        let line = format!(
            "{} (weight {}, from {} decisions)",
            source_line("moderators' decisions in the store", &c),
            args.decision_weight,
            decisions.len()
        );
        println!("{line}");
        sources.push(line);
    }

    let checker = Detector::new(pack.clone(), Model::zero(&pack, 8))
        .context("cannot compile the policy pack")?;
    let massage = massage_ad();
    let mut scratch = Scratch::default();
    for (path, weak, rows, corrected, held_out) in files {
        let mut c = FileCounts {
            rows: rows.len() + held_out,
            held_out,
            corrected,
            ..FileCounts::default()
        };
        for row in rows {
            let positive = match row.gold {
                Gold::Solicitation => true,
                Gold::Benign => false,
                Gold::Other => {
                    c.skipped += 1;
                    continue;
                }
            };
            if positive {
                c.positive += 1;
            } else {
                c.negative += 1;
            }
            if weak && positive {
                let untagged = obfuscate::strip_hashtags(&row.text);
                if !checker.fires_any(&untagged, &CREDIBLE, &mut scratch) {
                    c.weak_dropped += 1;
                    continue;
                }
                if massage.is_match(&untagged) && !explicit_offer(&checker, &untagged, &mut scratch)
                {
                    c.weak_massage_dropped += 1;
                    continue;
                }
            }
            add_example(
                &mut keys,
                &excluded_keys,
                &near,
                &mut seen,
                &mut examples,
                &mut c,
                Candidate {
                    text: row.text,
                    positive,
                    weight: if weak { args.weak_weight } else { 1.0 },
                },
            );
        }
        excluded_total += c.excluded + c.similar;
        let line = source_line(&input::shown(path), &c);
        println!("{line}");
        sources.push(line);
    }
    if !args.exclude.is_empty() || !args.calibrate.is_empty() || split.is_some() {
        let mut what = exclude_notes.clone();
        what.extend(calibration_notes.iter().map(|n| format!("{n} (all rows)")));
        if let Some(p) = &args.split {
            what.push(format!("the dev and test rows of {}", p.display()));
        }
        let line = format!(
            "excluded: {excluded_total} near-duplicates (same text without digits, or Jaccard \
             >= {} of slot shingles) of {}",
            args.exclude_similar,
            what.join(", ")
        );
        println!("{line}");
        sources.push(line);
    }
    if let Some(p) = &args.corrections {
        let line = format!(
            "corrections: {} ({} labels)",
            p.display(),
            corrections.as_ref().map_or(0, Corrections::len)
        );
        println!("{line}");
        sources.push(line);
    }

    let augmented = obfuscate::augment(&examples, args.augment_rate, args.seed);
    println!(
        "examples: {} after deduplication, {} after augmentation (rate {})",
        examples.len(),
        augmented.len(),
        args.augment_rate
    );
    let mut opts = TrainOptions {
        seed: args.seed,
        epochs: args.epochs,
        buckets_log2: args.buckets_log2,
        l2: args.l2,
        sources,
        note: command_line(args),
        ..TrainOptions::default()
    };
    let (mut model, report) = train(&pack, &augmented, &opts).context("training failed")?;
    print!("{}", report_text(&report));

    if !calibration.is_empty() {
        let detector =
            Detector::new(pack.clone(), model.clone()).context("cannot compile the policy pack")?;
        let points: Vec<(f32, bool)> = calibration
            .iter()
            .map(|r| {
                (
                    detector.logit_of(&r.text, &mut scratch),
                    r.gold == Gold::Solicitation,
                )
            })
            .collect();
        let platt = fit_platt(&points).context("calibration failed")?;
        model.calibrate(platt);
        let scored: Vec<(f32, bool)> = points
            .iter()
            .map(|&(z, y)| (sigmoid(platt.a * z + platt.b), y))
            .collect();
        let best = crate::eval::best_threshold(&scored);
        let positives = points.iter().filter(|p| p.1).count();
        let line = format!(
            "calibration: Platt a={:.4} b={:.4} fitted on {}{} ({} rows, {} solicitation); \
             threshold with the best F1 there: {:.2} (F1 {:.4}, precision {:.4}, recall {:.4})",
            platt.a,
            platt.b,
            if split.is_some() {
                "the dev part of "
            } else {
                ""
            },
            calibration_notes.join(", "),
            points.len(),
            positives,
            best.threshold,
            best.f1,
            best.precision,
            best.recall,
        );
        println!("{line}");
        opts.sources.push(line);
        model.meta.sources.clone_from(&opts.sources);
    }
    write_model(&args.out, &model.to_bytes())?;
    println!("wrote {}", args.out.display());
    Ok(Outcome::Success)
}

/// Adds one candidate unless it is excluded or a near-duplicate of an earlier one.
fn add_example(
    keys: &mut DupKey,
    excluded: &HashSet<String>,
    near: &NearIndex,
    seen: &mut HashMap<String, bool>,
    examples: &mut Vec<Example>,
    c: &mut FileCounts,
    cand: Candidate,
) {
    let key = keys.key(&cand.text);
    if excluded.contains(&key) {
        c.excluded += 1;
        return;
    }
    if near.contains_similar(&cand.text) {
        c.similar += 1;
        return;
    }
    match seen.get(&key) {
        Some(&first) => {
            c.duplicates += 1;
            if first != cand.positive {
                c.conflicting += 1;
            }
        }
        None => {
            seen.insert(key, cand.positive);
            c.kept += 1;
            examples.push(Example {
                text: cand.text,
                positive: cand.positive,
                weight: cand.weight,
            });
        }
    }
}

/// Reads the decision labels from the store at `url`.
fn decision_labels(url: &str, since: i64) -> Result<Vec<saring_store::DecisionLabel>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        let store = saring_store::Store::open(url)
            .await
            .context("could not open the store given by --from-db")?;
        let labels = store
            .decision_labels(since)
            .await
            .context("could not read the decisions")?;
        store.close().await;
        Ok(labels)
    })
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The model's record of one data file.
fn source_line(name: &str, c: &FileCounts) -> String {
    let mut s = format!(
        "{name}: {} rows ({} solicitation, {} benign, {} skipped)",
        c.rows, c.positive, c.negative, c.skipped
    );
    if c.corrected > 0 {
        let _ = write!(s, ", {} labels corrected", c.corrected);
    }
    if c.held_out > 0 {
        let _ = write!(s, ", {} held out by the split", c.held_out);
    }
    if c.excluded > 0 {
        let _ = write!(s, ", {} excluded", c.excluded);
    }
    if c.similar > 0 {
        let _ = write!(s, ", {} similar to held-out texts excluded", c.similar);
    }
    if c.weak_dropped > 0 {
        let _ = write!(
            s,
            ", {} weak positives without sex-related signals dropped",
            c.weak_dropped
        );
    }
    if c.weak_massage_dropped > 0 {
        let _ = write!(
            s,
            ", {} weak positives that are massage ads without an explicit offer dropped",
            c.weak_massage_dropped
        );
    }
    let _ = write!(s, ", {} near-duplicates dropped", c.duplicates);
    if c.conflicting > 0 {
        let _ = write!(s, " ({} with the other label)", c.conflicting);
    }
    let _ = write!(s, ", {} kept", c.kept);
    s
}

/// The command line, canonical and without `--out`, recorded in the model's note.
fn command_line(args: &TrainArgs) -> String {
    let mut s = format!("saring {} train", env!("CARGO_PKG_VERSION"));
    for path in &args.data {
        let _ = write!(s, " --data {}", input::shown(path));
    }
    for path in &args.weak {
        let _ = write!(s, " --weak {}", input::shown(path));
    }
    for path in &args.exclude {
        let _ = write!(s, " --exclude {}", input::shown(path));
    }
    if let Some(path) = &args.policy {
        let _ = write!(s, " --policy {}", path.display());
    }
    if let Some(path) = &args.corrections {
        let _ = write!(s, " --corrections {}", path.display());
    }
    if let Some(path) = &args.split {
        let _ = write!(s, " --split {}", path.display());
    }
    let _ = write!(s, " --exclude-similar {}", args.exclude_similar);
    for path in &args.calibrate {
        let _ = write!(s, " --calibrate {}", input::shown(path));
    }
    if args.from_db.is_some() {
        // The URL may hold a password: record only that a store was used.
        let _ = write!(
            s,
            " --from-db STORE --decision-weight {}",
            args.decision_weight
        );
        if let Some(d) = &args.db_since {
            let _ = write!(s, " --db-since {d}");
        }
    }
    let _ = write!(
        s,
        " --seed {} --epochs {} --buckets-log2 {} --augment-rate {} --l2 {} --weak-weight {}",
        args.seed, args.epochs, args.buckets_log2, args.augment_rate, args.l2, args.weak_weight
    );
    s
}

/// The training report, for people.
fn report_text(r: &TrainReport) -> String {
    let mut s = format!(
        "trained on {} examples ({} solicitation, {} benign)\n",
        r.examples,
        r.positives,
        r.examples - r.positives
    );
    for (i, loss) in r.loss.iter().enumerate() {
        let _ = writeln!(s, "epoch {:>3}: loss {loss:.4}", i + 1);
    }
    let _ = writeln!(s, "train accuracy: {:.4}", r.train_accuracy);
    s
}

/// Writes the model next to its destination first, then renames it into place, so a
/// failed run never leaves half a model behind.
fn write_model(out: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_differ_in_digits_or_disguise() {
        let mut k = DupKey::default();
        assert_eq!(k.key("Open BO wa 0812 1111"), k.key("0p3n b0 wa 0813 2222"));
        assert_ne!(k.key("open bo"), k.key("open vcs"));
    }

    #[test]
    fn source_lines_start_with_the_row_counts() {
        let c = FileCounts {
            rows: 10,
            positive: 4,
            negative: 5,
            skipped: 1,
            excluded: 2,
            similar: 0,
            held_out: 0,
            corrected: 0,
            duplicates: 1,
            conflicting: 0,
            weak_dropped: 0,
            weak_massage_dropped: 0,
            kept: 6,
        };
        assert_eq!(
            source_line("a.jsonl", &c),
            "a.jsonl: 10 rows (4 solicitation, 5 benign, 1 skipped), 2 excluded, \
             1 near-duplicates dropped, 6 kept"
        );
    }
}
