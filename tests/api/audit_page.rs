//! The audit page as an admin reads it, in both languages: actions in words, people by name,
//! cases by number, details as sentences; filters by a person chosen from the list, an
//! action, a case number and dates; paging that keeps the filters; and a CSV of the filtered
//! view whose export is itself audited.

use jianduka::access::Role;
use jianduka::audit::{Actor, AuditAction, AuditEvent};
use jianduka::cases::{self, CaseActor, Finding, Step};
use jianduka::entities::{cases as case_rows, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{TestApp, on_each_database};

/// The text a reader sees: the page without its tags (and so without attribute values).
fn visible(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// What no reader should see: stored action names, `user:` ids, JSON.
fn assert_no_codes(text: &str, lang: &str) {
    // A name without an underscore ("login") is also an English word of the labels.
    let names = AuditAction::ALL
        .iter()
        .map(|a| a.as_str())
        .filter(|name| name.contains('_'));
    for code in names.chain(["user:", "system:", "{", "}", "&#34;", "\":"]) {
        if let Some(at) = text.find(code) {
            let start = text[..at]
                .char_indices()
                .rev()
                .nth(30)
                .map_or(0, |(i, _)| i);
            let around: String = text[start..].chars().take(60).collect();
            panic!("{code} visible in {lang}: …{around}…");
        }
    }
}

async fn get_text(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path} on {}", app.backend);
    response.text().await.expect("body")
}

/// The supervisor 张三 (login zhangsan), created by the admin through the form.
async fn zhangsan(app: &TestApp, csrf: &str) -> users::Model {
    let created = app
        .post_form(
            "/staff/admin/users",
            &[
                ("csrf", csrf),
                ("username", "zhangsan"),
                ("display_name", "张三"),
                ("role", "supervisor"),
                ("unit", ""),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(created.status(), 200, "on {}", app.backend);
    users::Entity::find()
        .filter(users::Column::Username.eq("zhangsan"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("zhangsan exists")
}

/// 张三 accepts, investigates and concludes a new case; the admin opens it. Returns the case.
async fn a_worked_case(app: &TestApp, person: &users::Model) -> case_rows::Model {
    let (case, _) = crate::case_support::report_from(app, None, &[1]).await;
    let rules = app.rules().await;
    let steps = [
        Step::Accept,
        Step::Investigate,
        Step::Conclude {
            finding: Finding::Substantiated,
            summary: "经核查，情况属实。".into(),
            feedback: "已责令整改。".into(),
        },
    ];
    for step in steps {
        let version = case_rows::Entity::find_by_id(case.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("case")
            .version;
        let actor = CaseActor::new(person, app.state.stamp(Actor::User(person.id)));
        cases::take_step(&app.state.writes, &rules, &actor, case.id, version, step)
            .await
            .unwrap_or_else(|_| panic!("the step is allowed on {}", app.backend));
    }
    get_text(app, &format!("/staff/cases/{}", case.id)).await;
    case
}

/// The value of the person filter's option labelled `label`.
fn option_value(html: &str, label: &str) -> String {
    let end = html
        .find(&format!("\">{label}</option>"))
        .unwrap_or_else(|| panic!("an option {label}"));
    let start = html[..end].rfind("value=\"").expect("a value") + "value=\"".len();
    html[start..end].to_string()
}

/// The rows' cells of one column (by its `data-label`).
fn cells<'a>(html: &'a str, column: &str) -> Vec<&'a str> {
    let marker = format!("data-label=\"{column}\">");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            &rest[..rest.find("</td>").expect("a cell ends")]
        })
        .collect()
}

#[tokio::test]
async fn the_audit_page_says_who_did_what_to_which_case_in_words_in_both_languages() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let person = zhangsan(&app, &csrf).await;
        let case = a_worked_case(&app, &person).await;

        let zh = get_text(&app, "/staff/admin/audit").await;
        let text = visible(&zh);
        assert_no_codes(&text, "zh-CN");
        for words in [
            "办结案件",
            "受理案件",
            "查看案件",
            "新建账号",
            "张三（zhangsan）",
            "状态：调查中 → 办结审核中；认定：属实",
            "状态：已受理 → 调查中",
            "账号：张三（zhangsan）",
            "角色：分管领导",
        ] {
            assert!(
                text.contains(words),
                "{words} missing on {}: {text}",
                app.backend
            );
        }
        let link = format!("<a href=\"/staff/cases/{}\">{}</a>", case.id, case.number);
        assert!(zh.contains(&link), "{link} on {}", app.backend);
        assert!(zh.contains("审计链完整"), "{zh}");

        let en = get_text(&app, "/staff/admin/audit?lang=en").await;
        let text = visible(&en);
        assert_no_codes(&text, "en");
        for words in [
            "Concluded a case",
            "Viewed a case",
            "Created an account",
            "张三 (zhangsan)",
            "Status: Under investigation → Concluded, answer under review; Finding: Substantiated",
            "Role: Supervisor",
        ] {
            assert!(
                text.contains(words),
                "{words} missing on {}: {text}",
                app.backend
            );
        }
        assert!(
            !text.contains("办结案件"),
            "Chinese on the English page: {text}"
        );
        assert!(en.contains(&link));
    })
    .await;
}

#[tokio::test]
async fn filtering_by_a_person_chosen_from_the_list_an_action_a_case_and_dates_works() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let person = zhangsan(&app, &csrf).await;
        let case = a_worked_case(&app, &person).await;
        let other = a_worked_case(&app, &person).await;

        let page = get_text(&app, "/staff/admin/audit").await;
        let value = option_value(&page, "张三（zhangsan）");
        assert_eq!(value, person.id.to_string());
        let mine = get_text(&app, &format!("/staff/admin/audit?actor={value}")).await;
        let actors = cells(&mine, "操作人");
        assert_eq!(
            actors.len(),
            6,
            "three steps on two cases on {}",
            app.backend
        );
        assert!(
            actors.iter().all(|a| *a == "张三（zhangsan）"),
            "{actors:?}"
        );
        assert!(mine.contains(&format!("<option value=\"{value}\" selected>")));

        let views = get_text(&app, "/staff/admin/audit?action=case_viewed").await;
        let actions = cells(&views, "操作");
        assert_eq!(actions, vec!["查看案件"; 2], "on {}", app.backend);
        assert!(views.contains("<option value=\"case_viewed\" selected>查看案件</option>"));

        // A case number as people type it: any case, spaces around.
        let typed = format!("/staff/admin/audit?case=+{}+", case.number.to_lowercase());
        let one_case = get_text(&app, &typed).await;
        let about = cells(&one_case, "案件或对象");
        assert_eq!(about.len(), 4, "three steps and a view on {}", app.backend);
        assert!(about.iter().all(|c| c.contains(&case.number)), "{about:?}");
        assert!(!one_case.contains(&other.number));

        let missing = get_text(&app, "/staff/admin/audit?case=JD2099-999999").await;
        assert!(
            missing.contains("没有编号为 JD2099-999999 的案件。"),
            "{missing}"
        );
        assert!(missing.contains("没有符合条件的记录。"));
        assert!(cells(&missing, "操作").is_empty());

        let today = jianduka::clock::beijing(app.state.clock.now());
        let today = &today[..10];
        let tomorrow = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").expect("a date")
            + chrono::Duration::days(1);
        let within = get_text(
            &app,
            &format!("/staff/admin/audit?actor={value}&from={today}&to={today}"),
        )
        .await;
        assert_eq!(cells(&within, "操作人").len(), 6);
        let later = get_text(&app, &format!("/staff/admin/audit?from={tomorrow}")).await;
        assert!(cells(&later, "操作").is_empty(), "on {}", app.backend);
        let reversed = get_text(
            &app,
            &format!("/staff/admin/audit?from={tomorrow}&to={today}"),
        )
        .await;
        assert!(reversed.contains("起始日期晚于截止日期"), "{reversed}");
        let wrong = get_text(&app, "/staff/admin/audit?from=2026-13-45&lang=en").await;
        assert!(
            wrong.contains("The date “2026-13-45” is not a date"),
            "{wrong}"
        );
        assert!(
            !cells(&wrong, "Action").is_empty(),
            "the other conditions still apply"
        );
    })
    .await;
}

#[tokio::test]
async fn paging_keeps_the_filters_to_the_last_page() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let person = zhangsan(&app, &csrf).await;
        let (case, _) = crate::case_support::report_from(&app, None, &[1]).await;
        // 129 views by 张三, with 21 logins of his in between.
        for i in 0..150 {
            let txn = app.state.writes.begin().await.expect("txn");
            let action = if i % 7 == 3 {
                AuditAction::Login
            } else {
                AuditAction::CaseViewed
            };
            let stamp = app.state.stamp(Actor::User(person.id));
            jianduka::audit::append(&*txn, &stamp, AuditEvent::new(action, "case", case.id))
                .await
                .expect("appended");
            txn.commit().await.expect("committed");
        }
        let filter = format!("actor={}&action=case_viewed", person.id);
        let first = get_text(&app, &format!("/staff/admin/audit?{filter}")).await;
        assert_eq!(cells(&first, "操作").len(), 100, "on {}", app.backend);
        let marker = "<a href=\"/staff/admin/audit?";
        let at = first.find(marker).expect("a next link") + marker.len();
        let next = &first[at..at + first[at..].find('"').expect("link ends")];
        let next = next.replace("&amp;", "&");
        assert!(next.starts_with(&format!("{filter}&before=")), "{next}");
        let second = get_text(&app, &format!("/staff/admin/audit?{next}")).await;
        let actions = cells(&second, "操作");
        let views = (0..150).filter(|i| i % 7 != 3).count();
        assert_eq!(actions.len(), views - 100, "on {}", app.backend);
        assert!(actions.iter().all(|a| *a == "查看案件"));
        assert!(!second.contains("rel=\"next\""), "no page after the last");
        assert!(second.contains("最新记录"));
    })
    .await;
}

#[tokio::test]
async fn the_csv_holds_the_filtered_rows_in_the_same_words_and_its_export_is_audited() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let person = zhangsan(&app, &csrf).await;
        let case = a_worked_case(&app, &person).await;

        let path = format!("/staff/admin/audit.csv?actor={}", person.id);
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "on {}", app.backend);
        let csv = response.text().await.expect("body");
        let csv = csv.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "序号,时间（北京时间）,操作人,操作,案件,对象,详情");
        assert_eq!(lines.len(), 4, "three steps by 张三: {csv}");
        assert!(
            lines[1].contains(&format!(
                ",张三（zhangsan）,办结案件,{},,状态：调查中 → 办结审核中；认定：属实",
                case.number
            )),
            "{csv}"
        );
        assert_no_codes(csv, "zh-CN");

        let en = get_text(&app, "/staff/admin/audit.csv?action=case_viewed&lang=en").await;
        let en = en.trim_start_matches('\u{feff}');
        assert!(
            en.starts_with("No.,Time (Beijing),Actor,Action,Case,Subject,Details"),
            "{en}"
        );
        assert!(
            en.contains(&format!("Viewed a case,{}", case.number)),
            "{en}"
        );
        assert_no_codes(en, "en");

        // Each export is a row of its own, saying what was exported.
        let page = get_text(&app, "/staff/admin/audit?action=audit_exported&lang=zh-CN").await;
        eprintln!("{}", visible(&page));
        let details = cells(&page, "详情");
        assert_eq!(
            details,
            vec![
                "行数：1；筛选操作：查看案件",
                "行数：3；筛选操作人：张三（zhangsan）"
            ],
            "on {}",
            app.backend
        );
        assert_eq!(cells(&page, "操作"), vec!["导出审计日志"; 2]);
    })
    .await;
}

#[tokio::test]
async fn only_admins_read_or_export_the_audit_log() {
    on_each_database(async |app| {
        app.login_as("zhao", Role::Supervisor).await;
        for path in ["/staff/admin/audit", "/staff/admin/audit.csv"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 403, "{path} on {}", app.backend);
        }
    })
    .await;
}

#[tokio::test]
async fn the_audit_page_fits_a_desk_and_a_phone_without_sideways_scrolling() {
    let app = crate::support::spawn_app().await;
    let csrf = app.login_as_admin().await;
    let person = zhangsan(&app, &csrf).await;
    a_worked_case(&app, &person).await;
    a_worked_case(&app, &person).await;
    app.add_user("audit.admin", Role::Admin).await;

    let shots = crate::support::temp_dir("audit-page");
    let mut desk = crate::browser::Browser::start(shots.clone(), false).await;
    desk.width = 1366;
    desk.window(1366, 900).await;
    desk.go(&format!("{}/login", app.address)).await;
    desk.type_into("#username", "audit.admin").await;
    desk.type_into("#password", crate::support::TEST_PASSWORD)
        .await;
    desk.click("button[type=submit]").await;
    desk.wait_for_text("h1", "您好，audit.admin").await;
    let sideways = "return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);";
    for (width, name) in [(1366, "desk"), (375, "phone")] {
        desk.width = width;
        desk.window(width, 900).await;
        for lang in ["zh-CN", "en"] {
            desk.go(&format!("{}/staff/admin/audit?lang={lang}", app.address))
                .await;
            let wide = desk.number(sideways).await;
            eprintln!("audit page, {lang}, {width} px: {wide} px wider than the screen");
            assert_eq!(
                wide, 0,
                "the audit page scrolls sideways at {width} px in {lang}"
            );
            desk.screenshot(&format!("audit-{name}-{lang}")).await;
        }
    }
    eprintln!("audit page shots in {}", shots.display());
    desk.quit().await;
}
