//! The one intake use case: find the card a submission names and the negative list printed on
//! it, check the submission against the limits and the list, clean its files, and store
//! report, items, case, 'received' event and attachments in one transaction — whole or not
//! at all. The HTML form and the JSON API both call [`submit_report`] and only parse and answer.
//!
//! A submission that carries a [`SubmissionId`] is idempotent: its receipt is remembered in
//! the same transaction (see [`super::receipts`]), a repeat stores nothing and answers with
//! the first receipt, and two repeats racing each other meet at the receipt's primary key.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::draft::{FieldErrors, ReportDraft, ValidReport};
use super::provenance::{self, Provenance};
use super::query_code::QueryCode;
use super::receipts::{self, Kept};
use super::reservation::Reservation;
use super::submission::SubmissionId;
use crate::attachments::{self, FileProblem};
use crate::cases::{self, CaseOrigin, CaseStatus, NewAttachment};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::deadlines::SlaCache;
use crate::entities::enums::ReportSource;
use crate::entities::{report_items, reports};
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::limits::Limits;
use crate::negative_list::ListCache;
use crate::pool::{Pool, PoolError};
use crate::state::AppState;

/// What the reporter is told once a report is stored.
#[derive(Debug)]
pub struct Receipt {
    pub case_number: String,
    /// Only its keyed hash is stored, and for a short while a copy sealed under the
    /// submission id; `None` when a repeat comes after that while.
    pub query_code: Option<QueryCode>,
    pub status: CaseStatus,
    pub received_at: String,
    /// Whether this answers a repeat of a submission stored earlier.
    pub repeated: bool,
}

impl From<Kept> for Receipt {
    fn from(kept: Kept) -> Self {
        Receipt {
            case_number: kept.case_number,
            query_code: kept.query_code,
            // The status of a new case: a repeat shows the receipt as it was first given.
            status: CaseStatus::New,
            received_at: crate::clock::beijing(kept.received_at),
            repeated: true,
        }
    }
}

/// What intake needs from the server: the write gate, the negative lists, the in-memory
/// limits and their settings, the image pool, the key, and the time.
pub struct IntakeDeps<'a> {
    pub writes: &'a WriteGate,
    /// The negative-list versions cards were printed with.
    pub lists: &'a ListCache,
    /// The deadline rules a new case starts under.
    pub sla: &'a SlaCache,
    pub limits: &'a Limits,
    /// The bounded pool attachments are cleaned in.
    pub images: &'a Pool,
    pub key: &'a [u8],
    /// Reports per client address per hour.
    pub client_limit: u32,
    /// Reports per card per hour.
    pub card_limit: u32,
    /// Card holders who must share a provenance field for an anonymous report to keep it.
    pub anonymity_threshold: u32,
    pub now: DateTime<Utc>,
}

impl<'a> IntakeDeps<'a> {
    /// The server's own, as of now.
    pub fn of(state: &'a AppState) -> Self {
        Self {
            writes: &state.writes,
            lists: &state.lists,
            sla: &state.sla,
            limits: &state.limits,
            images: &state.pools.images,
            key: state.key(),
            client_limit: state.settings.intake_client_limit,
            card_limit: state.settings.intake_card_limit,
            anonymity_threshold: state.settings.anonymity_threshold,
            now: state.clock.now(),
        }
    }
}

/// One submission, from whichever door.
pub struct ReportSubmission {
    pub draft: ReportDraft,
    /// The raw files, unchecked.
    pub files: Vec<Vec<u8>>,
    /// A problem the reader already found (too many, too large).
    pub file_problem: Option<FileProblem>,
    /// The token of the card the report came through (the form's URL, the API's
    /// `card_token`), if any; [`submit_report`] looks the card up.
    pub card_token: Option<String>,
    /// Where a report that names no card came in ([`ReportSource::Web`] or
    /// [`ReportSource::Api`]).
    pub door: ReportSource,
    pub lang: Lang,
    /// Makes the submission idempotent (the form's hidden field, the API's
    /// `Idempotency-Key`); without it every submission is a new report.
    pub id: Option<SubmissionId>,
}

/// Why a submission was not stored.
#[derive(Debug)]
pub enum SubmitError {
    /// Over the per-client or per-card limit.
    RateLimited,
    /// The attachment pool is full: try again in a few seconds (nothing was stored).
    Busy,
    /// Field problems (locale keys) and a file problem, together so one answer names all.
    Invalid {
        errors: FieldErrors,
        file_problem: Option<FileProblem>,
    },
    Internal(AppError),
}

impl From<AppError> for SubmitError {
    fn from(e: AppError) -> Self {
        SubmitError::Internal(e)
    }
}

/// Checks, cleans and stores one submission within its `reservation`, which it uses up if
/// the report is stored; the card's limit is added to it if the door could not reserve it.
pub async fn submit_report(
    deps: &IntakeDeps<'_>,
    mut reservation: Reservation<'_>,
    submission: ReportSubmission,
) -> Result<Receipt, SubmitError> {
    // A repeat is answered before anything is checked or cleaned.
    if let Some(id) = &submission.id {
        let kept = receipts::find(deps.writes.db(), deps.key, id, deps.now)
            .await
            .internal("looking up a submission")?;
        if let Some(kept) = kept {
            return Ok(kept.into());
        }
    }
    if let Some(token) = &submission.card_token {
        reservation.add_card(deps, token)?;
    }
    let stored = check_and_store(deps, submission).await;
    if stored.as_ref().is_ok_and(|r| !r.repeated) {
        reservation.keep();
    }
    stored
}

/// Where a submission came from: the card its token names, or its door.
pub async fn provenance_of(
    db: &impl sea_orm::ConnectionTrait,
    card_token: Option<&str>,
    door: ReportSource,
) -> Result<Provenance, AppError> {
    match card_token {
        Some(token) => provenance::for_token(db, token)
            .await
            .internal("looking up a card"),
        None => Ok(Provenance::without_card(door)),
    }
}

async fn check_and_store(
    deps: &IntakeDeps<'_>,
    submission: ReportSubmission,
) -> Result<Receipt, SubmitError> {
    let db = deps.writes.db();
    let provenance = provenance_of(db, submission.card_token.as_deref(), submission.door).await?;
    let version = deps
        .lists
        .for_card(db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let checked = submission
        .draft
        .cleaned()
        .validate(&version, china_today(deps.now));
    // Cheap checks on the files first, so one answer names every problem.
    let file_problem = submission.file_problem.or_else(|| {
        submission
            .files
            .iter()
            .any(|f| attachments::sniff(f).is_none())
            .then_some(FileProblem::NotAllowed)
    });
    let valid = match (checked, file_problem) {
        (Ok(valid), None) => valid,
        (checked, file_problem) => {
            return Err(SubmitError::Invalid {
                errors: checked.err().unwrap_or_default(),
                file_problem,
            });
        }
    };
    let files = submission.files;
    let cleaned = match deps
        .images
        .run(move || attachments::prepare_all(files))
        .await
    {
        Ok(cleaned) => cleaned,
        Err(PoolError::Busy(_)) => return Err(SubmitError::Busy),
        Err(e) => return Err(SubmitError::Internal(AppError::Internal(e.into()))),
    }
    .map_err(|problem| SubmitError::Invalid {
        errors: FieldErrors::new(),
        file_problem: Some(problem),
    })?;
    let stored = store(
        deps,
        valid,
        &provenance,
        submission.lang,
        cleaned,
        submission.id.as_ref(),
    )
    .await?;
    Ok(stored)
}

/// Stores a checked report with its cleaned files and opens its case.
async fn store(
    deps: &IntakeDeps<'_>,
    report: ValidReport,
    provenance: &Provenance,
    lang: Lang,
    files: Vec<NewAttachment>,
    id: Option<&SubmissionId>,
) -> Result<Receipt, AppError> {
    let query_code = QueryCode::generate().internal("generating a query code")?;
    let query_code_hash = query_code.hash(deps.key);
    let now = deps.now;
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
    // An anonymous report keeps only the provenance that enough card holders share.
    let provenance = if anonymous {
        &provenance::anonymised(deps.writes.db(), provenance, deps.anonymity_threshold)
            .await
            .internal("counting card holders")?
    } else {
        provenance
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
        source: Set(provenance.source),
        district: Set(provenance.district.clone()),
        batch_id: Set(provenance.batch_id),
        channel: Set(provenance.channel),
        service_point_id: Set(provenance.service_point_id),
        from_revoked_card: Set(provenance.revoked),
        language: Set(lang.tag().to_string()),
        query_code_hash: Set(query_code_hash),
        ..Default::default()
    };
    let rules = deps
        .sla
        .rules(deps.writes.db(), now)
        .await
        .internal("loading the deadline rules")?;
    let origin = CaseOrigin {
        district: provenance.district.clone(),
        unit_id: provenance.unit_id,
        from_revoked_card: provenance.revoked,
    };
    let txn = deps.writes.begin().await.internal("starting a report")?;
    let report = row.insert(&*txn).await.internal("storing a report")?;
    let rows = item_ids.iter().map(|item_id| report_items::ActiveModel {
        report_id: Set(report.id),
        item_id: Set(*item_id),
    });
    report_items::Entity::insert_many(rows)
        .exec_without_returning(&*txn)
        .await
        .internal("storing report items")?;
    let case = cases::open_for_report(&*txn, report.id, &origin, now, &rules)
        .await
        .internal("opening a case")?;
    cases::store_reporter_files(&*txn, case.id, now, &files)
        .await
        .internal("storing attachments")?;
    if let Some(id) = id {
        let remembered =
            receipts::remember(&*txn, deps.key, id, &case.number, &query_code, now).await;
        if let Err(e) = remembered {
            let first = match e.sql_err() {
                // Another request stored the same submission first: this one's report goes
                // (rolled back with the transaction), the first one's receipt answers.
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    drop(txn);
                    receipts::find(deps.writes.db(), deps.key, id, now)
                        .await
                        .internal("looking up a submission")?
                }
                _ => None,
            };
            return first.map(Receipt::from).ok_or_else(|| {
                AppError::Internal(anyhow::Error::new(e).context("remembering a receipt"))
            });
        }
    }
    txn.commit().await.internal("committing a report")?;
    Ok(Receipt {
        case_number: case.number,
        query_code: Some(query_code),
        status: CaseStatus::New,
        received_at: crate::clock::beijing(now),
        repeated: false,
    })
}
