//! 办结并答复 in one step: the finding, the internal summary and the reply together, read by
//! the reporter at once; with the office's review setting, the reporter sees 办结审核中 and
//! the date to expect the answer until a supervisor publishes it. Invalid steps are refused
//! with a message.

use jianduka::access::Role;
use jianduka::cases::{CaseStatus, Step};
use jianduka::entities::{audit_log, cases as case_rows};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::cases::{assign_to, newest_case, step};
use crate::support::{Report, TEST_PASSWORD, TestApp, on_each_database};

pub(crate) async fn reload(app: &TestApp, id: i64) -> case_rows::Model {
    case_rows::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
}

pub(crate) async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.db)
        .await
        .expect("audit")
}

/// A date as the Chinese pages write it: 2026年12月7日.
pub(crate) fn zh_date(day: chrono::NaiveDate) -> String {
    day.format("%Y年%-m月%-d日").to_string()
}

/// A report (spaced out on the server's clock, past the hourly limit); its query code and
/// its case.
pub(crate) async fn reported(app: &TestApp, report: Report) -> (String, case_rows::Model) {
    app.state.clock.advance(chrono::Duration::minutes(7));
    let code = app.report_and_get_code(report).await;
    (code, newest_case(app).await)
}

/// The reporter's page.
pub(crate) async fn reporter_page(app: &TestApp, code: &str) -> String {
    let response = app.look_up(code).await;
    assert_eq!(response.status(), 200, "the page opens on {}", app.backend);
    response.text().await.expect("body")
}

pub(crate) async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("sent")
}

pub(crate) async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body")
}

/// Staff member `name` with `role`, logged in on a client of their own, with the CSRF token.
pub(crate) async fn staff(app: &TestApp, name: &str, role: Role) -> (reqwest::Client, String) {
    app.add_user(name, role).await;
    app.client_for(name, TEST_PASSWORD).await
}

/// The one-step conclusion, sent from the case page's form.
pub(crate) async fn conclude_reply(
    client: &reqwest::Client,
    csrf: &str,
    app: &TestApp,
    case_id: i64,
    finding: &str,
    summary: &str,
    feedback: &str,
) -> reqwest::Response {
    let version = reload(app, case_id).await.version.to_string();
    post(
        client,
        app,
        &format!("/staff/cases/{case_id}/step"),
        &[
            ("csrf", csrf),
            ("version", &version),
            ("step", "conclude_reply"),
            ("finding", finding),
            ("summary", summary),
            ("feedback", feedback),
            ("confirm", "1"),
        ],
    )
    .await
}

#[tokio::test]
async fn concluding_and_answering_is_one_step_and_the_reporter_reads_the_answer_at_once() {
    on_each_database(async |app| {
        let (code, case) = reported(&app, Report::default().items(&[2])).await;
        step(&app, case.id, Step::Accept).await;
        let (wang, csrf) = staff(&app, "wang", Role::Inspector).await;
        assign_to(&app, case.id, "wang").await;
        let html = page(&wang, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(html.contains("办结并答复"), "on {}", app.backend);
        // Each label says once what is internal, and no status is worded as a button.
        assert!(!html.contains("（内部）（仅内部）") && !html.contains("已反馈，办结归档"));
        assert!(html.contains("办理情况 <span class=\"hint\">（仅内部）</span>"));

        // Publishing cannot be undone: without a confirmation the page asks, and nothing moves.
        let version = reload(&app, case.id).await.version.to_string();
        let asked = post(
            &wang,
            &app,
            &format!("/staff/cases/{}/step", case.id),
            &[
                ("csrf", csrf.as_str()),
                ("version", &version),
                ("step", "conclude_reply"),
                ("finding", "partly_substantiated"),
                ("summary", "调阅窗口记录，已约谈窗口负责人。"),
                ("feedback", "经核查，您反映的问题部分属实，已责令整改。"),
            ],
        )
        .await;
        assert_eq!(asked.status(), 200, "on {}", app.backend);
        let asked = asked.text().await.unwrap_or_default();
        assert!(asked.contains("确认办结并答复") && asked.contains("已责令整改"));
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::Accepted);

        let response = conclude_reply(
            &wang,
            &csrf,
            &app,
            case.id,
            "partly_substantiated",
            "调阅窗口记录，已约谈窗口负责人。",
            "经核查，您反映的问题部分属实，已责令整改。",
        )
        .await;
        assert_eq!(response.status(), 303, "on {}", app.backend);
        let after = reload(&app, case.id).await;
        assert_eq!(after.status, CaseStatus::Closed);
        assert!(after.closed_at.is_some() && after.closed_at == after.concluded_at);
        assert_eq!(after.due_on, None);
        assert_eq!(audit_count(&app, "case_answered").await, 1);

        let html = reporter_page(&app, &code).await;
        assert!(html.contains("已办结并答复"));
        assert!(html.contains("经核查，您反映的问题部分属实，已责令整改。"));
        assert!(
            !html.contains("约谈窗口负责人"),
            "the summary stays internal"
        );
        assert!(html.contains("对办理结果是否满意"));
        assert!(!html.contains("预计"), "nothing more is expected");
    })
    .await;
}

#[tokio::test]
async fn with_review_the_reporter_sees_under_review_and_the_answer_date_until_it_is_published() {
    on_each_database(async |app| {
        let admin_csrf = app.login_as_admin().await;
        let response = app.get("/staff/admin/sla").await;
        assert_eq!(response.status(), 200, "on {}", app.backend);
        let html = response.text().await.expect("body");
        assert!(html.contains("答复公开前由分管领导审核") && html.contains("value=\"15\""));
        let refused = app
            .post_form(
                "/staff/admin/sla/feedback",
                &[
                    ("csrf", &admin_csrf),
                    ("review", "on"),
                    ("objection_days", "0"),
                ],
            )
            .await;
        assert_eq!(refused.status(), 422, "on {}", app.backend);
        assert!(
            refused
                .text()
                .await
                .expect("body")
                .contains("1 至 60 个工作日")
        );
        let saved = app
            .post_form(
                "/staff/admin/sla/feedback",
                &[
                    ("csrf", &admin_csrf),
                    ("review", "on"),
                    ("objection_days", "10"),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303);
        let settings = jianduka::cases::feedback_settings(&app.db)
            .await
            .expect("settings");
        assert!(settings.review);
        assert_eq!(settings.objection_days, 10);
        assert_eq!(audit_count(&app, "feedback_settings_changed").await, 1);

        let (code, case) = reported(&app, Report::default().items(&[3])).await;
        step(&app, case.id, Step::Accept).await;
        let (wang, csrf) = staff(&app, "wang", Role::Inspector).await;
        assign_to(&app, case.id, "wang").await;
        let response = conclude_reply(
            &wang,
            &csrf,
            &app,
            case.id,
            "substantiated",
            "已核实。",
            "经核查情况属实，已督促整改到位。",
        )
        .await;
        assert_eq!(response.status(), 303);
        let concluded = reload(&app, case.id).await;
        assert_eq!(concluded.status, CaseStatus::Concluded);
        let due = concluded.feedback_due_on.expect("an answer date");
        assert_eq!(concluded.due_on, Some(due));

        let html = reporter_page(&app, &code).await;
        assert!(html.contains("办结审核中"), "on {}", app.backend);
        assert_eq!(html.matches("预计").count(), 1);
        assert!(html.contains(&format!("预计 {} 前答复", zh_date(due))));
        assert!(!html.contains("经核查情况属实"), "not published yet");

        // Publishing is a supervisor's: the inspector is neither offered it nor let through.
        let html = page(&wang, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(!html.contains("id=\"act-close\"") && html.contains("办结审核中"));
        let version = concluded.version.to_string();
        let close = [
            ("csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("step", "close"),
        ];
        let refused = post(
            &wang,
            &app,
            &format!("/staff/cases/{}/step", case.id),
            &close,
        )
        .await;
        assert_eq!(refused.status(), 403);
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::Concluded);

        let (chief, chief_csrf) = staff(&app, "chief", Role::Supervisor).await;
        let html = page(&chief, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(html.contains("id=\"act-close\"") && html.contains("审核通过，公开答复"));
        let close = [
            ("csrf", chief_csrf.as_str()),
            ("version", version.as_str()),
            ("step", "close"),
            ("confirm", "1"),
        ];
        let published = post(
            &chief,
            &app,
            &format!("/staff/cases/{}/step", case.id),
            &close,
        )
        .await;
        assert_eq!(published.status(), 303);
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::Closed);
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("已办结并答复") && html.contains("经核查情况属实，已督促整改到位。"));
        assert!(!html.contains("预计"));
    })
    .await;
}

#[tokio::test]
async fn an_invalid_one_step_conclusion_is_refused_with_a_message_and_keeps_what_was_typed() {
    on_each_database(async |app| {
        let (_, case) = reported(&app, Report::default()).await;
        let (wang, csrf) = staff(&app, "wang", Role::Inspector).await;
        assign_to(&app, case.id, "wang").await;
        // A new case is accepted first.
        let response = conclude_reply(&wang, &csrf, &app, case.id, "substantiated", "s", "f").await;
        assert_eq!(response.status(), 422, "on {}", app.backend);
        assert!(response.text().await.expect("body").contains("不能改为"));
        step(&app, case.id, Step::Accept).await;
        // No finding.
        let response = conclude_reply(&wang, &csrf, &app, case.id, "", "已核实。", "属实。").await;
        assert_eq!(response.status(), 422);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("请选择核查结论")
        );
        // No reply: refused, and the summary typed comes back.
        let response = conclude_reply(
            &wang,
            &csrf,
            &app,
            case.id,
            "substantiated",
            "这段情况不能丢。",
            " ",
        )
        .await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.expect("body");
        assert!(html.contains("请填写给反映人的答复") && html.contains("这段情况不能丢。"));
        let after = reload(&app, case.id).await;
        assert_eq!(after.status, CaseStatus::Accepted);
        assert_eq!(audit_count(&app, "case_answered").await, 0);
    })
    .await;
}
