//! Sending a report is idempotent: a reload, a double tap or a retry of the same form files
//! one report and shows the same receipt; the receipt is a page of its own (redirect after
//! POST); the query code is never stored in the clear; a refused form names the files to
//! choose again.

use chrono::Duration;
use sea_orm::{ConnectionTrait, Statement};

use crate::support::intake::{
    CardKind, STORY, count, insert_card, png, query_code_in, submission_id_in,
};
use crate::support::{Report, TestApp, on_each_database};

/// A client like a browser's, but one that stops at every redirect.
fn stopping_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// The form at `path` and the submission id it carries.
async fn open_form(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let html = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("body");
    submission_id_in(&html)
}

fn case_number_in(html: &str) -> String {
    let marker = "id=\"case-number\">";
    let start = html.find(marker).expect("page shows a case number") + marker.len();
    let end = html[start..].find('<').expect("number ends") + start;
    html[start..end].to_string()
}

#[tokio::test]
async fn sending_the_same_form_twice_files_one_report_and_shows_the_same_receipt() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        for path in [format!("/r/{}", card.token), "/report".to_string()] {
            let before = count(&app.db, "reports").await;
            let id = open_form(&app.client, &app, &path).await;
            let first = app
                .send_report(
                    &app.client,
                    &path,
                    Report::default().items(&[2]).submission(&id),
                )
                .await;
            assert_eq!(first.status(), 200, "{path} on {}", app.backend);
            assert_eq!(first.url().path(), "/receipt");
            let first = first.text().await.expect("body");
            let again = app
                .send_report(
                    &app.client,
                    &path,
                    Report::default().items(&[2]).submission(&id),
                )
                .await;
            assert_eq!(again.status(), 200);
            let again = again.text().await.expect("body");
            assert_eq!(case_number_in(&first), case_number_in(&again));
            assert_eq!(query_code_in(&first), query_code_in(&again));
            assert_eq!(count(&app.db, "reports").await, before + 1, "{path}");
            assert_eq!(count(&app.db, "report_receipts").await, before + 1);
        }
        assert_eq!(count(&app.db, "cases").await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_stored_report_redirects_to_a_receipt_that_a_reload_shows_again() {
    on_each_database(async |app| {
        let client = stopping_client();
        let id = open_form(&client, &app, "/report?lang=en").await;
        let response = app
            .send_report(
                &client,
                "/report?lang=en",
                Report::default().items(&[2]).submission(&id),
            )
            .await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().expect("ascii");
        assert_eq!(location, "/receipt");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("receipt="))
            .expect("a receipt cookie")
            .to_string();
        assert!(
            cookie.contains("Path=/receipt")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert!(!location.contains(&id));

        let shown = |client: reqwest::Client| {
            let url = format!("{}/receipt", app.address);
            async move {
                let response = client.get(url).send().await.expect("receipt");
                assert_eq!(response.status(), 200);
                assert_eq!(
                    response.headers()["cache-control"],
                    "no-store, max-age=0",
                    "the receipt is never cached"
                );
                response.text().await.expect("body")
            }
        };
        let first = shown(client.clone()).await;
        let reload = shown(client.clone()).await;
        assert!(first.contains("Your report was received"));
        assert_eq!(case_number_in(&first), case_number_in(&reload));
        assert_eq!(query_code_in(&first), query_code_in(&reload));
        assert_eq!(count(&app.db, "reports").await, 1);

        // Another browser (no cookie) learns nothing, and is not alarmed either.
        let stranger = shown(stopping_client()).await;
        assert!(
            !stranger.contains("id=\"query-code\"") && !stranger.contains(&case_number_in(&first))
        );
        assert!(stranger.contains("id=\"no-receipt\""));
    })
    .await;
}

#[tokio::test]
async fn simultaneous_sends_of_one_form_file_exactly_one_report() {
    on_each_database(async |app| {
        let id = open_form(&app.client, &app, "/report").await;
        // Four copies of one form with a photo, sent at once (a double tap on a slow link):
        // the photo's cleaning widens the window in which they race.
        let send_one = || {
            let report = Report::default().items(&[2]).submission(&id).file(
                "photo.png",
                "image/png",
                png(400, 300),
            );
            let url = format!("{}/report", app.address);
            async move { report.send_to(&crate::support::new_client(), &url).await }
        };
        let answers = tokio::join!(send_one(), send_one(), send_one(), send_one());
        let mut pages = Vec::new();
        for answer in [answers.0, answers.1, answers.2, answers.3] {
            assert_eq!(answer.status(), 200, "{}", app.backend);
            pages.push(answer.text().await.expect("body"));
        }
        for page in &pages[1..] {
            assert_eq!(case_number_in(page), case_number_in(&pages[0]));
            assert_eq!(query_code_in(page), query_code_in(&pages[0]));
        }
        assert_eq!(count(&app.db, "reports").await, 1, "{}", app.backend);
        assert_eq!(count(&app.db, "cases").await, 1);
        assert_eq!(
            count(&app.db, "attachments").await,
            1,
            "the losers' files went"
        );
    })
    .await;
}

#[tokio::test]
async fn after_half_an_hour_the_receipt_says_the_report_was_received_without_the_code() {
    on_each_database(async |app| {
        let id = open_form(&app.client, &app, "/report").await;
        let first = app
            .send_report(
                &app.client,
                "/report",
                Report::default().items(&[2]).submission(&id),
            )
            .await;
        let first = first.text().await.expect("body");
        let number = case_number_in(&first);

        app.state.clock.advance(Duration::minutes(31));
        let later = app.get("/receipt").await;
        assert_eq!(later.status(), 200);
        let later = later.text().await.expect("body");
        assert!(later.contains("已收到您的反映") && later.contains("id=\"code-gone\""));
        assert_eq!(case_number_in(&later), number);
        assert!(!later.contains("id=\"query-code\""));
        // A late repeat of the same form still files nothing new.
        let repeat = app
            .send_report(
                &app.client,
                "/report",
                Report::default().items(&[2]).submission(&id),
            )
            .await;
        assert_eq!(repeat.status(), 200);
        assert_eq!(case_number_in(&repeat.text().await.expect("body")), number);
        assert_eq!(count(&app.db, "reports").await, 1);

        // The tick forgets sealed codes past their time and receipts past theirs.
        jianduka::reminders::tick::run(&app.state, app.state.clock.now())
            .await
            .expect("tick");
        let sealed = count(&app.db, "report_receipts WHERE sealed_code IS NOT NULL").await;
        assert_eq!(sealed, 0, "the sealed code is dropped after its half hour");
        assert_eq!(count(&app.db, "report_receipts").await, 1);
        app.state.clock.advance(Duration::hours(24));
        jianduka::reminders::tick::run(&app.state, app.state.clock.now())
            .await
            .expect("tick");
        assert_eq!(count(&app.db, "report_receipts").await, 0);
        let gone = app.get("/receipt").await.text().await.expect("body");
        assert!(gone.contains("id=\"no-receipt\""));
    })
    .await;
}

/// Every non-null cell of `table`, as text.
async fn text_cells(app: &TestApp, table: &str) -> Vec<String> {
    let backend = app.db.get_database_backend();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT submission_hash, case_number, sealed_code, CAST(received_at AS TEXT) AS received_at FROM {table}"),
        ))
        .await
        .expect("rows");
    let mut cells = Vec::new();
    for row in rows {
        for column in [
            "submission_hash",
            "case_number",
            "sealed_code",
            "received_at",
        ] {
            if let Ok(Some(cell)) = row.try_get::<Option<String>>("", column) {
                cells.push(cell);
            }
        }
    }
    cells
}

#[tokio::test]
async fn the_database_keeps_neither_the_query_code_nor_the_submission_id_in_the_clear() {
    on_each_database(async |app| {
        let id = open_form(&app.client, &app, "/report").await;
        let html = app
            .send_report(
                &app.client,
                "/report",
                Report::default().items(&[2]).submission(&id),
            )
            .await
            .text()
            .await
            .expect("body");
        let code = query_code_in(&html);
        let cells = text_cells(&app, "report_receipts").await;
        assert!(cells.len() >= 3, "{cells:?}");
        let grouped: String = code
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        for cell in &cells {
            assert!(
                !cell.contains(&code) && !cell.contains(&grouped) && !cell.contains(&id),
                "a cell holds the code or the id: {cell}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_api_client_repeating_a_report_with_its_idempotency_key_gets_the_same_answer() {
    on_each_database(async |app| {
        let body = serde_json::json!({ "items": [2], "description": STORY });
        let post = |key: &'static str| {
            app.client
                .post(format!("{}/api/v1/reports", app.address))
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
        };
        let key = "550e8400-e29b-41d4-a716-446655440000";
        let first = post(key).await.expect("sent");
        assert_eq!(first.status(), 201);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first: serde_json::Value = first.json().await.expect("json");
        let again = post(key).await.expect("sent");
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: serde_json::Value = again.json().await.expect("json");
        assert_eq!(first, again);
        assert_eq!(count(&app.db, "reports").await, 1);

        let bad = post("short").await.expect("sent");
        assert_eq!(bad.status(), 400);
        assert_eq!(count(&app.db, "reports").await, 1);

        app.state.clock.advance(Duration::minutes(31));
        let late = post(key).await.expect("sent");
        assert_eq!(late.status(), 409);
        let late: serde_json::Value = late.json().await.expect("json");
        let number = first["case_number"].as_str().expect("number");
        assert!(late["error"].as_str().is_some_and(|e| e.contains(number)));
        assert_eq!(count(&app.db, "reports").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_refused_form_names_the_files_to_choose_again_next_to_the_banner() {
    on_each_database(async |app| {
        let report = Report::default()
            .items(&[2])
            .text("太短")
            .file("窗口现场.png", "image/png", png(40, 30))
            .file("receipt-scan.png", "image/png", png(40, 30));
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.expect("body");
        let banner = html.find("id=\"problems\"").expect("the banner");
        let note = html
            .find("id=\"files-again\"")
            .expect("a note about the files");
        let form = html.find("<form").expect("the form");
        assert!(
            banner < note && note < form,
            "the note stands at the top, by the banner"
        );
        let note_html = &html[note..form];
        assert!(note_html.contains("请重新选择") && note_html.contains("窗口现场.png"));
        assert!(note_html.contains("receipt-scan.png"));
        assert_eq!(count(&app.db, "reports").await, 0);

        // Without files, no such note.
        let response = app
            .post_report_without_card(Report::default().items(&[2]).text("太短"))
            .await;
        assert!(!response.text().await.expect("body").contains("files-again"));
    })
    .await;
}
