//! Authorities' requests: a regulator's takedown request or a police report names several
//! accounts; each named account is an item that joins or opens a case on its platform. An
//! item's state comes from facts the store keeps — its deadline, an explicit rejection by the
//! platform, and the first decision on its case — through [`item_state`], and the compliance
//! report ([`Compliance`]) and the protection report ([`Protection`]) are sums over such
//! states. Pure functions: the store reads the facts, this module says what they mean.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::names;
use crate::decision::Action;
use crate::time::Millis;

/// How fast a regulator's request must be acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// The normal deadline (Permenkominfo 5/2020: 24 hours).
    #[default]
    Normal,
    /// The urgent deadline (Permenkominfo 5/2020: 4 hours).
    Urgent,
}

names!(Urgency {
    Normal => "normal",
    Urgent => "urgent",
});

/// Why a platform rejected a request item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The platform has no such account.
    AccountNotFound,
    /// The account's content does not violate the law or the platform's terms.
    NoViolation,
    /// The request's legal ground does not cover the account.
    InsufficientGround,
    /// The account was already acted on for the same content.
    AlreadyActioned,
    /// Another reason, said in the free text.
    Other,
}

names!(RejectCode {
    AccountNotFound => "account_not_found",
    NoViolation => "no_violation",
    InsufficientGround => "insufficient_ground",
    AlreadyActioned => "already_actioned",
    Other => "other",
});

impl RejectCode {
    /// Every code.
    pub const ALL: [RejectCode; 5] = [
        RejectCode::AccountNotFound,
        RejectCode::NoViolation,
        RejectCode::InsufficientGround,
        RejectCode::AlreadyActioned,
        RejectCode::Other,
    ];
}

/// The kind of protection service a referral goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ReferralKind {
    /// A child-protection service (minor-risk signs).
    ChildProtection,
    /// An anti-trafficking service (third-party control signs).
    AntiTrafficking,
    /// Another service (health, legal aid, shelter).
    Other,
}

names!(ReferralKind {
    ChildProtection => "child_protection",
    AntiTrafficking => "anti_trafficking",
    Other => "other",
});

impl ReferralKind {
    /// The service a case's flags point to first: child protection on minor-risk signs, else
    /// anti-trafficking on third-party signs; `None` for a case with neither.
    pub fn for_flags(minor_risk: bool, third_party: bool) -> Option<Self> {
        if minor_risk {
            Some(Self::ChildProtection)
        } else if third_party {
            Some(Self::AntiTrafficking)
        } else {
            None
        }
    }
}

/// Where a request item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemOutcome {
    /// No answer yet, within the deadline (or without one).
    Pending,
    /// No answer yet, past the deadline.
    Overdue,
    /// The case was decided with an action (freeze, restrict, warn).
    ActedOn,
    /// The platform rejected the item with a reason, or decided the case as no violation.
    Rejected,
}

names!(ItemOutcome {
    Pending => "pending",
    Overdue => "overdue",
    ActedOn => "acted_on",
    Rejected => "rejected",
});

/// What the store knows about one request item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemFacts {
    /// When the request was received (ms).
    pub received_at: Millis,
    /// Act-by time (ms), if the request has one.
    pub deadline: Option<Millis>,
    /// When the platform rejected the item, with its reason.
    pub rejected: Option<(Millis, RejectCode)>,
    /// The first decision on the item's case: its action and time.
    pub decision: Option<(Action, Millis)>,
}

/// An item's state at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ItemState {
    /// Where it stands.
    pub outcome: ItemOutcome,
    /// When it was answered (acted on or rejected), if it was.
    pub answered_at: Option<Millis>,
    /// Whether the answer came by the deadline (`None` while unanswered or without one).
    pub in_time: Option<bool>,
    /// The action taken, when acted on.
    pub action: Option<Action>,
    /// The rejection's reason, when rejected (`no_violation` for a no-violation decision).
    pub reject_code: Option<RejectCode>,
}

/// The state of an item at `now`. An explicit rejection is the item's answer even if the case
/// is decided later (the case may be open for other reasons); otherwise the first decision on
/// the case is: an action means acted on, no violation means rejected (`no_violation`). An
/// answer at the deadline's millisecond is in time.
pub fn item_state(f: &ItemFacts, now: Millis) -> ItemState {
    let in_time = |at: Millis| f.deadline.map(|d| at <= d);
    match (f.rejected, f.decision) {
        (Some((at, code)), _) => ItemState {
            outcome: ItemOutcome::Rejected,
            answered_at: Some(at),
            in_time: in_time(at),
            action: None,
            reject_code: Some(code),
        },
        (None, Some((Action::NoViolation, at))) => ItemState {
            outcome: ItemOutcome::Rejected,
            answered_at: Some(at),
            in_time: in_time(at),
            action: None,
            reject_code: Some(RejectCode::NoViolation),
        },
        (None, Some((action, at))) => ItemState {
            outcome: ItemOutcome::ActedOn,
            answered_at: Some(at),
            in_time: in_time(at),
            action: Some(action),
            reject_code: None,
        },
        (None, None) => ItemState {
            outcome: if f.deadline.is_some_and(|d| now > d) {
                ItemOutcome::Overdue
            } else {
                ItemOutcome::Pending
            },
            answered_at: None,
            in_time: None,
            action: None,
            reject_code: None,
        },
    }
}

/// A compliance report's figures for one platform and period: the items received in the
/// period and where they stand now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Compliance {
    /// Items received.
    pub received: i64,
    /// Acted on by the deadline.
    pub acted_on_in_time: i64,
    /// Acted on after the deadline.
    pub acted_on_late: i64,
    /// Rejected with a reason (or decided as no violation), in time or not.
    pub rejected: i64,
    /// Of those, rejected after the deadline.
    pub rejected_late: i64,
    /// Rejections by reason code.
    pub rejected_by_reason: BTreeMap<String, i64>,
    /// Still open, within the deadline.
    pub pending: i64,
    /// Still open, past the deadline.
    pub overdue: i64,
    /// Median time from receipt to the answer (acted on or rejected), in milliseconds.
    pub median_response_ms: Option<i64>,
    #[serde(skip)]
    response_ms: Vec<i64>,
}

impl Compliance {
    /// Counts one item.
    pub fn add(&mut self, facts: &ItemFacts, state: &ItemState) {
        self.received += 1;
        let late = state.in_time == Some(false);
        match state.outcome {
            ItemOutcome::ActedOn if late => self.acted_on_late += 1,
            ItemOutcome::ActedOn => self.acted_on_in_time += 1,
            ItemOutcome::Rejected => {
                self.rejected += 1;
                self.rejected_late += i64::from(late);
                if let Some(code) = state.reject_code {
                    *self
                        .rejected_by_reason
                        .entry(code.as_str().to_owned())
                        .or_default() += 1;
                }
            }
            ItemOutcome::Pending => self.pending += 1,
            ItemOutcome::Overdue => self.overdue += 1,
        }
        if let Some(at) = state.answered_at {
            self.response_ms.push(at - facts.received_at);
            self.median_response_ms = median(&mut self.response_ms);
        }
    }
}

/// What the store knows about one protection case (flagged minor risk or third party).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProtectionFacts {
    /// Minor-risk signs.
    pub minor_risk: bool,
    /// Third-party (pimp, trafficking) signs.
    pub third_party: bool,
    /// When the case opened (ms).
    pub opened_at: Millis,
    /// Whether the case has been decided.
    pub decided: bool,
    /// The referral recorded with its decision: made or not, the service's kind, when.
    pub referral: Option<(bool, Option<ReferralKind>, Millis)>,
}

/// The protection report's figures for one platform and period: counts only, never a case
/// or an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Protection {
    /// Protection cases opened in the period.
    pub cases: i64,
    /// Of those, with minor-risk signs.
    pub minor_risk: i64,
    /// Of those, with third-party (trafficking) signs.
    pub third_party: i64,
    /// Decided so far.
    pub decided: i64,
    /// Decided with a referral made.
    pub referrals_made: i64,
    /// Decided with "no referral" recorded (and why, in the note).
    pub no_referral: i64,
    /// Decided without a referral record (members of an approved network freeze).
    pub not_recorded: i64,
    /// Referrals made, by the service's kind.
    pub referrals_by_kind: BTreeMap<String, i64>,
    /// Median time from the case opening to the referral, in milliseconds.
    pub median_time_to_referral_ms: Option<i64>,
    #[serde(skip)]
    times: Vec<i64>,
}

impl Protection {
    /// Counts one case.
    pub fn add(&mut self, f: &ProtectionFacts) {
        self.cases += 1;
        self.minor_risk += i64::from(f.minor_risk);
        self.third_party += i64::from(f.third_party);
        self.decided += i64::from(f.decided);
        match f.referral {
            Some((true, kind, at)) => {
                self.referrals_made += 1;
                let kind = kind
                    .or_else(|| ReferralKind::for_flags(f.minor_risk, f.third_party))
                    .unwrap_or(ReferralKind::Other);
                *self
                    .referrals_by_kind
                    .entry(kind.as_str().to_owned())
                    .or_default() += 1;
                self.times.push(at - f.opened_at);
                self.median_time_to_referral_ms = median(&mut self.times);
            }
            Some((false, _, _)) => self.no_referral += 1,
            None if f.decided => self.not_recorded += 1,
            None => {}
        }
    }
}

/// The median (the lower middle of an even count), sorting `v`.
fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[(v.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Millis = 3_600_000;

    fn facts(
        deadline: Option<Millis>,
        rejected: Option<(Millis, RejectCode)>,
        decision: Option<(Action, Millis)>,
    ) -> ItemFacts {
        ItemFacts {
            received_at: 0,
            deadline,
            rejected,
            decision,
        }
    }

    #[test]
    fn an_item_is_pending_then_overdue_without_an_answer() {
        let f = facts(Some(4 * H), None, None);
        assert_eq!(item_state(&f, 4 * H).outcome, ItemOutcome::Pending);
        assert_eq!(item_state(&f, 4 * H + 1).outcome, ItemOutcome::Overdue);
        // Without a deadline (a police report) nothing is ever overdue.
        assert_eq!(
            item_state(&facts(None, None, None), 100 * H).outcome,
            ItemOutcome::Pending
        );
    }

    #[test]
    fn answers_are_in_time_up_to_the_deadline() {
        let on_time = item_state(&facts(Some(4 * H), None, Some((Action::Freeze, 4 * H))), 0);
        assert_eq!(on_time.outcome, ItemOutcome::ActedOn);
        assert_eq!(on_time.in_time, Some(true));
        assert_eq!(on_time.action, Some(Action::Freeze));
        let late = item_state(
            &facts(Some(4 * H), None, Some((Action::Warn, 4 * H + 1))),
            0,
        );
        assert_eq!(late.in_time, Some(false));
        let nv = item_state(&facts(Some(4 * H), None, Some((Action::NoViolation, H))), 0);
        assert_eq!(nv.outcome, ItemOutcome::Rejected);
        assert_eq!(nv.reject_code, Some(RejectCode::NoViolation));
    }

    #[test]
    fn an_explicit_rejection_wins_over_a_later_decision() {
        let s = item_state(
            &facts(
                Some(4 * H),
                Some((H, RejectCode::AccountNotFound)),
                Some((Action::Freeze, 2 * H)),
            ),
            0,
        );
        assert_eq!(s.outcome, ItemOutcome::Rejected);
        assert_eq!(s.reject_code, Some(RejectCode::AccountNotFound));
        assert_eq!(s.answered_at, Some(H));
    }

    #[test]
    fn compliance_sums_every_outcome() {
        let mut c = Compliance::default();
        let now = 10 * H;
        for f in [
            facts(Some(4 * H), None, Some((Action::Freeze, H))),
            facts(Some(4 * H), None, Some((Action::Freeze, 5 * H))),
            facts(
                Some(4 * H),
                Some((2 * H, RejectCode::AccountNotFound)),
                None,
            ),
            facts(Some(4 * H), Some((6 * H, RejectCode::Other)), None),
            facts(Some(4 * H), None, None),
            facts(Some(20 * H), None, None),
        ] {
            c.add(&f, &item_state(&f, now));
        }
        assert_eq!(c.received, 6);
        assert_eq!((c.acted_on_in_time, c.acted_on_late), (1, 1));
        assert_eq!((c.rejected, c.rejected_late), (2, 1));
        assert_eq!(c.rejected_by_reason["account_not_found"], 1);
        assert_eq!((c.pending, c.overdue), (1, 1));
        // Responses 1h, 5h, 2h, 6h: the lower middle is 2h.
        assert_eq!(c.median_response_ms, Some(2 * H));
    }

    #[test]
    fn protection_counts_referrals_by_kind_and_time() {
        let mut p = Protection::default();
        let case = |minor, third, decided, referral| ProtectionFacts {
            minor_risk: minor,
            third_party: third,
            opened_at: 0,
            decided,
            referral,
        };
        p.add(&case(true, false, true, Some((true, None, 3 * H))));
        p.add(&case(
            false,
            true,
            true,
            Some((true, Some(ReferralKind::AntiTrafficking), H)),
        ));
        p.add(&case(true, true, true, Some((false, None, H))));
        p.add(&case(false, true, true, None));
        p.add(&case(true, false, false, None));
        assert_eq!((p.cases, p.minor_risk, p.third_party), (5, 3, 3));
        assert_eq!(p.decided, 4);
        assert_eq!((p.referrals_made, p.no_referral, p.not_recorded), (2, 1, 1));
        assert_eq!(p.referrals_by_kind["child_protection"], 1);
        assert_eq!(p.referrals_by_kind["anti_trafficking"], 1);
        assert_eq!(p.median_time_to_referral_ms, Some(H));
    }
}
