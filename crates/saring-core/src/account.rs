//! Account scores: how the scores of an account's content add up to one number.
//!
//! Each item's score decays with its age (half-life [`ScoreParams::half_life_days`]). The
//! account score is the *noisy-or* of the `k` highest decayed scores among the items the
//! detector labelled solicitation — several borderline ads corroborate each other — and the
//! highest decayed score when there are none. One clear ad is enough to reach the threshold;
//! old ads fade; harmless posts never add up to a case, because only flagged items combine.
//! The store keeps only the `k` best items per account ([`TopItems`]), so updating the score
//! costs the same however long the account's history is.

use serde::{Deserialize, Serialize};

use crate::time::{DAY_MS, Millis};

/// Parameters of the account score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreParams {
    /// How many items combine.
    pub k: usize,
    /// Age at which an item's score counts half.
    pub half_life_days: f64,
    /// An item counts as flagged (and combines) at or above this score.
    pub flagged_at: f64,
}

impl Default for ScoreParams {
    fn default() -> Self {
        Self {
            k: 3,
            half_life_days: 30.0,
            flagged_at: 0.5,
        }
    }
}

/// One scored item kept for the account score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoredItem {
    /// The item's score, 0..1.
    pub score: f64,
    /// When the item was created.
    pub ts: Millis,
}

/// The items that currently make up an account's score, best first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TopItems(pub Vec<ScoredItem>);

fn decayed(item: &ScoredItem, now: Millis, p: &ScoreParams) -> f64 {
    let age_days = ((now - item.ts).max(0) as f64) / DAY_MS as f64;
    item.score.clamp(0.0, 1.0) * 0.5_f64.powf(age_days / p.half_life_days)
}

impl TopItems {
    /// Adds `item`, keeping the `2k` best by decayed score at `now` (twice `k`, so an item that
    /// will outlast a fading one is not dropped too early).
    pub fn push(&mut self, item: ScoredItem, now: Millis, p: &ScoreParams) {
        self.0.push(item);
        self.0
            .sort_by(|a, b| decayed(b, now, p).total_cmp(&decayed(a, now, p)));
        self.0.truncate(p.k.max(1) * 2);
    }

    /// The account score at `now`.
    pub fn score(&self, now: Millis, p: &ScoreParams) -> f64 {
        let mut d: Vec<f64> = self.0.iter().map(|i| decayed(i, now, p)).collect();
        d.sort_by(|a, b| b.total_cmp(a));
        let flagged: Vec<f64> = d
            .iter()
            .copied()
            .filter(|&s| s >= p.flagged_at)
            .take(p.k)
            .collect();
        if flagged.is_empty() {
            return d.first().copied().unwrap_or(0.0);
        }
        1.0 - flagged.iter().map(|s| 1.0 - s).product::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_800_000_000_000;

    fn top(items: &[(f64, i64)]) -> TopItems {
        let p = ScoreParams::default();
        let mut t = TopItems::default();
        for &(score, days_ago) in items {
            t.push(
                ScoredItem {
                    score,
                    ts: NOW - days_ago * DAY_MS,
                },
                NOW,
                &p,
            );
        }
        t
    }

    #[test]
    fn one_clear_ad_is_enough() {
        let s = top(&[(0.95, 0), (0.02, 0), (0.01, 0)]).score(NOW, &ScoreParams::default());
        assert!((s - 0.95).abs() < 1e-9, "{s}");
    }

    #[test]
    fn borderline_ads_corroborate_but_harmless_posts_do_not() {
        let p = ScoreParams::default();
        let ads = top(&[(0.6, 0), (0.6, 0), (0.6, 0)]).score(NOW, &p);
        assert!(ads > 0.9, "{ads}");
        let chat = top(&[(0.3, 0), (0.3, 0), (0.3, 0), (0.3, 0)]).score(NOW, &p);
        assert!((chat - 0.3).abs() < 1e-9, "{chat}");
    }

    #[test]
    fn old_ads_fade_with_the_half_life() {
        let s = top(&[(0.9, 30)]).score(NOW, &ScoreParams::default());
        assert!((s - 0.45).abs() < 1e-9, "{s}");
    }

    #[test]
    fn keeps_a_bounded_list() {
        let t = top(&[(0.1, 0); 50]);
        assert_eq!(t.0.len(), 6);
    }
}
