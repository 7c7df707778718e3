//! Cases: the unit of review. A case is about one account; it opens automatically when the
//! account's score crosses the platform's threshold, or from a report. Its status changes only
//! through [`transition`], which rejects every move the state machine does not allow.
//!
//! ```text
//!            decide(freeze|restrict|warn)            appeal            decide_appeal(uphold)
//!   open ───────────────────────────────► actioned ─────────► appealed ─────────────────► upheld
//!     │                                                          │
//!     │ decide(no_violation)                                     │ decide_appeal(reverse)
//!     ▼                                                          ▼
//!   dismissed                                                 reversed
//! ```
//!
//! At most one case per account is `open`. Claims (who is working a case) are leases beside
//! the status, not a status: a claim that expires frees the case without anyone acting.

use serde::{Deserialize, Serialize};

use crate::time::Millis;
use crate::{Error, Result};

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Waiting for a moderator's decision.
    Open,
    /// Decided with an action (freeze, restrict or warn); may be appealed.
    Actioned,
    /// Decided as no violation. Terminal; content is purged after the retention period.
    Dismissed,
    /// The account holder appealed; waiting for a different moderator.
    Appealed,
    /// The appeal was rejected. Terminal.
    Upheld,
    /// The appeal succeeded and the action was undone. Terminal.
    Reversed,
}

/// Something done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// A moderator decided with an action.
    DecideAction,
    /// A moderator decided that there was no violation.
    DecideNoViolation,
    /// The account holder appealed.
    Appeal,
    /// A second moderator upheld the decision.
    Uphold,
    /// A second moderator reversed the decision.
    Reverse,
}

macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The name used in JSON and in the store.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }
            /// Parses the name used in JSON and in the store.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(Self::$variant),)* _ => None }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use names;

names!(CaseStatus {
    Open => "open",
    Actioned => "actioned",
    Dismissed => "dismissed",
    Appealed => "appealed",
    Upheld => "upheld",
    Reversed => "reversed",
});

names!(CaseAction {
    DecideAction => "decided with an action",
    DecideNoViolation => "dismissed",
    Appeal => "appealed",
    Uphold => "upheld",
    Reverse => "reversed",
});

/// The one place a case's status changes: the status after `action`, or
/// [`Error::InvalidTransition`].
pub fn transition(from: CaseStatus, action: CaseAction) -> Result<CaseStatus> {
    use CaseAction as A;
    use CaseStatus as S;
    match (from, action) {
        (S::Open, A::DecideAction) => Ok(S::Actioned),
        (S::Open, A::DecideNoViolation) => Ok(S::Dismissed),
        (S::Actioned, A::Appeal) => Ok(S::Appealed),
        (S::Appealed, A::Uphold) => Ok(S::Upheld),
        (S::Appealed, A::Reverse) => Ok(S::Reversed),
        _ => Err(Error::InvalidTransition { from, action }),
    }
}

/// How a case came to be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    /// The account's score crossed the platform's threshold.
    Automated,
    /// A platform user reported the account (through the platform).
    UserReport,
    /// The regulator filed a takedown request.
    Regulator,
    /// The police filed a report.
    Police,
    /// The account is linked to a frozen account (ban evasion); opened by the linker.
    BanEvasion,
    /// A network freeze, approved by a second moderator, covered the account.
    Network,
}

names!(CaseSource {
    Automated => "automated",
    UserReport => "user_report",
    Regulator => "regulator",
    Police => "police",
    BanEvasion => "ban_evasion",
    Network => "network",
});

/// What decides a case's place in the queue: minor risk first, then trafficking signs, then
/// the earliest deadline, then the highest score, then the oldest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priority {
    /// Content showed minor-risk signs.
    pub minor_risk: bool,
    /// Content showed third-party control (pimp, trafficking) signs.
    pub third_party: bool,
    /// When the case must be decided by, if a deadline applies.
    pub deadline: Option<Millis>,
    /// The account score.
    pub score: f64,
    /// When the case opened.
    pub opened_at: Millis,
}

impl Priority {
    /// Orders cases: `Less` means `self` comes first in the queue.
    pub fn queue_order(&self, other: &Self) -> std::cmp::Ordering {
        other
            .minor_risk
            .cmp(&self.minor_risk)
            .then(other.third_party.cmp(&self.third_party))
            .then(match (self.deadline, other.deadline) {
                (Some(a), Some(b)) => a.cmp(&b),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(other.score.total_cmp(&self.score))
            .then(self.opened_at.cmp(&other.opened_at))
    }

    /// A single integer rank with the same order as [`Priority::queue_order`] on the flags,
    /// for stores to sort by: lower comes first.
    pub fn rank(&self) -> i64 {
        match (self.minor_risk, self.third_party) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_STATUSES: [CaseStatus; 6] = [
        CaseStatus::Open,
        CaseStatus::Actioned,
        CaseStatus::Dismissed,
        CaseStatus::Appealed,
        CaseStatus::Upheld,
        CaseStatus::Reversed,
    ];
    const ALL_ACTIONS: [CaseAction; 5] = [
        CaseAction::DecideAction,
        CaseAction::DecideNoViolation,
        CaseAction::Appeal,
        CaseAction::Uphold,
        CaseAction::Reverse,
    ];

    #[test]
    fn allows_exactly_the_drawn_transitions() {
        let mut allowed = 0;
        for from in ALL_STATUSES {
            for action in ALL_ACTIONS {
                if let Ok(to) = transition(from, action) {
                    allowed += 1;
                    assert_ne!(from, to);
                } else {
                    let e = transition(from, action).expect_err("refused");
                    assert!(e.to_string().starts_with("a case that is"));
                }
            }
        }
        assert_eq!(allowed, 5);
        assert_eq!(
            transition(CaseStatus::Dismissed, CaseAction::Appeal).ok(),
            None
        );
        assert_eq!(
            transition(CaseStatus::Reversed, CaseAction::Appeal).ok(),
            None
        );
    }

    #[test]
    fn names_round_trip() {
        for s in ALL_STATUSES {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn minor_risk_beats_deadline_beats_score() {
        let base = Priority {
            minor_risk: false,
            third_party: false,
            deadline: None,
            score: 0.99,
            opened_at: 0,
        };
        let minor = Priority {
            minor_risk: true,
            score: 0.6,
            ..base
        };
        let deadline = Priority {
            deadline: Some(10),
            score: 0.7,
            ..base
        };
        let mut v = [base, deadline, minor];
        v.sort_by(|a, b| a.queue_order(b));
        assert!(v[0].minor_risk);
        assert_eq!(v[1].deadline, Some(10));
        assert!((v[2].score - 0.99).abs() < 1e-12);
    }
}
