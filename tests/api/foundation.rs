//! The server itself: health, readiness, metrics, errors, login, privacy of the logs.

use crate::support::{on_each_database, spawn_app};

#[tokio::test]
async fn health_and_readiness_answer_200() {
    on_each_database(async |app| {
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200, "healthz on {}", app.backend);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200, "readyz on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn the_default_negative_list_and_deadlines_are_seeded_once() {
    on_each_database(async |app| {
        let list = jianduka::negative_list::current(&app.db)
            .await
            .expect("list");
        assert_eq!(list.version, 1);
        assert_eq!(list.items.len(), 10);
        assert_eq!(list.items[0].text_zh, "门难进、脸难看、话难听、事难办");
        assert_eq!(list.items[9].position, 10);
        // A second start on the same database changes nothing.
        assert!(
            !jianduka::negative_list::seed_default(&app.db, chrono::Utc::now())
                .await
                .expect("seed")
        );
        let policy = jianduka::deadlines::current(&app.db).await.expect("policy");
        assert_eq!(
            (
                policy.accept_days,
                policy.conclude_days,
                policy.feedback_days
            ),
            (3, 15, 5)
        );
    })
    .await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_not_by_path() {
    let app = crate::support::spawn_app_with_settings(crate::support::Backend::Sqlite, |s| {
        s.metrics_token = Some(jianduka::config::Secret::new("metrics-token-0123".into()));
    })
    .await;
    app.get("/healthz").await;
    app.get("/no-such-page-secret-token-abc").await;
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("metrics-token-0123")
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains("route=\"/healthz\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("route=\"(unmatched)\""), "{text}");
    assert!(
        !text.contains("secret-token-abc"),
        "raw paths must not appear: {text}"
    );
}

#[tokio::test]
async fn an_unknown_page_gets_a_plain_404_page() {
    let app = spawn_app().await;
    let response = app.get("/nowhere").await;
    assert_eq!(response.status(), 404);
    let csp = response
        .headers()
        .get("content-security-policy")
        .expect("CSP header")
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(csp.contains("default-src 'none'"));
    let body = response.text().await.expect("body");
    assert!(body.contains("页面不存在"));
}

#[tokio::test]
async fn the_first_admin_logs_in_changes_the_password_and_reaches_the_staff_home() {
    on_each_database(async |app| {
        // Before login the staff pages redirect to the login page.
        let response = app.get("/staff").await;
        assert_eq!(response.status(), 303);
        assert!(
            response.headers()["location"]
                .to_str()
                .expect("ascii")
                .starts_with("/login")
        );
        app.login_as_admin().await;
        let home = app.get("/staff").await;
        assert_eq!(home.status(), 200, "staff home on {}", app.backend);
        assert!(home.text().await.expect("body").contains("系统管理员"));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_repeated_failures_lock_the_account() {
    on_each_database(async |app| {
        for _ in 0..5 {
            let response = app.login("admin", "wrong-password").await;
            assert_eq!(response.status(), 401);
        }
        // Now even the right password is refused for a while (from this address).
        let response = app.login("admin", &app.admin_password).await;
        assert!(matches!(response.status().as_u16(), 401 | 429));
        assert!(response.text().await.expect("body").contains("次"));
    })
    .await;
}

#[tokio::test]
async fn a_form_post_without_the_session_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.login_as_admin().await;
    let response = app.post_form("/logout", &[("csrf", "forged")]).await;
    assert_eq!(response.status(), 403);
    // Still logged in.
    assert_eq!(app.get("/staff").await.status(), 200);
}

#[tokio::test]
async fn the_shipped_working_day_calendar_is_stored_with_next_year_marked_unpublished() {
    on_each_database(async |app| {
        let cal = jianduka::deadlines::calendar::load(&app.db)
            .await
            .expect("calendar");
        assert!(cal.is_published(2026));
        assert!(!cal.is_published(2027));
        let national_day = chrono::NaiveDate::from_ymd_opt(2026, 10, 5).expect("date");
        assert!(!cal.is_working_day(national_day));
        let swapped = chrono::NaiveDate::from_ymd_opt(2026, 9, 20).expect("date");
        assert!(cal.is_working_day(swapped));
    })
    .await;
}

#[tokio::test]
async fn api_errors_are_json() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/no-such-endpoint").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body["error"], "没有这个 API 接口");
    // A client that asks for English gets it in English.
    let english = app
        .client
        .get(format!("{}/api/v1/no-such-endpoint", app.address))
        .header("accept-language", "en")
        .send()
        .await
        .expect("request sent");
    let body: serde_json::Value = english.json().await.expect("a JSON body");
    assert_eq!(body["error"], "No such API endpoint");
}

#[tokio::test]
async fn a_one_time_password_opens_only_the_password_page() {
    let app = spawn_app().await;
    let response = app.login("admin", &app.admin_password).await;
    assert_eq!(response.status(), 303);
    for page in ["/staff", "/staff/enterprises", "/staff/batches"] {
        let response = app.get(page).await;
        assert_eq!(response.status(), 303, "{page}");
        assert_eq!(
            response.headers()["location"],
            "/account/password",
            "{page}"
        );
    }
    assert_eq!(app.get("/account/password").await.status(), 200);
}
