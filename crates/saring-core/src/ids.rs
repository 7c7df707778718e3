//! Identifier newtypes, so a case id is never passed where a decision id belongs.

use serde::{Deserialize, Serialize};

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(
    /// A case, numbered by the store.
    CaseId
);
int_id!(
    /// A decision on a case.
    DecisionId
);
int_id!(
    /// An appeal against a decision.
    AppealId
);
int_id!(
    /// A person or system account that signs in to Saring.
    UserId
);
int_id!(
    /// A report filed about an account.
    ReportId
);

/// An account on a platform: the pair (platform, the platform's own account id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountRef {
    /// The platform (tenant) id, such as `michat`.
    pub platform: String,
    /// The platform's id for the account.
    pub account: String,
}

impl std::fmt::Display for AccountRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.platform, self.account)
    }
}
