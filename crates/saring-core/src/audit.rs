//! The audit log: append-only and hash-chained.
//!
//! Each entry holds the SHA-256 of the previous entry's hash and its own fields, so changing,
//! removing or reordering any entry breaks every hash after it. [`verify`] walks the chain and
//! names the first entry that does not fit. The fields are hashed as a JSON array, which is
//! unambiguous (no two different entries serialise alike).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::time::Millis;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry about to be appended: who did what to which subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When it happened.
    pub at: Millis,
    /// Who did it: `user:<id>`, `system`, `dispatcher`.
    pub actor: String,
    /// The tenant whose data it concerns (`michat`, `regulator`, `system`).
    pub tenant: String,
    /// What happened, dotted (`case.opened`, `decision.made`, `order.delivered`).
    pub action: String,
    /// What it happened to (`case:12`, `order:ord_…`).
    pub subject: String,
    /// Details as compact JSON; never content text or phone numbers.
    pub detail: String,
}

/// An entry as stored: the record, its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// The record.
    #[serde(flatten)]
    pub record: AuditRecord,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of an entry with these fields.
pub fn entry_hash(seq: i64, record: &AuditRecord, prev_hash: &str) -> String {
    let canonical = serde_json::json!([
        seq,
        record.at,
        record.actor,
        record.tenant,
        record.action,
        record.subject,
        record.detail,
        prev_hash
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Builds the entry that follows `prev` (`None` for the first entry).
pub fn chain(prev: Option<(i64, &str)>, record: AuditRecord) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS.to_owned()),
    };
    let hash = entry_hash(seq, &record, &prev_hash);
    AuditEntry {
        seq,
        record,
        prev_hash,
        hash,
    }
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq} is not valid: {reason}")]
pub struct ChainBreak {
    /// The first entry that does not fit.
    pub seq: i64,
    /// What does not fit.
    pub reason: String,
}

/// Incremental verifier, so a store can stream entries without holding them all.
#[derive(Debug, Clone)]
pub struct Verifier {
    next_seq: i64,
    prev_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            next_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl Verifier {
    /// Checks the next entry.
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let fail = |reason: String| ChainBreak { seq: e.seq, reason };
        if e.seq != self.next_seq {
            return Err(ChainBreak {
                seq: self.next_seq,
                reason: format!(
                    "expected entry {} next, found entry {} (an entry was removed or reordered)",
                    self.next_seq, e.seq
                ),
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(fail(
                "its prev_hash does not match the previous entry's hash".into(),
            ));
        }
        let want = entry_hash(e.seq, &e.record, &e.prev_hash);
        if e.hash != want {
            return Err(fail(
                "its content does not match its hash (the entry was changed)".into(),
            ));
        }
        self.next_seq += 1;
        self.prev_hash.clone_from(&e.hash);
        Ok(())
    }

    /// How many entries were checked.
    pub fn count(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last entry checked (the chain's head).
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

/// Verifies a whole chain, returning the number of entries.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<i64, ChainBreak> {
    let mut v = Verifier::default();
    for e in entries {
        v.check(e)?;
    }
    Ok(v.count())
}

/// SHA-256 of `bytes`, as lowercase hex (evidence hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(i: i64) -> AuditRecord {
        AuditRecord {
            at: i,
            actor: "user:1".into(),
            tenant: "michat".into(),
            action: "case.opened".into(),
            subject: format!("case:{i}"),
            detail: "{}".into(),
        }
    }

    fn log(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let e = chain(prev, rec(i));
            out.push(e);
        }
        out
    }

    #[test]
    fn a_fresh_chain_verifies() {
        assert_eq!(verify(&log(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn any_edit_is_found_at_the_entry_edited() {
        let mut l = log(5);
        l[2].record.detail = r#"{"x":1}"#.into();
        assert_eq!(verify(&l).map_err(|b| b.seq), Err(3));
        let mut l = log(5);
        l.remove(3);
        assert_eq!(verify(&l).map_err(|b| b.seq), Err(4));
        let mut l = log(5);
        let fake = entry_hash(2, &l[1].record, &l[1].prev_hash);
        l[1].hash = fake.replace('a', "b");
        assert!(verify(&l).is_err());
    }

    #[test]
    fn rehashing_an_edited_entry_still_breaks_the_next_link() {
        let mut l = log(4);
        l[1].record.actor = "user:2".into();
        l[1].hash = entry_hash(2, &l[1].record, &l[1].prev_hash);
        let b = verify(&l).expect_err("chain broken");
        assert_eq!(b.seq, 3);
        assert!(b.reason.contains("prev_hash"));
    }
}
