//! `/account/totp`: turning the second factor on, replacing it and turning it off. The
//! server chooses the secret and keeps it while the person enrols; every change needs the
//! password and, where a second factor is on, a code of the app already enrolled. Guesses are
//! throttled per account like logins.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::totp::{self, TotpRefusal};
use crate::access::CurrentUser;
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::limits::Gate;
use crate::state::AppState;

/// What the page shows besides the forms.
enum Outcome<'a> {
    /// The forms, with a refusal when there is one.
    Form(Option<&'a str>),
    /// The change worked: the message key that says so.
    Done(&'static str),
}

async fn render(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Result<Response, AppError> {
    let (error, done) = match outcome {
        Outcome::Form(error) => (error.map(str::to_string), None),
        Outcome::Done(key) => (None, Some(state.views.locales.t(lang, key).to_string())),
    };
    // The enrolment form is drawn only where it is needed: not on the page that says it worked.
    let (secret, qr) = if done.is_none() {
        let secret = totp::pending_secret(&state.writes, user.user.id, state.clock.now()).await?;
        let uri = totp::otpauth_uri(&state.settings.org_name, &user.user.username, &secret);
        let qr = totp::qr_svg(&uri).internal("drawing the enrolment code")?;
        (Some(secret), Some(qr))
    } else {
        (None, None)
    };
    let enrolled = users_totp_on(state, user.user.id).await?;
    let page = state
        .views
        .page(
            "auth/totp.html",
            lang,
            minijinja::context! {
                me => user.context(lang),
                csrf => &user.csrf,
                secret => secret,
                qr => qr,
                error => error,
                done => done,
                enrolled => enrolled,
                minutes => totp::ENROLMENT_MINUTES.to_string(),
            },
        )
        .internal("rendering the TOTP page")?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], page).into_response())
}

/// Whether the account has a second factor now (the session's copy may predate a change).
async fn users_totp_on(state: &AppState, user_id: i64) -> Result<bool, AppError> {
    use sea_orm::EntityTrait;
    Ok(crate::entities::users::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .is_some_and(|u| u.totp_secret.is_some()))
}

/// `GET /account/totp`: the secret the server chose, as a QR code for an authenticator app.
pub(super) async fn totp_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Response, AppError> {
    render(&state, lang, &user, StatusCode::OK, Outcome::Form(None)).await
}

/// The enrolment form. A `secret` field, if a client sends one, is ignored: the secret is the
/// one the server keeps.
#[derive(Deserialize)]
pub(super) struct EnrolForm {
    #[serde(default)]
    password: String,
    /// A code of the app already enrolled, when replacing it.
    #[serde(default)]
    current_code: String,
    /// A code of the new secret.
    #[serde(default)]
    code: String,
}

/// The removal form.
#[derive(Deserialize)]
pub(super) struct RemoveForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    current_code: String,
}

/// `POST /account/totp`: turns the second factor on (or replaces it) once the app shows the
/// right code.
pub(super) async fn totp_enrol(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<EnrolForm>,
) -> Result<Response, AppError> {
    let current = Some(form.current_code.as_str()).filter(|c| !c.trim().is_empty());
    let code = form.code;
    guarded(
        &state,
        lang,
        &user,
        form.password,
        "totp_done_on",
        async |stamp| totp::enrol(&state.writes, stamp, user.user.id, current, &code).await,
    )
    .await
}

/// `POST /account/totp/remove`: turns the second factor off.
pub(super) async fn totp_remove(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let current = form.current_code;
    guarded(
        &state,
        lang,
        &user,
        form.password,
        "totp_done_off",
        async |stamp| totp::remove(&state.writes, stamp, user.user.id, &current).await,
    )
    .await
}

/// Runs `change` if this account's throttle allows a try and `password` is right; counts a
/// refusal against the account, and answers with the page that says what happened.
async fn guarded(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    password: String,
    done: &'static str,
    change: impl AsyncFnOnce(
        &crate::audit::Stamp<'_>,
    ) -> Result<Result<(), TotpRefusal>, sea_orm::DbErr>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let key = crate::crypto::keyed_hash(
        state.key(),
        "totp-change",
        user.user.id.to_string().as_bytes(),
    );
    if let Gate::Wait(wait) = state.limits.login_attempt(&key, now) {
        let message = state.views.locales.t(lang, "login_throttled").to_string();
        let mut page = render(
            state,
            lang,
            user,
            StatusCode::TOO_MANY_REQUESTS,
            Outcome::Form(Some(&message)),
        )
        .await?;
        if let Ok(value) = HeaderValue::from_str(&wait.num_seconds().max(1).to_string()) {
            page.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(page);
    }
    let hash = user.user.password_hash.clone();
    let password_ok = state
        .pools
        .passwords
        .run(move || super::verify_password(&password, &hash))
        .await;
    let outcome = match password_ok {
        Ok(true) => change(&state.stamp(user.actor()))
            .await
            .map(|r| r.map_err(TotpRefusal::message_key)),
        Ok(false) => Ok(Err("totp_wrong_password")),
        Err(e) => {
            state.limits.login_abandoned(&key);
            return Err(e.into());
        }
    };
    match outcome {
        Ok(Ok(())) => {
            state.limits.login_succeeded(&key);
            render(state, lang, user, StatusCode::OK, Outcome::Done(done)).await
        }
        Ok(Err(refusal)) => {
            state.limits.login_failed(&key, now);
            let message = state.views.locales.t(lang, refusal).to_string();
            render(
                state,
                lang,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::Form(Some(&message)),
            )
            .await
        }
        Err(e) => {
            state.limits.login_abandoned(&key);
            Err(e.into())
        }
    }
}
