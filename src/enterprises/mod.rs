//! The enterprise register: import from CSV/XLSX, search and counts, and the service points
//! (windows of the service hall) that get desk signs.

pub mod cli;
mod columns;
pub mod import;
mod reason;
pub mod register;
mod routes;
mod service_point_routes;
pub mod service_points;
pub mod table;
pub mod uscc;

pub use import::{ImportError, ImportReport, NewEnterprise, Reason, Rejection};
pub use routes::staff_routes;
pub use uscc::{Uscc, UsccError};

use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::cards::assets::PrintAssets;
use crate::cards::fonts::FontCoverage;
use crate::config::Settings;
use crate::db::WriteGate;

/// Reads, checks and stores a register file (CSV or XLSX, told apart by content). The good rows
/// go in in one transaction; the bad ones come back in the report with their line numbers. The
/// import is audited with its counts only, in the same transaction.
pub async fn import_file(
    writes: &WriteGate,
    settings: &Settings,
    stamp: &Stamp<'_>,
    bytes: Vec<u8>,
) -> Result<ImportReport, ImportError> {
    let print_assets = PrintAssets::with_folder(settings.print_assets.as_deref());
    let card_font = settings.card_font.clone();
    // Decoding, unpacking and the font lookups are CPU work: off the async executor.
    let checked = tokio::task::spawn_blocking(move || {
        let table = table::read(&bytes)?;
        let fonts = FontCoverage::load(&print_assets, card_font.as_deref())
            .map_err(|e| print_assets.blame(e))?;
        import::check(table, &fonts)
    })
    .await
    .map_err(|e| {
        // A reader library that panics on a malformed file must not turn into a 500.
        tracing::warn!(error = %e, "the import worker stopped on a malformed file");
        ImportError::Read(table::ReadError::Workbook("the file is malformed".into()))
    })??;
    let good_rows = checked.good.len();
    let txn = writes.begin().await.map_err(busy_or_other)?;
    let mut report = import::store(&*txn, checked.good, &checked.absent, stamp.at)
        .await
        .map_err(busy_or_other)?;
    report.rejected = checked.rejected;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(
            AuditAction::EnterprisesImported,
            "enterprise_register",
            "import",
        )
        .with_detail(serde_json::json!({
            "rows": good_rows + report.rejected.len(),
            "imported": report.imported,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected.len(),
        })),
    )
    .await
    .map_err(busy_or_other)?;
    txn.commit().await.map_err(busy_or_other)?;
    Ok(report)
}

/// A unique-constraint violation during an import means a concurrent import inserted the same
/// USCC first; a locked SQLite database means one is still writing.
fn busy_or_other(e: sea_orm::DbErr) -> ImportError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ImportError::Busy,
        _ if e.to_string().contains("database is locked") => ImportError::Busy,
        _ => ImportError::Other(anyhow::Error::new(e).context("storing the register")),
    }
}
