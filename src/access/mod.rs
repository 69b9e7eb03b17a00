//! Who may do what, decided in one place. Every staff route is declared in a
//! [`StaffRouter`] with the [`Access`] it needs; the router's guard logs the user in from the
//! session, checks the role, refuses cross-site and token-less state changes (CSRF), marks
//! the answer `no-store`, and only then hands the handler a [`CurrentUser`]. JSON API routes
//! are declared in an [`ApiRouter`] the same way; its guard takes only a bearer token (a
//! personal API token, see [`bearer`]), never the session cookie, and checks the role with
//! the same [`Access::allows`]. A handler cannot get a user any other way, so a route cannot
//! forget its check. What a user may see of a case is the cases domain's `CaseScope`, built
//! from the same user.

pub mod bearer;
pub mod confirm;
mod csrf;
mod guard;
mod routes;
pub mod session;

pub use crate::entities::enums::Role;
pub use csrf::{LOGIN_CSRF_COOKIE, login_csrf, same_origin};
pub use guard::CurrentUser;
pub use routes::{API_MOUNT, ApiRouter, RouteEntry, StaffRouter};

use crate::entities::settings;
use crate::i18n::Lang;

/// The `settings` key holding the roles that must use a second factor (TOTP).
pub const TOTP_ROLES_KEY: &str = "totp_required_roles";

/// The roles an admin requires to log in with a second factor.
pub async fn totp_required_roles(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<Role>, sea_orm::DbErr> {
    use sea_orm::EntityTrait;
    Ok(settings::Entity::find_by_id(TOTP_ROLES_KEY)
        .one(db)
        .await?
        .map(|row| row.value.split(',').filter_map(Role::parse).collect())
        .unwrap_or_default())
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Supervisor,
        Role::Inspector,
        Role::PrintStaff,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Inspector => "inspector",
            Role::PrintStaff => "print_staff",
        }
    }

    /// Parses a stored or typed name (`print-staff` works too).
    pub fn parse(text: &str) -> Option<Role> {
        let text = text.trim().replace('-', "_");
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The name a person reads (from the locale files).
    pub fn label(self, lang: Lang) -> &'static str {
        crate::i18n::label(
            lang,
            match self {
                Role::Admin => "role_admin",
                Role::Supervisor => "role_supervisor",
                Role::Inspector => "role_inspector",
                Role::PrintStaff => "role_print_staff",
            },
        )
    }
}

/// What a group of staff routes requires. Admins pass every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Any logged-in staff member (home, own password, logout).
    AnyStaff,
    /// The register, service windows, cards and batches.
    Print,
    /// The case workspace: inspectors, supervisors.
    Cases,
    /// Statistics, extensions, reassignment: supervisors.
    Supervise,
    /// Accounts, units, settings, the audit log.
    Admin,
}

impl Access {
    /// Whether `role` may use routes that require `self`: the one place that says so.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::AnyStaff => true,
            Access::Print => matches!(role, Role::Admin | Role::PrintStaff),
            Access::Cases => matches!(role, Role::Admin | Role::Supervisor | Role::Inspector),
            Access::Supervise => matches!(role, Role::Admin | Role::Supervisor),
            Access::Admin => role == Role::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("print-staff"), Some(Role::PrintStaff));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn admins_pass_every_check_and_print_staff_see_no_cases() {
        for access in [
            Access::AnyStaff,
            Access::Print,
            Access::Cases,
            Access::Supervise,
            Access::Admin,
        ] {
            assert!(access.allows(Role::Admin));
        }
        assert!(!Access::Cases.allows(Role::PrintStaff));
        assert!(!Access::Print.allows(Role::Inspector));
        assert!(!Access::Supervise.allows(Role::Inspector));
        assert!(Access::Supervise.allows(Role::Supervisor));
    }
}
