//! 退回: an inspector sends a case that is not their unit's back to triage with a reason; the
//! return is a `returned` event (the inspector, the reason) and an audit row; triage says why
//! each case is there, on the list and on the case page. Who may return, and the refusals.

use jianduka::access::Role;
use jianduka::entities::enums::{CaseStatus, EventKind};
use jianduka::entities::{audit_log, case_events, cases as case_rows};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::cases::{member, report_from, unit_for};
use crate::support::{TEST_PASSWORD, TestApp, on_each_database};

const EAST: &str = "暨阳街道";

async fn reload(app: &TestApp, id: i64) -> case_rows::Model {
    case_rows::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
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

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn audit_count(app: &TestApp, action: &str, case_id: i64) -> usize {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::SubjectId.eq(case_id.to_string()))
        .all(&app.db)
        .await
        .expect("audit")
        .len()
}

#[tokio::test]
async fn an_inspector_returns_a_case_that_is_not_their_unit_s_and_triage_says_why() {
    on_each_database(async |app| {
        let unit = unit_for(&app, "第一纪检监察室", EAST).await;
        let li = member(&app, "li", Role::Inspector, Some(unit)).await;
        member(&app, "chief", Role::Supervisor, None).await;
        let (insp, csrf) = app.client_for("li", TEST_PASSWORD).await;
        let (sup, _) = app.client_for("chief", TEST_PASSWORD).await;
        let (case, _) = report_from(&app, Some(EAST), &[4]).await;
        assert_eq!(case.unit_id, Some(unit));
        let path = format!("/staff/cases/{}", case.id);

        let (status, html) = page(&app, &insp, &path).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"act-return\""), "the page offers 退回");

        let version = case.version.to_string();
        let ret = format!("{path}/return");
        // No reason: refused with a message; a stale version: a conflict.
        let empty = post(
            &app,
            &insp,
            &ret,
            &[("csrf", &csrf), ("version", &version), ("reason", " ")],
        )
        .await;
        assert_eq!(empty.status(), 422, "on {}", app.backend);
        assert!(empty.text().await.expect("body").contains("请填写退回原因"));
        let stale = post(
            &app,
            &insp,
            &ret,
            &[("csrf", &csrf), ("version", "99"), ("reason", "不属于本室")],
        )
        .await;
        assert_eq!(stale.status(), 409, "on {}", app.backend);
        assert_eq!(
            reload(&app, case.id).await.unit_id,
            Some(unit),
            "nothing changed"
        );

        let reason = "反映的是店口镇窗口，不属本室管辖";
        let done = post(
            &app,
            &insp,
            &ret,
            &[("csrf", &csrf), ("version", &version), ("reason", reason)],
        )
        .await;
        assert_eq!(done.status(), 303, "on {}", app.backend);
        let to = done.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        assert!(to.starts_with("/staff/cases?returned="), "{to}");
        let (_, list) = page(&app, &insp, &to).await;
        assert!(
            list.contains(&format!("案件 {} 已退回待分派", case.number)),
            "{list}"
        );

        // Stored: back in triage, nobody holds it, the status and deadline unchanged; one
        // `returned` event by the inspector with the reason; one audit row.
        let after = reload(&app, case.id).await;
        assert_eq!((after.unit_id, after.assignee_id), (None, None));
        assert_eq!(after.status, CaseStatus::New);
        assert_eq!(after.due_on, case.due_on);
        let returned = case_events::Entity::find()
            .filter(case_events::Column::CaseId.eq(case.id))
            .filter(case_events::Column::Kind.eq(EventKind::Returned))
            .all(&app.db)
            .await
            .expect("events");
        assert_eq!(returned.len(), 1);
        assert_eq!(returned[0].actor_id, Some(li.id));
        assert_eq!(returned[0].note.as_deref(), Some(reason));
        assert!(
            !returned[0].public,
            "the reporter is not told of internal routing"
        );
        assert_eq!(audit_count(&app, "case_returned", case.id).await, 1);

        // The case has left the inspector's unit.
        assert_eq!(page(&app, &insp, &path).await.0, 404);

        // Triage, on the list and on the case page, says who returned it and why.
        let (_, triage) = page(&app, &sup, "/staff/cases?queue=triage").await;
        assert!(triage.contains(&case.number), "{triage}");
        assert!(triage.contains(&format!("li退回：{reason}")), "{triage}");
        let (_, shown) = page(&app, &sup, &path).await;
        assert!(
            shown.contains("待分派原因") && shown.contains(reason),
            "{shown}"
        );
        assert!(shown.contains("退回待分派"), "the history names the return");
        let (_, english) = page(&app, &sup, &format!("{path}?lang=en")).await;
        assert!(
            english.contains(&format!("returned by li: {reason}")),
            "{english}"
        );

        // Once a supervisor assigns it again, the return no longer explains anything.
        crate::support::cases::assign_to(&app, case.id, "li").await;
        let (_, shown) = page(&app, &sup, &path).await;
        assert!(!shown.contains("id=\"triage-reason\""));
    })
    .await;
}

#[tokio::test]
async fn who_may_return_a_case_and_when() {
    on_each_database(async |app| {
        let unit = unit_for(&app, "第一纪检监察室", EAST).await;
        let other = unit_for(&app, "第二纪检监察室", "店口镇").await;
        member(&app, "li", Role::Inspector, Some(unit)).await;
        member(&app, "wang", Role::Inspector, Some(unit)).await;
        member(&app, "zhao", Role::Inspector, Some(other)).await;
        member(&app, "chief", Role::Supervisor, None).await;
        member(&app, "printer", Role::PrintStaff, None).await;
        let (li, li_csrf) = app.client_for("li", TEST_PASSWORD).await;
        let (wang, wang_csrf) = app.client_for("wang", TEST_PASSWORD).await;
        let (zhao, zhao_csrf) = app.client_for("zhao", TEST_PASSWORD).await;
        let (chief, chief_csrf) = app.client_for("chief", TEST_PASSWORD).await;
        let (printer, printer_csrf) = app.client_for("printer", TEST_PASSWORD).await;
        let (case, _) = report_from(&app, Some(EAST), &[4]).await;
        let ret = format!("/staff/cases/{}/return", case.id);
        let form = |csrf: &str, version: i32| {
            vec![
                ("csrf".to_string(), csrf.to_string()),
                ("version".to_string(), version.to_string()),
                ("reason".to_string(), "不属本室".to_string()),
            ]
        };
        let send = async |client: &reqwest::Client, csrf: &str| {
            let version = reload(&app, case.id).await.version;
            client
                .post(format!("{}{ret}", app.address))
                .form(&form(csrf, version))
                .send()
                .await
                .expect("sent")
        };
        // Another unit's inspector does not see the case; print staff do not work cases; a
        // supervisor moves cases with 分派, not 退回.
        assert_eq!(
            send(&zhao, &zhao_csrf).await.status(),
            404,
            "on {}",
            app.backend
        );
        assert_eq!(send(&printer, &printer_csrf).await.status(), 403);
        let refused = send(&chief, &chief_csrf).await;
        assert_eq!(refused.status(), 403);
        assert!(refused.text().await.expect("body").contains("分派"));
        // Held by a colleague: only the holder may return it.
        crate::support::cases::assign_to(&app, case.id, "li").await;
        let refused = send(&wang, &wang_csrf).await;
        assert_eq!(refused.status(), 403);
        assert!(refused.text().await.expect("body").contains("承办人"));
        assert_eq!(reload(&app, case.id).await.unit_id, Some(unit));

        // A declined case cannot be returned (422, in words).
        let (declined, _) = report_from(&app, Some(EAST), &[4]).await;
        crate::support::cases::step(
            &app,
            declined.id,
            jianduka::cases::Step::Decline {
                reason: "不属于受理范围".into(),
            },
        )
        .await;
        let version = reload(&app, declined.id).await.version.to_string();
        let refused = post(
            &app,
            &li,
            &format!("/staff/cases/{}/return", declined.id),
            &[
                ("csrf", &li_csrf),
                ("version", &version),
                ("reason", "不属本室"),
            ],
        )
        .await;
        assert_eq!(refused.status(), 422, "on {}", app.backend);
        assert!(refused.text().await.expect("body").contains("不能退回"));

        // The holder returns it; returned again while in triage, it is refused: already there.
        assert_eq!(send(&li, &li_csrf).await.status(), 303);
        let refused = send(&li, &li_csrf).await;
        assert_eq!(refused.status(), 404, "no longer the inspector's to see");
        assert_eq!(audit_count(&app, "case_returned", case.id).await, 1);
    })
    .await;
}

#[tokio::test]
async fn triage_names_a_district_no_unit_covers_and_a_report_without_a_card() {
    on_each_database(async |app| {
        unit_for(&app, "第一纪检监察室", EAST).await;
        member(&app, "chief", Role::Supervisor, None).await;
        let (sup, _) = app.client_for("chief", TEST_PASSWORD).await;
        let (uncovered, _) = report_from(&app, Some("店口镇"), &[4]).await;
        let (cardless, _) = report_from(&app, None, &[3]).await;
        assert_eq!((uncovered.unit_id, cardless.unit_id), (None, None));
        let (_, list) = page(&app, &sup, "/staff/cases?unit=triage").await;
        assert!(list.contains("无科室负责店口镇"), "{list}");
        assert!(list.contains("非监督卡反映，无镇街"), "{list}");
        let (_, english) = page(&app, &sup, "/staff/cases?unit=triage&lang=en").await;
        assert!(english.contains("no unit covers 店口镇"), "{english}");
        let (_, shown) = page(
            &app,
            &sup,
            &format!("/staff/cases/{}?lang=zh-CN", uncovered.id),
        )
        .await;
        assert!(shown.contains("无科室负责店口镇"), "{shown}");
        // A unit created for the district since: triage says to assign it there.
        unit_for(&app, "第二纪检监察室", "店口镇").await;
        let (_, shown) = page(
            &app,
            &sup,
            &format!("/staff/cases/{}?lang=zh-CN", uncovered.id),
        )
        .await;
        assert!(
            shown.contains("店口镇现归第二纪检监察室，请分派"),
            "{shown}"
        );
    })
    .await;
}
