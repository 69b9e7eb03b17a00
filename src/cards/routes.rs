//! Print-staff pages: issue form and card search, card detail with revoke and reissue,
//! batch list with statistics, batch detail. Downloads and previews are in `downloads.rs`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Channel, IssueRequest, IssuedBy, Target};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// `/staff/cards…` and `/staff/batches…`: print staff (and admins).
pub fn staff_routes() -> StaffRouter {
    StaffRouter::new(Access::Print)
        .get("/staff/cards", cards_page)
        .post("/staff/cards/issue", issue)
        .get("/staff/cards/{id}", card_page)
        .post("/staff/cards/{id}/revoke", revoke)
        .post("/staff/cards/{id}/reissue", reissue)
        .get("/staff/cards/{id}/front.png", super::downloads::front)
        .get("/staff/cards/{id}/back.png", super::downloads::back)
        .get("/staff/batches", batches_page)
        .get("/staff/batches/{id}", batch_page)
        .get("/staff/batches/{id}/download", super::downloads::download)
}

fn page(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Html<String>, AppError> {
    user.page(&state.views, template, lang, ctx)
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
}

/// What the issue form was filled in with, kept when it comes back with an error.
#[derive(Clone, Debug, Default, serde::Serialize)]
struct IssueForm {
    csrf: String,
    target: String,
    district: String,
    usccs: String,
    service_points: Vec<i64>,
    channel: String,
    again: bool,
    /// The batch size the person was shown and confirmed; absent on the first submit.
    expected: Option<usize>,
}

impl IssueForm {
    fn parse(body: &[u8]) -> Self {
        let mut form = IssueForm::default();
        for (key, value) in url::form_urlencoded::parse(body) {
            match key.as_ref() {
                "csrf" => form.csrf = value.into_owned(),
                "target" => form.target = value.into_owned(),
                "district" => form.district = value.into_owned(),
                "usccs" => form.usccs = value.into_owned(),
                "service_point" => {
                    if let Ok(id) = value.trim().parse() {
                        form.service_points.push(id);
                    }
                }
                "channel" => form.channel = value.into_owned(),
                "again" => form.again = !value.is_empty(),
                "expected" => form.expected = value.trim().parse().ok(),
                _ => {}
            }
        }
        form
    }

    /// The chosen target; without JavaScript a person may fill in a field and forget its
    /// radio button, so an unticked form counts when exactly one field is filled in.
    fn chosen_target(&self) -> &str {
        if !self.target.is_empty() {
            return &self.target;
        }
        let filled = [
            ("district", !self.district.trim().is_empty()),
            ("enterprises", !self.usccs.trim().is_empty()),
            ("service_points", !self.service_points.is_empty()),
        ];
        let mut chosen = filled.iter().filter(|(_, yes)| *yes);
        match (chosen.next(), chosen.next()) {
            (Some((name, _)), None) => name,
            _ => "",
        }
    }

    fn request(&self, by: IssuedBy) -> Result<IssueRequest, AppError> {
        let target = match self.chosen_target() {
            "all" => Target::AllEnterprises,
            "district" => Target::District(self.district.clone()),
            "enterprises" => Target::Enterprises(
                self.usccs
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            "service_points" if self.service_points.is_empty() => Target::ServicePoints(None),
            "service_points" => Target::ServicePoints(Some(self.service_points.clone())),
            _ => {
                return Err(AppError::Unprocessable(Msg::new(
                    "cards_error_choose_target",
                )));
            }
        };
        let channel = match self.channel.trim() {
            "" => None,
            other => Some(Channel::parse(other).ok_or_else(|| {
                AppError::Unprocessable(Msg::new("cards_error_channel").arg("channel", other))
            })?),
        };
        Ok(IssueRequest {
            target,
            channel,
            again: self.again,
            expected: self.expected,
            issued_by: by,
        })
    }
}

async fn render_cards_page(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    q: &str,
    form: &IssueForm,
    error: Option<String>,
    preview: Option<super::Preview>,
) -> Result<Html<String>, AppError> {
    let districts = super::districts(&state.db).await?;
    let points = super::service_point_choices(&state.db).await?;
    let results = super::search_cards(&state.db, q).await?;
    let enterprise_total: i64 = districts.iter().map(|(_, n, _)| n).sum();
    page(
        state,
        lang,
        user,
        "cards/cards.html",
        minijinja::context! {
            q => q,
            results => results,
            districts => districts,
            enterprise_total => enterprise_total,
            points => points,
            form => form,
            error => error,
            preview => preview,
            print_warnings => print_warnings(state, lang),
        },
    )
}

/// What the issuing and batch pages warn of before anyone prints, in the reader's language:
/// an address no phone can open (issuing refused), a trial setting, the default issuer name.
fn print_warnings(state: &AppState, lang: Lang) -> Vec<String> {
    let settings = &state.settings;
    let t = |key: &'static str| {
        let warning = Msg::new(key)
            .arg("url", settings.base_url())
            .arg("mark", super::SAMPLE_MARK)
            .arg("name", settings.org_name.as_str());
        state.views.locales.msg(lang, &warning)
    };
    let mut warnings = Vec::new();
    match super::address::check(settings) {
        Err(_) => warnings.push(t("cards_warn_local")),
        Ok(super::PrintAddress::Sample) => warnings.push(t("cards_warn_sample")),
        Ok(super::PrintAddress::Public) => {}
    }
    if super::address::issuer_warning(settings).is_some() {
        warnings.push(t("cards_warn_issuer"));
    }
    warnings
}

async fn cards_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, AppError> {
    // No target is preselected: issuing to every enterprise must be a deliberate choice.
    let form = IssueForm::default();
    let q = query.q.unwrap_or_default();
    render_cards_page(&state, lang, &user, q.trim(), &form, None, None).await
}

async fn issue(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let form = IssueForm::parse(&body);
    let by = IssuedBy::user(user.user.id, &user.user.username, state.clock.now());
    let address = super::address::check(&state.settings).map_err(|_| {
        let warning = print_warnings(&state, lang).into_iter().next();
        AppError::Unprocessable(warning.unwrap_or_default().into())
    });
    let request = match address.and_then(|_| form.request(by)) {
        Ok(request) => request,
        Err(e) => return refused(&state, lang, &user, &form, e).await,
    };
    if form.expected.is_none() {
        // First the count: nothing is made until the person has seen how many.
        return match super::preview(&state.db, &request.target, request.again).await {
            Ok(preview) => {
                let page =
                    render_cards_page(&state, lang, &user, "", &form, None, Some(preview)).await?;
                Ok(page.into_response())
            }
            Err(e) => refused(&state, lang, &user, &form, e.into()).await,
        };
    }
    let target = request.target.clone();
    match super::issue(&state.writes, state.key(), request).await {
        Ok(issued) => Ok(Redirect::to(&format!(
            "/staff/batches/{}?issued={}&skipped={}",
            issued.batch_id, issued.count, issued.skipped
        ))
        .into_response()),
        Err(super::CardError::Changed { expected, now }) => {
            // The register changed since the count was shown: show the new count instead.
            let form = IssueForm {
                expected: None,
                ..form
            };
            let preview = super::preview(&state.db, &target, form.again).await.ok();
            let message = state.views.locales.msg(
                lang,
                &Msg::new("cards_issue_changed")
                    .arg("expected", expected)
                    .arg("now", now),
            );
            let page =
                render_cards_page(&state, lang, &user, "", &form, Some(message), preview).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => refused(&state, lang, &user, &form, e.into()).await,
    }
}

/// The issuing page again with the refusal on top, for what the person can mend; anything
/// else is answered as the error it is.
async fn refused(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    form: &IssueForm,
    e: AppError,
) -> Result<Response, AppError> {
    match e {
        AppError::Unprocessable(_) | AppError::Conflict(_) => {
            let error = state.views.locales.msg(lang, &e.public_message());
            let page = render_cards_page(state, lang, user, "", form, Some(error), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        e => Err(e),
    }
}

async fn card_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let detail = super::card_by_id(&state.db, id).await?;
    page(
        &state,
        lang,
        &user,
        "cards/card.html",
        minijinja::context! { d => detail },
    )
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
    /// The "I confirm" box of the form (works without JavaScript).
    #[serde(default)]
    confirm: String,
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// Revoking and reissuing cannot be undone: the form's confirmation box must be ticked.
fn confirmed(state: &AppState, lang: Lang, confirm: &str, key: &str) -> Result<(), AppError> {
    if confirm == "yes" {
        Ok(())
    } else {
        Err(AppError::Unprocessable(
            state.views.locales.t(lang, key).to_string().into(),
        ))
    }
}

async fn revoke(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<RevokeForm>,
) -> Result<Redirect, AppError> {
    confirmed(&state, lang, &form.confirm, "cards_revoke_unconfirmed")?;
    let by = IssuedBy::user(user.user.id, &user.user.username, state.clock.now());
    super::revoke(&state.writes, state.key(), id, &form.reason, &by).await?;
    Ok(Redirect::to(&format!("/staff/cards/{id}")))
}

async fn reissue(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> Result<Redirect, AppError> {
    confirmed(&state, lang, &form.confirm, "cards_reissue_unconfirmed")?;
    let by = IssuedBy::user(user.user.id, &user.user.username, state.clock.now());
    let new = super::reissue(&state.writes, state.key(), id, &by).await?;
    Ok(Redirect::to(&format!("/staff/cards/{}", new.id)))
}

/// Pages past this are refused quietly (shown empty) rather than overflowing an offset.
const MAX_PAGE: u64 = 1_000_000;

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<u64>,
    /// Set by the redirect after issuing: what the new batch holds and whom it skipped.
    issued: Option<u64>,
    skipped: Option<u64>,
}

async fn batches_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let current = query.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (batches, pages) = super::list_batches(&state.db, current - 1).await?;
    let stats = super::stats(&state.db).await?;
    page(
        &state,
        lang,
        &user,
        "cards/batches.html",
        minijinja::context! { batches, stats, page => current, pages },
    )
}

async fn batch_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let batch = super::find_batch(&state.db, id).await?;
    let current = query.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (cards, pages) = super::batch_cards(&state.db, id, current - 1).await?;
    let shortened = super::shortened_names(&state.db, &state.settings, id).await?;
    page(
        &state,
        lang,
        &user,
        "cards/batch.html",
        minijinja::context! {
            batch, cards, page => current, pages,
            issued => query.issued, skipped => query.skipped,
            qr_address => format!("{}/r/…", state.settings.base_url()),
            print_warnings => print_warnings(&state, lang),
            shortened,
        },
    )
}
