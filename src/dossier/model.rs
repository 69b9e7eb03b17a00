//! Gathering a case for its dossier, in the transaction that records the export: the case as
//! its page shows it, its files with their SHA-256, its audit rows with their chain hashes,
//! and the seal over them. The export's own audit row is written first, so it is the newest
//! row of the chain and the dossier lists it: the dossier says who exported it and when, and
//! nothing the export itself did counts as a change since.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::seal::{Counts, Seal};
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::cases::{CaseDetail, CaseError, CaseScope};
use crate::clock::beijing;
use crate::db::WriteGate;
use crate::deadlines::SlaRules;
use crate::entities::{
    attachments, audit_head, audit_log, case_events, internal_notes, messages, users,
};
use crate::i18n::Lang;

/// One file of the case, without its bytes.
#[derive(Clone, Debug)]
pub struct FileLine {
    pub id: i64,
    pub filename: String,
    pub size: i64,
    pub uploaded_at: String,
    pub sha256: String,
    /// Where it was attached: the report, a message or a note (with that entry's time).
    pub place: FilePlace,
}

/// Where a file was attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilePlace {
    Report,
    Message,
    Note,
}

/// One audit row about the case, plainly: when, who, what, and its chain hash.
#[derive(Clone, Debug)]
pub struct AuditLine {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub hash: String,
}

/// Everything a dossier prints.
#[derive(Clone, Debug)]
pub struct Dossier {
    pub case: CaseDetail,
    pub files: Vec<FileLine>,
    pub audit: Vec<AuditLine>,
    pub seal: Seal,
    /// Who exported it (display name).
    pub exported_by: String,
}

/// What is exported: the PDF alone, or a ZIP of the PDF and the case's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Zip,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Zip => "zip",
        }
    }
}

/// Records that `user` exports the dossier of case `case_id` as `format` and gathers it, in
/// one transaction; a case out of the user's scope is not found (and nothing is recorded).
#[allow(clippy::too_many_arguments)]
pub async fn export(
    writes: &WriteGate,
    rules: &SlaRules,
    user: &users::Model,
    stamp: &Stamp<'_>,
    case_id: i64,
    format: Format,
    today: NaiveDate,
    lang: Lang,
) -> Result<Dossier, CaseError> {
    let txn = writes.begin().await?;
    let case = CaseScope::of(user).find(&*txn, case_id).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::DossierExported, "case", case_id)
            .with_detail(serde_json::json!({ "format": format.as_str() })),
    )
    .await?;
    let detail = crate::cases::case_detail(&*txn, rules, user, case_id, today, lang).await?;
    let files = files(&*txn, case_id).await?;
    let rows = case_rows(&*txn, case_id, None).await?;
    let head = audit_head::Entity::find()
        .one(&*txn)
        .await?
        .ok_or_else(|| DbErr::Custom("the audit chain head is missing".into()))?;
    let counts = counts(&*txn, case_id).await?;
    let audit = audit_lines(&*txn, &rows, lang).await?;
    txn.commit().await?;
    let seal = Seal {
        case_number: case.number.clone(),
        case_id,
        exported_at: micros(stamp.at),
        head: (head.last_id, head.last_hash),
        rows: rows.iter().map(|r| (r.id, r.hash.clone())).collect(),
        files: files.iter().map(|f| (f.id, f.sha256.clone())).collect(),
        counts,
    };
    Ok(Dossier {
        case: detail,
        files,
        audit,
        seal,
        exported_by: user.display_name.clone(),
    })
}

/// The time as the audit log stores it (whole microseconds).
fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// The case's audit rows, oldest first; with `after`, only the newer ones.
pub(super) async fn case_rows(
    db: &impl ConnectionTrait,
    case_id: i64,
    after: Option<i64>,
) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut query = audit_log::Entity::find()
        .filter(audit_log::Column::SubjectType.eq("case"))
        .filter(audit_log::Column::SubjectId.eq(case_id.to_string()))
        .order_by_asc(audit_log::Column::Id);
    if let Some(after) = after {
        query = query.filter(audit_log::Column::Id.gt(after));
    }
    query.all(db).await
}

/// How many events, messages, notes and files the case holds now.
pub(super) async fn counts(db: &impl ConnectionTrait, case_id: i64) -> Result<Counts, DbErr> {
    Ok(Counts {
        events: case_events::Entity::find()
            .filter(case_events::Column::CaseId.eq(case_id))
            .count(db)
            .await?,
        messages: messages::Entity::find()
            .filter(messages::Column::CaseId.eq(case_id))
            .count(db)
            .await?,
        notes: internal_notes::Entity::find()
            .filter(internal_notes::Column::CaseId.eq(case_id))
            .count(db)
            .await?,
        files: attachments::Entity::find()
            .filter(attachments::Column::CaseId.eq(case_id))
            .count(db)
            .await?,
    })
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct FileRow {
    id: i64,
    message_id: Option<i64>,
    note_id: Option<i64>,
    uploaded_at: DateTime<Utc>,
    filename: String,
    size: i64,
    sha256: String,
}

/// The case's files without their bytes, oldest first.
pub(super) async fn files(db: &impl ConnectionTrait, case_id: i64) -> Result<Vec<FileLine>, DbErr> {
    let rows: Vec<FileRow> = attachments::Entity::find()
        .select_only()
        .columns([
            attachments::Column::Id,
            attachments::Column::MessageId,
            attachments::Column::NoteId,
            attachments::Column::UploadedAt,
            attachments::Column::Filename,
            attachments::Column::Size,
            attachments::Column::Sha256,
        ])
        .filter(attachments::Column::CaseId.eq(case_id))
        .order_by_asc(attachments::Column::Id)
        .into_model::<FileRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|f| FileLine {
            id: f.id,
            place: match (f.message_id, f.note_id) {
                (Some(_), _) => FilePlace::Message,
                (None, Some(_)) => FilePlace::Note,
                (None, None) => FilePlace::Report,
            },
            filename: f.filename,
            size: f.size,
            uploaded_at: beijing(f.uploaded_at),
            sha256: f.sha256,
        })
        .collect())
}

/// Audit rows as the dossier prints them: the actor by display name.
async fn audit_lines(
    db: &impl ConnectionTrait,
    rows: &[audit_log::Model],
    lang: Lang,
) -> Result<Vec<AuditLine>, DbErr> {
    let ids: HashSet<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            let login = format!(
                "{}{}{}",
                crate::i18n::label(lang, "paren_open"),
                u.username,
                crate::i18n::label(lang, "paren_close")
            );
            (u.id, format!("{}{login}", u.display_name))
        })
        .collect();
    Ok(rows
        .iter()
        .map(|r| AuditLine {
            id: r.id,
            at: beijing(r.at),
            actor: plain_actor(r, &names, lang),
            action: r.action.clone(),
            hash: r.hash.clone(),
        })
        .collect())
}

/// The actor of an audit row, plainly (the audit page's own wording replaces this once it
/// can describe a row).
fn plain_actor(row: &audit_log::Model, names: &HashMap<i64, String>, lang: Lang) -> String {
    match row.actor_id {
        Some(id) => names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        None if row.actor_label == "reporter" => {
            crate::i18n::label(lang, "dossier_actor_reporter").to_string()
        }
        None => row.actor_label.clone(),
    }
}

/// The stored files of case `case_id` with their bytes, oldest first: name in the archive
/// (`files/3-attachment-1.png`) and bytes. Called after [`export`] has checked the scope.
pub async fn file_bytes(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<(String, Vec<u8>)>, DbErr> {
    let rows: Vec<(i64, String, Vec<u8>)> = attachments::Entity::find()
        .select_only()
        .columns([
            attachments::Column::Id,
            attachments::Column::Filename,
            attachments::Column::Data,
        ])
        .filter(attachments::Column::CaseId.eq(case_id))
        .order_by_asc(attachments::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, filename, data)| {
            // The stored names are neutral (attachment-1.jpg); anything else is replaced.
            let name: String = filename
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (format!("files/{id}-{name}"), data)
        })
        .collect())
}
