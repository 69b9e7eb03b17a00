//! Confirming an irreversible step without JavaScript: the first POST of such a form answers
//! with a page that names the consequence and repeats the form, hidden, with `confirm=1` and
//! a "确认" button; only that second POST takes the step. Declining, closing and reopening a
//! case, revoking an API token and disabling an account go through it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::Views;

/// The form field a confirmed POST carries.
pub const CONFIRM_FIELD: &str = "confirm";

/// Whether a form's `confirm` field says the person confirmed.
pub fn confirmed(value: &str) -> bool {
    value == "1"
}

/// What the confirmation page says and posts again.
#[derive(Clone, Debug, Serialize)]
pub struct Confirmation {
    /// The heading: "确认不予受理".
    pub title: String,
    /// What will happen, in a sentence or two.
    pub consequence: String,
    /// Where the confirmed form posts.
    pub action: String,
    /// The form's fields (the CSRF token and `confirm` are added).
    pub fields: Vec<(String, String)>,
    /// The confirming button's words.
    pub button: String,
    /// Where "取消" leads.
    pub cancel: String,
}

impl Confirmation {
    /// A confirmation of `title` posting `fields` to `action`, going back to `cancel`.
    pub fn new(title: String, consequence: String, action: String, cancel: String) -> Self {
        Self {
            button: title.clone(),
            title,
            consequence,
            action,
            fields: Vec::new(),
            cancel,
        }
    }

    /// One more field posted again as it came.
    pub fn field(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields.push((name.to_string(), value.into()));
        self
    }

    /// The page, for `user` in `lang` (200: nothing went wrong, nothing happened yet).
    pub fn page(
        &self,
        views: &Views,
        user: &CurrentUser,
        lang: Lang,
    ) -> Result<Response, AppError> {
        let page = user.page(
            views,
            "staff/confirm.html",
            lang,
            minijinja::context! { confirm => self },
        )?;
        Ok((StatusCode::OK, page).into_response())
    }
}
