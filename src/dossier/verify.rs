//! Checking a dossier against the live records: every audit row it lists must still be in
//! the log, unedited (its content still gives its hash) and with the hash the dossier
//! printed; the log must hold no row about the case up to the export's chain head that the
//! dossier leaves out; the head must still be there; every file must still be stored with
//! the SHA-256 the dossier printed. Then the dossier is genuine, and the case has changed
//! since if it gained audit rows that change something (reading the case or exporting it
//! again does not count), messages, notes, timeline entries or files.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::model::{case_rows, counts};
use super::seal::{Counts, Seal, SealProblem};
use crate::audit::AuditAction;
use crate::clock::beijing;
use crate::entities::{attachments, audit_log, cases};
use crate::i18n::{Lang, Locales};

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every row and file matches; `changes` says what the case gained since the export.
    Genuine { seal: Seal, changes: Changes },
    /// The dossier does not match the live records: `subject` is the first thing that
    /// differs.
    Mismatch {
        seal: Seal,
        subject: Subject,
        problem: Problem,
    },
    /// The seal's own lines do not give its fingerprint: the hash list was altered.
    Refused { stated: String, computed: String },
}

/// What a mismatch is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Case,
    AuditRow(i64),
    ChainHead(i64),
    File(i64),
}

/// How it differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The log (or the case table, or the files) no longer holds it.
    Missing,
    /// The row's content no longer gives its hash: it was edited in the database.
    Edited,
    /// Its hash (or SHA-256) is not the one the dossier printed.
    Differs,
    /// The log holds this row about the case, but the dossier does not list it.
    NotListed,
}

/// What a case gained since its dossier was exported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Newer audit rows that change the case: id and action.
    pub rows: Vec<(i64, String)>,
    /// How many more of each the case holds now.
    pub more: Counts,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.more == Counts::default()
    }
}

/// Actions that read a case without changing it.
const READS: [AuditAction; 3] = [
    AuditAction::CaseViewed,
    AuditAction::AttachmentDownloaded,
    AuditAction::DossierExported,
];

/// Checks the dossier whose bytes are `pdf` against the live records; `Err` only when the
/// bytes hold no readable seal (`SealProblem::NotFound` or `Damaged`).
pub async fn verify_bytes(
    db: &impl ConnectionTrait,
    key: &[u8],
    pdf: &[u8],
) -> Result<Result<Verdict, SealProblem>, DbErr> {
    match Seal::find(pdf) {
        Ok(seal) => Ok(Ok(verify(db, key, seal).await?)),
        Err(SealProblem::Altered { stated, computed }) => {
            Ok(Ok(Verdict::Refused { stated, computed }))
        }
        Err(problem) => Ok(Err(problem)),
    }
}

/// Checks `seal` against the live records (see the module docs).
pub async fn verify(db: &impl ConnectionTrait, key: &[u8], seal: Seal) -> Result<Verdict, DbErr> {
    let mismatch = |seal: Seal, subject, problem| Verdict::Mismatch {
        seal,
        subject,
        problem,
    };
    let case = cases::Entity::find_by_id(seal.case_id).one(db).await?;
    if case.is_none_or(|c| c.number != seal.case_number) {
        return Ok(mismatch(seal, Subject::Case, Problem::Missing));
    }
    let (head_id, head_hash) = seal.head.clone();
    let mut ids: Vec<i64> = seal.rows.iter().map(|(id, _)| *id).collect();
    ids.push(head_id);
    let live: HashMap<i64, audit_log::Model> = audit_log::Entity::find()
        .filter(audit_log::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let row_problem = seal.rows.iter().find_map(|(id, hash)| {
        let problem = match live.get(id) {
            None => Some(Problem::Missing),
            Some(row) if !crate::audit::row_holds(key, row) => Some(Problem::Edited),
            Some(row) if &row.hash != hash => Some(Problem::Differs),
            Some(_) => None,
        };
        problem.map(|p| (Subject::AuditRow(*id), p))
    });
    if let Some((subject, problem)) = row_problem {
        return Ok(mismatch(seal, subject, problem));
    }
    let listed: HashSet<i64> = seal.rows.iter().map(|(id, _)| *id).collect();
    let now = case_rows(db, seal.case_id, None).await?;
    if let Some(id) = now
        .iter()
        .map(|r| r.id)
        .find(|id| *id <= head_id && !listed.contains(id))
    {
        return Ok(mismatch(seal, Subject::AuditRow(id), Problem::NotListed));
    }
    let head_problem = match live.get(&head_id) {
        None => Some(Problem::Missing),
        Some(row) if !crate::audit::row_holds(key, row) => Some(Problem::Edited),
        Some(row) if row.hash != head_hash => Some(Problem::Differs),
        Some(_) => None,
    };
    if let Some(problem) = head_problem {
        return Ok(mismatch(seal, Subject::ChainHead(head_id), problem));
    }
    let stored: HashMap<i64, String> = attachments::Entity::find()
        .select_only()
        .column(attachments::Column::Id)
        .column(attachments::Column::Sha256)
        .filter(attachments::Column::CaseId.eq(seal.case_id))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let file_problem = seal.files.iter().find_map(|(id, sha)| {
        let problem = match stored.get(id) {
            None => Some(Problem::Missing),
            Some(live) if live != sha => Some(Problem::Differs),
            Some(_) => None,
        };
        problem.map(|p| (Subject::File(*id), p))
    });
    if let Some((subject, problem)) = file_problem {
        return Ok(mismatch(seal, subject, problem));
    }
    let reads: Vec<&str> = READS.iter().map(|a| a.as_str()).collect();
    let current = counts(db, seal.case_id).await?;
    let was = seal.counts;
    let changes = Changes {
        rows: now
            .into_iter()
            .filter(|r| r.id > head_id && !reads.contains(&r.action.as_str()))
            .map(|r| (r.id, r.action))
            .collect(),
        more: Counts {
            events: current.events.saturating_sub(was.events),
            messages: current.messages.saturating_sub(was.messages),
            notes: current.notes.saturating_sub(was.notes),
            files: current.files.saturating_sub(was.files),
        },
    };
    Ok(Verdict::Genuine { seal, changes })
}

impl Verdict {
    /// Whether the dossier is genuine (changed since or not).
    pub fn is_genuine(&self) -> bool {
        matches!(self, Verdict::Genuine { .. })
    }

    /// The verdict in one sentence of `lang`.
    pub fn sentence(&self, locales: &Locales, lang: Lang) -> String {
        let t = |key: &str| locales.t(lang, key).to_string();
        let fill = |key: &str, args: &[(&str, String)]| {
            let mut text = t(key);
            for (name, value) in args {
                text = text.replace(&format!("{{{name}}}"), value);
            }
            text
        };
        match self {
            Verdict::Genuine { seal, changes } => {
                let base = [
                    ("case", seal.case_number.clone()),
                    ("at", beijing(seal.exported_at)),
                    ("rows", seal.rows.len().to_string()),
                    ("files", seal.files.len().to_string()),
                ];
                if changes.is_empty() {
                    return fill("dossier_verdict_genuine", &base);
                }
                let mut parts = Vec::new();
                if !changes.rows.is_empty() {
                    let list: Vec<String> = changes
                        .rows
                        .iter()
                        .map(|(id, action)| format!("#{id} {action}"))
                        .collect();
                    parts.push(fill(
                        "dossier_change_rows",
                        &[
                            ("count", changes.rows.len().to_string()),
                            ("list", list.join(", ")),
                        ],
                    ));
                }
                let m = changes.more;
                for (n, key) in [
                    (m.events, "dossier_change_events"),
                    (m.messages, "dossier_change_messages"),
                    (m.notes, "dossier_change_notes"),
                    (m.files, "dossier_change_files"),
                ] {
                    if n > 0 {
                        parts.push(fill(key, &[("count", n.to_string())]));
                    }
                }
                let mut args = base.to_vec();
                args.push(("changes", parts.join(t("dossier_list_separator").as_str())));
                fill("dossier_verdict_changed", &args)
            }
            Verdict::Mismatch {
                seal,
                subject,
                problem,
            } => {
                let (what, id) = match subject {
                    Subject::Case => (t("dossier_subject_case"), seal.case_id),
                    Subject::AuditRow(id) => (t("dossier_subject_row"), *id),
                    Subject::ChainHead(id) => (t("dossier_subject_head"), *id),
                    Subject::File(id) => (t("dossier_subject_file"), *id),
                };
                let why = t(match problem {
                    Problem::Missing => "dossier_problem_missing",
                    Problem::Edited => "dossier_problem_edited",
                    Problem::Differs => "dossier_problem_differs",
                    Problem::NotListed => "dossier_problem_not_listed",
                });
                fill(
                    "dossier_verdict_mismatch",
                    &[
                        ("case", seal.case_number.clone()),
                        ("what", what),
                        ("id", id.to_string()),
                        ("why", why),
                    ],
                )
            }
            Verdict::Refused { stated, computed } => fill(
                "dossier_verdict_refused",
                &[("stated", stated.clone()), ("computed", computed.clone())],
            ),
        }
    }
}

/// Why a file could not be checked, in one sentence of `lang`.
pub fn unreadable_sentence(problem: &SealProblem, locales: &Locales, lang: Lang) -> String {
    match problem {
        SealProblem::Damaged(detail) => locales
            .t(lang, "dossier_unreadable_damaged")
            .replace("{detail}", detail),
        _ => locales.t(lang, "dossier_unreadable").to_string(),
    }
}
