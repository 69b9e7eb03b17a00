//! The case tracker through its pages: routing by district, the workflow's allowed and refused
//! steps, concurrent edits, who sees what, and the deadlines a step sets.

use jianduka::access::Role;
use jianduka::cases::{CaseStatus, Finding, Step};
use jianduka::entities::cases as case_rows;
use sea_orm::EntityTrait;

use crate::support::intake::{CardKind, STORY, insert_card};
use crate::support::{Report, TEST_PASSWORD, TestApp, Upload, extract_csrf, on_each_database};

/// Reports are spaced out on the server's clock, so that the per-client hourly limit of the
/// public form is never what a tracker test runs into.
fn space_out(app: &TestApp) {
    app.state.clock.advance(chrono::Duration::minutes(7));
}

/// A report through a card of an enterprise in 暨阳街道; returns the new case.
pub async fn report_through_a_card(app: &TestApp) -> case_rows::Model {
    space_out(app);
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let response = app
        .post_report(&card.token, Report::default().items(&[2, 5]))
        .await;
    assert_eq!(response.status(), 200, "report stored on {}", app.backend);
    crate::support::cases::newest_case(app).await
}

/// A report with no card (no district): it goes to triage.
pub async fn report_without_a_card(app: &TestApp) -> case_rows::Model {
    space_out(app);
    let response = app
        .post_report_without_card(Report::default().items(&[3]))
        .await;
    assert_eq!(response.status(), 200);
    crate::support::cases::newest_case(app).await
}

/// Unit 第一纪检监察室 covering 暨阳街道, where enough enterprises hold a card for an
/// anonymous report to keep its district; returns its id.
pub async fn first_unit(app: &TestApp) -> i64 {
    crate::support::intake::add_holders(&app.db, None, "暨阳街道", 12).await;
    jianduka::auth::accounts::create_unit(
        &app.state.writes,
        &app.stamp(),
        "第一纪检监察室",
        &["暨阳街道".to_string(), "浣东街道".to_string()],
    )
    .await
    .expect("unit")
    .id
}

async fn reload(app: &TestApp, id: i64) -> case_rows::Model {
    case_rows::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
}

/// An inspector of `unit`, logged in on a client of their own.
async fn inspector(app: &TestApp, name: &str, unit: Option<i64>) -> (reqwest::Client, String) {
    let user = app.add_user(name, Role::Inspector).await;
    if unit.is_some() {
        jianduka::auth::accounts::change_account(
            &app.state.writes,
            &app.stamp(),
            user.id,
            jianduka::auth::AccountChange::Unit(unit),
        )
        .await
        .expect("unit set");
    }
    app.client_for(name, TEST_PASSWORD).await
}

async fn post(
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

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn a_report_goes_to_the_unit_covering_its_district_and_one_without_to_triage() {
    on_each_database(async |app| {
        let unit = first_unit(&app).await;
        let routed = report_through_a_card(&app).await;
        assert_eq!(routed.unit_id, Some(unit), "on {}", app.backend);
        assert_eq!(routed.district.as_deref(), Some("暨阳街道"));
        assert!(routed.accept_due_on.is_some() && routed.due_on == routed.accept_due_on);
        let triage = report_without_a_card(&app).await;
        assert_eq!(triage.unit_id, None);
        // The triage queue is on the supervisor's home page, not on an inspector's.
        app.add_user("boss", Role::Supervisor).await;
        let (boss, _) = app.client_for("boss", TEST_PASSWORD).await;
        let home = get(&boss, &app, "/staff").await.text().await.expect("body");
        assert!(home.contains("待分派（无对应科室）") && home.contains(&triage.number));
        let (insp, _) = inspector(&app, "insp", Some(unit)).await;
        let home = get(&insp, &app, "/staff").await.text().await.expect("body");
        assert!(!home.contains("待分派（无对应科室）"));
        assert!(home.contains(&routed.number) || home.contains("已超期"));
    })
    .await;
}

#[tokio::test]
async fn each_step_is_taken_through_the_case_page_and_the_reporter_sees_the_public_ones() {
    on_each_database(async |app| {
        let unit = first_unit(&app).await;
        let case = report_through_a_card(&app).await;
        let (client, csrf) = inspector(&app, "wang", Some(unit)).await;
        let path = format!("/staff/cases/{}", case.id);
        let page = get(&client, &app, &path).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("body");
        assert!(html.contains(STORY) && html.contains("受理"));
        let step = async |step: &str, extra: &[(&str, &str)]| {
            let version = reload(&app, case.id).await.version.to_string();
            let mut form = vec![
                ("csrf", csrf.as_str()),
                ("version", &version),
                ("step", step),
                ("confirm", "1"),
            ];
            form.extend_from_slice(extra);
            post(&client, &app, &format!("{path}/step"), &form).await
        };
        // Closing a new case is refused with a message, not a 500.
        let refused = step("close", &[]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.expect("body").contains("不能"));
        assert_eq!(step("accept", &[]).await.status(), 303);
        let accepted = reload(&app, case.id).await;
        assert_eq!(accepted.status, CaseStatus::Accepted);
        assert!(accepted.conclude_due_on.is_some());
        assert_eq!(accepted.due_on, accepted.conclude_due_on);
        assert_eq!(step("investigate", &[]).await.status(), 303);
        // A conclusion needs a finding, and its texts come back when it is refused.
        let no_finding = step(
            "conclude",
            &[("summary", "内部小结"), ("feedback", "反馈内容甲")],
        )
        .await;
        assert_eq!(no_finding.status(), 422);
        assert!(
            no_finding
                .text()
                .await
                .expect("body")
                .contains("反馈内容甲")
        );
        let concluded = step(
            "conclude",
            &[
                ("finding", "partly_substantiated"),
                ("summary", "经查部分属实，已督促整改。"),
                ("feedback", "您反映的问题部分属实，已责令相关窗口整改。"),
            ],
        )
        .await;
        assert_eq!(concluded.status(), 303);
        let done = reload(&app, case.id).await;
        assert_eq!(done.finding, Some(Finding::PartlySubstantiated));
        assert_eq!(done.due_on, done.feedback_due_on);
        assert_eq!(step("close", &[]).await.status(), 303);
        let closed = reload(&app, case.id).await;
        assert_eq!(closed.status, CaseStatus::Closed);
        assert_eq!(closed.due_on, None, "no stage open, no deadline");
        // An inspector may not reopen; the route says so before anything happens.
        let version = closed.version.to_string();
        let reopen = post(
            &client,
            &app,
            &format!("{path}/reopen"),
            &[("csrf", &csrf), ("version", &version), ("reason", "再查")],
        )
        .await;
        assert_eq!(reopen.status(), 403);
        // The public timeline shows the feedback, never the internal summary.
        let events = jianduka::entities::case_events::Entity::find()
            .all(&app.db)
            .await
            .expect("events");
        let public: Vec<_> = events.iter().filter(|e| e.public).collect();
        assert!(
            public
                .iter()
                .any(|e| e.note.as_deref() == Some("您反映的问题部分属实，已责令相关窗口整改。"))
        );
        assert!(
            !public
                .iter()
                .any(|e| e.note.as_deref() == Some("经查部分属实，已督促整改。"))
        );
    })
    .await;
}

#[tokio::test]
async fn every_transition_the_workflow_does_not_allow_is_refused_with_a_message() {
    use jianduka::cases::{CaseActor, CaseError, take_step};
    on_each_database(async |app| {
        let officer = crate::support::cases::officer(&app).await;
        let steps = || {
            vec![
                Step::Accept,
                Step::Decline {
                    reason: "不属于受理范围".into(),
                },
                Step::Investigate,
                Step::Conclude {
                    finding: Finding::NotSubstantiated,
                    summary: "s".into(),
                    feedback: "f".into(),
                },
                Step::Close,
                Step::Reopen { reason: "r".into() },
            ]
        };
        // Bring a case to each status, then try every step on it.
        let paths: Vec<Vec<Step>> = vec![
            vec![],
            vec![Step::Accept],
            vec![Step::Decline { reason: "x".into() }],
            vec![Step::Accept, Step::Investigate],
            vec![
                Step::Accept,
                Step::Conclude {
                    finding: Finding::Substantiated,
                    summary: "s".into(),
                    feedback: "f".into(),
                },
            ],
            vec![
                Step::Accept,
                Step::Conclude {
                    finding: Finding::Substantiated,
                    summary: "s".into(),
                    feedback: "f".into(),
                },
                Step::Close,
            ],
        ];
        let rules = app.rules().await;
        for path in paths {
            for step in steps() {
                let case = report_without_a_card(&app).await;
                for earlier in &path {
                    crate::support::cases::step(&app, case.id, earlier.clone()).await;
                }
                let before = reload(&app, case.id).await;
                let allowed = match &step {
                    Step::Reopen { .. } => {
                        matches!(before.status, CaseStatus::Concluded | CaseStatus::Closed)
                    }
                    Step::Accept => before.status.can_become(CaseStatus::Accepted),
                    Step::Decline { .. } => before.status.can_become(CaseStatus::Declined),
                    Step::Investigate => before.status.can_become(CaseStatus::Investigating),
                    Step::Conclude { .. } => before.status.can_become(CaseStatus::Concluded),
                    Step::Close => before.status.can_become(CaseStatus::Closed),
                    Step::ConcludeAndReply { .. } => {
                        before.status.can_become(CaseStatus::Concluded)
                    }
                };
                let actor = CaseActor::new(&officer, app.stamp());
                let result = take_step(
                    &app.state.writes,
                    &rules,
                    &actor,
                    case.id,
                    before.version,
                    step.clone(),
                )
                .await;
                let after = reload(&app, case.id).await;
                if allowed {
                    assert!(
                        result.is_ok(),
                        "{step:?} from {:?} on {}",
                        before.status,
                        app.backend
                    );
                    assert_eq!(after.version, before.version + 1);
                } else {
                    assert!(
                        matches!(result, Err(CaseError::InvalidTransition { .. })),
                        "{step:?} from {:?}: {result:?}",
                        before.status
                    );
                    assert_eq!(after, before, "a refused step changes nothing");
                }
            }
        }
        // Over HTTP a refused step is a 422 with words, never a 500: checked above; here the
        // declined case stays final.
        let declined = report_without_a_card(&app).await;
        crate::support::cases::step(
            &app,
            declined.id,
            Step::Decline {
                reason: "不属于受理范围".into(),
            },
        )
        .await;
        assert_eq!(reload(&app, declined.id).await.due_on, None);
    })
    .await;
}

#[tokio::test]
async fn the_second_of_two_people_changing_a_case_at_once_gets_a_conflict() {
    on_each_database(async |app| {
        let unit = first_unit(&app).await;
        let case = report_through_a_card(&app).await;
        let (a, csrf_a) = inspector(&app, "li", Some(unit)).await;
        let (b, csrf_b) = inspector(&app, "zhao", Some(unit)).await;
        // This office lets its inspectors decline directly (办理规则).
        jianduka::cases::handling::set_inspectors_decline_directly(
            &app.state.writes,
            &app.stamp(),
            true,
        )
        .await
        .expect("rule set");
        let version = case.version.to_string();
        let path = format!("/staff/cases/{}/step", case.id);
        let form_a = [
            ("csrf", csrf_a.as_str()),
            ("version", &version),
            ("step", "accept"),
        ];
        let form_b = [
            ("csrf", csrf_b.as_str()),
            ("version", &version),
            ("step", "decline"),
            ("reason", "重复反映"),
            ("confirm", "1"),
        ];
        let first = post(&a, &app, &path, &form_a);
        let second = post(&b, &app, &path, &form_b);
        let (first, second) = tokio::join!(first, second);
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "on {}", app.backend);
        let loser = if first.status() == 409 { first } else { second };
        let page = loser.text().await.expect("body");
        assert!(page.contains("已被他人修改"), "{page}");
        // What the loser typed is still on the page.
        let after = reload(&app, case.id).await;
        assert_eq!(after.version, case.version + 1);
        if after.status == CaseStatus::Accepted {
            assert!(page.contains("重复反映"));
        }
    })
    .await;
}

#[tokio::test]
async fn who_sees_which_case_follows_the_unit_and_the_role() {
    on_each_database(async |app| {
        let unit = first_unit(&app).await;
        let other = jianduka::auth::accounts::create_unit(
            &app.state.writes,
            &app.stamp(),
            "第二纪检监察室",
            &["店口镇".to_string()],
        )
        .await
        .expect("unit")
        .id;
        let own = report_through_a_card(&app).await;
        let triage = report_without_a_card(&app).await;
        // A file on the case, to prove downloads follow the same rule.
        let file_id = {
            use jianduka::entities::attachments;
            use sea_orm::{ActiveModelTrait, Set};
            attachments::ActiveModel {
                case_id: Set(own.id),
                message_id: Set(None),
                uploaded_at: Set(app.state.clock.now()),
                origin: Set(jianduka::entities::enums::Origin::Reporter),
                uploaded_by: Set(None),
                filename: Set("attachment-1.pdf".into()),
                content_type: Set("application/pdf".into()),
                size: Set(9),
                sha256: Set("x".into()),
                data: Set(b"%PDF-1.4\n".to_vec()),
                note_id: Set(None),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("file")
            .id
        };
        let (mine, _) = inspector(&app, "in-unit", Some(unit)).await;
        let (stranger, _) = inspector(&app, "other-unit", Some(other)).await;
        let (loner, _) = inspector(&app, "no-unit", None).await;
        app.add_user("sup", Role::Supervisor).await;
        let (sup, _) = app.client_for("sup", TEST_PASSWORD).await;
        app.add_user("printer", Role::PrintStaff).await;
        let (printer, _) = app.client_for("printer", TEST_PASSWORD).await;
        let case_path = |id: i64| format!("/staff/cases/{id}");
        let file_path = format!("/staff/cases/{}/files/{file_id}", own.id);
        let expect = async |client: &reqwest::Client, path: &str, status: u16, who: &str| {
            let got = get(client, &app, path).await.status();
            assert_eq!(got, status, "{who} {path} on {}", app.backend);
        };
        // Own unit: case and file; other unit and no unit: 404 like a missing case.
        expect(&mine, &case_path(own.id), 200, "in-unit").await;
        expect(&mine, &file_path, 200, "in-unit").await;
        expect(&mine, &case_path(triage.id), 404, "in-unit").await;
        expect(&stranger, &case_path(own.id), 404, "other-unit").await;
        expect(&stranger, &file_path, 404, "other-unit").await;
        expect(&loner, &case_path(own.id), 404, "no-unit").await;
        expect(&mine, "/staff/cases/999999", 404, "in-unit").await;
        // Supervisors see everything, the triage queue included, and the statistics.
        expect(&sup, &case_path(own.id), 200, "supervisor").await;
        expect(&sup, &case_path(triage.id), 200, "supervisor").await;
        expect(&sup, &file_path, 200, "supervisor").await;
        expect(&sup, "/staff/stats", 200, "supervisor").await;
        expect(&sup, "/staff/admin/users", 403, "supervisor").await;
        // Inspectors: no statistics, no admin pages. Print staff: no cases at all.
        expect(&mine, "/staff/stats", 403, "in-unit").await;
        expect(&mine, "/staff/admin/audit", 403, "in-unit").await;
        expect(&printer, &case_path(own.id), 403, "printer").await;
        expect(&printer, &file_path, 403, "printer").await;
        expect(&printer, "/staff/cases", 403, "printer").await;
        // The lists say the same: the inspector's list holds the own case only.
        let list = get(&mine, &app, "/staff/cases")
            .await
            .text()
            .await
            .expect("body");
        assert!(list.contains(&own.number) && !list.contains(&triage.number));
        let list = get(&stranger, &app, "/staff/cases")
            .await
            .text()
            .await
            .expect("body");
        assert!(!list.contains(&own.number));
        // An assigned case follows its inspector, even one without a unit.
        crate::support::cases::assign_to(&app, triage.id, "no-unit").await;
        expect(
            &loner,
            &case_path(triage.id),
            200,
            "no-unit after assignment",
        )
        .await;
        // A download is a download, never rendered by the browser, never cached.
        let download = get(&mine, &app, &file_path).await;
        assert_eq!(
            download.headers()["content-disposition"],
            "attachment; filename=\"attachment-1.pdf\""
        );
        assert_eq!(download.headers()["x-content-type-options"], "nosniff");
        assert_eq!(download.headers()["cache-control"], "no-store");
    })
    .await;
}

#[tokio::test]
async fn an_approved_extension_moves_the_deadline_and_tells_the_reporter_the_new_date() {
    on_each_database(async |app| {
        let unit = first_unit(&app).await;
        let case = report_through_a_card(&app).await;
        let (client, csrf) = inspector(&app, "chen", Some(unit)).await;
        let asked = post(
            &client,
            &app,
            &format!("/staff/cases/{}/extension", case.id),
            &[
                ("csrf", &csrf),
                ("days", "5"),
                ("reason", "需调取监控，等待有关部门配合"),
            ],
        )
        .await;
        assert_eq!(asked.status(), 303, "on {}", app.backend);
        let extension = jianduka::entities::extensions::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("extension");
        app.add_user("sup2", Role::Supervisor).await;
        let (sup, sup_csrf) = app.client_for("sup2", TEST_PASSWORD).await;
        // The inspector cannot decide it.
        let path = format!("/staff/extensions/{}/decide", extension.id);
        let form = [
            ("csrf", csrf.as_str()),
            ("decision", "approve"),
            ("note", "同意"),
        ];
        assert_eq!(post(&client, &app, &path, &form).await.status(), 403);
        let form = [
            ("csrf", sup_csrf.as_str()),
            ("decision", "approve"),
            ("note", "同意延期"),
        ];
        assert_eq!(post(&sup, &app, &path, &form).await.status(), 303);
        let after = reload(&app, case.id).await;
        let rules = app.rules().await;
        let expected = rules
            .calendar
            .add_working_days(case.accept_due_on.expect("due"), 5);
        assert_eq!(after.accept_due_on, Some(expected));
        assert_eq!(after.due_on, Some(expected));
        let public = jianduka::entities::case_events::Entity::find()
            .all(&app.db)
            .await
            .expect("events")
            .into_iter()
            .filter(|e| {
                // The note is kept as a message and shown in the reader's language.
                e.public
                    && e.note.as_deref().is_some_and(|n| {
                        let locales = jianduka::i18n::Locales::embedded().expect("locales");
                        jianduka::msg::Msg::shown(n, locales, jianduka::i18n::Lang::Zh)
                            .contains("期限延至")
                    })
            })
            .count();
        assert_eq!(public, 1);
    })
    .await;
}

#[tokio::test]
async fn messages_and_notes_are_kept_apart_and_a_refused_note_keeps_its_text() {
    on_each_database(async |app| {
        let unit = first_unit(&app).await;
        let case = report_through_a_card(&app).await;
        let (client, _) = inspector(&app, "sun", Some(unit)).await;
        let page = get(&client, &app, &format!("/staff/cases/{}", case.id))
            .await
            .text()
            .await
            .expect("body");
        let csrf = extract_csrf(&page);
        let message = app
            .post_staff_message(&client, &csrf, case.id, "请补充发生的具体时间。", &[])
            .await;
        assert_eq!(message.status(), 303);
        let note = app
            .post_staff_note(&client, &csrf, case.id, "已电话联系窗口负责人。", &[])
            .await;
        assert_eq!(note.status(), 303);
        // A file that is not a photo or PDF is refused, and the note's text stays.
        let program = Upload::new("x.bin", "application/octet-stream", b"MZ\x90\x00".to_vec());
        let refused = app
            .post_staff_note(&client, &csrf, case.id, "这段备注不能丢。", &[program])
            .await;
        assert_eq!(refused.status(), 415);
        assert!(
            refused
                .text()
                .await
                .expect("body")
                .contains("这段备注不能丢。")
        );
        let messages = jianduka::entities::messages::Entity::find()
            .all(&app.db)
            .await
            .expect("messages");
        assert_eq!(messages.len(), 1);
        let notes = jianduka::entities::internal_notes::Entity::find()
            .all(&app.db)
            .await
            .expect("notes");
        assert_eq!(notes.len(), 1);
        // The reporter's page shows the message, never the note.
        let view = jianduka::cases::public_view(
            &app.db,
            &reload(&app, case.id).await,
            jianduka::i18n::Lang::Zh,
        )
        .await
        .expect("view");
        assert!(
            view.messages
                .iter()
                .any(|m| m.body == "请补充发生的具体时间。")
        );
        assert!(!view.messages.iter().any(|m| m.body.contains("已电话联系")));
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_report_too_telling_for_its_district_still_reaches_the_unit() {
    on_each_database(async |app| {
        // The reporting card's holder is alone in 暨阳街道; the unit also covers 浣东街道,
        // where a dozen enterprises hold cards: the unit names nobody, the district would.
        crate::support::intake::add_holders(&app.db, None, "浣东街道", 12).await;
        let unit = jianduka::auth::accounts::create_unit(
            &app.state.writes,
            &app.stamp(),
            "第一纪检监察室",
            &["暨阳街道".to_string(), "浣东街道".to_string()],
        )
        .await
        .expect("unit")
        .id;
        let case = report_through_a_card(&app).await;
        assert_eq!(case.district, None, "on {}", app.backend);
        assert_eq!(case.unit_id, Some(unit), "on {}", app.backend);
        // A unit of the lone district only would name the reporter: triage instead.
        let lone = jianduka::auth::accounts::create_unit(
            &app.state.writes,
            &app.stamp(),
            "第二纪检监察室",
            &["枫桥镇".to_string()],
        )
        .await
        .expect("unit")
        .id;
        let card = {
            use jianduka::entities::enterprises;
            use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
            let card = insert_card(&app.db, CardKind::Enterprise).await;
            let enterprise = enterprises::Entity::find_by_id(card.enterprise_id.expect("holder"))
                .one(&app.db)
                .await
                .expect("query")
                .expect("enterprise");
            let mut moved = enterprise.into_active_model();
            moved.district = Set("枫桥镇".into());
            moved.update(&app.db).await.expect("moved");
            card
        };
        space_out(&app);
        let response = app.post_report(&card.token, Report::default()).await;
        assert_eq!(response.status(), 200);
        let case = crate::support::cases::newest_case(&app).await;
        assert_eq!(case.district, None);
        assert_ne!(case.unit_id, Some(lone));
        assert_eq!(case.unit_id, None, "triage");
    })
    .await;
}
