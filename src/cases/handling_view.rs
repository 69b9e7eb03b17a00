//! What the case page (and the API's case) shows of returns and declines: why a case with no
//! unit waits in triage, and the decline requests with their decisions.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::triage::triage_reasons;
use super::workflow::returnable;
use crate::clock::beijing;
use crate::entities::enums::{CaseStatus, Role};
use crate::entities::{cases, decline_requests, users};
use crate::i18n::{Lang, Locales};

/// A decline request (不予受理申请) and its outcome.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeclineRequestView {
    pub id: i64,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    /// `pending`, `approved` or `refused`.
    pub state: &'static str,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
}

/// Returns and declines on one case.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct HandlingView {
    /// Why the case waits in triage, in the reader's language (none once it has a unit).
    pub triage_reason: Option<String>,
    pub decline_requests: Vec<DeclineRequestView>,
}

impl HandlingView {
    /// Whether a decline request waits for a decision.
    pub fn pending_decline(&self) -> bool {
        self.decline_requests.iter().any(|r| r.state == "pending")
    }
}

/// The returns and declines of `case`, in `lang`.
pub async fn handling_view(
    db: &impl ConnectionTrait,
    case: &cases::Model,
    lang: Lang,
) -> Result<HandlingView, DbErr> {
    let triage_reason = triage_reasons(db, std::slice::from_ref(case))
        .await?
        .remove(&case.id)
        .map(|reason| match Locales::embedded() {
            Some(locales) => reason.msg().in_lang(locales, lang),
            None => String::new(),
        });
    let requests = decline_requests::Entity::find()
        .filter(decline_requests::Column::CaseId.eq(case.id))
        .order_by_asc(decline_requests::Column::Id)
        .all(db)
        .await?;
    let people: Vec<i64> = requests
        .iter()
        .flat_map(|r| [Some(r.requested_by), r.decided_by])
        .flatten()
        .collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    Ok(HandlingView {
        triage_reason,
        decline_requests: requests
            .into_iter()
            .map(|r| DeclineRequestView {
                id: r.id,
                requested_by: name(r.requested_by),
                requested_at: beijing(r.requested_at),
                state: match r.approved {
                    None => "pending",
                    Some(true) => "approved",
                    Some(false) => "refused",
                },
                decided_by: r.decided_by.map(name),
                decided_at: r.decided_at.map(beijing),
                decision_note: r.decision_note,
                reason: r.reason,
            })
            .collect(),
    })
}

/// What the case page needs to offer the decline and return steps.
#[derive(Clone, Copy, Debug)]
pub(super) struct Declines {
    /// Inspectors may decline directly (办理规则).
    pub direct: bool,
    /// A decline request waits for a decision.
    pub pending: bool,
}

impl Declines {
    /// The return and decline-request steps `user` may take on `case` now (the direct
    /// decline is among the status steps).
    pub fn actions(
        self,
        case: &cases::Model,
        user: &users::Model,
        supervises: bool,
    ) -> Vec<&'static str> {
        let mut out = Vec::new();
        if user.role == Role::Inspector
            && case.unit_id.is_some()
            && returnable(case.status)
            && case.assignee_id.is_none_or(|a| a == user.id)
            && !self.pending
        {
            out.push("return");
        }
        let declinable = case.status.can_become(CaseStatus::Declined);
        if declinable && !supervises && !self.direct && !self.pending {
            out.push("request_decline");
        }
        if supervises && self.pending {
            out.push("decide_decline");
        }
        out
    }
}

/// Fills in why each of `rows` without a unit waits in triage, in `lang` (for lists built
/// from case lines rather than case rows, as the home page's triage).
pub async fn fill_triage_reasons(
    db: &impl ConnectionTrait,
    rows: &mut [super::labels::CaseRow],
    lang: Lang,
) -> Result<(), DbErr> {
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.unit_id.is_none())
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let page = cases::Entity::find()
        .filter(cases::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let mut reasons = triage_reasons(db, &page).await?;
    for row in rows {
        if let Some(reason) = reasons.remove(&row.id) {
            row.triage_reason = Locales::embedded().map(|l| reason.msg().in_lang(l, lang));
        }
    }
    Ok(())
}
