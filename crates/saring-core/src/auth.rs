//! Who may do what. Every user has one role and belongs to one tenant: a platform (such as
//! `michat`), or one of the authorities' tenants [`REGULATOR`], [`POLICE`], or the operator's
//! tenant [`SYSTEM`]. A platform's people see only that platform's data.
//!
//! The policy is one table, [`check`], so the authorisation matrix can be read (and tested)
//! in one place; handlers ask it before they touch the store.

use serde::{Deserialize, Serialize};

use crate::case::names;
use crate::ids::UserId;

/// The operator's tenant: its admins manage platforms and users everywhere.
pub const SYSTEM: &str = "system";
/// The regulator's tenant.
pub const REGULATOR: &str = "regulator";
/// The police's tenant.
pub const POLICE: &str = "police";

/// Tenant names that cannot be platform ids.
pub const RESERVED_TENANTS: [&str; 3] = [SYSTEM, REGULATOR, POLICE];

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages its tenant: platform settings, users; a platform admin's token also feeds events
    /// and appeals from the platform's systems.
    Admin,
    /// Works the review queue and decides cases and appeals.
    Moderator,
    /// Files takedown requests and reads their status.
    Regulator,
    /// Files reports and reads case status.
    Police,
    /// Reads and verifies the audit log.
    Auditor,
}

names!(Role {
    Admin => "admin",
    Moderator => "moderator",
    Regulator => "regulator",
    Police => "police",
    Auditor => "auditor",
});

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Moderator,
        Role::Regulator,
        Role::Police,
        Role::Auditor,
    ];
}

/// The signed-in user making a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The user's id.
    pub id: UserId,
    /// The user's name.
    pub name: String,
    /// The user's tenant.
    pub tenant: String,
    /// The user's role.
    pub role: Role,
}

impl Principal {
    /// `user:<id>`, as written in the audit log.
    pub fn actor(&self) -> String {
        format!("user:{}", self.id)
    }

    /// Whether this is an admin of the operator's tenant.
    pub fn is_system_admin(&self) -> bool {
        self.role == Role::Admin && self.tenant == SYSTEM
    }
}

/// Something a user may ask to do, with the platform it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission<'a> {
    /// Submit content events for a platform.
    IngestEvents(&'a str),
    /// Read an account's score, history and flags.
    ReadAccount(&'a str),
    /// Report an account on a platform.
    FileReport(&'a str),
    /// Read a platform's review queue and full cases.
    ReadCases(&'a str),
    /// Read only the status of a case (authorities).
    ReadCaseStatus(&'a str),
    /// Claim, release and decide a platform's cases and appeals.
    WorkCases(&'a str),
    /// File an appeal on behalf of an account holder.
    FileAppeal(&'a str),
    /// Read a platform's enforcement orders.
    ReadOrders(&'a str),
    /// Change a platform's settings (webhook, secrets, threshold).
    ManagePlatform(&'a str),
    /// Create a platform.
    CreatePlatform,
    /// Create users in a tenant.
    ManageUsers(&'a str),
    /// Read and verify the audit log.
    ReadAudit,
    /// Place or release a legal hold on a case (its content and evidence outlive retention).
    LegalHold(&'a str),
    /// File an authority's request naming accounts on several platforms (the regulator's
    /// takedown requests, the police's reports).
    FileRequest,
    /// Read the requests of a tenant: an authority (`regulator`, `police`) its own, a
    /// platform's people the items that name their platform's accounts.
    ReadRequests(&'a str),
    /// Read a platform's compliance report (the regulator's requests and their answers).
    ReadCompliance(&'a str),
    /// Read a platform's protection report (counts of protection cases and referrals).
    ReadProtectionReport(&'a str),
    /// Read a case's evidence (content as received, statements of reasons); an authority's
    /// reads are audited, and only of cases its own request or report is on.
    ReadEvidence(&'a str),
    /// Read the reports (transparency, DSA statements of reasons, locations) of one platform,
    /// or of every platform (`None`).
    ReadReports(Option<&'a str>),
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The role may not do this at all (HTTP 403), with what would be needed.
    Forbidden(String),
    /// The thing belongs to another tenant; answer as if it did not exist (HTTP 404).
    NotFound,
}

/// Whether `who` is an authority in its own tenant (a regulator of the regulator's tenant, a
/// police user of the police's).
fn authority(who: &Principal) -> bool {
    matches!(
        (who.role, who.tenant.as_str()),
        (Role::Regulator, REGULATOR) | (Role::Police, POLICE)
    )
}

/// Decides whether `who` may do `what`.
pub fn check(who: &Principal, what: Permission<'_>) -> Result<(), Denied> {
    use Permission as P;
    use Role as R;
    let own = |platform: &str| who.tenant == platform || who.tenant == SYSTEM;
    let need = |roles: &str| {
        Err(Denied::Forbidden(format!(
            "this needs the {roles} role; your token has the {} role",
            who.role
        )))
    };
    let scoped = |platform: &str, roles: &[Role], names: &str| {
        if !roles.contains(&who.role) {
            need(names)
        } else if own(platform) && (who.tenant != SYSTEM || who.role == R::Admin) {
            Ok(())
        } else {
            Err(Denied::NotFound)
        }
    };
    match what {
        P::IngestEvents(p) | P::FileAppeal(p) => {
            if who.role != R::Admin {
                return need("platform admin");
            }
            if own(p) {
                Ok(())
            } else {
                Err(Denied::Forbidden(format!(
                    "your token is for {}, not for platform {p}",
                    who.tenant
                )))
            }
        }
        P::ReadAccount(p) | P::ReadCases(p) | P::ReadOrders(p) => {
            scoped(p, &[R::Admin, R::Moderator], "admin or moderator")
        }
        // Decisions are the platform's own people's: the operator supports, it does not decide.
        P::WorkCases(p) => match who.role {
            R::Admin | R::Moderator if who.tenant == p => Ok(()),
            R::Admin | R::Moderator if who.tenant == SYSTEM => need("platform moderator"),
            R::Admin | R::Moderator => Err(Denied::NotFound),
            _ => need("admin or moderator"),
        },
        P::ReadCaseStatus(p) => match who.role {
            R::Regulator | R::Police => Ok(()),
            _ => scoped(
                p,
                &[R::Admin, R::Moderator],
                "admin, moderator, regulator or police",
            ),
        },
        P::FileReport(p) => match who.role {
            R::Regulator if who.tenant == REGULATOR => Ok(()),
            R::Police if who.tenant == POLICE => Ok(()),
            R::Admin | R::Moderator if own(p) => Ok(()),
            R::Admin | R::Moderator => Err(Denied::Forbidden(format!(
                "your token is for {}, not for platform {p}",
                who.tenant
            ))),
            _ => need("admin, moderator, regulator or police"),
        },
        P::ManagePlatform(p) => {
            if who.role != R::Admin {
                need("admin")
            } else if own(p) {
                Ok(())
            } else {
                Err(Denied::NotFound)
            }
        }
        P::CreatePlatform => {
            if who.is_system_admin() {
                Ok(())
            } else {
                need("system admin")
            }
        }
        P::ManageUsers(tenant) => {
            if who.role != R::Admin {
                need("admin")
            } else if who.tenant == SYSTEM || who.tenant == tenant {
                Ok(())
            } else {
                Err(Denied::Forbidden(format!(
                    "an admin of {} cannot manage users of {tenant}",
                    who.tenant
                )))
            }
        }
        P::LegalHold(p) => match who.role {
            R::Police if who.tenant == POLICE => Ok(()),
            R::Regulator if who.tenant == REGULATOR => Ok(()),
            R::Admin if who.tenant == p => Ok(()),
            R::Admin if who.tenant == SYSTEM => need("platform admin, regulator or police"),
            R::Admin => Err(Denied::NotFound),
            _ => need("platform admin, regulator or police"),
        },
        P::FileRequest => match who.role {
            R::Regulator if who.tenant == REGULATOR => Ok(()),
            R::Police if who.tenant == POLICE => Ok(()),
            _ => need("regulator or police"),
        },
        P::ReadRequests(t) => match who.role {
            R::Regulator | R::Police if who.tenant == t && authority(who) => Ok(()),
            R::Regulator | R::Police => Err(Denied::NotFound),
            _ => scoped(
                t,
                &[R::Admin, R::Moderator],
                "admin, moderator, regulator or police",
            ),
        },
        P::ReadCompliance(p) => match who.role {
            R::Regulator if who.tenant == REGULATOR => Ok(()),
            _ => scoped(p, &[R::Admin], "platform admin or regulator"),
        },
        P::ReadProtectionReport(p) => match who.role {
            R::Regulator | R::Police if authority(who) => Ok(()),
            _ => scoped(p, &[R::Admin], "platform admin, regulator or police"),
        },
        P::ReadEvidence(p) => match who.role {
            R::Regulator | R::Police if authority(who) => Ok(()),
            _ => scoped(
                p,
                &[R::Admin, R::Moderator],
                "admin, moderator, regulator or police",
            ),
        },
        P::ReadReports(p) => {
            let platform_tenant = !RESERVED_TENANTS.contains(&who.tenant.as_str());
            match (who.role, p) {
                (R::Regulator, _) if who.tenant == REGULATOR => Ok(()),
                (R::Auditor, _) if !platform_tenant => Ok(()),
                (R::Admin, _) if who.tenant == SYSTEM => Ok(()),
                (R::Admin | R::Auditor, Some(p)) if platform_tenant && who.tenant == p => Ok(()),
                (R::Admin | R::Auditor, Some(_)) if platform_tenant => Err(Denied::NotFound),
                (R::Admin | R::Auditor, None) if platform_tenant => {
                    need("regulator, auditor or system admin (every platform's reports)")
                }
                _ => need("platform admin, regulator, auditor or system admin"),
            }
        }
        P::ReadAudit => match who.role {
            R::Auditor => Ok(()),
            R::Admin if who.tenant == SYSTEM => Ok(()),
            _ => need("auditor or system admin"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, tenant: &str) -> Principal {
        Principal {
            id: UserId(1),
            name: "t".into(),
            tenant: tenant.into(),
            role,
        }
    }

    #[test]
    fn reports_are_for_admins_of_their_platform_and_cross_platform_overseers() {
        let all = Permission::ReadReports(None);
        let michat = Permission::ReadReports(Some("michat"));
        for ok in [
            who(Role::Regulator, REGULATOR),
            who(Role::Auditor, SYSTEM),
            who(Role::Admin, SYSTEM),
        ] {
            assert_eq!(check(&ok, all), Ok(()), "{ok:?}");
            assert_eq!(check(&ok, michat), Ok(()), "{ok:?}");
        }
        let admin = who(Role::Admin, "michat");
        assert_eq!(check(&admin, michat), Ok(()));
        assert!(matches!(check(&admin, all), Err(Denied::Forbidden(_))));
        assert_eq!(
            check(&who(Role::Admin, "beetalk"), michat),
            Err(Denied::NotFound)
        );
        for no in [
            who(Role::Moderator, "michat"),
            who(Role::Police, POLICE),
            who(Role::Moderator, SYSTEM),
        ] {
            assert!(
                matches!(check(&no, michat), Err(Denied::Forbidden(_))),
                "{no:?}"
            );
        }
    }

    #[test]
    fn platform_people_see_only_their_platform() {
        let m = who(Role::Moderator, "michat");
        assert_eq!(check(&m, Permission::ReadCases("michat")), Ok(()));
        assert_eq!(
            check(&m, Permission::ReadCases("beetalk")),
            Err(Denied::NotFound)
        );
        assert!(matches!(
            check(&m, Permission::IngestEvents("michat")),
            Err(Denied::Forbidden(_))
        ));
    }

    #[test]
    fn authorities_see_status_and_report_but_do_not_work_cases() {
        for (role, tenant) in [(Role::Regulator, REGULATOR), (Role::Police, POLICE)] {
            let a = who(role, tenant);
            assert_eq!(check(&a, Permission::ReadCaseStatus("michat")), Ok(()));
            assert_eq!(check(&a, Permission::FileReport("michat")), Ok(()));
            assert!(matches!(
                check(&a, Permission::ReadCases("michat")),
                Err(Denied::Forbidden(_))
            ));
            assert!(matches!(
                check(&a, Permission::WorkCases("michat")),
                Err(Denied::Forbidden(_))
            ));
        }
    }

    #[test]
    fn authorities_read_their_own_requests_and_platforms_their_items() {
        let reg = who(Role::Regulator, REGULATOR);
        let pol = who(Role::Police, POLICE);
        let mc = who(Role::Admin, "michat");
        let mc_mod = who(Role::Moderator, "michat");
        assert_eq!(check(&reg, Permission::FileRequest), Ok(()));
        assert_eq!(check(&pol, Permission::FileRequest), Ok(()));
        assert!(matches!(
            check(&mc, Permission::FileRequest),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(check(&reg, Permission::ReadRequests(REGULATOR)), Ok(()));
        assert_eq!(
            check(&pol, Permission::ReadRequests(REGULATOR)),
            Err(Denied::NotFound)
        );
        assert_eq!(check(&mc_mod, Permission::ReadRequests("michat")), Ok(()));
        assert_eq!(
            check(&mc_mod, Permission::ReadRequests("beetalk")),
            Err(Denied::NotFound)
        );
        // Compliance: the regulator every platform, a platform's admin only its own.
        assert_eq!(check(&reg, Permission::ReadCompliance("beetalk")), Ok(()));
        assert_eq!(check(&mc, Permission::ReadCompliance("michat")), Ok(()));
        assert_eq!(
            check(&mc, Permission::ReadCompliance("beetalk")),
            Err(Denied::NotFound)
        );
        assert!(matches!(
            check(&mc_mod, Permission::ReadCompliance("michat")),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            check(&pol, Permission::ReadCompliance("michat")),
            Err(Denied::Forbidden(_))
        ));
    }

    #[test]
    fn forbidden_says_what_is_needed() {
        let a = who(Role::Auditor, SYSTEM);
        let Err(Denied::Forbidden(msg)) = check(&a, Permission::WorkCases("michat")) else {
            panic!("auditor must not work cases")
        };
        assert!(
            msg.contains("admin or moderator") && msg.contains("auditor"),
            "{msg}"
        );
        assert_eq!(check(&a, Permission::ReadAudit), Ok(()));
    }

    #[test]
    fn system_admin_manages_but_system_moderator_sees_nothing() {
        let admin = who(Role::Admin, SYSTEM);
        assert_eq!(check(&admin, Permission::CreatePlatform), Ok(()));
        assert_eq!(check(&admin, Permission::ReadCases("michat")), Ok(()));
        assert!(matches!(
            check(&admin, Permission::WorkCases("michat")),
            Err(Denied::Forbidden(_))
        ));
        let m = who(Role::Moderator, SYSTEM);
        assert_eq!(
            check(&m, Permission::ReadCases("michat")),
            Err(Denied::NotFound)
        );
    }
}
