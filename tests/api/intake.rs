//! The report form as a reporter meets it: card provenance, languages, validation.

use sea_orm::EntityTrait;

use crate::support::intake::{CardKind, add_holders, count, insert_card, query_code_in};
use crate::support::{Report, on_each_database, spawn_app};
use jianduka::entities::enums::ReportSource;
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
            .post_report("not-a-real-token-at-all", Report::default())
            .await;
        assert_eq!(response.status(), 200);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.source, ReportSource::UnknownCard);
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
        // Ten holders share the district, batch and channel: none of them is named by it.
        add_holders(&app.db, Some(card.batch_id), "暨阳街道", 9).await;
        let response = app
            .post_report(&card.token, Report::default().items(&[2, 5]))
            .await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.expect("body");
        assert!(html.contains("已收到您的反映") && html.contains("只在本设备上显示30分钟"));
        let code = query_code_in(&html);
        assert_eq!(code.len(), 16);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.district.as_deref(), Some("暨阳街道"));
        assert_eq!(report.batch_id, Some(card.batch_id));
        assert_eq!(report.channel, Some(jianduka::cards::Channel::Visit));
        assert_eq!(report.enterprise_id, None);
        assert!(report.anonymous && !report.from_revoked_card);
        assert!(!report.query_code_hash.contains(&code));
        assert_eq!(count(&app.db, "report_items").await, 2);
        let case = case_rows::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("case");
        assert_eq!(case.status, jianduka::cases::CaseStatus::New);
        assert_eq!(count(&app.db, "case_events").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_reporter_who_opts_in_is_linked_to_their_enterprise() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let response = app
            .post_report(&card.token, Report::default().items(&[3]).identify())
            .await;
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
        let response = app.post_report(&card.token, Report::default()).await;
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
        let response = app.post_report(&card.token, Report::default()).await;
        assert_eq!(response.status(), 200);
        let report = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(report.source, ReportSource::DeskSign);
        assert_eq!(report.district.as_deref(), Some("浣东街道"));
        assert_eq!(report.channel, Some(jianduka::cards::Channel::Window));
        assert!(report.service_point_id.is_some());
    })
    .await;
}

#[tokio::test]
async fn a_reporter_who_leaves_contact_details_is_stored_as_reachable_not_anonymous() {
    on_each_database(async |app| {
        let report = Report::default()
            .items(&[6])
            .contact("王先生", "13805751234");
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 200, "on {}", app.backend);
        let stored = reports::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert!(!stored.anonymous);
        assert_eq!(stored.contact_name.as_deref(), Some("王先生"));
        assert_eq!(stored.contact_phone.as_deref(), Some("13805751234"));
    })
    .await;
}

#[tokio::test]
async fn a_validation_error_brings_the_form_back_filled_in_with_the_problem_next_to_its_field() {
    on_each_database(async |app| {
        let response = app
            .post_report_without_card(
                Report::default()
                    .items(&[4])
                    .text("太短了")
                    .department("某某局三科")
                    .occurred_on("2999-01-01"),
            )
            .await;
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
            .post_report_without_card(Report::default().items(&[]))
            .await;
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

async fn anonymous_report_from(app: &crate::support::TestApp, token: &str) -> reports::Model {
    let response = app.post_report(token, Report::default()).await;
    assert_eq!(response.status(), 200);
    let report = reports::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("stored");
    assert!(report.anonymous);
    report
}

#[tokio::test]
async fn an_anonymous_report_from_a_reissued_card_does_not_keep_its_one_card_batch() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        // Many holders share the district and channel, but not the batch of one.
        add_holders(&app.db, None, "暨阳街道", 12).await;
        let report = anonymous_report_from(&app, &card.token).await;
        assert_eq!(
            report.batch_id, None,
            "a one-card batch would name the enterprise on {}",
            app.backend
        );
        assert_eq!(report.district.as_deref(), Some("暨阳街道"));
        assert_eq!(report.channel, Some(jianduka::cards::Channel::Visit));
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_report_from_the_only_card_holder_of_a_district_keeps_neither_district_nor_batch()
 {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        // The card's batch is large, but its holder is alone in its district.
        add_holders(&app.db, Some(card.batch_id), "枫桥镇", 30).await;
        let report = anonymous_report_from(&app, &card.token).await;
        assert_eq!(report.district, None, "on {}", app.backend);
        assert_eq!(report.batch_id, None, "on {}", app.backend);
        assert_eq!(report.channel, Some(jianduka::cards::Channel::Visit));
        assert_eq!(report.enterprise_id, None);
    })
    .await;
}

#[tokio::test]
async fn a_description_far_over_the_limit_comes_back_cut_with_a_message_not_emptied() {
    let app = spawn_app().await;
    let story = "窗口工作人员推诿扯皮。".repeat(8_000); // ~264 KB, far over 64 KB
    let response = app
        .post_report_without_card(Report::default().items(&[3]).text(&story))
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("窗口工作人员推诿扯皮。窗口工作人员推诿扯皮。"),
        "the text is kept"
    );
    assert!(html.contains("5000"), "the limit is named");
    assert_eq!(count(&app.db, "reports").await, 0);
}

#[tokio::test]
async fn a_refused_form_lists_each_problem_linked_to_its_field_and_opens_at_the_first() {
    let app = crate::support::spawn_app().await;
    let post = async |items: &[i32], description: &str| {
        let response = app
            .post_report_without_card(
                Report::default()
                    .items(items)
                    .text(description)
                    .occurred_on("2999-01-01"),
            )
            .await;
        assert_eq!(response.status(), 422);
        response.text().await.expect("body")
    };
    // Nothing ticked, nothing written, a date in the future: three problems, in form order.
    let page = post(&[], "").await;
    let banner = &page[page.find("id=\"problems\"").expect("a banner")..];
    let banner = &banner[..banner.find("</div>").expect("its end")];
    let links: Vec<&str> = banner
        .split("href=\"#")
        .skip(1)
        .map(|l| &l[..l.find('"').unwrap_or(0)])
        .collect();
    assert_eq!(links, ["items", "description", "occurred_on"], "{banner}");
    // "Required" and "too short" are different messages.
    assert!(page.contains("请写下您遇到的情况"), "{page}");
    assert!(!page.contains("至少 10 个字"));
    let short = post(&[1], "太慢").await;
    assert!(short.contains("至少 10 个字"));
    assert!(!short.contains("请写下您遇到的情况"));
    // Each field's message is tied to it, and the first problem has the focus.
    assert!(page.contains("aria-describedby=\"description-hint description-error\""));
    assert!(page.contains("aria-describedby=\"occurred_on-error\""));
    assert!(page.contains("id=\"items\" aria-describedby=\"items-error\""));
    assert_eq!(page.matches(" autofocus").count(), 1);
    let first_box = page.find("name=\"item\" value=\"1\"").expect("item 1");
    let tag_end = first_box + page[first_box..].find('>').expect("end of the tag");
    assert!(page[first_box..tag_end].contains("autofocus"));
    assert_eq!(count(&app.db, "cases").await, 0);
}
