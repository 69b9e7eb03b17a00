//! 不予受理 by approval: by default an inspector's decline is a request a supervisor approves
//! (the case is declined, the reason shown to the reporter) or refuses (it stays with the
//! inspector, who reads the note); an admin may let inspectors decline directly. Irreversible
//! steps ask for confirmation in the page, without JavaScript. Two decisions sent together on
//! one request: one is stored, the other answered 409 — 20 pairs, on each database.

use jianduka::access::Role;
use jianduka::entities::enums::CaseStatus;
use jianduka::entities::{audit_log, cases as case_rows, decline_requests, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::cases::{member, report_from, unit_for};
use crate::support::{TEST_PASSWORD, TestApp, on_each_database};

const EAST: &str = "暨阳街道";
const ROUNDS: usize = 20;

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
) -> (u16, String) {
    let response = client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body")
}

async fn requests_of(app: &TestApp, case_id: i64) -> Vec<decline_requests::Model> {
    decline_requests::Entity::find()
        .filter(decline_requests::Column::CaseId.eq(case_id))
        .all(&app.db)
        .await
        .expect("query")
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

/// A unit over EAST with the inspector "li", and the supervisor "chief"; their clients.
async fn office(app: &TestApp) -> ((reqwest::Client, String), (reqwest::Client, String)) {
    let unit = unit_for(app, "第一纪检监察室", EAST).await;
    member(app, "li", Role::Inspector, Some(unit)).await;
    member(app, "chief", Role::Supervisor, None).await;
    (
        app.client_for("li", TEST_PASSWORD).await,
        app.client_for("chief", TEST_PASSWORD).await,
    )
}

#[tokio::test]
async fn an_inspector_s_decline_is_a_request_that_a_supervisor_approves_after_confirming() {
    on_each_database(async |app| {
        let ((insp, csrf), (sup, sup_csrf)) = office(&app).await;
        let (case, code) = report_from(&app, Some(EAST), &[4]).await;
        let path = format!("/staff/cases/{}", case.id);
        let html = page(&app, &insp, &path).await;
        assert!(html.contains("id=\"act-request-decline\""));
        assert!(
            !html.contains("id=\"act-decline\""),
            "no direct decline by default"
        );

        // Declining directly is refused with a message, even confirmed.
        let version = case.version.to_string();
        let (status, body) = post(
            &app,
            &insp,
            &format!("{path}/step"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("step", "decline"),
                ("reason", "重复反映"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(status, 422, "on {}", app.backend);
        assert!(body.contains("须经分管领导批准"), "{body}");

        let ask = format!("{path}/decline-request");
        let (status, body) = post(&app, &insp, &ask, &[("csrf", &csrf), ("reason", "")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("请填写不予受理的理由"));
        let reason = "所反映问题不属于营商环境监督范围";
        let (status, _) = post(&app, &insp, &ask, &[("csrf", &csrf), ("reason", reason)]).await;
        assert_eq!(status, 303, "on {}", app.backend);
        let (status, body) = post(
            &app,
            &insp,
            &ask,
            &[("csrf", &csrf), ("reason", "再次申请")],
        )
        .await;
        assert_eq!(status, 409);
        assert!(body.contains("已有待审批的不予受理申请"));
        let stored = requests_of(&app, case.id).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].reason, reason);
        assert!(stored[0].decided_at.is_none());
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::New);
        assert_eq!(audit_count(&app, "decline_requested", case.id).await, 1);

        // It waits in the supervisors' requests queue; an inspector cannot decide it.
        let queue = page(&app, &sup, "/staff/cases?queue=requests").await;
        assert!(queue.contains(&case.number), "{queue}");
        let decide = format!("/staff/decline-requests/{}/decide", stored[0].id);
        let (status, _) = post(
            &app,
            &insp,
            &decide,
            &[("csrf", &csrf), ("decision", "approve"), ("confirm", "1")],
        )
        .await;
        assert_eq!(status, 403);

        // An approval first asks for confirmation, naming the case and the reason.
        let (status, body) = post(
            &app,
            &sup,
            &decide,
            &[
                ("csrf", &sup_csrf),
                ("decision", "approve"),
                ("note", "同意"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            body.contains("id=\"confirm-yes\"")
                && body.contains(reason)
                && body.contains(&case.number),
            "{body}"
        );
        assert!(body.contains("name=\"confirm\" value=\"1\""));
        assert!(
            requests_of(&app, case.id).await[0].decided_at.is_none(),
            "nothing decided yet"
        );
        let (status, _) = post(
            &app,
            &sup,
            &decide,
            &[
                ("csrf", &sup_csrf),
                ("decision", "approve"),
                ("note", "同意"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "on {}", app.backend);
        let declined = reload(&app, case.id).await;
        assert_eq!(declined.status, CaseStatus::Declined);
        assert_eq!(declined.decline_reason.as_deref(), Some(reason));
        assert_eq!(declined.due_on, None);
        let decided = requests_of(&app, case.id).await.remove(0);
        assert_eq!(decided.approved, Some(true));
        assert_eq!(decided.decision_note.as_deref(), Some("同意"));
        assert_eq!(audit_count(&app, "decline_decided", case.id).await, 1);
        assert_eq!(audit_count(&app, "case_declined", case.id).await, 1);
        let shown = app.look_up(&code).await.text().await.expect("body");
        assert!(
            shown.contains(reason),
            "the reporter reads the reason: {shown}"
        );
        let queue = page(&app, &sup, "/staff/cases?queue=requests").await;
        assert!(!queue.contains(&case.number), "decided, out of the queue");
        // Decided once: deciding again is a conflict.
        let (status, _) = post(
            &app,
            &sup,
            &decide,
            &[
                ("csrf", &sup_csrf),
                ("decision", "refuse"),
                ("note", "不同意"),
            ],
        )
        .await;
        assert_eq!(status, 409);
    })
    .await;
}

#[tokio::test]
async fn a_refused_request_leaves_the_case_with_the_inspector_who_reads_the_note() {
    on_each_database(async |app| {
        let ((insp, csrf), (sup, sup_csrf)) = office(&app).await;
        let (case, _) = report_from(&app, Some(EAST), &[4]).await;
        crate::support::cases::assign_to(&app, case.id, "li").await;
        let path = format!("/staff/cases/{}", case.id);
        let (status, _) = post(
            &app,
            &insp,
            &format!("{path}/decline-request"),
            &[("csrf", &csrf), ("reason", "重复反映")],
        )
        .await;
        assert_eq!(status, 303);
        let request = requests_of(&app, case.id).await.remove(0);
        let decide = format!("/staff/decline-requests/{}/decide", request.id);
        // A refusal needs its note; an unknown decision is a bad request.
        let (status, body) = post(
            &app,
            &sup,
            &decide,
            &[("csrf", &sup_csrf), ("decision", "refuse"), ("note", " ")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("请填写审批意见"), "{body}");
        let (status, _) = post(
            &app,
            &sup,
            &decide,
            &[("csrf", &sup_csrf), ("decision", "maybe")],
        )
        .await;
        assert_eq!(status, 400);
        let note = "与此前反映的不是同一事项，请受理";
        let (status, _) = post(
            &app,
            &sup,
            &decide,
            &[("csrf", &sup_csrf), ("decision", "refuse"), ("note", note)],
        )
        .await;
        assert_eq!(status, 303, "on {}", app.backend);
        let after = reload(&app, case.id).await;
        assert_eq!(after.status, CaseStatus::New);
        assert_eq!(after.assignee_id, case_holder(&app, "li").await);
        assert_eq!(after.decline_reason, None);
        assert_eq!(audit_count(&app, "decline_decided", case.id).await, 1);
        assert_eq!(audit_count(&app, "case_declined", case.id).await, 0);
        let html = page(&app, &insp, &path).await;
        assert!(
            html.contains("不予受理申请未获批准") && html.contains(note),
            "{html}"
        );
        // The inspector may ask again.
        assert!(html.contains("id=\"act-request-decline\""));
    })
    .await;
}

async fn case_holder(app: &TestApp, username: &str) -> Option<i64> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&app.db)
        .await
        .expect("query")
        .map(|u| u.id)
}

#[tokio::test]
async fn supervisors_decline_directly_and_an_admin_may_let_inspectors_do_so_too() {
    on_each_database(async |app| {
        let ((insp, csrf), (sup, sup_csrf)) = office(&app).await;
        let (case, _) = report_from(&app, Some(EAST), &[4]).await;
        let step = format!("/staff/cases/{}/step", case.id);
        let version = case.version.to_string();
        let form = [
            ("csrf", sup_csrf.as_str()),
            ("version", version.as_str()),
            ("step", "decline"),
            ("reason", "重复反映"),
        ];
        // First the confirmation; nothing happens until it is confirmed.
        let (status, body) = post(&app, &sup, &step, &form).await;
        assert_eq!(status, 200);
        assert!(
            body.contains("确认不予受理") && body.contains("重复反映"),
            "{body}"
        );
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::New);
        // A refused step is refused at once, with no confirmation asked.
        let (status, _) = post(
            &app,
            &sup,
            &step,
            &[
                ("csrf", &sup_csrf),
                ("version", &version),
                ("step", "decline"),
                ("reason", ""),
            ],
        )
        .await;
        assert_eq!(status, 422);
        let mut confirmed = form.to_vec();
        confirmed.push(("confirm", "1"));
        let (status, _) = post(&app, &sup, &step, &confirmed).await;
        assert_eq!(status, 303);
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::Declined);

        // The admin's 办理规则 page: inspectors may decline directly.
        let admin_csrf = app.login_as_admin().await;
        let rules = app
            .get("/staff/admin/handling")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            rules.contains("办理规则") && rules.contains("id=\"decline-approval\" checked"),
            "{rules}"
        );
        let nav = app
            .get("/staff/admin/users")
            .await
            .text()
            .await
            .expect("body");
        assert!(nav.contains("/staff/admin/handling"));
        let bad = app
            .post_form(
                "/staff/admin/handling",
                &[("csrf", &admin_csrf), ("decline", "sometimes")],
            )
            .await;
        assert_eq!(bad.status(), 422);
        let set = app
            .post_form(
                "/staff/admin/handling",
                &[("csrf", &admin_csrf), ("decline", "direct")],
            )
            .await;
        assert_eq!(set.status(), 303);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("setting_changed"))
            .filter(audit_log::Column::SubjectId.eq("inspectors_decline_directly"))
            .all(&app.db)
            .await
            .expect("audit");
        assert_eq!(audited.len(), 1);
        assert!(audited[0].detail.contains("true"));
        // Inspectors are admin-free: their pages are not open to them.
        let (status, _) = post(
            &app,
            &insp,
            "/staff/admin/handling",
            &[("csrf", &csrf), ("decline", "approval")],
        )
        .await;
        assert_eq!(status, 403);

        let (other, _) = report_from(&app, Some(EAST), &[4]).await;
        let html = page(&app, &insp, &format!("/staff/cases/{}", other.id)).await;
        assert!(
            html.contains("id=\"act-decline\"") && !html.contains("id=\"act-request-decline\"")
        );
        let version = other.version.to_string();
        let (status, _) = post(
            &app,
            &insp,
            &format!("/staff/cases/{}/step", other.id),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("step", "decline"),
                ("reason", "重复反映"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "on {}", app.backend);
        assert_eq!(reload(&app, other.id).await.status, CaseStatus::Declined);
    })
    .await;
}

#[tokio::test]
async fn closing_reopening_revoking_a_token_and_disabling_an_account_ask_first() {
    on_each_database(async |app| {
        let (_, (sup, sup_csrf)) = office(&app).await;
        let (case, _) = report_from(&app, Some(EAST), &[4]).await;
        crate::support::cases::step(&app, case.id, jianduka::cases::Step::Accept).await;
        crate::support::cases::step(
            &app,
            case.id,
            jianduka::cases::Step::Conclude {
                finding: jianduka::cases::Finding::Substantiated,
                summary: "属实".into(),
                feedback: "经查属实，已整改。".into(),
            },
        )
        .await;
        let path = format!("/staff/cases/{}", case.id);
        let version = reload(&app, case.id).await.version.to_string();
        let (status, body) = post(
            &app,
            &sup,
            &format!("{path}/step"),
            &[
                ("csrf", &sup_csrf),
                ("version", &version),
                ("step", "close"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            body.contains("确认反馈办结") && body.contains(&case.number),
            "{body}"
        );
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::Concluded);
        let (status, _) = post(
            &app,
            &sup,
            &format!("{path}/step"),
            &[
                ("csrf", &sup_csrf),
                ("version", &version),
                ("step", "close"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let version = reload(&app, case.id).await.version.to_string();
        let (status, body) = post(
            &app,
            &sup,
            &format!("{path}/reopen"),
            &[
                ("csrf", &sup_csrf),
                ("version", &version),
                ("reason", "补充调查"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            body.contains("确认重新调查") && body.contains("补充调查"),
            "{body}"
        );
        assert_eq!(reload(&app, case.id).await.status, CaseStatus::Closed);
        let (status, _) = post(
            &app,
            &sup,
            &format!("{path}/reopen"),
            &[
                ("csrf", &sup_csrf),
                ("version", &version),
                ("reason", "补充调查"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(
            reload(&app, case.id).await.status,
            CaseStatus::Investigating
        );

        // The admin's irreversible steps.
        let admin_csrf = app.login_as_admin().await;
        let owner = member(&app, "robot", Role::Inspector, None).await;
        let (token, _) =
            jianduka::auth::issue_token(&app.state.writes, &app.stamp(), owner.id, "报表脚本")
                .await
                .expect("token");
        let revoke = format!("/staff/admin/tokens/{}/revoke", token.id);
        let asked = app.post_form(&revoke, &[("csrf", &admin_csrf)]).await;
        assert_eq!(asked.status(), 200);
        let body = asked.text().await.expect("body");
        assert!(
            body.contains("确认吊销令牌") && body.contains("报表脚本"),
            "{body}"
        );
        let listed = jianduka::auth::tokens::list_tokens(&app.db, None)
            .await
            .expect("tokens");
        assert!(
            listed.iter().all(|t| t.revoked_at.is_none()),
            "not revoked yet"
        );
        let done = app
            .post_form(&revoke, &[("csrf", &admin_csrf), ("confirm", "1")])
            .await;
        assert_eq!(done.status(), 303);
        let listed = jianduka::auth::tokens::list_tokens(&app.db, None)
            .await
            .expect("tokens");
        assert!(listed.iter().all(|t| t.revoked_at.is_some()));

        let account = format!("/staff/admin/users/{}", owner.id);
        let asked = app
            .post_form(&account, &[("csrf", &admin_csrf), ("action", "disable")])
            .await;
        assert_eq!(asked.status(), 200);
        assert!(asked.text().await.expect("body").contains("确认停用账户"));
        let db = &app.db;
        let active = |id: i64| async move {
            users::Entity::find_by_id(id)
                .one(db)
                .await
                .expect("query")
                .expect("user")
                .active
        };
        assert!(active(owner.id).await);
        let done = app
            .post_form(
                &account,
                &[
                    ("csrf", &admin_csrf),
                    ("action", "disable"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(done.status(), 303);
        assert!(!active(owner.id).await);
    })
    .await;
}

async fn raw_post(client: &reqwest::Client, url: String, form: &[(&str, &str)]) -> u16 {
    client
        .post(url)
        .form(form)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn of_two_decline_requests_sent_together_one_waits_and_the_other_is_refused() {
    on_each_database(async |app| {
        let ((insp, csrf), _) = office(&app).await;
        for round in 0..ROUNDS {
            let (case, _) = report_from(&app, Some(EAST), &[4]).await;
            let url = format!("{}/staff/cases/{}/decline-request", app.address, case.id);
            let one = [("csrf", csrf.as_str()), ("reason", "重复反映")];
            let other = [("csrf", csrf.as_str()), ("reason", "不属受理范围")];
            let (a, b) = tokio::join!(
                raw_post(&insp, url.clone(), &one),
                raw_post(&insp, url.clone(), &other),
            );
            let mut statuses = [a, b];
            statuses.sort_unstable();
            assert_eq!(statuses, [303, 409], "round {round} on {}", app.backend);
            assert_eq!(requests_of(&app, case.id).await.len(), 1, "round {round}");
        }
    })
    .await;
}

#[tokio::test]
async fn of_an_approval_and_a_refusal_sent_together_one_is_stored_and_the_case_agrees() {
    on_each_database(async |app| {
        let ((insp, csrf), _) = office(&app).await;
        member(&app, "chief2", Role::Supervisor, None).await;
        let (yes, yes_csrf) = app.client_for("chief", TEST_PASSWORD).await;
        let (no, no_csrf) = app.client_for("chief2", TEST_PASSWORD).await;
        let mut approvals = 0;
        for round in 0..ROUNDS {
            let (case, _) = report_from(&app, Some(EAST), &[4]).await;
            let asked = raw_post(
                &insp,
                format!("{}/staff/cases/{}/decline-request", app.address, case.id),
                &[("csrf", &csrf), ("reason", "重复反映")],
            )
            .await;
            assert_eq!(asked, 303);
            let request = requests_of(&app, case.id).await.remove(0);
            let url = format!(
                "{}/staff/decline-requests/{}/decide",
                app.address, request.id
            );
            let approve = [
                ("csrf", yes_csrf.as_str()),
                ("decision", "approve"),
                ("note", "同意"),
                ("confirm", "1"),
            ];
            let refuse = [
                ("csrf", no_csrf.as_str()),
                ("decision", "refuse"),
                ("note", "不同意"),
            ];
            let (approved, refused) = tokio::join!(
                raw_post(&yes, url.clone(), &approve),
                raw_post(&no, url.clone(), &refuse),
            );
            let mut statuses = [approved, refused];
            statuses.sort_unstable();
            assert_eq!(statuses, [303, 409], "round {round} on {}", app.backend);
            let decided = requests_of(&app, case.id).await.remove(0);
            let approval = decided.approved.expect("decided");
            assert_eq!(
                approval,
                approved == 303,
                "round {round}: the winner's decision is stored"
            );
            assert_eq!(
                audit_count(&app, "decline_decided", case.id).await,
                1,
                "round {round}"
            );
            let after = reload(&app, case.id).await;
            let expected = if approval {
                CaseStatus::Declined
            } else {
                CaseStatus::New
            };
            assert_eq!(after.status, expected, "round {round} on {}", app.backend);
            assert_eq!(
                audit_count(&app, "case_declined", case.id).await,
                usize::from(approval),
                "round {round}"
            );
            approvals += usize::from(approval);
        }
        eprintln!("{approvals} approvals of {ROUNDS} on {}", app.backend);
    })
    .await;
}
