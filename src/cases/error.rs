//! Why a step on a case was refused. Each kind answers with its own status: a case out of
//! scope is as absent as one that does not exist (404), a step the workflow does not allow or
//! a missing reason is 422, a second edit of the same version is 409 — never a 500.

use super::status::CaseStatus;
use crate::error::AppError;

/// Why a case operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such case, or not one this user may see.
    #[error("no such case")]
    NotFound,
    /// The workflow does not allow this step from the case's status.
    #[error("一件{from}的案件不能{to} · A case that is {from_en} cannot become {to_en}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
        from_en: &'static str,
        to_en: &'static str,
    },
    /// Someone else changed the case since the page was loaded.
    #[error(
        "案件已被他人修改，请刷新后重试 · Someone else changed this case meanwhile; reload it and try again"
    )]
    Conflict,
    /// The request lacks something the step needs (a reason, a finding …); the text says what.
    #[error("{0}")]
    Invalid(String),
    /// This user's role may not take this step.
    #[error("{0}")]
    NotAllowed(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CaseError {
    /// The refusal of `from` → `to`.
    pub fn transition(from: CaseStatus, to: CaseStatus) -> Self {
        use crate::web::Lang;
        CaseError::InvalidTransition {
            from: from.label(Lang::Zh),
            to: to.label(Lang::Zh),
            from_en: from.as_str(),
            to_en: to.as_str(),
        }
    }
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound => AppError::NotFound,
            CaseError::InvalidTransition { .. } | CaseError::Invalid(_) => {
                AppError::Unprocessable(e.to_string())
            }
            CaseError::Conflict => AppError::Conflict(e.to_string()),
            CaseError::NotAllowed(m) => AppError::Forbidden(m),
            CaseError::Db(e) => AppError::Internal(anyhow::Error::new(e)),
            CaseError::Other(e) => AppError::Internal(e),
        }
    }
}
