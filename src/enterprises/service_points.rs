//! Service points: the enterprise-facing windows of the service hall, each of which gets a desk
//! sign with its own QR code. A window is named within its hall; (hall, name) is unique.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::service_points;
use crate::error::Msg;

/// The most characters a window or hall name may have.
const MAX_CHARS: usize = 60;

/// A window to create.
#[derive(Clone, Debug, Default)]
pub struct NewServicePoint {
    /// The window, e.g. 企业开办综合窗口.
    pub name: String,
    /// The hall it is in, e.g. 诸暨市行政服务中心.
    pub hall: String,
    /// The district it serves, if one.
    pub district: Option<String>,
}

/// Why a service point could not be created or changed.
#[derive(Debug, thiserror::Error)]
pub enum ServicePointError {
    #[error("{}", self.message())]
    Empty(&'static str),
    #[error("{}", self.message())]
    TooLong(&'static str),
    #[error("{}", self.message())]
    Duplicate { hall: String, name: String },
    #[error("{}", self.message())]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ServicePointError {
    /// What the person is told.
    pub fn message(&self) -> Msg {
        // The field as the form labels it.
        let label = |field: &str| {
            Msg::new(match field {
                "name" => "ent_sp_name",
                "hall" => "ent_sp_hall",
                _ => "ent_district",
            })
        };
        match self {
            ServicePointError::Empty(field) => Msg::new("sp_error_empty").arg("what", label(field)),
            ServicePointError::TooLong(field) => Msg::new("sp_error_too_long")
                .arg("what", label(field))
                .arg("max", MAX_CHARS),
            ServicePointError::Duplicate { hall, name } => Msg::new("sp_error_duplicate")
                .arg("hall", hall.as_str())
                .arg("name", name.as_str()),
            ServicePointError::NotFound => Msg::new("error_not_found"),
            ServicePointError::Db(_) => Msg::new("error_internal"),
        }
    }
}

fn tidy(field: &'static str, text: &str) -> Result<String, ServicePointError> {
    let text = crate::text::clean(text).replace(['\n', '\t'], " ");
    let text = super::table::clean(&text);
    if text.is_empty() {
        return Err(ServicePointError::Empty(field));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(ServicePointError::TooLong(field));
    }
    Ok(text.to_string())
}

async fn ensure_free(
    db: &impl ConnectionTrait,
    hall: &str,
    name: &str,
    except: Option<i64>,
) -> Result<(), ServicePointError> {
    let mut query = service_points::Entity::find()
        .filter(service_points::Column::Hall.eq(hall))
        .filter(service_points::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(service_points::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(ServicePointError::Duplicate {
            hall: hall.to_string(),
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Two requests racing past [`ensure_free`] meet the unique index instead.
fn duplicate_or_db(e: DbErr, hall: &str, name: &str) -> ServicePointError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServicePointError::Duplicate {
            hall: hall.to_string(),
            name: name.to_string(),
        },
        _ => ServicePointError::Db(e),
    }
}

/// A change to the service points.
#[derive(Clone, Debug)]
pub enum Change {
    Create(NewServicePoint),
    Rename { id: i64, name: String },
    SetActive { id: i64, active: bool },
}

/// Makes `change` and records it in the audit log, in one transaction.
pub async fn apply(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    change: Change,
) -> Result<service_points::Model, ServicePointError> {
    let txn = writes.begin().await?;
    let (action, point) = match change {
        Change::Create(new) => (
            AuditAction::ServicePointCreated,
            create(&*txn, new, stamp.at).await?,
        ),
        Change::Rename { id, name } => (
            AuditAction::ServicePointRenamed,
            rename(&*txn, id, &name).await?,
        ),
        Change::SetActive { id, active } => {
            let action = if active {
                AuditAction::ServicePointActivated
            } else {
                AuditAction::ServicePointDeactivated
            };
            (action, set_active(&*txn, id, active).await?)
        }
    };
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(action, "service_point", point.id).with_detail(
            serde_json::json!({ "hall": &point.hall, "name": &point.name, "active": point.active }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(point)
}

/// Creates an active service point.
async fn create(
    db: &impl ConnectionTrait,
    new: NewServicePoint,
    now: DateTime<Utc>,
) -> Result<service_points::Model, ServicePointError> {
    let name = tidy("name", &new.name)?;
    let hall = tidy("hall", &new.hall)?;
    let district = match new.district.as_deref().map(super::table::clean) {
        Some(d) if !d.is_empty() => Some(tidy("district", d)?),
        _ => None,
    };
    ensure_free(db, &hall, &name, None).await?;
    service_points::ActiveModel {
        name: Set(name.clone()),
        hall: Set(hall.clone()),
        district: Set(district),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| duplicate_or_db(e, &hall, &name))
}

/// Every service point, active ones first, by hall and name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<service_points::Model>, DbErr> {
    service_points::Entity::find()
        .order_by_desc(service_points::Column::Active)
        .order_by_asc(service_points::Column::Hall)
        .order_by_asc(service_points::Column::Name)
        .all(db)
        .await
}

/// The service point with `id`.
pub async fn get(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<service_points::Model, ServicePointError> {
    service_points::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServicePointError::NotFound)
}

/// Gives a service point a new name within its hall.
async fn rename(
    db: &impl ConnectionTrait,
    id: i64,
    name: &str,
) -> Result<service_points::Model, ServicePointError> {
    let point = get(db, id).await?;
    let name = tidy("name", name)?;
    ensure_free(db, &point.hall, &name, Some(id)).await?;
    let hall = point.hall.clone();
    let mut row = point.into_active_model();
    row.name = Set(name.clone());
    row.update(db)
        .await
        .map_err(|e| duplicate_or_db(e, &hall, &name))
}

/// Marks a service point active or inactive. An inactive one gets no new desk signs; its
/// printed signs keep working.
async fn set_active(
    db: &impl ConnectionTrait,
    id: i64,
    active: bool,
) -> Result<service_points::Model, ServicePointError> {
    let mut row = get(db, id).await?.into_active_model();
    row.active = Set(active);
    Ok(row.update(db).await?)
}
