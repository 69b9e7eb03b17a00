//! Deadlines as people meet them: the calendar an admin loads, the policy in force when a
//! report arrives, and the date the reporter is told to expect.

use chrono::{DateTime, Utc};
use jianduka::access::Role;
use jianduka::entities::cases as case_rows;
use sea_orm::EntityTrait;

use crate::support::{Report, TEST_PASSWORD, TestApp, Upload, on_each_database};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// A report with no card at the server's current time; returns (case, query code).
async fn report(app: &TestApp) -> (case_rows::Model, String) {
    let code = app.report_and_get_code(Report::default().items(&[4])).await;
    (crate::support::cases::newest_case(app).await, code)
}

const HOLIDAYS_2027: &str = r#"{"year": 2027, "papers": ["https://www.gov.cn/zhengce/example"], "days": [
  {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
  {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
  {"name": "元旦", "date": "2027-01-03", "isOffDay": true},
  {"name": "元旦", "date": "2027-01-04", "isOffDay": true}
]}"#;

#[tokio::test]
async fn a_year_loaded_by_an_admin_moves_the_deadlines_that_cross_it() {
    on_each_database(async |app| {
        // Thu 31 Dec 2026, 10:00 Beijing time: before 2027 is loaded, Mon 4 Jan counts.
        app.state.clock.set(at("2026-12-31T02:00:00Z"));
        let (before, _) = report(&app).await;
        assert_eq!(
            before.accept_due_on.map(|d| d.to_string()).as_deref(),
            Some("2027-01-05")
        );
        // The admin loads 2027 through the page.
        let csrf = app.login_as_admin().await;
        let page = app
            .get("/staff/admin/calendar")
            .await
            .text()
            .await
            .expect("body");
        assert!(page.contains("尚未发布：仅按周一至周五计算"), "{page}");
        let calendar = Upload::new("2027.json", "application/json", HOLIDAYS_2027.into());
        let loaded = app.upload_calendar(&csrf, calendar).await;
        assert_eq!(loaded.status(), 303, "on {}", app.backend);
        let page = app
            .get("/staff/admin/calendar")
            .await
            .text()
            .await
            .expect("body");
        assert!(page.contains("2027") && !page.contains("尚未发布：仅按周一至周五计算"));
        // A report now, at the same moment, skips 1-4 Jan: Tue 5, Wed 6, Thu 7.
        let (after, _) = report(&app).await;
        assert_eq!(
            after.accept_due_on.map(|d| d.to_string()).as_deref(),
            Some("2027-01-07")
        );
        // The case already received keeps the deadline it was given.
        let kept = case_rows::Entity::find_by_id(before.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("case");
        assert_eq!(kept.accept_due_on, before.accept_due_on);
    })
    .await;
}

#[tokio::test]
async fn a_garbled_calendar_file_is_refused_with_a_message_and_changes_nothing() {
    let app = crate::support::spawn_app().await;
    let csrf = app.login_as_admin().await;
    for bad in [
        &b"{ not json"[..],
        br#"{"year": 2027, "days": [{"name": "x", "date": "2026-05-01", "isOffDay": true}]}"#,
    ] {
        let calendar = Upload::new("bad.json", "application/json", bad.to_vec());
        let response = app.upload_calendar(&csrf, calendar).await;
        assert_eq!(response.status(), 422);
        let page = response.text().await.expect("body");
        assert!(
            page.contains("日历文件") || page.contains("不属于该年"),
            "{page}"
        );
    }
    let status = jianduka::deadlines::calendar_file::status(&app.db)
        .await
        .expect("status");
    assert!(status.iter().any(|y| y.year == 2027 && !y.published));
}

#[tokio::test]
async fn a_new_policy_applies_to_reports_from_its_date_and_not_before() {
    on_each_database(async |app| {
        app.state.clock.set(at("2026-12-01T02:00:00Z")); // Tue 1 Dec, 10:00 Beijing
        let csrf = app.login_as_admin().await;
        let changed = app
            .post_form(
                "/staff/admin/sla",
                &[
                    ("csrf", &csrf),
                    ("accept", "1"),
                    ("conclude", "10"),
                    ("feedback", "3"),
                    ("from", "2026-12-03"),
                ],
            )
            .await;
        assert_eq!(changed.status(), 303, "on {}", app.backend);
        let (old, _) = report(&app).await;
        assert_eq!(
            old.accept_due_on.map(|d| d.to_string()).as_deref(),
            Some("2026-12-04"),
            "3 days"
        );
        app.state.clock.set(at("2026-12-03T02:00:00Z")); // Thu 3 Dec: the login has expired
        let (new, _) = report(&app).await;
        assert_eq!(
            new.accept_due_on.map(|d| d.to_string()).as_deref(),
            Some("2026-12-04"),
            "1 day"
        );
        assert_ne!(old.policy_id, new.policy_id);
        // A nonsense limit is refused.
        let response = app.login("admin", "a-new-admin-password").await;
        assert_eq!(response.status(), 303);
        let page = app
            .get("/staff/admin/sla")
            .await
            .text()
            .await
            .expect("body");
        let csrf = crate::support::extract_csrf(&page);
        let refused = app
            .post_form(
                "/staff/admin/sla",
                &[
                    ("csrf", &csrf),
                    ("accept", "0"),
                    ("conclude", "x"),
                    ("feedback", "3"),
                ],
            )
            .await;
        assert_eq!(refused.status(), 422);
    })
    .await;
}

#[tokio::test]
async fn the_reporter_is_told_by_when_to_expect_the_next_step_and_again_after_an_extension() {
    on_each_database(async |app| {
        app.state.clock.set(at("2026-11-30T02:00:00Z")); // Mon 30 Nov
        let (case, code) = report(&app).await;
        let page = app.look_up(&code).await.text().await.expect("body");
        assert!(page.contains("预计 2026年12月3日 前受理"), "{page}");
        // An inspector asks for 2 more working days; a supervisor approves.
        app.add_user("insp", Role::Inspector).await;
        crate::support::cases::assign_to(&app, case.id, "insp").await;
        let (insp, insp_csrf) = app.client_for("insp", TEST_PASSWORD).await;
        let asked = insp
            .post(format!("{}/staff/cases/{}/extension", app.address, case.id))
            .form(&[
                ("csrf", insp_csrf.as_str()),
                ("days", "2"),
                ("reason", "等待市场监管局调取登记材料"),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(asked.status(), 303);
        let extension = jianduka::entities::extensions::Entity::find()
            .one(&app.db)
            .await
            .expect("q")
            .expect("extension");
        app.add_user("sup", Role::Supervisor).await;
        let (sup, sup_csrf) = app.client_for("sup", TEST_PASSWORD).await;
        let decided = sup
            .post(format!(
                "{}/staff/extensions/{}/decide",
                app.address, extension.id
            ))
            .form(&[
                ("csrf", sup_csrf.as_str()),
                ("decision", "approve"),
                ("note", "同意"),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(decided.status(), 303);
        let page = app.look_up(&code).await.text().await.expect("body");
        assert!(page.contains("预计 2026年12月7日 前受理"), "{page}");
        // One date on the page: the history says the time limit was extended, not to when.
        assert!(
            page.contains("办理期限延长") && !page.contains("期限延至"),
            "{page}"
        );
        // In English too.
        let page = app
            .client
            .post(format!("{}/q?lang=en", app.address))
            .form(&[("code", code.as_str())])
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("body");
        assert!(
            page.contains("accept or decline by 7 December 2026"),
            "{page}"
        );
        // The history reads in English too, and gives no second date.
        assert!(
            !page.contains("Time limit extended to") && !page.contains("期限延至"),
            "{page}"
        );
    })
    .await;
}
