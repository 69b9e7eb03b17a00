//! The case list and its CSV export: the query string becomes the model's filter; the model's
//! page becomes rows in the reader's words.

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{choices, render, today};
use crate::access::{Access, CurrentUser};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::labels::{case_rows, marked_rows};
use crate::cases::list::{
    AssigneeFilter, CaseFilter, DueFilter, Sort, StatusFilter, UnitFilter, count_cases,
};
use crate::cases::paging::{Cursor, list_cases};
use crate::cases::queues::{self, Day, Person, Queue};
use crate::cases::scope::CaseScope;
use crate::cases::status::CaseStatus;
use crate::deadlines::SlaRules;
use crate::deadlines::lights::Light;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// The list's query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub flagged: String,
    #[serde(default)]
    pub revoked: String,
    /// A queue's name (`Queue::as_str`): the home pages link to the list with it.
    #[serde(default)]
    pub queue: String,
    /// `red`, `yellow` or `green`.
    #[serde(default)]
    pub light: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub after: String,
    /// After a bulk assignment: how many cases moved and how many were skipped.
    #[serde(default, skip_serializing)]
    pub moved: Option<u32>,
    #[serde(default, skip_serializing)]
    pub skipped: Option<u32>,
    /// The number of a case just returned to triage (退回), for the notice.
    #[serde(default)]
    pub returned: String,
}

impl ListQuery {
    /// The filter it asks for, for `user` (who is "me") on `day`.
    fn filter(&self, user: &CurrentUser, rules: &SlaRules, day: Day) -> CaseFilter {
        let today = day.today;
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        CaseFilter {
            status: match self.status.as_str() {
                "open" => Some(StatusFilter::Open),
                s => CaseStatus::parse(s).map(StatusFilter::Is),
            },
            item_key: text(&self.item),
            district: text(&self.district),
            unit: match self.unit.as_str() {
                "triage" => Some(UnitFilter::Triage),
                s => s.parse().ok().map(UnitFilter::Is),
            },
            assignee: match self.assignee.as_str() {
                "me" => Some(AssigneeFilter::Is(user.user.id)),
                "none" => Some(AssigneeFilter::Nobody),
                s => s.parse().ok().map(AssigneeFilter::Is),
            },
            due: match self.due.as_str() {
                "overdue" => Some(DueFilter::Overdue),
                "soon" => Some(DueFilter::soon(rules, today)),
                "week" => Some(DueFilter::within_a_week(today)),
                _ => None,
            },
            flagged: self.flagged == "1",
            revoked: self.revoked == "1",
            within: queues::within(
                Queue::parse(&self.queue),
                Light::parse(&self.light),
                Person::of(&user.user),
                day,
            ),
            sort: match self.sort.as_str() {
                "newest" => Sort::Newest,
                "oldest" => Sort::Oldest,
                "unread" => Sort::Unread,
                _ => Sort::Due,
            },
            unread: Some(queues::condition(
                Queue::Unread,
                Person::of(&user.user),
                day,
            )),
        }
    }

    /// The same query from another page: `after` replaced.
    fn link(&self, after: Option<Cursor>) -> String {
        let mut next = self.clone();
        next.after = after.map(Cursor::encode).unwrap_or_default();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("status", &next.status),
            ("item", &next.item),
            ("district", &next.district),
            ("unit", &next.unit),
            ("assignee", &next.assignee),
            ("due", &next.due),
            ("flagged", &next.flagged),
            ("revoked", &next.revoked),
            ("queue", &next.queue),
            ("light", &next.light),
            ("sort", &next.sort),
            ("after", &next.after),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }
}

/// `GET /staff/cases`.
pub async fn list(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    query: &ListQuery,
) -> Result<Response, AppError> {
    let today = today(state);
    let now = state.clock.now();
    let rules = state.sla.rules(&state.db, now).await?;
    let filter = query.filter(user, &rules, Day::of(&rules, now, today));
    let scope = CaseScope::for_user(user);
    let after = Cursor::decode(&query.after);
    let page = list_cases(&state.db, scope, &filter, today, after).await?;
    let total = count_cases(&state.db, scope, &filter, today).await?;
    let rows = marked_rows(&state.db, &rules, &page.cases, today, lang, user.user.id).await?;
    let ctx = minijinja::context! {
        q => query,
        total => total,
        moved => query.moved,
        skipped => query.skipped,
        can_bulk => Access::Supervise.allows(user.user.role),
        rows => rows,
        next => page.next.map(|c| query.link(Some(c))),
        first => after.map(|_| query.link(None)),
        export => query.link(None),
        choices => choices(state, lang).await?,
        sees_triage => scope.sees_triage(),
        queues => Queue::for_role(user.user.role).iter().map(|q| q.as_str()).collect::<Vec<_>>(),
        lights => [Light::Red, Light::Yellow, Light::Green].iter().map(|l| minijinja::context! {
            value => l.as_str(), label => l.label(lang),
        }).collect::<Vec<_>>(),
    };
    render(state, lang, user, "cases/list.html", StatusCode::OK, ctx)
}

/// `GET /staff/cases/export.csv`: every case of the filter, as Excel opens it (UTF-8 with
/// BOM; cells starting with `= + - @` neutralised).
pub async fn export(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    query: &ListQuery,
) -> Result<Response, AppError> {
    let today = today(state);
    let now = state.clock.now();
    let rules = state.sla.rules(&state.db, now).await?;
    let filter = query.filter(user, &rules, Day::of(&rules, now, today));
    let scope = CaseScope::for_user(user);
    let t = |key: &'static str| state.views.locales.t(lang, key);
    let mut csv = crate::web::Csv::new(&[
        t("csv_case_number"),
        t("csv_status"),
        t("csv_items"),
        t("csv_district"),
        t("csv_unit"),
        t("csv_assignee"),
        t("csv_received_at"),
        t("csv_due"),
        t("csv_deadline"),
        t("csv_flagged"),
        t("csv_revoked_card"),
    ]);
    let yes = t("csv_yes");
    let mut after = None;
    let mut count = 0usize;
    loop {
        let page = list_cases(&state.db, scope, &filter, today, after).await?;
        for row in case_rows(&state.db, &rules, &page.cases, today, lang).await? {
            csv.row(&[
                &row.number,
                &row.status_label,
                &row.items,
                row.district.as_deref().unwrap_or(""),
                row.unit.as_deref().unwrap_or(""),
                row.assignee.as_deref().unwrap_or(""),
                &row.received_at,
                row.due_on.as_deref().unwrap_or(""),
                &row.due_text,
                if row.flagged { yes } else { "" },
                if row.revoked { yes } else { "" },
            ]);
            count += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let txn = state.writes.begin().await?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new(AuditAction::CasesExported, "case_list", "csv")
            .with_detail(serde_json::json!({ "rows": count, "query": query.link(None) })),
    )
    .await?;
    txn.commit().await?;
    Ok(csv.into_response("cases.csv"))
}
