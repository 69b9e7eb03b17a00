//! Staff attach the files they use: a message to the reporter and an internal note each take
//! five files of the largest size, through the CSRF guard (which reads no more of a body than
//! its route declares, and no less); one byte over the declared limit is refused with 413, in
//! the reader's language.

use jianduka::access::Role;
use jianduka::entities::enums::Origin;
use jianduka::entities::{attachments, internal_notes, messages};
use jianduka::limits::MAX_FILES;
use jianduka::limits::bytes::{ATTACHMENTS_BODY, MAX_FILE_BYTES};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TEST_PASSWORD, TestApp, extract_csrf, on_each_database};

/// A PDF of exactly `len` bytes: a header, then a comment a reader skips.
fn pdf_of(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%".to_vec();
    bytes.resize(len, b'a');
    bytes
}

/// A supervisor logged in on a client of their own, a case, and the case page's CSRF token.
async fn supervisor_on_a_case(app: &TestApp) -> (reqwest::Client, i64, String) {
    let case = crate::tracker::report_through_a_card(app).await;
    app.add_user("zhou", Role::Supervisor).await;
    let (client, _) = app.client_for("zhou", TEST_PASSWORD).await;
    let page = client
        .get(format!("{}/staff/cases/{}", app.address, case.id))
        .send()
        .await
        .expect("case page")
        .text()
        .await
        .expect("body");
    (client, case.id, extract_csrf(&page))
}

/// `POST /staff/cases/{id}/{what}` with `body` and five full-size PDFs.
async fn post_with_five_full_files(
    app: &TestApp,
    client: &reqwest::Client,
    case_id: i64,
    csrf: &str,
    what: &str,
    body: &str,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("body", body.to_string());
    for i in 1..=MAX_FILES {
        let part = reqwest::multipart::Part::bytes(pdf_of(MAX_FILE_BYTES))
            .file_name(format!("调查材料-{i}.pdf"))
            .mime_str("application/pdf")
            .expect("mime");
        form = form.part("attachment", part);
    }
    client
        .post(format!("{}/staff/cases/{case_id}/{what}", app.address))
        .multipart(form)
        .send()
        .await
        .expect("sent")
}

/// A note's multipart body of exactly `len` bytes: the token, the text, five full-size
/// attachments, and a part of another name (which the form ignores) filling the rest.
fn note_of_length(boundary: &str, csrf: &str, len: usize) -> Vec<u8> {
    let part = |headers: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; {headers}\r\n\r\n")
    };
    let mut body = format!(
        "{}{csrf}\r\n{}已调取窗口记录。\r\n",
        part("name=\"csrf\""),
        part("name=\"body\"")
    )
    .into_bytes();
    for i in 1..=MAX_FILES {
        body.extend(part(&format!("name=\"attachment\"; filename=\"{i}.pdf\"")).into_bytes());
        body.extend(pdf_of(MAX_FILE_BYTES));
        body.extend(b"\r\n");
    }
    body.extend(part("name=\"padding\"; filename=\"padding.bin\"").into_bytes());
    let end = format!("\r\n--{boundary}--\r\n").into_bytes();
    let fill = len - body.len() - end.len();
    body.extend(std::iter::repeat_n(b'x', fill));
    body.extend(end);
    assert_eq!(body.len(), len);
    body
}

#[tokio::test]
async fn a_staff_message_and_a_note_each_take_five_full_attachments() {
    on_each_database(async |app| {
        let (client, case_id, csrf) = supervisor_on_a_case(&app).await;
        let message =
            post_with_five_full_files(&app, &client, case_id, &csrf, "message", "请查收材料。")
                .await;
        assert_eq!(message.status(), 303, "message on {}", app.backend);
        let note =
            post_with_five_full_files(&app, &client, case_id, &csrf, "note", "已调取窗口记录。")
                .await;
        assert_eq!(note.status(), 303, "note on {}", app.backend);

        let stored = attachments::Entity::find()
            .filter(attachments::Column::CaseId.eq(case_id))
            .filter(attachments::Column::Origin.eq(Origin::Staff))
            .all(&app.db)
            .await
            .expect("attachments");
        assert_eq!(stored.len(), 2 * MAX_FILES, "on {}", app.backend);
        assert!(
            stored
                .iter()
                .all(|a| a.size == MAX_FILE_BYTES as i64 && a.data.len() == MAX_FILE_BYTES)
        );
        let to_reporter = stored.iter().filter(|a| a.message_id.is_some()).count();
        assert_eq!(
            to_reporter, MAX_FILES,
            "the message's files go to the reporter"
        );
        let kept_inside = stored.iter().filter(|a| a.note_id.is_some()).count();
        assert_eq!(
            kept_inside, MAX_FILES,
            "the note's files stay with the note"
        );
        let messages = messages::Entity::find()
            .count(&app.db)
            .await
            .expect("messages");
        let notes = internal_notes::Entity::find()
            .count(&app.db)
            .await
            .expect("notes");
        assert_eq!((messages, notes), (1, 1), "on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn one_byte_over_the_declared_limit_is_refused_with_413_in_the_readers_language() {
    on_each_database(async |app| {
        let (client, case_id, csrf) = supervisor_on_a_case(&app).await;
        let boundary = "jianduka-test-boundary";
        let post = async |len: usize, language: &str| {
            client
                .post(format!("{}/staff/cases/{case_id}/note", app.address))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("accept-language", language)
                .body(note_of_length(boundary, &csrf, len))
                .send()
                .await
                .expect("sent")
        };
        for (language, message) in [("zh-CN", "请求超过 51 MB"), ("en", "larger than 51 MB")] {
            let refused = post(ATTACHMENTS_BODY + 1, language).await;
            assert_eq!(refused.status(), 413, "{language} on {}", app.backend);
            let page = refused.text().await.expect("body");
            assert!(page.contains(message), "{language}: {page}");
        }
        let notes = internal_notes::Entity::find()
            .count(&app.db)
            .await
            .expect("notes");
        assert_eq!(notes, 0, "nothing stored on {}", app.backend);
        // The same note one byte shorter, exactly at the declared limit, is stored.
        let at_limit = post(ATTACHMENTS_BODY, "zh-CN").await;
        assert_eq!(at_limit.status(), 303, "at the limit on {}", app.backend);
        let notes = internal_notes::Entity::find()
            .count(&app.db)
            .await
            .expect("notes");
        assert_eq!(notes, 1, "on {}", app.backend);
    })
    .await;
}
