//! Evidence bundles: one case's content as received, its decisions, appeals, orders and audit
//! entries, sealed by a manifest of SHA-256 hashes, so that anyone can check offline that
//! nothing was changed — and, when something was, where.
//!
//! A bundle is one JSON document:
//!
//! ```json
//! {"format": "saring-evidence/1",
//!  "manifest": {"case_id": 7, "exported_at": …, "exported_by": "…",
//!               "sections": {"case": "<sha256>", "items": "<sha256>", …},
//!               "item_sha256": ["<sha256 of item 0's text>", …]},
//!  "manifest_sha256": "<sha256 of the manifest exactly as written>",
//!  "case": {…}, "items": […], "decisions": […], "appeals": […], "orders": […], "audit": […]}
//! ```
//!
//! Each section's hash is taken over its JSON text exactly as written in the file, so no
//! re-serialisation (key order, number formatting) can make an intact bundle fail. An item's
//! hash is the SHA-256 of its text as received — the same hash the service stored at ingest,
//! so a purged item (text gone) still shows which text existed. Audit entries carry their own
//! chain hashes, recomputed here. The service records `manifest_sha256` in its audit log when
//! it exports a bundle, so a bundle rebuilt from scratch with fresh hashes is caught against
//! the log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::audit::{AuditEntry, entry_hash, sha256_hex};

/// The format tag of this version.
pub const FORMAT: &str = "saring-evidence/1";

/// The sections, in the order they are written.
pub const SECTIONS: [&str; 6] = ["case", "items", "decisions", "appeals", "orders", "audit"];

/// One content item as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The platform's event id.
    pub event_id: String,
    /// The account.
    pub account: String,
    /// `profile`, `post`, `nearby` or `report`.
    pub kind: String,
    /// When it was posted (ms).
    pub ts: i64,
    /// When Saring received it (ms).
    pub received_at: i64,
    /// The text as received; `None` once purged under retention.
    pub text: Option<String>,
    /// SHA-256 (hex) of the text as received, kept after a purge.
    pub sha256: String,
    /// The detector's score.
    pub score: f64,
    /// The detector's signals (spans in the text).
    pub signals: serde_json::Value,
}

/// What goes into a bundle, before sealing.
#[derive(Debug, Clone)]
pub struct Contents {
    /// The case id.
    pub case_id: i64,
    /// The case as stored.
    pub case: serde_json::Value,
    /// The account's content.
    pub items: Vec<Item>,
    /// Decisions with their statements of reasons.
    pub decisions: serde_json::Value,
    /// Appeals.
    pub appeals: serde_json::Value,
    /// Enforcement orders.
    pub orders: serde_json::Value,
    /// The case's audit entries.
    pub audit: Vec<AuditEntry>,
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The case.
    pub case_id: i64,
    /// When the bundle was made (ms).
    pub exported_at: i64,
    /// Who made it.
    pub exported_by: String,
    /// SHA-256 of each section's JSON text as written.
    pub sections: BTreeMap<String, String>,
    /// SHA-256 of each item's text, in item order.
    pub item_sha256: Vec<String>,
}

#[derive(Serialize)]
struct Written<'a> {
    format: &'a str,
    manifest: &'a RawValue,
    manifest_sha256: String,
    case: &'a RawValue,
    items: &'a RawValue,
    decisions: &'a RawValue,
    appeals: &'a RawValue,
    orders: &'a RawValue,
    audit: &'a RawValue,
}

#[derive(Deserialize)]
struct Read<'a> {
    format: String,
    #[serde(borrow)]
    manifest: &'a RawValue,
    manifest_sha256: String,
    #[serde(borrow)]
    case: &'a RawValue,
    #[serde(borrow)]
    items: &'a RawValue,
    #[serde(borrow)]
    decisions: &'a RawValue,
    #[serde(borrow)]
    appeals: &'a RawValue,
    #[serde(borrow)]
    orders: &'a RawValue,
    #[serde(borrow)]
    audit: &'a RawValue,
}

/// Something wrong in a bundle: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where (`manifest`, `items[3]`, `audit[0] (seq 12)`, …).
    pub place: String,
    /// What is wrong.
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.what)
    }
}

/// What a bundle that verified holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The manifest.
    pub manifest: Manifest,
    /// Its hash (compare with the service's audit log).
    pub manifest_sha256: String,
    /// Items, and how many of them were purged (hash only).
    pub items: usize,
    /// Purged items.
    pub purged: usize,
    /// Audit entries.
    pub audit_entries: usize,
}

fn raw<T: Serialize>(v: &T) -> Box<RawValue> {
    // Plain data (strings, numbers, maps with string keys) always serialises.
    let text = serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned());
    RawValue::from_string(text)
        .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is valid JSON"))
}

/// Seals `contents` into a bundle (pretty-printed JSON) and returns it with the manifest's
/// hash.
pub fn seal(contents: &Contents, exported_at: i64, exported_by: &str) -> (String, String) {
    let sections: [Box<RawValue>; 6] = [
        raw(&contents.case),
        raw(&contents.items),
        raw(&contents.decisions),
        raw(&contents.appeals),
        raw(&contents.orders),
        raw(&contents.audit),
    ];
    let manifest = Manifest {
        case_id: contents.case_id,
        exported_at,
        exported_by: exported_by.to_owned(),
        sections: SECTIONS
            .iter()
            .zip(&sections)
            .map(|(name, r)| ((*name).to_owned(), sha256_hex(r.get().as_bytes())))
            .collect(),
        item_sha256: contents.items.iter().map(|i| i.sha256.clone()).collect(),
    };
    let manifest_raw = raw(&manifest);
    let manifest_sha256 = sha256_hex(manifest_raw.get().as_bytes());
    let [case, items, decisions, appeals, orders, audit] = &sections;
    let written = Written {
        format: FORMAT,
        manifest: &manifest_raw,
        manifest_sha256: manifest_sha256.clone(),
        case,
        items,
        decisions,
        appeals,
        orders,
        audit,
    };
    let text = serde_json::to_string_pretty(&written).unwrap_or_default();
    (text, manifest_sha256)
}

/// Checks a bundle; on failure, every problem found, each naming its place.
pub fn verify(text: &str) -> Result<Verified, Vec<Problem>> {
    let problem = |place: &str, what: String| Problem {
        place: place.to_owned(),
        what,
    };
    let read: Read<'_> = serde_json::from_str(text).map_err(|e| {
        vec![problem(
            "bundle",
            format!("not a readable evidence bundle: {e}"),
        )]
    })?;
    let mut problems = Vec::new();
    if read.format != FORMAT {
        problems.push(problem(
            "format",
            format!("is {:?}, this verifier reads {FORMAT:?}", read.format),
        ));
    }
    let manifest_hash = sha256_hex(read.manifest.get().as_bytes());
    if manifest_hash != read.manifest_sha256 {
        problems.push(problem(
            "manifest",
            format!(
                "was changed: its SHA-256 is {manifest_hash}, the bundle says {}",
                read.manifest_sha256
            ),
        ));
    }
    let manifest: Manifest = serde_json::from_str(read.manifest.get())
        .map_err(|e| vec![problem("manifest", format!("cannot be read: {e}"))])?;
    let sections = [
        ("case", read.case),
        ("items", read.items),
        ("decisions", read.decisions),
        ("appeals", read.appeals),
        ("orders", read.orders),
        ("audit", read.audit),
    ];
    for (name, raw) in sections {
        let got = sha256_hex(raw.get().as_bytes());
        match manifest.sections.get(name) {
            None => problems.push(problem(name, "is not in the manifest".into())),
            Some(want) if *want != got => problems.push(problem(
                name,
                format!("was changed: its SHA-256 is {got}, the manifest says {want}"),
            )),
            Some(_) => {}
        }
    }
    let items: Vec<Item> = match serde_json::from_str(read.items.get()) {
        Ok(i) => i,
        Err(e) => {
            problems.push(problem("items", format!("cannot be read: {e}")));
            Vec::new()
        }
    };
    let mut purged = 0;
    for (i, item) in items.iter().enumerate() {
        let place = format!("items[{i}] (event {})", item.event_id);
        match &item.text {
            Some(t) => {
                let got = sha256_hex(t.as_bytes());
                if got != item.sha256 {
                    problems.push(problem(
                        &place,
                        format!(
                            "the text does not match its SHA-256 ({got} ≠ {})",
                            item.sha256
                        ),
                    ));
                }
            }
            None => purged += 1,
        }
        match manifest.item_sha256.get(i) {
            Some(h) if *h == item.sha256 => {}
            Some(h) => problems.push(problem(
                &place,
                format!("SHA-256 {} is not the manifest's {h}", item.sha256),
            )),
            None => problems.push(problem(&place, "is not in the manifest".into())),
        }
    }
    if manifest.item_sha256.len() > items.len() {
        problems.push(problem(
            "items",
            format!(
                "{} items are missing: the manifest lists {}",
                manifest.item_sha256.len() - items.len(),
                manifest.item_sha256.len()
            ),
        ));
    }
    let audit: Vec<AuditEntry> = match serde_json::from_str(read.audit.get()) {
        Ok(a) => a,
        Err(e) => {
            problems.push(problem("audit", format!("cannot be read: {e}")));
            Vec::new()
        }
    };
    for (i, e) in audit.iter().enumerate() {
        let want = entry_hash(e.seq, &e.record, &e.prev_hash);
        if want != e.hash {
            problems.push(problem(
                &format!("audit[{i}] (seq {})", e.seq),
                "the entry does not match its chain hash: it was changed".into(),
            ));
        }
    }
    if problems.is_empty() {
        Ok(Verified {
            manifest,
            manifest_sha256: read.manifest_sha256,
            items: items.len(),
            purged,
            audit_entries: audit.len(),
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditRecord, chain};

    fn contents() -> Contents {
        let text = "open bo ready kak, wa 0812 0000 1111";
        let first = chain(
            None,
            AuditRecord {
                at: 1,
                actor: "user:2".into(),
                tenant: "michat".into(),
                action: "case.opened".into(),
                subject: "case:7".into(),
                detail: "{}".into(),
            },
        );
        Contents {
            case_id: 7,
            case: serde_json::json!({"id": 7, "platform": "michat", "account": "a-1", "score": 0.1 + 0.2}),
            items: vec![
                Item {
                    event_id: "e1".into(),
                    account: "a-1".into(),
                    kind: "post".into(),
                    ts: 10,
                    received_at: 11,
                    text: Some(text.into()),
                    sha256: sha256_hex(text.as_bytes()),
                    score: 0.93,
                    signals: serde_json::json!([{"family": "solicitation", "start": 0, "end": 7}]),
                },
                Item {
                    event_id: "e2".into(),
                    account: "a-1".into(),
                    kind: "post".into(),
                    ts: 12,
                    received_at: 13,
                    text: None,
                    sha256: sha256_hex(b"purged text"),
                    score: 0.2,
                    signals: serde_json::json!([]),
                },
            ],
            decisions: serde_json::json!([{"action": "freeze", "statement": {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}}]),
            appeals: serde_json::json!([]),
            orders: serde_json::json!([{"id": "ord_1", "status": "delivered"}]),
            audit: vec![first],
        }
    }

    #[test]
    fn an_intact_bundle_verifies() {
        let (text, hash) = seal(&contents(), 100, "cli");
        let v = verify(&text).expect("intact");
        assert_eq!(v.manifest_sha256, hash);
        assert_eq!((v.items, v.purged, v.audit_entries), (2, 1, 1));
        assert_eq!(v.manifest.case_id, 7);
    }

    #[test]
    fn every_change_is_caught_and_placed() {
        let (text, _) = seal(&contents(), 100, "cli");
        let cases = [
            ("0812 0000 1111", "0812 0000 2222", "items[0] (event e1)"),
            ("\"freeze\"", "\"warn\"", "decisions"),
            ("\"delivered\"", "\"failing\"", "orders"),
            ("case.opened", "case.closed", "audit[0] (seq 1)"),
            (
                "\"exported_by\": \"cli\"",
                "\"exported_by\": \"me\"",
                "manifest",
            ),
            (
                "\"exported_by\":\"cli\"",
                "\"exported_by\":\"me\"",
                "manifest",
            ),
        ];
        let mut tried = 0;
        for (from, to, place) in cases {
            if !text.contains(from) {
                continue;
            }
            tried += 1;
            let bad = text.replacen(from, to, 1);
            let problems = verify(&bad).expect_err(&format!("changing {from} is caught"));
            assert!(
                problems.iter().any(|p| p.place == place),
                "{from} → {to}: {problems:?}"
            );
        }
        assert!(tried >= 5, "the test edits reach the bundle ({tried})");
        // Removing an item is caught too.
        let (text, _) = seal(&contents(), 100, "cli");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let mut cut = contents();
        cut.items.truncate(1);
        let (short, _) = seal(&cut, 100, "cli");
        let mut spliced: serde_json::Value = serde_json::from_str(&short).expect("json");
        spliced["manifest"] = v["manifest"].clone();
        spliced["manifest_sha256"] = v["manifest_sha256"].clone();
        let problems = verify(&spliced.to_string()).expect_err("a removed item is caught");
        assert!(problems.iter().any(|p| p.place == "items"), "{problems:?}");
        assert!(verify("{\"format\": 1}").is_err());
        assert!(verify("not json").is_err());
    }
}
