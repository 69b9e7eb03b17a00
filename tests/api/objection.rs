//! The reporter's page tells one story — every event in the reporter's words, one expected
//! date at every step — through an extension, an answer, an objection, a reopening (重办)
//! and a second answer; the objection is made once, within its window, and stored once for a
//! reload; the 不满意重办 queue is a supervisor's, who reopens or answers and keeps the
//! result.

use jianduka::access::Role;
use jianduka::cases::{CaseActor, CaseStatus, ExtensionDecision, Step};
use jianduka::clock::china_today;
use jianduka::entities::{extensions, objections};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::feedback_one_step::{
    audit_count, conclude_reply, page, post, reload, reported, reporter_page, staff, zh_date,
};
use crate::support::cases::{officer, step};
use crate::support::{Report, TestApp, on_each_database};

/// The one-time id of form `action` on a reporter's page.
fn once_in(html: &str, action: &str) -> String {
    let form = &html[html.find(action).expect("the form")..];
    let marker = "name=\"once\" value=\"";
    let start = form.find(marker).expect("a one-time id") + marker.len();
    form[start..start + form[start..].find('"').expect("id ends")].to_string()
}

/// The page shows one date to expect, and it is `expected`; no other deadline is written.
fn one_date(html: &str, expected: &str, backend: &str) {
    assert_eq!(
        html.matches("预计").count(),
        1,
        "one expected date on {backend}"
    );
    assert!(html.contains(expected), "{expected} on {backend}");
    assert!(!html.contains("延至"), "no second date on {backend}");
}

/// The reporter objects from their page (the form's own one-time id).
pub(crate) async fn object(app: &TestApp, code: &str, body: &str) -> reqwest::Response {
    let html = reporter_page(app, code).await;
    let once = once_in(&html, "/q/object");
    app.post_form(
        "/q/object",
        &[("code", code), ("body", body), ("once", once.as_str())],
    )
    .await
}

async fn objection_count(app: &TestApp) -> u64 {
    objections::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

/// A supervisor's form post with the case's current version.
async fn supervise(
    client: &reqwest::Client,
    csrf: &str,
    app: &TestApp,
    case_id: i64,
    action: &str,
    field: (&str, &str),
) -> reqwest::Response {
    let version = reload(app, case_id).await.version.to_string();
    post(
        client,
        app,
        &format!("/staff/cases/{case_id}/{action}"),
        // A reopening asks once more; these are the confirmed posts.
        &[
            ("csrf", csrf),
            ("version", &version),
            field,
            ("confirm", "1"),
        ],
    )
    .await
}

#[tokio::test]
async fn the_reporters_page_tells_one_story_through_a_reopen_and_an_objection() {
    on_each_database(async |app| {
        let backend = app.backend;
        let (code, case) = reported(&app, Report::default().items(&[2])).await;
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("已收到您的反映") && html.contains("待受理"));
        let due = case.due_on.expect("acceptance due");
        one_date(&html, &format!("预计 {} 前受理", zh_date(due)), backend);

        step(&app, case.id, Step::Accept).await;
        let accepted = reload(&app, case.id).await;
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("已受理"));
        let due = accepted.due_on.expect("conclusion due");
        one_date(&html, &format!("预计 {} 前办结", zh_date(due)), backend);

        // An extension: the timeline says so, the one date moves.
        let boss = officer(&app).await;
        let rules = app.rules().await;
        let actor = CaseActor::new(&boss, app.stamp());
        jianduka::cases::request_extension(&app.state.writes, &actor, case.id, 5, "需调取监控")
            .await
            .expect("asked");
        let extension = extensions::Entity::find()
            .filter(extensions::Column::CaseId.eq(case.id))
            .one(&app.db)
            .await
            .expect("query")
            .expect("extension");
        let decision = ExtensionDecision {
            approve: true,
            note: "同意".into(),
        };
        jianduka::cases::decide_extension(
            &app.state.writes,
            &rules,
            &actor,
            extension.id,
            decision,
        )
        .await
        .expect("approved");
        let extended = reload(&app, case.id).await;
        assert!(extended.due_on > accepted.due_on);
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("办理期限延长"));
        let due = extended.due_on.expect("conclusion due");
        one_date(&html, &format!("预计 {} 前办结", zh_date(due)), backend);

        // The answer, in one step: read at once, and open to one objection for 15 working days.
        let (chief, csrf) = staff(&app, "chief", Role::Supervisor).await;
        let answered = conclude_reply(
            &chief,
            &csrf,
            &app,
            case.id,
            "not_substantiated",
            "查阅窗口记录，未见退件。",
            "经核查，未发现窗口多次退件的情况。",
        )
        .await;
        assert_eq!(answered.status(), 303, "on {backend}");
        let closed = reload(&app, case.id).await;
        let last_day = rules
            .calendar
            .add_working_days(china_today(closed.closed_at.expect("closed")), 15);
        let html = reporter_page(&app, &code).await;
        assert!(
            html.contains("已办结并答复") && html.contains("经核查，未发现窗口多次退件的情况。")
        );
        assert!(!html.contains("预计") && !html.contains("查阅窗口记录"));
        assert!(html.contains(&format!("您可以在 {} 前提出一次异议", zh_date(last_day))));

        // The objection: told back in the reporter's words, with the date to expect an answer.
        let objected = object(&app, &code, "窗口仍要求重复提交材料，问题没有解决。").await;
        assert_eq!(objected.status(), 200, "on {backend}");
        let html = objected.text().await.expect("body");
        assert!(html.contains("您的异议已收到"));
        assert!(
            html.contains("您提出了异议")
                && html.contains("窗口仍要求重复提交材料，问题没有解决。")
        );
        let objection = objections::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("objection");
        one_date(
            &html,
            &format!("预计 {} 前答复您的异议", zh_date(objection.due_on)),
            backend,
        );
        assert!(!html.contains("action=\"/q/object"), "once only");
        assert!(reload(&app, case.id).await.needs_supervisor);
        assert_eq!(audit_count(&app, "case_objected").await, 1);
        let queue = page(&chief, &app, "/staff/cases?queue=unhappy").await;
        assert!(
            queue.contains(&closed.number),
            "in the unhappy queue on {backend}"
        );
        let home = page(&chief, &app, "/staff").await;
        assert!(home.contains("不满意重办"));

        // 重办: the reporter reads 重新调查 with its reason, and one new date.
        let reopened = supervise(
            &chief,
            &csrf,
            &app,
            case.id,
            "reopen",
            ("reason", "根据您的异议，我们将重新核查窗口办件记录。"),
        )
        .await;
        assert_eq!(reopened.status(), 303, "on {backend}");
        let again = reload(&app, case.id).await;
        assert_eq!(again.status, CaseStatus::Investigating);
        assert!(!again.needs_supervisor);
        let html = reporter_page(&app, &code).await;
        assert!(
            html.contains("重新调查")
                && html.contains("根据您的异议，我们将重新核查窗口办件记录。")
        );
        assert!(html.contains("调查中") && html.contains("已重新调查"));
        let due = again.due_on.expect("conclusion due again");
        one_date(&html, &format!("预计 {} 前办结", zh_date(due)), backend);
        let queue = page(&chief, &app, "/staff/cases?queue=unhappy").await;
        assert!(!queue.contains(&closed.number));

        // The second answer: no second objection.
        let answered = conclude_reply(
            &chief,
            &csrf,
            &app,
            case.id,
            "partly_substantiated",
            "重新调取记录，发现两次退件。",
            "经重新核查，问题部分属实，已责令窗口一次性告知。",
        )
        .await;
        assert_eq!(answered.status(), 303);
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("经重新核查，问题部分属实，已责令窗口一次性告知。"));
        assert!(!html.contains("预计") && !html.contains("action=\"/q/object"));
        let refused = app
            .post_form(
                "/q/object",
                &[("code", code.as_str()), ("body", "还是不满意，再次申诉。")],
            )
            .await;
        assert_eq!(refused.status(), 409);
        assert!(
            refused
                .text()
                .await
                .expect("body")
                .contains("只能提出一次异议")
        );
        assert_eq!(objection_count(&app).await, 1);

        // Every event, in order, in the reporter's words.
        let order = [
            "已收到您的反映",
            "已受理",
            "办理期限延长",
            "已办结并答复",
            "您提出了异议",
            "重新调查",
            "经重新核查",
        ];
        let timeline = &html[html.find("class=\"timeline\"").expect("timeline")..];
        let mut at = 0;
        for label in order {
            let found = timeline[at..].find(label).map(|i| i + at);
            at = found.unwrap_or_else(|| panic!("{label} in order on {backend}"));
        }
    })
    .await;
}

#[tokio::test]
async fn an_objection_is_stored_once_and_refused_before_a_decision_after_its_window_or_empty() {
    on_each_database(async |app| {
        let (code, case) = reported(&app, Report::default()).await;
        // Nothing decided: no form, and a sent objection is refused.
        let html = reporter_page(&app, &code).await;
        assert!(!html.contains("action=\"/q/object"));
        let refused = app
            .post_form(
                "/q/object",
                &[("code", code.as_str()), ("body", "我不服这个结果。")],
            )
            .await;
        assert_eq!(refused.status(), 422, "on {}", app.backend);
        assert!(
            refused
                .text()
                .await
                .expect("body")
                .contains("暂不能提出异议")
        );

        step(
            &app,
            case.id,
            Step::Decline {
                reason: "不属于本机关受理范围。".into(),
            },
        )
        .await;
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("不予受理") && html.contains("不属于本机关受理范围。"));
        // Too short.
        let once = once_in(&html, "/q/object");
        let short = app
            .post_form(
                "/q/object",
                &[("code", code.as_str()), ("body", "不服"), ("once", &once)],
            )
            .await;
        assert_eq!(short.status(), 422);
        assert!(short.text().await.expect("body").contains("5 至 2000 字"));
        // One form sent twice (a reload): one objection.
        let fields = [
            ("code", code.as_str()),
            ("body", "此事属于营商环境问题，应当受理。"),
            ("once", once.as_str()),
        ];
        let (first, second) = tokio::join!(
            app.post_form("/q/object", &fields),
            app.post_form("/q/object", &fields)
        );
        assert_eq!(
            (first.status().as_u16(), second.status().as_u16()),
            (200, 200),
            "on {}",
            app.backend
        );
        assert_eq!(objection_count(&app).await, 1);
        assert_eq!(audit_count(&app, "case_objected").await, 1);
        assert!(reload(&app, case.id).await.needs_supervisor);

        // Another case, answered, objected to too late.
        let (late_code, late) = reported(&app, Report::default()).await;
        step(
            &app,
            late.id,
            Step::Decline {
                reason: "重复反映。".into(),
            },
        )
        .await;
        let html = reporter_page(&app, &late_code).await;
        let once = once_in(&html, "/q/object");
        app.state.clock.advance(chrono::Duration::days(40));
        let late_answer = app
            .post_form(
                "/q/object",
                &[
                    ("code", late_code.as_str()),
                    ("body", "我认为不是重复反映。"),
                    ("once", &once),
                ],
            )
            .await;
        assert_eq!(late_answer.status(), 422);
        assert!(late_answer.text().await.expect("body").contains("期限已过"));
        assert_eq!(objection_count(&app).await, 1);
        let html = reporter_page(&app, &late_code).await;
        assert!(!html.contains("action=\"/q/object"));
    })
    .await;
}

#[tokio::test]
async fn only_a_supervisor_reopens_or_answers_from_the_unhappy_queue_and_an_answer_is_shown() {
    on_each_database(async |app| {
        let backend = app.backend;
        let (code, case) = reported(&app, Report::default()).await;
        step(
            &app,
            case.id,
            Step::Decline {
                reason: "不属于受理范围。".into(),
            },
        )
        .await;
        assert_eq!(
            object(&app, &code, "这是窗口工作人员的作风问题，属于受理范围。")
                .await
                .status(),
            200
        );
        let (insp, insp_csrf) = staff(&app, "insp", Role::Inspector).await;
        crate::support::cases::assign_to(&app, case.id, "insp").await;
        // The inspector may neither answer nor reopen.
        let answer = ("answer", "维持原决定。");
        let refused = supervise(&insp, &insp_csrf, &app, case.id, "confirm", answer).await;
        assert_eq!(refused.status(), 403, "on {backend}");
        let reason = ("reason", "重新受理。");
        let refused = supervise(&insp, &insp_csrf, &app, case.id, "reopen", reason).await;
        assert_eq!(refused.status(), 403);

        let (chief, csrf) = staff(&app, "chief", Role::Supervisor).await;
        let html = page(&chief, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(html.contains("id=\"act-confirm\"") && html.contains("id=\"act-reopen\""));
        assert!(
            !html.contains("id=\"act-clear-flag\""),
            "no silent clearing offered"
        );
        assert!(html.contains("这是窗口工作人员的作风问题"));
        // An objection is not cleared silently, nor answered with nothing.
        let cleared = supervise(&chief, &csrf, &app, case.id, "flag", ("x", "")).await;
        assert_eq!(cleared.status(), 422);
        assert!(
            cleared
                .text()
                .await
                .expect("body")
                .contains("请答复并维持原结果，或重新调查")
        );
        let empty = supervise(&chief, &csrf, &app, case.id, "confirm", ("answer", " ")).await;
        assert_eq!(empty.status(), 422);
        assert!(empty.text().await.expect("body").contains("请填写答复"));
        let kept = (
            "answer",
            "经复核，您反映的事项已转交区政务服务管理办公室处理。",
        );
        let confirmed = supervise(&chief, &csrf, &app, case.id, "confirm", kept).await;
        assert_eq!(confirmed.status(), 303, "on {backend}");
        let after = reload(&app, case.id).await;
        assert!(!after.needs_supervisor);
        assert_eq!(after.status, CaseStatus::Declined);
        let objection = objections::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("objection");
        assert_eq!(objection.resolution.as_deref(), Some("confirmed"));
        assert_eq!(audit_count(&app, "objection_confirmed").await, 1);
        let html = reporter_page(&app, &code).await;
        assert!(html.contains("已答复您的异议，维持原处理结果"));
        assert!(html.contains("经复核，您反映的事项已转交区政务服务管理办公室处理。"));
        assert!(!html.contains("预计"));
        // Out of the queue now: nothing to answer.
        let again = supervise(&chief, &csrf, &app, case.id, "confirm", kept).await;
        assert_eq!(again.status(), 422);
        assert!(
            again
                .text()
                .await
                .expect("body")
                .contains("不在不满意重办队列中")
        );

        // A "not satisfied" rating puts an answered case in the queue too; a supervisor
        // reopens it.
        let (rated_code, rated) = reported(&app, Report::default()).await;
        crate::support::cases::conclude_and_close(&app, rated.id, "已整改。").await;
        assert_eq!(
            app.rate(&rated_code, "not_satisfied", "没整改")
                .await
                .status(),
            200
        );
        let queue = page(&chief, &app, "/staff/cases?queue=unhappy").await;
        assert!(queue.contains(&rated.number), "on {backend}");
        let reason = ("reason", "反映人不满意，重新核查整改情况。");
        let reopened = supervise(&chief, &csrf, &app, rated.id, "reopen", reason).await;
        assert_eq!(reopened.status(), 303);
        let after = reload(&app, rated.id).await;
        assert_eq!(after.status, CaseStatus::Investigating);
        assert!(!after.needs_supervisor);
        let html = reporter_page(&app, &rated_code).await;
        assert!(html.contains("重新调查") && html.contains("反映人不满意，重新核查整改情况。"));
    })
    .await;
}
