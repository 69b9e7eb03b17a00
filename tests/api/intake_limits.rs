//! The per-client limits of the public pages hold when requests arrive at the same moment,
//! and a client over them is answered before its body is read.

use serde_json::json;

use crate::support::intake::{STORY, count, png, query_code_in};
use crate::support::{Backend, TestApp, backends, spawn_app_with_settings};
use crate::support::{Report, Upload};

async fn with_limit(backend: Backend, limit: u32) -> TestApp {
    spawn_app_with_settings(backend, |s| s.intake_client_limit = limit).await
}

/// A body announced as multipart that is not: reading it would answer 400.
async fn post_garbage(app: &TestApp, path: &str, content_type: &str) -> u16 {
    app.client
        .post(format!("{}{path}", app.address))
        .header("content-type", content_type)
        .body("this is not what the header says")
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_client_over_its_limit_is_refused_before_its_body_is_read() {
    for backend in backends() {
        let app = with_limit(backend, 2).await;
        let mut code = String::new();
        for _ in 0..2 {
            let response = app.post_report_without_card(Report::default()).await;
            assert_eq!(response.status(), 200, "on {}", app.backend);
            code = query_code_in(&response.text().await.expect("body"));
        }
        let multipart = "multipart/form-data; boundary=x";
        assert_eq!(post_garbage(&app, "/report", multipart).await, 429);
        assert_eq!(
            post_garbage(&app, "/r/AAAAAAAAAAAAAAAAAAAAAA", multipart).await,
            429
        );
        assert_eq!(
            post_garbage(&app, "/api/v1/reports", "application/json").await,
            429
        );
        // Evidence uploads have a limit of their own, checked the same way.
        for _ in 0..2 {
            let photo = Upload::new("p.png", "image/png", png(8, 8));
            let response = app.add_evidence(&code, &[photo]).await;
            assert_eq!(response.status(), 200, "on {}", app.backend);
        }
        assert_eq!(post_garbage(&app, "/q/evidence", multipart).await, 429);
        assert_eq!(count(&app.db, "reports").await, 2);
    }
}

#[tokio::test]
async fn many_reports_sent_at_once_by_form_and_api_store_no_more_than_the_limit() {
    for backend in backends() {
        let app = with_limit(backend, 3).await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let client = app.client.clone();
            let address = app.address.clone();
            tasks.push(tokio::spawn(async move {
                let response = if i % 2 == 0 {
                    let url = format!("{address}/report");
                    Report::default().send_to(&client, &url).await
                } else {
                    client
                        .post(format!("{address}/api/v1/reports"))
                        .json(&json!({ "items": [2], "description": STORY }))
                        .send()
                        .await
                        .expect("sent")
                };
                response.status().as_u16()
            }));
        }
        let mut stored = 0;
        for task in tasks {
            match task.await.expect("joined") {
                200 | 201 => stored += 1,
                429 => {}
                other => panic!("unexpected status {other} on {}", app.backend),
            }
        }
        assert_eq!(stored, 3, "on {}", app.backend);
        assert_eq!(count(&app.db, "reports").await, 3, "on {}", app.backend);
    }
}
