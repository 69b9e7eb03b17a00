//! 回访: a supervisor or the case's assignee records a follow-up with a reporter who left
//! contact details, once the case is answered or declined; anyone else, an anonymous
//! reporter, an open case or a bad field is refused; the statistics count them.

use jianduka::access::Role;
use jianduka::cases::{Assignment, CaseActor};
use jianduka::clock::china_today;
use jianduka::entities::follow_ups;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::feedback_one_step::{audit_count, page, post, reload, reported, staff};
use crate::support::cases::{assign_to, conclude_and_close, member, officer, unit_for};
use crate::support::{Report, TEST_PASSWORD, TestApp, on_each_database};

async fn visit(
    client: &reqwest::Client,
    csrf: &str,
    app: &TestApp,
    case_id: i64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    post(
        client,
        app,
        &format!("/staff/cases/{case_id}/follow-up"),
        &form,
    )
    .await
}

async fn visits(app: &TestApp) -> u64 {
    follow_ups::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_supervisor_or_the_assignee_records_a_follow_up_and_the_statistics_count_it() {
    on_each_database(async |app| {
        let backend = app.backend;
        let (_, case) = reported(&app, Report::default().contact("李先生", "13800001111")).await;
        // The case is unit 第一纪检监察室's, assigned to wang; zhao of the same unit sees it.
        let unit = unit_for(&app, "第一纪检监察室", "暨阳街道").await;
        let boss = officer(&app).await;
        let actor = CaseActor::new(&boss, app.stamp());
        let version = reload(&app, case.id).await.version;
        jianduka::cases::assign(
            &app.state.writes,
            &actor,
            case.id,
            version,
            Assignment::Unit(Some(unit)),
        )
        .await
        .expect("to the unit");
        let (wang, wang_csrf) = staff(&app, "wang", Role::Inspector).await;
        member(&app, "zhao", Role::Inspector, Some(unit)).await;
        let (zhao, zhao_csrf) = app.client_for("zhao", TEST_PASSWORD).await;
        assign_to(&app, case.id, "wang").await;
        conclude_and_close(&app, case.id, "已责令整改。").await;
        let today = china_today(app.state.clock.now()).to_string();

        let html = page(&wang, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(html.contains("id=\"act-follow-up\"") && html.contains("基本满意"));
        let fields = [
            ("visited_on", today.as_str()),
            ("channel", "phone"),
            ("outcome", "basically_satisfied"),
            ("note", "电话回访，反映人表示窗口已改进。"),
        ];
        assert_eq!(
            visit(&wang, &wang_csrf, &app, case.id, &fields)
                .await
                .status(),
            303,
            "on {backend}"
        );
        let row = follow_ups::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("a follow-up");
        assert_eq!(
            (row.channel.as_str(), row.outcome.as_str()),
            ("phone", "basically_satisfied")
        );
        assert_eq!(row.visited_on.to_string(), today);
        assert!(!reload(&app, case.id).await.needs_supervisor);
        let html = page(&wang, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(html.contains("电话回访，反映人表示窗口已改进。") && html.contains("基本满意"));

        // Another inspector of the unit, who sees the case but is not its assignee, may not.
        let html = page(&zhao, &app, &format!("/staff/cases/{}", case.id)).await;
        assert!(html.contains(&case.number) && !html.contains("id=\"act-follow-up\""));
        let refused = visit(&zhao, &zhao_csrf, &app, case.id, &fields).await;
        assert_eq!(refused.status(), 403, "on {backend}");
        assert_eq!(visits(&app).await, 1);

        // A supervisor may; 不满意 puts the case in the 不满意重办 queue.
        let (chief, csrf) = staff(&app, "chief", Role::Supervisor).await;
        let unhappy = [
            ("visited_on", today.as_str()),
            ("channel", "visit"),
            ("outcome", "not_satisfied"),
            ("note", ""),
        ];
        assert_eq!(
            visit(&chief, &csrf, &app, case.id, &unhappy).await.status(),
            303
        );
        assert!(reload(&app, case.id).await.needs_supervisor);
        assert_eq!(audit_count(&app, "follow_up_recorded").await, 2);
        let queue = page(&chief, &app, "/staff/cases?queue=unhappy").await;
        assert!(queue.contains(&case.number));

        // The statistics count them, on the page and in their CSV.
        let stats = page(&chief, &app, "/staff/stats").await;
        assert!(
            stats.contains("id=\"stats-follow-up-total\">2<"),
            "on {backend}"
        );
        assert!(stats.contains("满意 0 · 基本满意 1 · 不满意 1"));
        let csv = page(&chief, &app, "/staff/stats/follow_ups.csv").await;
        assert!(
            csv.contains("回访次数,2") && csv.contains("基本满意,1") && csv.contains("不满意,1")
        );
    })
    .await;
}

#[tokio::test]
async fn a_follow_up_is_refused_without_contact_details_before_the_answer_or_with_bad_fields() {
    on_each_database(async |app| {
        let backend = app.backend;
        let (chief, csrf) = staff(&app, "chief", Role::Supervisor).await;
        let today = china_today(app.state.clock.now());
        let good = today.to_string();
        let fields = |day: &str, channel: &str, outcome: &str| {
            vec![
                ("visited_on", day.to_string()),
                ("channel", channel.to_string()),
                ("outcome", outcome.to_string()),
                ("note", String::new()),
            ]
        };
        let send = async |case_id: i64, f: Vec<(&str, String)>| {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = visit(&chief, &csrf, &app, case_id, &f).await;
            let status = response.status().as_u16();
            (status, response.text().await.expect("body"))
        };

        // Anonymous: nobody to call back, and the page offers nothing.
        let (_, anonymous) = reported(&app, Report::default()).await;
        conclude_and_close(&app, anonymous.id, "已处理。").await;
        let html = page(&chief, &app, &format!("/staff/cases/{}", anonymous.id)).await;
        assert!(!html.contains("id=\"act-follow-up\""));
        let (status, body) = send(anonymous.id, fields(&good, "phone", "satisfied")).await;
        assert_eq!(status, 422, "on {backend}");
        assert!(body.contains("未留联系方式"));

        // Still open.
        let (_, open) = reported(&app, Report::default().contact("王女士", "13900002222")).await;
        let (status, body) = send(open.id, fields(&good, "phone", "satisfied")).await;
        assert_eq!(status, 422);
        assert!(body.contains("办结或不予受理后才能回访"));

        // Answered: each bad field has its message.
        conclude_and_close(&app, open.id, "已处理。").await;
        // Read again: each report moved the clock on, maybe past midnight.
        let today = china_today(app.state.clock.now());
        let good = today.to_string();
        let tomorrow = (today + chrono::Duration::days(1)).to_string();
        for (f, message) in [
            (fields(&tomorrow, "phone", "satisfied"), "不晚于今天"),
            (fields("2026-13-40", "phone", "satisfied"), "不晚于今天"),
            (fields(&good, "fax", "satisfied"), "请选择回访方式"),
            (fields(&good, "phone", "happy"), "请选择回访结果"),
        ] {
            let (status, body) = send(open.id, f).await;
            assert_eq!(status, 422, "{message} on {backend}");
            assert!(body.contains(message), "{message}");
        }
        let mut long = fields(&good, "phone", "satisfied");
        long[3].1 = "很".repeat(2001);
        let (status, _) = send(open.id, long).await;
        assert_eq!(status, 422);
        assert_eq!(visits(&app).await, 0);
        let (status, _) = send(open.id, fields(&good, "sms", "satisfied")).await;
        assert_eq!(status, 303);
        assert_eq!(visits(&app).await, 1);
    })
    .await;
}
