//! The one intake use case: check a submission against the limits and the list, clean its
//! files, and store report, items, case, 'received' event and attachments in one transaction —
//! whole or not at all. The HTML form and the JSON API both call [`submit_report`].

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::draft::{FieldErrors, ReportDraft, ValidReport};
use super::provenance::Provenance;
use super::query_code::QueryCode;
use crate::cases::{self, CaseOrigin, CaseStatus, NewAttachment};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::entities::{report_items, reports};
use crate::error::{AppError, ResultExt};
use crate::files::{self as attachments, FileProblem};
use crate::limits::{Limits, card_key, client_key};
use crate::negative_list::NegativeListVersion;
use crate::sla::SlaCache;
use crate::state::AppState;
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

/// What intake needs from the server: the write gate, the in-memory limits and their
/// settings, the key, and the time.
pub struct IntakeDeps<'a> {
    pub writes: &'a WriteGate,
    /// The deadline rules a new case starts under.
    pub sla: &'a SlaCache,
    pub limits: &'a Limits,
    pub key: &'a [u8],
    /// Reports per client address per hour.
    pub client_limit: u32,
    /// Reports per card per hour.
    pub card_limit: u32,
    pub now: DateTime<Utc>,
}

impl<'a> IntakeDeps<'a> {
    /// The server's own, as of now.
    pub fn of(state: &'a AppState) -> Self {
        Self {
            writes: &state.writes,
            sla: &state.sla,
            limits: &state.limits,
            key: state.key(),
            client_limit: state.settings.intake_client_limit,
            card_limit: state.settings.intake_card_limit,
            now: state.clock.now(),
        }
    }
}

/// One submission, from whichever door.
pub struct ReportSubmission<'a> {
    pub draft: ReportDraft,
    /// The raw files, unchecked.
    pub files: Vec<Vec<u8>>,
    /// A problem the reader already found (too many, too large).
    pub file_problem: Option<FileProblem>,
    pub provenance: &'a Provenance,
    /// The negative-list version the form offered.
    pub version: &'a NegativeListVersion,
    pub lang: Lang,
    /// The client's address, for the in-memory limit only.
    pub client: IpAddr,
    /// The card token the submission came through, for the per-card limit only.
    pub card_token: Option<&'a str>,
}

/// Why a submission was not stored.
#[derive(Debug)]
pub enum SubmitError {
    /// Over the per-client or per-card limit.
    RateLimited,
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

/// Checks, cleans and stores one submission. Its place within the limits is reserved first
/// and given back if it is not stored.
pub async fn submit_report(
    deps: &IntakeDeps<'_>,
    submission: ReportSubmission<'_>,
) -> Result<Receipt, SubmitError> {
    let client = client_key(deps.key, submission.client);
    let card = submission.card_token.map(|token| card_key(deps.key, token));
    let mut limits = vec![(client.as_str(), deps.client_limit)];
    if let Some(card) = &card {
        limits.push((card.as_str(), deps.card_limit));
    }
    if !deps.limits.reserve_report(&limits, deps.now) {
        return Err(SubmitError::RateLimited);
    }
    let keys: Vec<&str> = limits.iter().map(|(k, _)| *k).collect();
    let stored = check_and_store(deps, submission).await;
    if stored.is_err() {
        deps.limits.release_report(&keys);
    }
    stored
}

async fn check_and_store(
    deps: &IntakeDeps<'_>,
    submission: ReportSubmission<'_>,
) -> Result<Receipt, SubmitError> {
    let checked = submission
        .draft
        .validate(submission.version, china_today(deps.now));
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
    let cleaned = tokio::task::spawn_blocking(move || attachments::prepare_all(files))
        .await
        .internal("preparing attachments")?
        .map_err(|problem| SubmitError::Invalid {
            errors: FieldErrors::new(),
            file_problem: Some(problem),
        })?;
    Ok(store(deps, valid, submission.provenance, submission.lang, cleaned).await?)
}

/// Stores a checked report with its cleaned files and opens its case.
async fn store(
    deps: &IntakeDeps<'_>,
    report: ValidReport,
    provenance: &Provenance,
    lang: Lang,
    files: Vec<NewAttachment>,
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
    let rules = deps
        .sla
        .rules(deps.writes.db(), now)
        .await
        .internal("loading the deadline rules")?;
    let origin = CaseOrigin {
        district: provenance.district.clone(),
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
    txn.commit().await.internal("committing a report")?;
    Ok(Receipt {
        case_number: case.number,
        query_code,
        status: CaseStatus::New,
        received_at: crate::clock::beijing(now),
    })
}
