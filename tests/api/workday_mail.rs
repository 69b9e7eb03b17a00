//! The working day's event emails as the pages cause them, each person's own mail settings,
//! and the list's bulk assignment, total, excerpt and "new from the reporter first" order.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::feedback_one_step::conclude_reply;
use crate::objection::object;
use crate::support::cases::{assign_to, member, newest_case, step, unit_for};
use crate::support::{Report, TEST_PASSWORD, TestApp, on_each_database};
use jianduka::access::Role;
use jianduka::cases::Step;
use jianduka::entities::enums::MailKind;
use jianduka::entities::{cases as case_rows, email_outbox, users};

/// The event emails queued so far, as (recipient, subject).
async fn events(app: &TestApp) -> Vec<(String, String)> {
    email_outbox::Entity::find()
        .filter(email_outbox::Column::Kind.eq(MailKind::Event))
        .all(&app.db)
        .await
        .expect("outbox")
        .into_iter()
        .map(|r| (r.to_addr, r.subject))
        .collect()
}

async fn with_email(app: &TestApp, user: users::Model) -> users::Model {
    let address = format!("{}@jb.example.gov.cn", user.username);
    let mut update = user.into_active_model();
    update.email = Set(Some(address));
    update.update(&app.db).await.expect("email set")
}

async fn version(app: &TestApp, id: i64) -> String {
    case_rows::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
        .version
        .to_string()
}

#[tokio::test]
async fn each_step_emails_the_one_person_who_must_act_unless_they_turned_that_kind_off() {
    on_each_database(async |app| {
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
        let wang = with_email(&app, wang).await;
        let zhang = member(&app, "zhang", Role::Supervisor, None).await;
        with_email(&app, zhang).await;
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let case = newest_case(&app).await;
        let number = &case.number;
        let (sup, sup_csrf) = app.client_for("zhang", TEST_PASSWORD).await;
        let post = async |client: &reqwest::Client, path: String, form: &[(&str, &str)]| {
            let response = client
                .post(format!("{}{path}", app.address))
                .form(form)
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status(), 303, "{path} on {}", app.backend);
        };

        // Assigned: the inspector hears of it; the supervisor who did it does not.
        let v = version(&app, case.id).await;
        let wang_id = wang.id.to_string();
        post(
            &sup,
            format!("/staff/cases/{}/assign", case.id),
            &[("csrf", &sup_csrf), ("version", &v), ("assignee", &wang_id)],
        )
        .await;
        let to_wang = "wang@jb.example.gov.cn".to_string();
        let to_zhang = "zhang@jb.example.gov.cn".to_string();
        let subject = |s: String| format!("【诸暨市纪委监委】{s}");
        assert_eq!(
            events(&app).await,
            vec![(
                to_wang.clone(),
                subject(format!("案件 {number} 已分派给您承办"))
            )]
        );

        // 督办: to the holder, with the date asked for.
        let today = jianduka::clock::china_today(app.state.clock.now());
        let due = today.to_string();
        post(
            &sup,
            format!("/staff/cases/{}/urge", case.id),
            &[
                ("csrf", &sup_csrf),
                ("note", "请尽快核实"),
                ("requested_on", &due),
            ],
        )
        .await;
        let urged = events(&app).await.pop().expect("an urging email");
        assert_eq!(urged.0, to_wang);
        assert!(
            urged.1.contains(&format!("案件 {number} 已被督办，请于"))
                && urged.1.contains(&format!(
                    "{}月{}日（周",
                    today.format("%-m"),
                    today.format("%-d")
                )),
            "{}",
            urged.1
        );

        // The reporter replies: to the holder, never the text.
        assert_eq!(
            app.reply_as_reporter(&code, "补充：对方再次索要材料")
                .await
                .status(),
            200
        );
        let reply = events(&app).await.pop().expect("a reply email");
        assert_eq!(
            reply,
            (
                to_wang.clone(),
                subject(format!("案件 {number} 的反映人有新回复或新材料"))
            )
        );

        // A request waits for the supervisor; the decision goes back to the inspector.
        let (insp, insp_csrf) = app.client_for("wang", TEST_PASSWORD).await;
        post(
            &insp,
            format!("/staff/cases/{}/extension", case.id),
            &[
                ("csrf", &insp_csrf),
                ("days", "3"),
                ("reason", "需调取登记材料"),
            ],
        )
        .await;
        assert_eq!(
            events(&app).await.pop(),
            Some((
                to_zhang.clone(),
                subject(format!("案件 {number} 有延期申请待您审批"))
            ))
        );
        let extension = jianduka::entities::extensions::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("extension");
        post(
            &sup,
            format!("/staff/extensions/{}/decide", extension.id),
            &[
                ("csrf", &sup_csrf),
                ("decision", "approve"),
                ("note", "同意"),
            ],
        )
        .await;
        assert_eq!(
            events(&app).await.pop(),
            Some((
                to_wang.clone(),
                subject(format!("您对案件 {number} 的延期申请已获批准"))
            ))
        );
        let sent_so_far = events(&app).await.len();
        assert_eq!(sent_so_far, 5);

        // The inspector turns 督办 emails off on their own page; the other kinds stay on.
        let prefs = insp
            .get(format!("{}/staff/me/mail", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        assert!(
            prefs.contains("name=\"on_urged\" value=\"1\" checked"),
            "{prefs}"
        );
        let keep_on: Vec<(&str, &str)> = [
            ("csrf", insp_csrf.as_str()),
            ("on_assigned", "1"),
            ("on_reporter_reply", "1"),
            ("on_decision", "1"),
        ]
        .to_vec();
        post(&insp, "/staff/me/mail".into(), &keep_on).await;
        let prefs = insp
            .get(format!("{}/staff/me/mail?done=1", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        assert!(prefs.contains("id=\"prefs-saved\""));
        assert!(prefs.contains("name=\"on_urged\" value=\"1\">"), "now off");
        assert!(prefs.contains("name=\"on_assigned\" value=\"1\" checked"));
        post(
            &sup,
            format!("/staff/cases/{}/urge", case.id),
            &[
                ("csrf", &sup_csrf),
                ("note", "再次督办"),
                ("requested_on", &due),
            ],
        )
        .await;
        assert_eq!(events(&app).await.len(), sent_so_far, "muted");

        // No event email carries what the reporter wrote.
        for row in email_outbox::Entity::find()
            .all(&app.db)
            .await
            .expect("outbox")
        {
            assert!(
                !row.body_text.contains("对方再次索要材料"),
                "{}",
                row.body_text
            );
            assert!(row.body_text.contains(&format!("/staff/cases/{}", case.id)));
        }
    })
    .await;
}

#[tokio::test]
async fn a_decline_request_its_refusal_and_an_objection_each_email_the_one_who_must_act() {
    on_each_database(async |app| {
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
        with_email(&app, wang).await;
        let zhang = member(&app, "zhang", Role::Supervisor, None).await;
        with_email(&app, zhang).await;
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let case = newest_case(&app).await;
        let number = &case.number;
        assign_to(&app, case.id, "wang").await;
        let before = events(&app).await.len();
        let (insp, insp_csrf) = app.client_for("wang", TEST_PASSWORD).await;
        let (sup, sup_csrf) = app.client_for("zhang", TEST_PASSWORD).await;
        let subject = |s: String| format!("【诸暨市纪委监委】{s}");
        let to_wang = "wang@jb.example.gov.cn".to_string();
        let to_zhang = "zhang@jb.example.gov.cn".to_string();

        // 不予受理 asked for: the supervisor hears of it.
        let asked = insp
            .post(format!(
                "{}/staff/cases/{}/decline-request",
                app.address, case.id
            ))
            .form(&[("csrf", insp_csrf.as_str()), ("reason", "不属于受理范围。")])
            .send()
            .await
            .expect("sent");
        assert_eq!(asked.status(), 303, "on {}", app.backend);
        assert_eq!(
            events(&app).await.pop(),
            Some((
                to_zhang.clone(),
                subject(format!("案件 {number} 有不予受理申请待您审批"))
            ))
        );

        // Refused: the inspector hears of it.
        let request = jianduka::entities::decline_requests::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("a request");
        let decided = sup
            .post(format!(
                "{}/staff/decline-requests/{}/decide",
                app.address, request.id
            ))
            .form(&[
                ("csrf", sup_csrf.as_str()),
                ("decision", "refuse"),
                ("note", "属于受理范围，请受理。"),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(decided.status(), 303, "on {}", app.backend);
        assert_eq!(
            events(&app).await.pop(),
            Some((
                to_wang.clone(),
                subject(format!("您对案件 {number} 的不予受理申请未获批准"))
            ))
        );

        // Answered, then objected to: the supervisors hear of an unhappy reporter.
        step(&app, case.id, Step::Accept).await;
        let answered = conclude_reply(
            &insp,
            &insp_csrf,
            &app,
            case.id,
            "not_substantiated",
            "核查窗口记录。",
            "经核查，未发现所反映的问题。",
        )
        .await;
        assert_eq!(answered.status(), 303, "on {}", app.backend);
        let objected = object(&app, &code, "窗口确实多次退件，请重新核查。").await;
        assert_eq!(objected.status(), 200, "on {}", app.backend);
        assert_eq!(
            events(&app).await.pop(),
            Some((
                to_zhang.clone(),
                subject(format!("案件 {number} 的反映人不满意，待您处理"))
            ))
        );
        assert_eq!(events(&app).await.len(), before + 3, "on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_supervisor_assigns_the_ticked_rows_at_once_and_a_case_changed_meanwhile_is_skipped() {
    on_each_database(async |app| {
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            app.report_and_get_code(Report::default().items(&[3]).text(
                "某某局窗口人员要求企业提供与办理事项无关的证明材料，并拖延办理超过三十个工作日，企业多次催问无果",
            ))
            .await;
            ids.push(newest_case(&app).await.id);
        }
        let csrf = app.login_as("zhang", Role::Supervisor).await;
        let list = app.get("/staff/cases").await.text().await.expect("body");
        assert!(list.contains("共 3 件"), "the total for the filter");
        assert!(
            list.contains("某某局窗口人员要求企业提供与办理事项无关的证明材料，并拖延办理超过三十个工作日，…"),
            "the excerpt: the report's first words"
        );
        assert!(list.contains("name=\"case\""), "rows can be ticked");
        // One of the three changes after the list was read.
        let stale = format!("{}:{}", ids[0], version(&app, ids[0]).await);
        let fresh: Vec<String> = [ids[1], ids[2]]
            .iter()
            .map(|id| id.to_string())
            .collect();
        let v1 = format!("{}:{}", fresh[0], version(&app, ids[1]).await);
        let v2 = format!("{}:{}", fresh[1], version(&app, ids[2]).await);
        crate::support::cases::assign_to(&app, ids[0], "wang").await;
        let to = format!("person:{}", wang.id);
        let response = app
            .post_form(
                "/staff/cases/assign",
                &[
                    ("csrf", &csrf),
                    ("case", &stale),
                    ("case", &v1),
                    ("case", &v2),
                    ("to", &to),
                    ("back", "status=open&after=i9"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_eq!(location, "/staff/cases?status=open&moved=2&skipped=1");
        let page = app.get(&location).await.text().await.expect("body");
        assert!(page.contains("已分派 2 件，跳过 1 件"), "{page}");
        for id in &ids {
            let case = case_rows::Entity::find_by_id(*id)
                .one(&app.db)
                .await
                .expect("query")
                .expect("case");
            assert_eq!(case.assignee_id, Some(wang.id));
        }
        let audited = jianduka::entities::audit_log::Entity::find()
            .filter(jianduka::entities::audit_log::Column::Action.eq("case_assigned"))
            .all(&app.db)
            .await
            .expect("query");
        assert_eq!(audited.len(), 3, "one row per case, the skipped one's by assign_to");

        // Nothing ticked, or a stranger's form: a clear refusal.
        let none = app
            .post_form("/staff/cases/assign", &[("csrf", &csrf), ("to", &to)])
            .await;
        assert_eq!(none.status(), 422);
        assert!(none.text().await.expect("body").contains("没有选中任何案件"));
        let garbled = app
            .post_form(
                "/staff/cases/assign",
                &[("csrf", &csrf), ("case", "x:y"), ("to", &to)],
            )
            .await;
        assert_eq!(garbled.status(), 400);

        // An inspector may not, and sees no boxes.
        let csrf = app.login_as("li", Role::Inspector).await;
        let refused = app
            .post_form(
                "/staff/cases/assign",
                &[("csrf", &csrf), ("case", &v1), ("to", &to)],
            )
            .await;
        assert_eq!(refused.status(), 403);
        let list = app.get("/staff/cases").await.text().await.expect("body");
        assert!(!list.contains("name=\"case\""));
    })
    .await;
}

#[tokio::test]
async fn sorted_by_unread_the_cases_new_from_the_reporter_come_first_on_the_page_and_the_api() {
    on_each_database(async |app| {
        let mut codes = Vec::new();
        for _ in 0..4 {
            codes.push(app.report_and_get_code(Report::default().items(&[1])).await);
        }
        app.login_as("zhang", Role::Supervisor).await;
        // Open every case once, then the reporter of the oldest writes again.
        let all = case_rows::Entity::find().all(&app.db).await.expect("cases");
        for case in &all {
            app.get(&format!("/staff/cases/{}", case.id)).await;
        }
        let oldest = all.iter().map(|c| c.id).min().expect("a case");
        let oldest_number = all
            .iter()
            .find(|c| c.id == oldest)
            .expect("case")
            .number
            .clone();
        assert_eq!(
            app.reply_as_reporter(&codes[0], "又有新情况")
                .await
                .status(),
            200
        );
        let page = app
            .get("/staff/cases?sort=unread")
            .await
            .text()
            .await
            .expect("body");
        let first_number = page
            .split("<tbody>")
            .nth(1)
            .unwrap_or_default()
            .split("href=\"/staff/cases/")
            .nth(1)
            .and_then(|rest| rest.split('>').nth(1))
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_default();
        assert_eq!(first_number, oldest_number, "the new reply first");
        assert!(page.contains("共 4 件"));
        let newest_first = app
            .get("/staff/cases?sort=newest")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            !newest_first
                .split("<tbody>")
                .nth(1)
                .unwrap_or_default()
                .split("</tr>")
                .next()
                .unwrap_or_default()
                .contains(&oldest_number)
        );

        // The API sorts the same way for someone else.
        let li = app.add_user("li", Role::Supervisor).await;
        let token = crate::support::cases::token_for(&app, &li).await;
        let (status, body) =
            crate::support::cases::api(&app, &token, "GET", "/api/v1/cases?sort=unread", None)
                .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["cases"][0]["number"], oldest_number.as_str());
        assert_eq!(body["cases"][0]["unread"], true);
        assert_eq!(body["cases"].as_array().map(Vec::len), Some(4));
    })
    .await;
}
