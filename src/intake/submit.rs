//! Storing a report: report, items, case, 'received' event and attachments in one
//! transaction — whole or not at all.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};

use super::draft::ValidReport;
use super::provenance::Provenance;
use super::query_code::QueryCode;
use crate::app::AppState;
use crate::cases::{self, CaseStatus, NewAttachment};
use crate::config::DatabaseKind;
use crate::entities::{report_items, reports};
use crate::error::{AppError, ResultExt};
use crate::web::Lang;

/// The smallest batch an anonymous report may name: below it, the batch says who reported.
pub const MIN_ANONYMOUS_BATCH: i32 = 20;

/// What the reporter is told once a report is stored.
#[derive(Debug)]
pub struct Receipt {
    pub case_number: String,
    /// Shown once; only its keyed hash is stored.
    pub query_code: QueryCode,
    pub status: CaseStatus,
    pub received_at: String,
}

/// Stores a checked report with its cleaned files and opens its case.
pub async fn store(
    state: &AppState,
    report: ValidReport,
    provenance: &Provenance,
    lang: Lang,
    files: Vec<NewAttachment>,
) -> Result<Receipt, AppError> {
    let query_code = QueryCode::generate().internal("generating a query code")?;
    let query_code_hash = query_code.hash(state.settings.secret_key.expose());
    let now = Utc::now();
    let item_ids = report.item_ids.clone();
    let enterprise_id = if report.identify {
        provenance.enterprise_id
    } else {
        None
    };
    let (contact_name, contact_phone, contact_email) = match report.contact {
        Some(c) => (c.name, c.phone, c.email),
        None => (None, None, None),
    };
    let anonymous = contact_phone.is_none() && contact_email.is_none() && enterprise_id.is_none();
    // A small batch (a reissued card, a few chosen enterprises) would name the enterprise
    // through its cards: an anonymous report from an enterprise card keeps such a batch out.
    let batch_id = if anonymous
        && provenance.service_point_id.is_none()
        && provenance.batch_size.unwrap_or(0) < MIN_ANONYMOUS_BATCH
    {
        None
    } else {
        provenance.batch_id
    };
    let row = reports::ActiveModel {
        received_at: Set(now),
        list_version_id: Set(report.list_version_id),
        description: Set(report.description),
        occurred_on: Set(report.occurred_on),
        department: Set(report.department),
        anonymous: Set(anonymous),
        contact_name: Set(if anonymous { None } else { contact_name }),
        contact_phone: Set(contact_phone),
        contact_email: Set(contact_email),
        enterprise_id: Set(enterprise_id),
        source: Set(provenance.source.to_string()),
        district: Set(provenance.district.clone()),
        batch_id: Set(batch_id),
        channel: Set(provenance.channel.clone()),
        service_point_id: Set(provenance.service_point_id),
        from_revoked_card: Set(provenance.revoked),
        language: Set(lang.tag().to_string()),
        query_code_hash: Set(query_code_hash),
        ..Default::default()
    };

    // SQLite has one writer: queue here rather than in SQLite's busy loop. The transaction
    // starts with a write, so it never holds a stale read snapshot it would have to upgrade.
    let _turn = match state.settings.database_kind() {
        DatabaseKind::Sqlite => Some(state.intake.sqlite_writes.lock().await),
        DatabaseKind::Postgres => None,
    };
    let txn = state.db.begin().await.internal("starting a report")?;
    let report = row.insert(&txn).await.internal("storing a report")?;
    let rows = item_ids.iter().map(|item_id| report_items::ActiveModel {
        report_id: Set(report.id),
        item_id: Set(*item_id),
    });
    report_items::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await
        .internal("storing report items")?;
    let case = cases::open_for_report(&txn, report.id, now)
        .await
        .internal("opening a case")?;
    cases::store_reporter_files(&txn, case.id, &files)
        .await
        .internal("storing attachments")?;
    txn.commit().await.internal("committing a report")?;
    Ok(Receipt {
        case_number: case.number,
        query_code,
        status: CaseStatus::New,
        received_at: cases::beijing(now),
    })
}
