//! The office's working day on the pages and the API: the 新回复 / 新材料 mark until a staff
//! member opens the case, the queue and light filters, the lights with a word and a shape,
//! the home pages' queues and 督办.

use chrono::{Duration, NaiveDate};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::cases::{api, newest_case, token_for};
use crate::support::intake::png;
use crate::support::{Report, TestApp, Upload, on_each_database};
use jianduka::access::Role;
use jianduka::entities::{cases as case_rows, users};

/// How many rows of `html` carry the 新回复 / 新材料 mark (a word, not only a colour).
fn unread_marks(html: &str) -> usize {
    html.split("class=\"status unread\"")
        .skip(1)
        .filter(|rest| {
            let text = rest.split("</span>").next().unwrap_or("");
            text.contains("新回复") && text.contains("新材料")
        })
        .count()
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path} on {}", app.backend);
    response.text().await.expect("body")
}

async fn user(app: &TestApp, username: &str) -> users::Model {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&app.db)
        .await
        .expect("query")
        .expect("user")
}

fn today(app: &TestApp) -> NaiveDate {
    jianduka::clock::china_today(app.state.clock.now())
}

async fn set_due(app: &TestApp, case_id: i64, due: NaiveDate) {
    case_rows::Entity::update_many()
        .col_expr(case_rows::Column::DueOn, Expr::value(due))
        .filter(case_rows::Column::Id.eq(case_id))
        .exec(&app.db)
        .await
        .expect("due date set");
}

#[tokio::test]
async fn a_reporters_reply_or_evidence_marks_the_case_new_until_that_staff_member_opens_it() {
    on_each_database(async |app| {
        let code = app.report_and_get_code(Report::default().items(&[2])).await;
        let case = newest_case(&app).await;
        app.login_as("zhang", Role::Supervisor).await;
        assert_eq!(unread_marks(&page(&app, "/staff/cases").await), 0);

        assert_eq!(
            app.reply_as_reporter(&code, "是 11 月 3 日上午。")
                .await
                .status(),
            200
        );
        let list = page(&app, "/staff/cases").await;
        assert_eq!(unread_marks(&list), 1, "the reply marks the case");
        let queue = page(&app, "/staff/cases?queue=unread").await;
        assert!(queue.contains(&case.number), "the unread queue lists it");

        // The API shows the same mark to a second person, who has not opened the case.
        let li = app.add_user("li", Role::Supervisor).await;
        let token = token_for(&app, &li).await;
        let (status, body) = api(&app, &token, "GET", "/api/v1/cases?queue=unread", None).await;
        assert_eq!(status, 200);
        assert_eq!(body["cases"][0]["number"], case.number.as_str());
        assert_eq!(body["cases"][0]["unread"], true);

        // Opening the case clears the mark for the one who opened it, not for the other.
        page(&app, &format!("/staff/cases/{}", case.id)).await;
        assert_eq!(unread_marks(&page(&app, "/staff/cases").await), 0);
        assert!(
            !page(&app, "/staff/cases?queue=unread")
                .await
                .contains(&case.number)
        );
        let (_, body) = api(&app, &token, "GET", "/api/v1/cases", None).await;
        assert_eq!(body["cases"][0]["unread"], true);
        let (status, _) = api(
            &app,
            &token,
            "GET",
            &format!("/api/v1/cases/{}", case.id),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (_, body) = api(&app, &token, "GET", "/api/v1/cases?queue=unread", None).await;
        assert_eq!(body["cases"].as_array().map(Vec::len), Some(0));

        // New evidence marks it again.
        let evidence = app
            .add_evidence(&code, &[Upload::new("photo.png", "image/png", png(40, 30))])
            .await;
        assert_eq!(evidence.status(), 200);
        assert_eq!(unread_marks(&page(&app, "/staff/cases").await), 1);
        let stored = case_rows::Entity::find_by_id(case.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("case");
        assert!(stored.reporter_activity_at.is_some());
    })
    .await;
}

#[tokio::test]
async fn the_list_and_the_api_filter_by_light_and_show_it_in_words_and_shapes() {
    on_each_database(async |app| {
        let mut numbers = Vec::new();
        for offset in [-10, 0, 30] {
            app.report_and_get_code(Report::default().items(&[2])).await;
            let case = newest_case(&app).await;
            set_due(&app, case.id, today(&app) + Duration::days(offset)).await;
            numbers.push(case.number);
        }
        let (red, yellow, green) = (&numbers[0], &numbers[1], &numbers[2]);
        app.login_as("zhang", Role::Supervisor).await;

        let all = page(&app, "/staff/cases").await;
        assert!(all.contains("■</span> 逾期"), "red: shape and word");
        assert!(all.contains("▲</span> 临期"), "yellow: shape and word");
        assert!(all.contains("●</span> 正常"), "green: shape and word");
        assert!(
            all.contains("<span class=\"pos\">2</span> 吃拿卡要"),
            "items by short name"
        );
        assert!(
            all.contains("2. 吃拿卡要，索取、收受企业财物"),
            "the full text for hover and screen readers"
        );

        for (light, shown, hidden) in [
            ("red", red, [yellow, green]),
            ("yellow", yellow, [red, green]),
            ("green", green, [red, yellow]),
        ] {
            let html = page(&app, &format!("/staff/cases?light={light}")).await;
            assert!(html.contains(shown.as_str()), "{light} shows {shown}");
            for other in hidden {
                assert!(!html.contains(other.as_str()), "{light} hides {other}");
            }
        }
        let red_queue = page(&app, "/staff/cases?queue=red").await;
        assert!(red_queue.contains(red.as_str()) && !red_queue.contains(yellow.as_str()));

        let zhang = user(&app, "zhang").await;
        let token = token_for(&app, &zhang).await;
        let (status, body) = api(&app, &token, "GET", "/api/v1/cases?light=yellow", None).await;
        assert_eq!(status, 200);
        let listed: Vec<&str> = body["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["number"].as_str())
            .collect();
        assert_eq!(listed, vec![yellow.as_str()]);
        assert_eq!(body["cases"][0]["light"], "yellow");
        let (_, body) = api(&app, &token, "GET", "/api/v1/cases?sort=light", None).await;
        assert_eq!(body["cases"][0]["number"], red.as_str(), "red first");
        for bad in ["light=purple", "queue=everything"] {
            let (status, body) =
                api(&app, &token, "GET", &format!("/api/v1/cases?{bad}"), None).await;
            assert_eq!(status, 400, "{bad}: {body}");
        }
    })
    .await;
}

/// The count a home page shows for queue `name`, if it shows the queue.
fn queue_count(html: &str, name: &str) -> Option<u64> {
    let rest = html.split(&format!("id=\"queue-{name}\"")).nth(1)?;
    let count = rest.split("<strong>").nth(1)?.split("</strong>").next()?;
    count.trim().parse().ok()
}

#[tokio::test]
async fn the_home_pages_count_each_queue_and_link_to_the_same_rows() {
    on_each_database(async |app| {
        let unit = crate::support::cases::unit_for(&app, "第一监督室", "朝阳区").await;
        let (in_unit, _) = crate::support::cases::report_from(&app, Some("朝阳区"), &[2]).await;
        let (triage, _) = crate::support::cases::report_from(&app, None, &[3]).await;
        set_due(&app, triage.id, today(&app) - Duration::days(5)).await;

        app.login_as("zhang", Role::Supervisor).await;
        let home = page(&app, "/staff").await;
        assert_eq!(queue_count(&home, "triage"), Some(1));
        assert_eq!(queue_count(&home, "red"), Some(1));
        assert_eq!(queue_count(&home, "requests"), Some(0));
        assert_eq!(
            queue_count(&home, "untaken"),
            None,
            "not a supervisor's queue"
        );
        let listed = page(&app, "/staff/cases?queue=triage").await;
        assert!(listed.contains(&triage.number) && !listed.contains(&in_unit.number));
        // Red cases by unit and assignee, each count a link to the same rows.
        assert!(home.contains("id=\"red-by\""));
        let by_holder = "/staff/cases?queue=red&amp;unit=triage&amp;assignee=none";
        assert!(home.contains(by_holder), "{home}");
        let red = page(&app, &by_holder.replace("&amp;", "&")).await;
        assert!(red.contains(&triage.number) && !red.contains(&in_unit.number));

        crate::support::cases::member(&app, "wang", Role::Inspector, Some(unit)).await;
        app.login("wang", crate::support::TEST_PASSWORD).await;
        let home = page(&app, "/staff").await;
        assert_eq!(queue_count(&home, "untaken"), Some(1));
        assert_eq!(queue_count(&home, "red"), Some(0));
        assert_eq!(queue_count(&home, "triage"), None);
        let untaken = page(&app, "/staff/cases?queue=untaken").await;
        assert!(untaken.contains(&in_unit.number));
    })
    .await;
}

#[tokio::test]
async fn a_supervisor_urges_an_open_case_with_a_note_and_a_date_and_the_case_and_list_show_it() {
    on_each_database(async |app| {
        app.report_and_get_code(Report::default().items(&[2])).await;
        let case = newest_case(&app).await;
        let csrf = app.login_as("zhang", Role::Supervisor).await;
        let path = format!("/staff/cases/{}/urge", case.id);
        let today = today(&app);
        let yesterday = (today - Duration::days(1)).to_string();
        let today_text = today.to_string();

        let empty = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("note", "  "),
                    ("requested_on", &today_text),
                ],
            )
            .await;
        assert_eq!(empty.status(), 422);
        assert!(
            empty
                .text()
                .await
                .expect("body")
                .contains("id=\"case-error\"")
        );
        let past = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("note", "请加快办理"),
                    ("requested_on", &yesterday),
                ],
            )
            .await;
        assert_eq!(past.status(), 422);
        let html = past.text().await.expect("body");
        assert!(
            html.contains("要求办结日期不能早于今天"),
            "the message says why"
        );
        assert!(html.contains("请加快办理"), "what was typed is kept");

        let done = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("note", "请于今日内答复反映人"),
                    ("requested_on", &today_text),
                ],
            )
            .await;
        assert_eq!(done.status(), 303);
        let stored = jianduka::entities::urgings::Entity::find()
            .all(&app.db)
            .await
            .expect("query");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].note, "请于今日内答复反映人");
        assert_eq!(stored[0].requested_on, today);
        let audited = jianduka::entities::audit_log::Entity::find()
            .filter(jianduka::entities::audit_log::Column::Action.eq("case_urged"))
            .all(&app.db)
            .await
            .expect("query");
        assert_eq!(audited.len(), 1);

        let shown = page(&app, &format!("/staff/cases/{}", case.id)).await;
        assert!(shown.contains("请于今日内答复反映人") && shown.contains(&today_text));
        let list = page(&app, "/staff/cases").await;
        assert!(list.contains("class=\"status urged\">督办</span>"));
        assert_eq!(queue_count(&page(&app, "/staff").await, "urged"), Some(1));

        // An inspector may not urge.
        let csrf = app.login_as("wang", Role::Inspector).await;
        let refused = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("note", "催办"),
                    ("requested_on", &today_text),
                ],
            )
            .await;
        assert_eq!(refused.status(), 403);
    })
    .await;
}

#[tokio::test]
async fn at_a_desk_the_home_list_and_case_page_show_lights_marks_and_queues_in_words() {
    if !crate::browser::installed() {
        return;
    }
    let app = crate::support::spawn_app().await;
    let mut codes = Vec::new();
    for n in 0..30i64 {
        let (case, code) = crate::support::cases::report_from(&app, None, &[2, 5]).await;
        set_due(&app, case.id, today(&app) + Duration::days(n % 6 - 2)).await;
        codes.push(code);
    }
    app.reply_as_reporter(&codes[3], "补充一下：当天是上午十点。")
        .await;
    let supervisor = app.add_user("li.ming", Role::Supervisor).await;
    let urged = newest_case(&app).await;
    let actor = jianduka::cases::CaseActor::new(&supervisor, app.stamp());
    jianduka::cases::urge(
        &app.state.writes,
        &actor,
        urged.id,
        "请于本周内答复反映人",
        &today(&app).to_string(),
    )
    .await
    .expect("urged");
    // Every supervisor's queue holds something: a request waiting and an unhappy reporter too.
    let holder = app.add_user("zhou", Role::Inspector).await;
    let asked = crate::support::cases::report_from(&app, None, &[3]).await.0;
    crate::support::cases::assign_to(&app, asked.id, "zhou").await;
    let by_holder = jianduka::cases::CaseActor::new(&holder, app.stamp());
    jianduka::cases::request_extension(&app.state.writes, &by_holder, asked.id, 3, "等待调取材料")
        .await
        .expect("requested");
    case_rows::Entity::update_many()
        .col_expr(case_rows::Column::NeedsSupervisor, Expr::value(true))
        .filter(case_rows::Column::Id.eq(asked.id))
        .exec(&app.db)
        .await
        .expect("flagged");

    let shots = crate::support::temp_dir("workday");
    let mut desk = crate::browser::Browser::start(shots.clone(), false).await;
    desk.width = 1366;
    desk.window(1366, 900).await;
    desk.go(&format!("{}/login", app.address)).await;
    desk.type_into("#username", "li.ming").await;
    desk.type_into("#password", crate::support::TEST_PASSWORD)
        .await;
    desk.click("button[type=submit]").await;
    desk.wait_for_text("h1", "您好，li.ming").await;
    assert!(desk.text("#queue-red").await.contains("红灯"));
    assert!(desk.text("#queue-urged").await.contains('1'));
    for queue in ["triage", "requests", "unhappy", "urged", "red", "unread"] {
        let tile = desk.text(&format!("#queue-{queue}")).await;
        assert!(
            tile.chars().any(|c| c.is_ascii_digit() && c != '0'),
            "{queue}: {tile}"
        );
    }
    desk.screenshot("home").await;
    desk.go(&format!("{}/staff/cases", app.address)).await;
    let visible = desk
        .number(
            "return [...document.querySelectorAll('table.cases tbody tr')]\
             .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length;",
        )
        .await;
    eprintln!(
        "case list at 1366×900: {visible} rows visible; shots in {}",
        shots.display()
    );
    desk.screenshot("list").await;
    assert!(visible >= 25, "{visible} rows visible at 1366×900");
    let list = desk.source().await;
    assert!(list.contains("逾期") && list.contains("临期") && list.contains("正常"));
    assert_eq!(unread_marks(&list), 1);
    desk.go(&format!("{}/staff/cases/{}", app.address, urged.id))
        .await;
    assert!(
        desk.text("#case-due").await.contains("临期")
            || desk.text("#case-due").await.contains("正常")
            || desk.text("#case-due").await.contains("逾期")
    );
    assert!(desk.source().await.contains("请于本周内答复反映人"));
    desk.screenshot("case").await;

    // On a phone the rows become stacked cards and no page scrolls sideways.
    desk.width = 375;
    desk.window(375, 844).await;
    let case_page = format!("/staff/cases/{}", urged.id);
    for path in ["/staff/cases", "/staff", case_page.as_str()] {
        desk.go(&format!("{}{path}", app.address)).await;
        let wide = desk
            .number("return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);")
            .await;
        eprintln!("{path} at 375 px: {wide} px wider than the screen");
        assert_eq!(wide, 0, "{path} scrolls sideways at 375 px");
    }
    desk.go(&format!("{}/staff/cases", app.address)).await;
    desk.screenshot("list-phone").await;

    // The supervisor's morning digest, as a mail client that shows HTML draws it.
    let mut update = sea_orm::IntoActiveModel::into_active_model(supervisor);
    update.email = sea_orm::Set(Some("li.ming@jb.example.gov.cn".into()));
    sea_orm::ActiveModelTrait::update(update, &app.db)
        .await
        .expect("email set");
    // The next working morning, 09:00 in Beijing (the cases were made with today's clock).
    let now = app.state.clock.now();
    let rules = app.state.sla.rules(&app.db, now).await.expect("rules");
    let day = rules
        .calendar
        .add_working_days(jianduka::clock::china_today(now), 1);
    let morning = day.and_hms_opt(1, 0, 0).expect("09:00 Beijing").and_utc();
    jianduka::reminders::tick::run(&app.state, morning)
        .await
        .expect("tick");
    let digest = jianduka::entities::email_outbox::Entity::find()
        .filter(
            jianduka::entities::email_outbox::Column::Kind
                .eq(jianduka::entities::enums::MailKind::Digest),
        )
        .one(&app.db)
        .await
        .expect("query")
        .expect("the supervisor's digest");
    let html = digest.body_html.expect("an HTML part");
    for heading in ["待分派", "待审批", "不满意", "督办", "已逾期"] {
        assert!(html.contains(heading), "{heading} in {html}");
    }
    let file = shots.join("digest.html");
    std::fs::write(&file, &html).expect("written");
    desk.width = 800;
    desk.window(800, 900).await;
    desk.go(&format!("file://{}", file.display())).await;
    desk.screenshot("digest").await;
    desk.quit().await;

    // The inspector's home: their own queues, on a desk and on a phone.
    let mut own = crate::browser::Browser::start(shots.clone(), false).await;
    own.width = 1366;
    own.window(1366, 900).await;
    own.go(&format!("{}/login", app.address)).await;
    own.type_into("#username", "zhou").await;
    own.type_into("#password", crate::support::TEST_PASSWORD)
        .await;
    own.click("button[type=submit]").await;
    own.wait_for_text("h1", "您好，zhou").await;
    assert!(own.source().await.contains("id=\"queue-red\""));
    own.screenshot("inspector-home").await;
    own.width = 375;
    own.window(375, 844).await;
    own.go(&format!("{}/staff", app.address)).await;
    let wide = own
        .number("return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);")
        .await;
    assert_eq!(wide, 0, "the inspector's home scrolls sideways at 375 px");
    own.screenshot("inspector-home-phone").await;
    own.quit().await;
}
