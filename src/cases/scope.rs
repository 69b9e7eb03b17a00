//! What a user may see of the cases: the one place that decides it. Every case query goes
//! through [`CaseScope`]; a case outside it is answered exactly like one that does not exist.

use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use super::error::CaseError;
use crate::access::{CurrentUser, Role};
use crate::entities::{cases, users};

/// Which cases a user may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseScope {
    /// Supervisors and admins: every case, the triage queue included.
    All,
    /// An inspector of a unit: the unit's cases, and any assigned to them.
    Unit { unit_id: i64, user_id: i64 },
    /// An inspector without a unit: the cases assigned to them.
    Assigned { user_id: i64 },
    /// Print staff: none.
    Nothing,
}

impl CaseScope {
    /// The scope of `user`.
    pub fn of(user: &users::Model) -> Self {
        match (user.role, user.unit_id) {
            (Role::Admin | Role::Supervisor, _) => CaseScope::All,
            (Role::Inspector, Some(unit_id)) => CaseScope::Unit {
                unit_id,
                user_id: user.id,
            },
            (Role::Inspector, None) => CaseScope::Assigned { user_id: user.id },
            (Role::PrintStaff, _) => CaseScope::Nothing,
        }
    }

    /// The scope of the logged-in user.
    pub fn for_user(user: &CurrentUser) -> Self {
        Self::of(&user.user)
    }

    /// The filter every case query carries.
    pub fn condition(self) -> Condition {
        match self {
            CaseScope::All => Condition::all(),
            CaseScope::Unit { unit_id, user_id } => Condition::any()
                .add(cases::Column::UnitId.eq(unit_id))
                .add(cases::Column::AssigneeId.eq(user_id)),
            CaseScope::Assigned { user_id } => {
                Condition::all().add(cases::Column::AssigneeId.eq(user_id))
            }
            CaseScope::Nothing => Condition::all().add(Expr::val(1).eq(0)),
        }
    }

    /// The cases this scope sees: where every list, count and queue of cases starts.
    pub fn cases(self) -> Select<cases::Entity> {
        cases::Entity::find().filter(self.condition())
    }

    /// Whether the triage queue (cases with no unit) is visible: supervisors and admins only.
    pub fn sees_triage(self) -> bool {
        self == CaseScope::All
    }

    /// Case `id`, if this scope may see it; otherwise the same answer as for a missing case.
    pub async fn find(self, db: &impl ConnectionTrait, id: i64) -> Result<cases::Model, CaseError> {
        self.cases()
            .filter(cases::Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or(CaseError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, unit_id: Option<i64>) -> users::Model {
        users::Model {
            id: 7,
            username: "u".into(),
            display_name: "u".into(),
            email: None,
            password_hash: String::new(),
            role,
            unit_id,
            totp_secret: None,
            failed_logins: 0,
            locked_until: None,
            must_change_password: false,
            active: true,
            created_at: chrono::DateTime::default(),
            totp_last_step: None,
        }
    }

    #[test]
    fn each_role_sees_what_the_product_says() {
        assert_eq!(CaseScope::of(&user(Role::Admin, None)), CaseScope::All);
        assert_eq!(
            CaseScope::of(&user(Role::Supervisor, Some(2))),
            CaseScope::All
        );
        assert_eq!(
            CaseScope::of(&user(Role::Inspector, Some(2))),
            CaseScope::Unit {
                unit_id: 2,
                user_id: 7
            }
        );
        assert_eq!(
            CaseScope::of(&user(Role::Inspector, None)),
            CaseScope::Assigned { user_id: 7 }
        );
        assert_eq!(
            CaseScope::of(&user(Role::PrintStaff, None)),
            CaseScope::Nothing
        );
        assert!(CaseScope::All.sees_triage());
        assert!(!CaseScope::Assigned { user_id: 7 }.sees_triage());
    }
}
