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
//! The examples are then augmented (hashtag-free and disguised copies) and trained on.
//!
//! Training is deterministic: the same files, options and seed give a byte-identical model.
//! The model records its sources and a canonical command line (without `--out`, so where
//! it was written does not change it).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

use saring_detect::model::{Example, TrainOptions, TrainReport, train};
use saring_detect::normalize::{Normalized, Normalizer};
use saring_detect::{Detector, Family, Model, PolicyPack, Scratch, obfuscate};

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

/// What happened to the rows of one data file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct FileCounts {
    rows: usize,
    positive: usize,
    negative: usize,
    skipped: usize,
    excluded: usize,
    duplicates: usize,
    conflicting: usize,
    weak_dropped: usize,
    kept: usize,
}

/// The families whose firing makes a weakly labelled positive credible.
const CREDIBLE: [Family; 4] = [
    Family::Solicitation,
    Family::Service,
    Family::ThirdParty,
    Family::MinorRisk,
];

/// Runs `saring train`.
pub fn run(args: &TrainArgs) -> Result<Outcome> {
    if !(0.0..=1.0).contains(&args.augment_rate) {
        bail!(
            "--augment-rate must be between 0 and 1, not {}",
            args.augment_rate
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

    let mut keys = DupKey::default();
    let mut excluded_keys = HashSet::new();
    let mut exclude_notes = Vec::new();
    for path in &args.exclude {
        let rows = input::read_labelled(path, NeedLabel::No)?;
        for row in &rows {
            excluded_keys.insert(keys.key(&row.text));
        }
        exclude_notes.push(format!("{} ({} texts)", input::shown(path), rows.len()));
    }

    let mut examples = Vec::new();
    // Key → label of the first example with it.
    let mut seen: HashMap<String, bool> = HashMap::new();
    let mut sources = Vec::new();
    let mut excluded_total = 0;
    let checker = Detector::new(pack.clone(), Model::zero(&pack, 8))
        .context("cannot compile the policy pack")?;
    let mut scratch = Scratch::default();
    let files = args
        .data
        .iter()
        .map(|p| (p, false))
        .chain(args.weak.iter().map(|p| (p, true)));
    for (path, weak) in files {
        let rows = input::read_labelled(path, NeedLabel::Yes)?;
        let mut c = FileCounts {
            rows: rows.len(),
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
            let key = keys.key(&row.text);
            if excluded_keys.contains(&key) {
                c.excluded += 1;
                continue;
            }
            if weak
                && positive
                && !checker.fires_any(
                    &obfuscate::strip_hashtags(&row.text),
                    &CREDIBLE,
                    &mut scratch,
                )
            {
                c.weak_dropped += 1;
                continue;
            }
            match seen.get(&key) {
                Some(&first) => {
                    c.duplicates += 1;
                    if first != positive {
                        c.conflicting += 1;
                    }
                }
                None => {
                    seen.insert(key, positive);
                    c.kept += 1;
                    examples.push(Example {
                        text: row.text,
                        positive,
                    });
                }
            }
        }
        excluded_total += c.excluded;
        let line = source_line(&input::shown(path), &c);
        println!("{line}");
        sources.push(line);
    }
    if !args.exclude.is_empty() {
        let line = format!(
            "excluded: {excluded_total} near-duplicates of {}",
            exclude_notes.join(", ")
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
    let opts = TrainOptions {
        seed: args.seed,
        epochs: args.epochs,
        buckets_log2: args.buckets_log2,
        sources,
        note: command_line(args),
        ..TrainOptions::default()
    };
    let (model, report) = train(&pack, &augmented, &opts).context("training failed")?;
    print!("{}", report_text(&report));
    write_model(&args.out, &model.to_bytes())?;
    println!("wrote {}", args.out.display());
    Ok(Outcome::Success)
}

/// The model's record of one data file.
fn source_line(name: &str, c: &FileCounts) -> String {
    let mut s = format!(
        "{name}: {} rows ({} solicitation, {} benign, {} skipped)",
        c.rows, c.positive, c.negative, c.skipped
    );
    if c.excluded > 0 {
        let _ = write!(s, ", {} excluded", c.excluded);
    }
    if c.weak_dropped > 0 {
        let _ = write!(
            s,
            ", {} weak positives without sex-related signals dropped",
            c.weak_dropped
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
    let _ = write!(
        s,
        " --seed {} --epochs {} --buckets-log2 {} --augment-rate {}",
        args.seed, args.epochs, args.buckets_log2, args.augment_rate
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
            duplicates: 1,
            conflicting: 0,
            weak_dropped: 0,
            kept: 6,
        };
        assert_eq!(
            source_line("a.jsonl", &c),
            "a.jsonl: 10 rows (4 solicitation, 5 benign, 1 skipped), 2 excluded, \
             1 near-duplicates dropped, 6 kept"
        );
    }
}
