//! The query-code channel: timeline, messages, replies, rating, wrong codes and limits.

use sea_orm::EntityTrait;

use crate::support::Report;
use crate::support::intake::{STORY, count, png, query_code_in};
use crate::support::on_each_database;
use jianduka::entities::cases as case_rows;

#[tokio::test]
async fn the_query_code_shows_the_timeline_and_the_office_message() {
    on_each_database(async |app| {
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let case = case_rows::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("case");
        crate::support::cases::step(&app, case.id, jianduka::cases::Step::Accept).await;
        crate::support::cases::message(&app, case.id, "请问具体是哪一天？").await;
        let grouped = format!(
            "{} {}-{} {}",
            &code[..4],
            &code[4..8],
            &code[8..12],
            &code[12..]
        );
        let response = app.look_up(&grouped).await;
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
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let response = app.reply_as_reporter(&code, "是 11 月 3 日上午。").await;
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
        crate::support::cases::conclude_and_close(&app, case.id, "经查属实，已责令整改。").await;
        let html = app.look_up(&code).await.text().await.expect("body");
        assert!(html.contains("经查属实") && html.contains("对办理结果是否满意"));
        let response = app.rate(&code, "not_satisfied", "整改不到位").await;
        assert_eq!(response.status(), 200);
        let case = case_rows::Entity::find_by_id(case.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("case");
        assert_eq!(case.rating, Some(jianduka::cases::Rating::NotSatisfied));
        assert!(case.needs_supervisor);
    })
    .await;
}

/// The one-time id in form `action` of a follow-up page.
fn once_in(html: &str, action: &str) -> String {
    let form = &html[html.find(action).expect("the form")..];
    let marker = "name=\"once\" value=\"";
    let start = form.find(marker).expect("a one-time id") + marker.len();
    form[start..start + form[start..].find('"').expect("id ends")].to_string()
}

#[tokio::test]
async fn four_simultaneous_sends_of_one_reply_form_store_one_reply_and_a_reload_adds_nothing() {
    on_each_database(async |app| {
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let page = app.look_up(&code).await.text().await.expect("page");
        let once = once_in(&page, "/q/reply");
        let fields = [
            ("code", code.as_str()),
            ("body", "是 11 月 3 日上午。"),
            ("once", once.as_str()),
        ];
        let send = || app.post_form("/q/reply", &fields);
        let answers = futures_join4(send(), send(), send(), send()).await;
        for answer in answers {
            assert_eq!(answer.status(), 200, "on {}", app.backend);
            assert!(
                answer
                    .text()
                    .await
                    .expect("body")
                    .contains("是 11 月 3 日上午。")
            );
        }
        assert_eq!(
            count(&app.db, "messages").await,
            1,
            "one reply on {}",
            app.backend
        );
        // A reload later (the browser sends the same form again): still one.
        assert_eq!(send().await.status(), 200);
        assert_eq!(count(&app.db, "messages").await, 1);
        // A new page gives a new id: a second reply is a second message.
        let page = app.look_up(&code).await.text().await.expect("page");
        let again = once_in(&page, "/q/reply");
        assert_ne!(again, once);
        let second = app
            .post_form(
                "/q/reply",
                &[("code", &code), ("body", "补充一句。"), ("once", &again)],
            )
            .await;
        assert_eq!(second.status(), 200);
        assert_eq!(count(&app.db, "messages").await, 2);
        // Evidence sent twice with one form's id is stored once.
        let once = once_in(&page, "/q/evidence");
        let before = count(&app.db, "attachments").await;
        for _ in 0..2 {
            let form = reqwest::multipart::Form::new()
                .text("code", code.clone())
                .text("once", once.clone())
                .part(
                    "attachment",
                    crate::support::Upload::new("a.png", "image/png", png(8, 8)).part(),
                );
            let answer = app
                .client
                .post(format!("{}/q/evidence", app.address))
                .multipart(form)
                .send()
                .await
                .expect("sent");
            assert_eq!(answer.status(), 200);
        }
        assert_eq!(
            count(&app.db, "attachments").await,
            before + 1,
            "on {}",
            app.backend
        );
    })
    .await;
}

/// Awaits four futures at once (they race on the server).
async fn futures_join4<F: std::future::Future>(a: F, b: F, c: F, d: F) -> [F::Output; 4] {
    let (a, b, c, d) = tokio::join!(a, b, c, d);
    [a, b, c, d]
}

#[tokio::test]
async fn a_wrong_code_gets_the_same_answer_whatever_the_reason() {
    on_each_database(async |app| {
        app.report_and_get_code(Report::default().items(&[2])).await;
        let unknown = app.look_up("0000 0000 0000 0001").await;
        let status = unknown.status();
        let unknown = unknown.text().await.expect("body");
        let malformed = app.look_up("12ab").await;
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
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let wrong = async || app.look_up("9999 9999 9999 9999").await.status();
        for _ in 0..4 {
            assert_eq!(wrong().await, 404);
        }
        // Slowed: an attempt right after the fourth wrong code is not even checked.
        let hurried = app.look_up(&code).await;
        assert_eq!(hurried.status(), 429);
        assert!(hurried.text().await.expect("body").contains("稍等几秒"));
        for _ in 4..8 {
            app.state.clock.advance(chrono::Duration::seconds(10));
            assert_eq!(wrong().await, 404);
        }
        app.state.clock.advance(chrono::Duration::seconds(10));
        let response = app.look_up(&code).await;
        assert_eq!(response.status(), 429);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("15 分钟后再试")
        );
        // A quiet quarter of an hour later the right code opens the case again.
        app.state.clock.advance(chrono::Duration::minutes(16));
        let response = app.look_up(&code).await;
        assert_eq!(response.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn too_many_reports_from_one_client_get_a_friendly_429_that_keeps_the_text() {
    on_each_database(async |app| {
        for _ in 0..app.settings.intake_client_limit {
            app.report_and_get_code(Report::default().items(&[2])).await;
        }
        let response = app
            .post_report_without_card(
                Report::default()
                    .items(&[2])
                    .text("第十一次反映的内容，应当原样保留。"),
            )
            .await;
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
    let app = crate::support::intake::spawn_app_with(|s| {
        s.intake_client_limit = 2;
        s.client_ip_header = Some("X-Real-IP".into());
    })
    .await;
    let send = async |ip: &str| {
        app.post_report_without_card(Report::default().header("X-Real-IP", ip))
            .await
            .status()
    };
    assert_eq!(send("198.51.100.1").await, 200);
    assert_eq!(send("198.51.100.1").await, 200);
    assert_eq!(send("198.51.100.1").await, 429);
    assert_eq!(send("198.51.100.2").await, 200);
}

#[tokio::test]
async fn the_query_code_appears_in_no_url_and_no_cookie() {
    on_each_database(async |app| {
        let response = app
            .post_report_without_card(Report::default().items(&[2]))
            .await;
        // Followed from the 303: the receipt is a page of its own, found by a cookie that
        // holds a one-time submission id, not the code.
        assert_eq!(response.url().path(), "/receipt");
        let url = response.url().to_string();
        let cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let html = response.text().await.expect("body");
        let code = query_code_in(&html);
        assert!(!url.contains(&code));
        assert!(cookies.iter().all(|c| !c.contains(&code)), "{cookies:?}");
        let grouped = format!(
            "{} {} {} {}",
            &code[..4],
            &code[4..8],
            &code[8..12],
            &code[12..]
        );
        assert_eq!(
            html.matches(&grouped).count(),
            1,
            "shown once, in one place"
        );
        assert!(!html.contains(&code));
        let response = app.look_up(&code).await;
        assert!(response.headers().get("set-cookie").is_none());
        let html = response.text().await.expect("body");
        for attribute in ["href=\"", "action=\"", "src=\""] {
            for value in html.split(attribute).skip(1) {
                let url = value.split('"').next().unwrap_or_default();
                assert!(
                    !url.contains(&code[..4]) || !url.contains(&code[12..]),
                    "{url}"
                );
                assert!(!url.contains(&grouped), "{url}");
            }
        }
        assert!(html.contains(&format!("name=\"code\" value=\"{grouped}\"")));
    })
    .await;
}

#[tokio::test]
async fn the_reporter_sees_what_they_submitted_in_their_language() {
    on_each_database(async |app| {
        let response = app
            .post_report_without_card(
                Report::default()
                    .items(&[2, 7])
                    .department("某镇便民服务中心")
                    .occurred_on("2026-11-20"),
            )
            .await;
        assert_eq!(response.status(), 200);
        let code = query_code_in(&response.text().await.expect("body"));
        let html = app.look_up(&code).await.text().await.expect("body");
        assert!(html.contains("您反映的内容"), "{html}");
        assert!(html.contains(&STORY[..24]), "the text as sent");
        assert!(html.contains("某镇便民服务中心"));
        assert!(html.contains("2026-11-20"));
        let two = html.find("<li>2. ").expect("item 2 listed");
        let seven = html.find("<li>7. ").expect("item 7 listed");
        assert!(two < seven, "in list order");

        let english = app
            .post_form("/q?lang=en", &[("code", &code)])
            .await
            .text()
            .await
            .expect("body");
        assert!(english.contains("What you reported"), "{english}");
        assert!(!english.contains("您反映的内容"));
    })
    .await;
}
