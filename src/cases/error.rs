//! Why a step on a case was refused. Each kind answers with its own status: a case out of
//! scope is as absent as one that does not exist (404), a step the workflow does not allow or
//! a missing reason is 422, a second edit of the same version is 409 — never a 500.

use super::status::CaseStatus;
use crate::error::{AppError, Msg};

/// Why a case operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such case, or not one this user may see.
    #[error("no such case")]
    NotFound,
    /// The workflow does not allow this step from the case's status.
    #[error("{}", self.message())]
    InvalidTransition { from: CaseStatus, to: CaseStatus },
    /// Someone else changed the case since the page was loaded.
    #[error("{}", self.message())]
    Conflict,
    /// The step clashes with something already there (a request already waiting); the
    /// message says what.
    #[error("{0}")]
    Clash(Msg),
    /// The request lacks something the step needs (a reason, a finding …); the message says
    /// what.
    #[error("{0}")]
    Invalid(Msg),
    /// This user's role may not take this step.
    #[error("{0}")]
    NotAllowed(Msg),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CaseError {
    /// The refusal of `from` → `to`.
    pub fn transition(from: CaseStatus, to: CaseStatus) -> Self {
        CaseError::InvalidTransition { from, to }
    }

    /// What the person is told (for a refusal; a failure tells them nothing internal).
    pub fn message(&self) -> Msg {
        match self {
            CaseError::NotFound => Msg::new("error_not_found"),
            CaseError::InvalidTransition { from, to } => Msg::new("case_error_transition")
                .arg("from", Msg::new(from.label_key()))
                .arg("to", Msg::new(to.label_key())),
            CaseError::Conflict => Msg::new("case_error_conflict"),
            CaseError::Invalid(m) | CaseError::NotAllowed(m) | CaseError::Clash(m) => m.clone(),
            CaseError::Db(_) | CaseError::Other(_) => Msg::new("error_internal"),
        }
    }
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound => AppError::NotFound,
            CaseError::InvalidTransition { .. } | CaseError::Invalid(_) => {
                AppError::Unprocessable(e.message())
            }
            CaseError::Conflict | CaseError::Clash(_) => AppError::Conflict(e.message()),
            CaseError::NotAllowed(m) => AppError::Forbidden(m),
            CaseError::Db(e) => AppError::Internal(anyhow::Error::new(e)),
            CaseError::Other(e) => AppError::Internal(e),
        }
    }
}
