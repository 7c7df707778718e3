//! Labelled data as `train` and `eval` see it: label corrections and split files.
//!
//! * A **correction file** (JSON Lines: `id`, `label`, `was`, `reason`, optionally `source`)
//!   changes the label of rows by id, without editing the source file. See
//!   `data/corrections/README.md`.
//! * A **split file** (tab-separated: `source`, `id`, `part`, `group`; `#` starts a comment)
//!   says which part (`train`, `dev`, `test`) each row of a source file belongs to. Rows of a
//!   file that the split does not list belong to no part and are kept by every selection. See
//!   `data/splits/README.md`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::input::{Gold, Labelled};

/// Label corrections, by row id.
#[derive(Debug, Default, Clone)]
pub struct Corrections {
    labels: HashMap<String, Gold>,
}

impl Corrections {
    /// Reads a correction file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read correction file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in correction file {}", path.display()))
    }

    /// Parses the text of a correction file.
    pub fn parse(text: &str) -> Result<Self> {
        #[derive(serde::Deserialize)]
        struct Line {
            id: String,
            label: String,
            reason: String,
        }
        let mut labels = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let l: Line = serde_json::from_str(line)
                .with_context(|| format!("line {n}: not a correction"))?;
            let gold = match l.label.as_str() {
                "solicitation" => Gold::Solicitation,
                "benign" => Gold::Benign,
                other => bail!("line {n}: label must be solicitation or benign, not {other:?}"),
            };
            if l.reason.trim().is_empty() {
                bail!("line {n}: a correction needs a reason");
            }
            if labels.insert(l.id.clone(), gold).is_some() {
                bail!("line {n}: id {:?} is corrected twice", l.id);
            }
        }
        Ok(Corrections { labels })
    }

    /// Number of corrections.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Applies the corrections to `rows`; returns how many labels changed.
    pub fn apply(&self, rows: &mut [Labelled]) -> usize {
        let mut changed = 0;
        for row in rows {
            if let Some(gold) = row.id.as_deref().and_then(|id| self.labels.get(id))
                && row.gold != *gold
            {
                row.gold = *gold;
                changed += 1;
            }
        }
        changed
    }
}

/// A split: the part of each listed row, by id.
#[derive(Debug, Default, Clone)]
pub struct Split {
    parts: HashMap<String, String>,
}

impl Split {
    /// Reads a split file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read split file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in split file {}", path.display()))
    }

    /// Parses the text of a split file.
    pub fn parse(text: &str) -> Result<Self> {
        let mut parts = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [_, id, part, ..] = cols.as_slice() else {
                bail!("line {n}: expected `source<TAB>id<TAB>part<TAB>group`");
            };
            if !matches!(*part, "train" | "dev" | "test") {
                bail!("line {n}: part must be train, dev or test, not {part:?}");
            }
            if parts.insert((*id).to_owned(), (*part).to_owned()).is_some() {
                bail!("line {n}: id {id:?} is listed twice");
            }
        }
        Ok(Split { parts })
    }

    /// The part of row `id`, if the split lists it.
    pub fn part(&self, id: Option<&str>) -> Option<&str> {
        id.and_then(|id| self.parts.get(id)).map(String::as_str)
    }

    /// Keeps the rows that are in `part` or not listed; returns how many were dropped.
    pub fn keep(&self, rows: &mut Vec<Labelled>, part: &str) -> usize {
        let before = rows.len();
        rows.retain(|r| self.part(r.id.as_deref()).is_none_or(|p| p == part));
        before - rows.len()
    }
}

/// Parses a duration such as `30d`, `12h` or `45m` into milliseconds.
pub fn parse_duration(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .with_context(|| format!("duration {s:?} must be a number followed by d, h or m"))?;
    let ms = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        _ => bail!("duration {s:?} must end in d (days), h (hours) or m (minutes)"),
    };
    n.checked_mul(ms)
        .with_context(|| format!("duration {s:?} is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, gold: Gold) -> Labelled {
        Labelled {
            line: 1,
            id: Some(id.to_owned()),
            text: "t".to_owned(),
            gold,
            tags: Vec::new(),
        }
    }

    #[test]
    fn corrections_change_labels_by_id() {
        let c = Corrections::parse(
            r#"{"id": "a", "label": "solicitation", "was": "benign", "reason": "an ad"}
{"id": "b", "label": "benign", "was": "solicitation", "reason": "news"}
"#,
        )
        .expect("parses");
        assert_eq!(c.len(), 2);
        let mut rows = vec![
            row("a", Gold::Benign),
            row("b", Gold::Benign),
            row("c", Gold::Benign),
        ];
        assert_eq!(c.apply(&mut rows), 1, "b already has its corrected label");
        assert_eq!(rows[0].gold, Gold::Solicitation);
        assert_eq!(rows[2].gold, Gold::Benign);
    }

    #[test]
    fn bad_corrections_are_named() {
        let e = Corrections::parse(r#"{"id": "a", "label": "spam", "reason": "x"}"#)
            .expect_err("refused");
        assert!(format!("{e:#}").contains("line 1: label must be"), "{e:#}");
        let e = Corrections::parse(
            "{\"id\": \"a\", \"label\": \"benign\", \"reason\": \"x\"}\n\
             {\"id\": \"a\", \"label\": \"benign\", \"reason\": \"y\"}",
        )
        .expect_err("refused");
        assert!(format!("{e:#}").contains("corrected twice"), "{e:#}");
        let e = Corrections::parse(r#"{"id": "a", "label": "benign", "reason": " "}"#)
            .expect_err("refused");
        assert!(format!("{e:#}").contains("needs a reason"), "{e:#}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d").expect("ok"), 30 * 86_400_000);
        assert_eq!(parse_duration("2h").expect("ok"), 7_200_000);
        assert_eq!(parse_duration("5m").expect("ok"), 300_000);
        for bad in ["", "d", "30", "30w", "-3d", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn split_keeps_its_part_and_unlisted_rows() {
        let s = Split::parse("# header\nf\ta\tdev\ta\nf\tb\ttest\ta\n").expect("parses");
        let mut rows = vec![
            row("a", Gold::Benign),
            row("b", Gold::Benign),
            row("z", Gold::Benign),
        ];
        assert_eq!(s.keep(&mut rows, "test"), 1);
        let ids: Vec<_> = rows.iter().filter_map(|r| r.id.as_deref()).collect();
        assert_eq!(ids, ["b", "z"]);
        let e = Split::parse("f\ta\tholdout\ta\n").expect_err("refused");
        assert!(format!("{e:#}").contains("line 1: part must be"), "{e:#}");
    }
}
