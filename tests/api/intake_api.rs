//! The JSON intake API (its OpenAPI document: `openapi.rs`).

use serde_json::{Value, json};

use crate::support::intake::{CardKind, STORY, count, insert_card, jpeg_with_exif_and_gps};
use crate::support::{Upload, on_each_database};
use jianduka::entities::cases as case_rows;
use sea_orm::EntityTrait;

#[tokio::test]
async fn a_json_report_returns_a_case_number_and_a_query_code_that_reads_its_status() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let response = app
            .post_report_api(
                &json!({ "items": [1, 9], "description": STORY, "card_token": card.token }),
            )
            .await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.expect("json");
        let code = created["query_code"].as_str().expect("code").to_string();
        assert_eq!(code.len(), 16);
        assert_eq!(created["status"], "new");
        assert_eq!(count(&app.db, "report_items").await, 2);
        let case = case_rows::Entity::find()
            .one(&app.db)
            .await
            .expect("q")
            .expect("case");
        assert_eq!(created["case_number"], case.number.as_str());
        crate::support::cases::message(&app, case.id, "已收到，正在核实。").await;

        let by_header: Value = app
            .report_status_api(&code)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(by_header["status"], "new");
        assert_eq!(by_header["timeline"][0]["kind"], "received");
        assert_eq!(by_header["messages"][0]["body"], "已收到，正在核实。");
        let by_body = app
            .client
            .post(format!("{}/api/v1/reports/status", app.address))
            .json(&json!({ "query_code": code }))
            .send()
            .await
            .expect("sent");
        assert_eq!(by_body.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn a_json_report_with_bad_fields_gets_422_naming_them_and_a_wrong_code_gets_404() {
    on_each_database(async |app| {
        let response = app
            .client
            .post(format!("{}/api/v1/reports?lang=en", app.address))
            .json(&json!({ "items": [], "description": "short" }))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let message = body["error"].as_str().expect("error");
        assert!(
            message.contains("items:") && message.contains("description:"),
            "{message}"
        );
        let response = app
            .client
            .post(format!("{}/api/v1/reports", app.address))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 400);
        assert!(response.json::<Value>().await.expect("json")["error"].is_string());
        let response = app.report_status_api("0000000000000000").await;
        assert_eq!(response.status(), 404);
        assert!(response.json::<Value>().await.expect("json")["error"].is_string());
        assert_eq!(count(&app.db, "reports").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_multipart_json_report_carries_photos_and_refuses_disguised_files() {
    on_each_database(async |app| {
        let report = json!({ "items": [2], "description": STORY });
        let photo = Upload::new("a.jpg", "image/jpeg", jpeg_with_exif_and_gps(32, 16));
        let response = app.post_report_api_with_files(&report, &[photo]).await;
        assert_eq!(response.status(), 201);
        assert_eq!(count(&app.db, "attachments").await, 1);

        let disguised = Upload::new("b.jpg", "image/jpeg", b"MZ\x90\x00 not a photo".to_vec());
        let response = app.post_report_api_with_files(&report, &[disguised]).await;
        assert_eq!(response.status(), 415);
        assert!(response.json::<Value>().await.expect("json")["error"].is_string());
        assert_eq!(count(&app.db, "reports").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_status_request_without_a_query_code_is_a_400_and_costs_no_attempt() {
    on_each_database(async |app| {
        let url = format!("{}/api/v1/reports/status", app.address);
        for _ in 0..12 {
            let response = app.client.get(&url).send().await.expect("sent");
            assert_eq!(response.status(), 400);
            let body: Value = response.json().await.expect("json");
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("X-Query-Code")),
                "{body}"
            );
            let blank = app
                .client
                .get(&url)
                .header("X-Query-Code", "  ")
                .send()
                .await
                .expect("sent");
            assert_eq!(blank.status(), 400);
            let empty_body = app
                .client
                .post(&url)
                .json(&json!({ "query_code": "" }))
                .send()
                .await
                .expect("sent");
            assert_eq!(empty_body.status(), 400);
        }
        // None of those counted as a wrong code: the right one opens the case at once.
        let response = app
            .post_report_api(&json!({ "items": [3], "description": STORY }))
            .await;
        let created: Value = response.json().await.expect("json");
        let code = created["query_code"].as_str().expect("code");
        let response = app
            .client
            .get(&url)
            .header("X-Query-Code", code)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn a_status_request_without_its_code_or_without_json_gets_a_documented_400_or_415() {
    let app = crate::support::spawn_app().await;
    let response = app.get("/api/v1/reports/status").await;
    assert_eq!(response.status(), 400);
    assert!(response.json::<Value>().await.expect("json")["error"].is_string());
    let response = app
        .client
        .post(format!("{}/api/v1/reports/status", app.address))
        .body(r#"{"query_code": "1234"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 415);
    assert!(response.json::<Value>().await.expect("json")["error"].is_string());
    let document: Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let status = &document["paths"]["/v1/reports/status"];
    assert!(status["get"]["responses"]["400"].is_object());
    assert!(status["post"]["responses"]["415"].is_object());
    // Neither counted as a wrong code: the right one still opens at once.
    for _ in 0..10 {
        assert_eq!(app.get("/api/v1/reports/status").await.status(), 400);
    }
}
