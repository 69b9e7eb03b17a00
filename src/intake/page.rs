//! Rendering the public intake pages. Every page that may show a query code is `no-store`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::draft::{FieldErrors, ReportDraft};
use super::provenance::Provenance;
use super::submission::SubmissionId;
use super::submit::Receipt;
use crate::cases::PublicView;
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::negative_list::NegativeListVersion;
use crate::state::AppState;

/// The fields a message can stand next to.
const FIELDS: [&str; 8] = [
    "items",
    "description",
    "occurred_on",
    "department",
    "attachments",
    "contact_name",
    "contact_phone",
    "contact_email",
];

/// One form page to render.
pub struct FormPage<'a> {
    /// Where the form posts (and where the language links point).
    pub path: String,
    pub provenance: &'a Provenance,
    pub version: &'a NegativeListVersion,
    pub draft: &'a ReportDraft,
    pub errors: &'a FieldErrors,
    /// A locale key shown above the form (a refusal that is not about one field).
    pub notice: Option<&'static str>,
    pub status: StatusCode,
    /// The one-time id the form carries back (the same one on a refused form's retry).
    pub submission: &'a SubmissionId,
    /// Files the browser sent with a refused form: none is kept, so the page names them to be
    /// chosen again.
    pub dropped_files: &'a [String],
}

/// Marks a response as never to be cached or stored by the browser.
pub fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, max-age=0"),
    );
    response
}

/// The report form.
pub fn form(state: &AppState, lang: Lang, page: FormPage<'_>) -> Result<Response, AppError> {
    let locales = &state.views.locales;
    let items: Vec<_> = page
        .version
        .items
        .iter()
        .map(|i| {
            context! {
                position => i.position,
                text => if lang == Lang::En { &i.text_en } else { &i.text_zh },
                checked => page.draft.items.contains(&i.position),
            }
        })
        .collect();
    // Every field is present (empty when fine): templates are strict about undefined values.
    let errors: std::collections::BTreeMap<&str, &str> = FIELDS
        .iter()
        .map(|field| {
            let message = page.errors.get(field).map(|key| locales.t(lang, key));
            (*field, message.unwrap_or_default())
        })
        .collect();
    // The banner lists each problem in form order, linked to its field; the first one gets
    // the focus (so the page opens there, with or without JavaScript).
    let failing: Vec<&str> = FIELDS
        .iter()
        .copied()
        .filter(|field| !errors[field].is_empty())
        .collect();
    let problems: Vec<_> = failing
        .iter()
        .map(|field| {
            let target = match *field {
                "attachments" => "attachment",
                other => other,
            };
            context! { target => target, message => errors[field] }
        })
        .collect();
    let first_problem = failing.first().copied().unwrap_or_default();
    let html = state
        .views
        .page(
            "intake/form.html",
            lang,
            context! {
                path => &page.path,
                items => items,
                draft => page.draft,
                errors => errors,
                problems => problems,
                first_problem => first_problem,
                has_errors => !page.errors.is_empty() || page.notice.is_some(),
                submission => page.submission.as_str(),
                dropped_files => page.dropped_files,
                notice => page.notice.map(|k| locales.t(lang, k)),
                desk_sign => page.provenance.service_point_id.is_some(),
                offers_identification => page.provenance.offers_identification(),
                today => crate::clock::china_today(state.clock.now()).to_string(),
            },
        )
        .internal("rendering the report form")?;
    Ok(no_store((page.status, html).into_response()))
}

/// The confirmation page: the query code is shown here only, for the few minutes its sealed
/// copy is kept; after that (or without a receipt at all) the page says the report was
/// received and to use the code noted.
pub fn receipt(
    state: &AppState,
    lang: Lang,
    receipt: Option<&Receipt>,
) -> Result<Response, AppError> {
    let html = state
        .views
        .page(
            "intake/done.html",
            lang,
            context! {
                found => receipt.is_some(),
                case_number => receipt.map(|r| r.case_number.as_str()),
                code => receipt.and_then(|r| r.query_code.as_ref()).map(|c| c.grouped()),
                received_at => receipt.map(|r| r.received_at.as_str()),
            },
        )
        .internal("rendering the confirmation")?;
    Ok(no_store(html.into_response()))
}

/// The "enter your query code" page, optionally with a refusal.
pub fn entry(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let html = state
        .views
        .page(
            "intake/query.html",
            lang,
            context! {
                notice => notice.map(|k| state.views.locales.t(lang, k)),
            },
        )
        .internal("rendering the query page")?;
    let mut response = no_store((status, html).into_response());
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("900"));
    }
    Ok(response)
}

/// The follow-up page of one case. `code` goes back into the hidden field of each form.
pub fn case(
    state: &AppState,
    lang: Lang,
    view: &PublicView,
    code: &str,
    status: StatusCode,
    notice: Option<(&'static str, bool)>,
) -> Result<Response, AppError> {
    let html = state
        .views
        .page(
            "intake/case.html",
            lang,
            context! {
                case => view,
                code => code,
                // One-time ids for the reply and evidence forms: sending one form twice (a
                // reload, a double tap) stores one action.
                reply_once => SubmissionId::generate().internal("making a form id")?.as_str(),
                evidence_once => SubmissionId::generate().internal("making a form id")?.as_str(),
                objection_once => SubmissionId::generate().internal("making a form id")?.as_str(),
                notice => notice.map(|(k, _)| state.views.locales.t(lang, k)),
                notice_ok => notice.is_some_and(|(_, ok)| ok),
            },
        )
        .internal("rendering the follow-up page")?;
    Ok(no_store((status, html).into_response()))
}
