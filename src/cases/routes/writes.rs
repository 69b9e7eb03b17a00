//! What staff write and read on a case besides its steps: a message to the reporter or an
//! internal note, each with files; and a file of the case, as a download.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::steps::after;
use crate::access::CurrentUser;
use crate::attachments::{self as files, FileProblem};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::exchange::{add_note, post_message};
use crate::cases::pages;
use crate::cases::scope::CaseScope;
use crate::cases::workflow::CaseActor;
use crate::entities::attachments;
use crate::error::{AppError, Msg, ResultExt};
use crate::i18n::Lang;
use crate::mail::events::Mailer;
use crate::state::AppState;

/// A message or a note: its text and files from a multipart form, checked and cleaned.
async fn read_post(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Result<Vec<files::NewAttachment>, FileProblem>), AppError> {
    let upload = match multipart {
        Ok(multipart) => files::read_upload(multipart).await,
        Err(_) => {
            return Err(AppError::BadRequest(Msg::new("error_form_unreadable")));
        }
    };
    let body = upload.text("body").to_string();
    if let Some(problem) = upload.file_problem {
        return Ok((body, Err(problem)));
    }
    // Staff files keep their names (cleaned) and may be Word, Excel or OFD documents.
    let raw: Vec<(String, Vec<u8>)> = upload.kept_names.into_iter().zip(upload.files).collect();
    let cleaned = tokio::task::spawn_blocking(move || files::prepare_staff_all(raw))
        .await
        .internal("preparing files")?;
    Ok((body, cleaned))
}

pub(super) async fn message(
    state: State<AppState>,
    lang: Lang,
    user: CurrentUser,
    id: Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    write(state, lang, user, id, multipart, false).await
}

pub(super) async fn note(
    state: State<AppState>,
    lang: Lang,
    user: CurrentUser,
    id: Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    write(state, lang, user, id, multipart, true).await
}

async fn write(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
    internal: bool,
) -> Result<Response, AppError> {
    let (body, cleaned) = read_post(multipart).await?;
    let typed = if internal {
        pages::Draft::note(&body)
    } else {
        pages::Draft::message(&body)
    };
    let files = match cleaned {
        Ok(files) => files,
        Err(problem) => {
            let refusal = CaseError::Invalid(Msg::new(problem.message_key()));
            let outcome = pages::Outcome::refused(problem.status(), refusal, typed);
            return pages::case(&state, lang, &user, id, outcome).await;
        }
    };
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = if internal {
        add_note(&state.writes, &actor, id, &body, &files).await
    } else {
        post_message(&state.writes, &actor, id, &body, &files).await
    }
    .map(|_| ());
    let done = if internal { "note" } else { "message" };
    after(&state, lang, &user, id, result, done, typed).await
}

/// `GET /staff/cases/{id}/files/{file}`: a file of a case the user may see, as a download.
pub(super) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let scope = CaseScope::for_user(&user);
    let txn = state.writes.begin().await?;
    scope.find(&*txn, id).await?;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let file = attachments::Entity::find_by_id(file_id)
        .filter(attachments::Column::CaseId.eq(id))
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new(AuditAction::AttachmentDownloaded, "case", id)
            .with_detail(serde_json::json!({ "attachment": file.id })),
    )
    .await?;
    txn.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&file.filename),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        file.data,
    )
        .into_response())
}

/// `attachment; filename="____.pdf"; filename*=UTF-8''%E8%B0%88…`: a staff file's own name
/// (RFC 6266), with an ASCII stand-in for old clients. A reporter's neutral names
/// (`attachment-1.jpg`) need only the plain form.
fn content_disposition(stored: &str) -> String {
    let ascii: String = stored
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == stored {
        return format!("attachment; filename=\"{ascii}\"");
    }
    let mut encoded = String::new();
    for byte in stored.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chinese_file_name_is_sent_percent_encoded_with_an_ascii_stand_in() {
        assert_eq!(
            super::content_disposition("谈话 记录.pdf"),
            "attachment; filename=\"_____.pdf\"; \
             filename*=UTF-8''%E8%B0%88%E8%AF%9D%20%E8%AE%B0%E5%BD%95.pdf"
        );
        assert_eq!(
            super::content_disposition("attachment-1.jpg"),
            "attachment; filename=\"attachment-1.jpg\""
        );
    }
}
