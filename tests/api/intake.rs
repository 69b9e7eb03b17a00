//! The report form and the query-code channel, as a reporter meets them.

use sea_orm::EntityTrait;

use crate::helpers::on_each_database;
use crate::intake_support::{CardKind, STORY, count, insert_card, query_code_in, report_form};
use jianduka::cases::{self, CaseStatus};
use jianduka::entities::{cases as case_rows, reports};

#[tokio::test]
async fn a_card_opens_the_form_in_chinese_with_the_promise_before_the_first_field() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let response = app.get(&format!("/r/{}", card.token)).await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.expect("body");
        let promise = html.find("严格保密").expect("promise shown");
        let first_field = html.find("name=\"item\"").expect("items offered");
        assert!(
            promise < first_field,
            "promise comes before the first field"
        );
        assert!(html.contains("吃拿卡要"));
        assert!(
            html.contains("告诉办理人员我是哪家企业"),
            "enterprise cards offer to identify"
        );
        assert!(html.len() < 50 * 1024, "page is {} bytes", html.len());
        assert!(!html.contains("<script>") && !html.contains("style=\""));
    })
    .await;
}

#[tokio::test]
async fn english_is_one_tap_or_one_header_away() {
    on_each_database(async |app| {
        let html = app.get("/report?lang=en").await.text().await.expect("body");
        assert!(html.contains("Report a problem") && html.contains("Extortion"));
        let html = app
            .client
            .get(format!("{}/report", app.address))
            .header("Accept-Language", "en-GB,en;q=0.9")
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("body");
        assert!(html.contains("Send report"));
    })
    .await;
}

#[tokio::test]
async fn an_unknown_token_still_opens_the_form_and_stores_no_provenance() {
    on_each_database(async |app| {
        let response = app.get("/r/not-a-real-token-at-all").await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.expect("body");
        assert!(!html.contains("告诉办理人员我是哪家企业"));
        let response = app
            .client
            .post(format!("{}/r/not-a-real-token-at-all", app.address))
            .multipart(report_form(&[1], STORY))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.source, "unknown_card");
        assert_eq!(
            (report.district, report.batch_id, report.enterprise_id),
            (None, None, None)
        );
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_card_report_keeps_district_batch_and_channel_but_not_the_enterprise() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let response = app
            .client
            .post(format!("{}/r/{}", app.address, card.token))
            .multipart(report_form(&[2, 5], STORY))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let html = response.text().await.expect("body");
        assert!(html.contains("已收到您的反映") && html.contains("只显示这一次"));
        let code = query_code_in(&html);
        assert_eq!(code.len(), 16);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.district.as_deref(), Some("暨阳街道"));
        assert_eq!(report.batch_id, Some(card.batch_id));
        assert_eq!(report.channel.as_deref(), Some("door_to_door"));
        assert_eq!(report.enterprise_id, None);
        assert!(report.anonymous && !report.from_revoked_card);
        assert!(!report.query_code_hash.contains(&code));
        assert_eq!(count(&app.db, "report_items").await, 2);
        let case = case_rows::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("case");
        assert_eq!(case.status, "new");
        assert_eq!(count(&app.db, "case_events").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_reporter_who_opts_in_is_linked_to_their_enterprise() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let form = report_form(&[3], STORY).text("identify", "yes");
        let response = app
            .client
            .post(format!("{}/r/{}", app.address, card.token))
            .multipart(form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.enterprise_id, card.enterprise_id);
        assert!(!report.anonymous);
    })
    .await;
}

#[tokio::test]
async fn revoked_card_still_accepts_a_report_which_is_flagged() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Revoked).await;
        let response = app
            .client
            .post(format!("{}/r/{}", app.address, card.token))
            .multipart(report_form(&[1], STORY))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert!(report.from_revoked_card);
    })
    .await;
}

#[tokio::test]
async fn a_desk_sign_report_records_the_window_district_and_channel() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::DeskSign).await;
        let html = app
            .get(&format!("/r/{}", card.token))
            .await
            .text()
            .await
            .expect("body");
        assert!(html.contains("监督桌牌"));
        let response = app
            .client
            .post(format!("{}/r/{}", app.address, card.token))
            .multipart(report_form(&[1], STORY))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.source, "desk_sign");
        assert_eq!(report.district.as_deref(), Some("浣东街道"));
        assert_eq!(report.channel.as_deref(), Some("service_window"));
        assert!(report.service_point_id.is_some());
    })
    .await;
}

#[tokio::test]
async fn a_validation_error_brings_the_form_back_filled_in_with_the_problem_next_to_its_field() {
    on_each_database(async |app| {
        let form = report_form(&[4], "太短了")
            .text("department", "某某局三科")
            .text("occurred_on", "2999-01-01");
        let response = app
            .client
            .post(format!("{}/report", app.address))
            .multipart(form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 422);
        let html = response.text().await.expect("body");
        assert!(html.contains("至少 10 个字"));
        assert!(html.contains("日期不能晚于今天"));
        assert!(html.contains(">太短了</textarea>"), "description kept");
        assert!(html.contains("value=\"某某局三科\""), "department kept");
        assert!(html.contains("value=\"4\" checked"), "item kept");
        assert!(html.contains("重新选择"), "says files must be chosen again");
        assert_eq!(count(&app.db, "reports").await, 0);
    })
    .await;
}

#[tokio::test]
async fn no_item_ticked_is_refused_with_a_message_and_nothing_is_stored() {
    on_each_database(async |app| {
        let response = app
            .client
            .post(format!("{}/report", app.address))
            .multipart(report_form(&[], STORY))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 422);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("请至少选择一类问题")
        );
        assert_eq!(count(&app.db, "cases").await, 0);
    })
    .await;
}

async fn submit_and_get_code(app: &crate::helpers::TestApp) -> String {
    let response = app
        .client
        .post(format!("{}/report", app.address))
        .multipart(report_form(&[2], STORY))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    query_code_in(&response.text().await.expect("body"))
}

#[tokio::test]
async fn the_query_code_shows_the_timeline_and_the_office_message() {
    on_each_database(async |app| {
        let code = submit_and_get_code(&app).await;
        let case = case_rows::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("case");
        cases::change_status(&app.db, case.id, None, CaseStatus::Accepted, None)
            .await
            .expect("accepted");
        cases::post_office_message(&app.db, case.id, None, "请问具体是哪一天？")
            .await
            .expect("message");
        let grouped = format!(
            "{} {}-{} {}",
            &code[..4],
            &code[4..8],
            &code[8..12],
            &code[12..]
        );
        let response = app.post_form("/q", &[("code", &grouped)]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store, max-age=0")
        );
        let html = response.text().await.expect("body");
        assert!(html.contains(&case.number));
        assert!(html.contains("已收到您的反映"));
        assert!(html.contains("已受理"));
        assert!(html.contains("请问具体是哪一天？"));
    })
    .await;
}

#[tokio::test]
async fn the_reporter_can_reply_and_rate_a_closed_case_and_dissatisfaction_flags_a_supervisor() {
    on_each_database(async |app| {
        let code = submit_and_get_code(&app).await;
        let response = app
            .post_form(
                "/q/reply",
                &[("code", &code), ("body", "是 11 月 3 日上午。")],
            )
            .await;
        assert_eq!(response.status(), 200);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("是 11 月 3 日上午。")
        );
        let case = case_rows::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("case");
        for (to, note) in [
            (CaseStatus::Accepted, None),
            (
                CaseStatus::Concluded,
                Some("经查属实，已责令整改。".to_string()),
            ),
            (CaseStatus::Closed, None),
        ] {
            cases::change_status(&app.db, case.id, None, to, note)
                .await
                .expect("moved");
        }
        let html = app
            .post_form("/q", &[("code", &code)])
            .await
            .text()
            .await
            .expect("body");
        assert!(html.contains("经查属实") && html.contains("对办理结果是否满意"));
        let response = app
            .post_form(
                "/q/rate",
                &[
                    ("code", &code),
                    ("rating", "not_satisfied"),
                    ("comment", "整改不到位"),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        let case = case_rows::Entity::find_by_id(case.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("case");
        assert_eq!(case.rating.as_deref(), Some("not_satisfied"));
        assert!(case.needs_supervisor);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_code_gets_the_same_answer_whatever_the_reason() {
    on_each_database(async |app| {
        submit_and_get_code(&app).await;
        let unknown = app
            .post_form("/q", &[("code", "0000 0000 0000 0001")])
            .await;
        let status = unknown.status();
        let unknown = unknown.text().await.expect("body");
        let malformed = app.post_form("/q", &[("code", "12ab")]).await;
        assert_eq!(status, 404);
        assert_eq!(malformed.status(), status);
        assert_eq!(malformed.text().await.expect("body"), unknown);
        assert!(unknown.contains("没有找到与该查询码对应的反映"));
    })
    .await;
}

#[tokio::test]
async fn repeated_wrong_codes_are_slowed_then_refused_even_with_the_right_code() {
    on_each_database(async |app| {
        let code = submit_and_get_code(&app).await;
        let started = std::time::Instant::now();
        for _ in 0..8 {
            let response = app
                .post_form("/q", &[("code", "9999 9999 9999 9999")])
                .await;
            assert_eq!(response.status(), 404);
        }
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(1500),
            "slowed down"
        );
        let response = app.post_form("/q", &[("code", &code)]).await;
        assert_eq!(response.status(), 429);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("15 分钟后再试")
        );
    })
    .await;
}

#[tokio::test]
async fn too_many_reports_from_one_client_get_a_friendly_429_that_keeps_the_text() {
    on_each_database(async |app| {
        for _ in 0..app.settings.intake_client_limit {
            submit_and_get_code(&app).await;
        }
        let response = app
            .client
            .post(format!("{}/report", app.address))
            .multipart(report_form(&[2], "第十一次反映的内容，应当原样保留。"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 429);
        assert!(response.headers().contains_key("retry-after"));
        let html = response.text().await.expect("body");
        assert!(html.contains("请稍后再试") && html.contains("第十一次反映的内容"));
        assert_eq!(
            count(&app.db, "reports").await,
            i64::from(app.settings.intake_client_limit)
        );
    })
    .await;
}

#[tokio::test]
async fn behind_a_configured_proxy_each_forwarded_client_has_its_own_limit() {
    let app = crate::intake_support::spawn_app_with(|s| {
        s.intake_client_limit = 2;
        s.client_ip_header = Some("X-Real-IP".into());
    })
    .await;
    let send = async |ip: &str| {
        app.client
            .post(format!("{}/report", app.address))
            .header("X-Real-IP", ip)
            .multipart(report_form(&[1], STORY))
            .send()
            .await
            .expect("sent")
            .status()
    };
    assert_eq!(send("198.51.100.1").await, 200);
    assert_eq!(send("198.51.100.1").await, 200);
    assert_eq!(send("198.51.100.1").await, 429);
    assert_eq!(send("198.51.100.2").await, 200);
}
