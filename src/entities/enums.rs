//! Value types of enumerated columns, each mapped to the one string it is stored as (the
//! shape `sea-orm-cli` gives in `sea_orm_active_enums.rs`). Behaviour lives in the domains,
//! as inherent `impl` blocks on these types.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a staff member may do. Stored as `admin`, `supervisor`, `inspector`, `print_staff`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Inspector,
    PrintStaff,
}
