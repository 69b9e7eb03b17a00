//! The deadline tick against a real SMTP server: who is reminded of what on which working
//! day, each email exactly once, nothing lost while the server is down, two schedulers over
//! one database, and the newcomer's path through the command line.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use jianduka::access::Role;
use jianduka::cases::{Finding, Step};
use jianduka::entities::{cases as case_rows, users};
use jianduka::reminders::tick;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use crate::mail::{finish, mail_app};
use crate::support::cases::{assign_to, member, report_from, step, unit_for};
use crate::support::intake::STORY;
use crate::support::smtp_server::{Received, SmtpServer, closed_port, message_id_counts};
use crate::support::{Backend, Report, TestApp, backends};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// Gives `user` an email address.
async fn with_email(app: &TestApp, user: users::Model, email: &str) -> users::Model {
    let mut update = user.into_active_model();
    update.email = Set(Some(email.into()));
    update.update(&app.db).await.expect("email set")
}

/// One tick at `when` (RFC 3339), then every queued email sent; what arrived, as
/// (recipient, subject) pairs sorted.
async fn tick_at(app: &TestApp, server: &mut SmtpServer, when: &str) -> Vec<(String, String)> {
    let now = at(when);
    app.state.clock.set(now);
    tick::run(&app.state, now).await.expect("tick");
    let sent = tick::send_queued(&app.state, now).await.expect("send");
    assert_eq!(sent.failed + sent.retrying, 0, "on {}", app.backend);
    let mut arrived: Vec<(String, String)> = server.drain().iter().map(summary).collect();
    arrived.sort();
    arrived
}

fn summary(message: &Received) -> (String, String) {
    let parsed = message.parsed();
    (
        message.to.join(","),
        parsed.subject().unwrap_or_default().to_string(),
    )
}

fn text_of(message: &Received) -> String {
    message
        .parsed()
        .body_text(0)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_cases_reminders_reach_the_right_people_on_the_right_working_days_once_each() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        // Mon 30 Nov 2026, 10:00 Beijing time.
        app.state.clock.set(at("2026-11-30T02:00:00Z"));
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
        with_email(&app, wang, "wang@jb.example.gov.cn").await;
        let li = member(&app, "li", Role::Inspector, Some(unit)).await;
        with_email(&app, li, "li@jb.example.gov.cn").await;
        let zhao = member(&app, "zhao", Role::Supervisor, None).await;
        with_email(&app, zhao, "zhao@jb.example.gov.cn").await;
        // No address, no email: a colleague of another unit never hears of this case.
        member(&app, "nomail", Role::Inspector, Some(unit)).await;
        let other = unit_for(&app, "枫桥纪检监察组", "枫桥镇").await;
        let sun = member(&app, "sun", Role::Inspector, Some(other)).await;
        with_email(&app, sun, "sun@jb.example.gov.cn").await;

        let (case, _) = report_from(&app, Some("暨阳街道"), &[4]).await;
        assert_eq!(case.unit_id, Some(unit));
        assert_eq!(
            case.due_on.map(|d| d.to_string()).as_deref(),
            Some("2026-12-03")
        );
        let number = case.number.clone();
        let (wang, li, zhao) = (
            "wang@jb.example.gov.cn".to_string(),
            "li@jb.example.gov.cn".to_string(),
            "zhao@jb.example.gov.cn".to_string(),
        );
        let digest = |date: &str| format!("【诸暨市纪委监委】{date} 待办案件：1 件");
        let overdue_digest =
            |date: &str| format!("【诸暨市纪委监委】{date} 待办案件：1 件，其中 1 件已逾期");
        let reminder = |what: &str| format!("【诸暨市纪委监委】案件 {number} {what}");

        // Mon 30 Nov and Tue 1 Dec: the deadline (Thu 3 Dec) is in the unit's digests only.
        let monday = tick_at(&app, &mut server, "2026-11-30T02:00:00Z").await;
        let want = |pairs: &[(&String, String)]| {
            let mut v: Vec<(String, String)> = pairs
                .iter()
                .map(|(a, b)| ((*a).clone(), b.clone()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            monday,
            want(&[
                (&li, digest("11月30日（周一）")),
                (&wang, digest("11月30日（周一）"))
            ]),
            "on {}",
            app.backend
        );
        // Before 08:00 nothing goes out; the same day again: nothing twice.
        assert!(
            tick_at(&app, &mut server, "2026-11-30T23:30:00Z")
                .await
                .is_empty()
        );
        assert!(
            tick_at(&app, &mut server, "2026-11-30T03:00:00Z")
                .await
                .is_empty()
        );
        let tuesday = tick_at(&app, &mut server, "2026-12-01T01:00:00Z").await;
        assert_eq!(tuesday.len(), 2, "{tuesday:?}");

        // Wed 2 Dec: the working day before, to the unit's inspectors (unassigned).
        let wednesday = tick_at(&app, &mut server, "2026-12-02T01:00:00Z").await;
        assert_eq!(
            wednesday,
            want(&[
                (&li, reminder("受理期限明天到期（12月3日（周四））")),
                (&li, digest("12月2日（周三）")),
                (&wang, reminder("受理期限明天到期（12月3日（周四））")),
                (&wang, digest("12月2日（周三）")),
            ]),
            "on {}",
            app.backend
        );
        assert!(
            tick_at(&app, &mut server, "2026-12-02T08:00:00Z")
                .await
                .is_empty()
        );

        // Thu 3 Dec, assigned to wang: only wang, on the day.
        assign_to(&app, case.id, "wang").await;
        let thursday = tick_at(&app, &mut server, "2026-12-03T01:00:00Z").await;
        assert_eq!(
            thursday,
            want(&[
                (&wang, reminder("受理期限今天到期（12月3日（周四））")),
                (&wang, digest("12月3日（周四）")),
            ]),
            "on {}",
            app.backend
        );

        // Fri 4 Dec: overdue, so the supervisor hears of it; nothing on the weekend; again on
        // Monday, two working days overdue.
        let friday = tick_at(&app, &mut server, "2026-12-04T01:00:00Z").await;
        assert_eq!(
            friday,
            want(&[
                (&wang, overdue_digest("12月4日（周五）")),
                (&zhao, reminder("受理已逾期 1 个工作日")),
            ]),
            "on {}",
            app.backend
        );
        assert!(
            tick_at(&app, &mut server, "2026-12-05T03:00:00Z")
                .await
                .is_empty()
        );
        assert!(
            tick_at(&app, &mut server, "2026-12-06T03:00:00Z")
                .await
                .is_empty()
        );
        let next_monday = tick_at(&app, &mut server, "2026-12-07T01:00:00Z").await;
        assert_eq!(
            next_monday,
            want(&[
                (&wang, overdue_digest("12月7日（周一）")),
                (&zhao, reminder("受理已逾期 2 个工作日")),
            ]),
            "on {}",
            app.backend
        );

        // Accepted: the accept step is done, nothing more about it; the conclusion is due
        // 15 working days later (Mon 28 Dec), reminded the working day before.
        let accepted = step(&app, case.id, Step::Accept).await;
        assert_eq!(
            accepted.due_on.map(|d| d.to_string()).as_deref(),
            Some("2026-12-28")
        );
        assert!(
            tick_at(&app, &mut server, "2026-12-08T01:00:00Z")
                .await
                .is_empty()
        );
        let christmas = tick_at(&app, &mut server, "2026-12-25T01:00:00Z").await;
        assert_eq!(
            christmas,
            want(&[
                (&wang, reminder("办结期限明天到期（12月28日（周一））")),
                (&wang, digest("12月25日（周五）")),
            ]),
            "on {}",
            app.backend
        );

        // Concluded and closed: no stage open, nothing is reminded.
        step(
            &app,
            case.id,
            Step::Conclude {
                finding: Finding::Substantiated,
                summary: "经核查，情况属实。".into(),
                feedback: "已督促整改。".into(),
            },
        )
        .await;
        let closed = step(&app, case.id, Step::Close).await;
        assert_eq!(closed.due_on, None);
        assert!(
            tick_at(&app, &mut server, "2026-12-28T01:00:00Z")
                .await
                .is_empty()
        );
        assert!(
            tick_at(&app, &mut server, "2026-12-31T01:00:00Z")
                .await
                .is_empty()
        );

        // Every email of the case's life went out once; none held what the reporter wrote.
        let outbox = crate::mail::rows(&app).await;
        assert_eq!(outbox.len(), 16, "on {}", app.backend);
        let keys: HashSet<&str> = outbox.iter().map(|r| r.dedupe_key.as_str()).collect();
        assert_eq!(keys.len(), outbox.len());
        for row in &outbox {
            assert!(!row.body_text.contains(&STORY[..30]), "{}", row.body_text);
        }
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn a_reminder_names_the_case_the_step_the_deadline_and_links_to_the_case() {
    let mut server = SmtpServer::start().await;
    let app = mail_app(Backend::Sqlite, &server.url()).await;
    app.state.clock.set(at("2026-11-30T02:00:00Z"));
    let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
    let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
    with_email(&app, wang, "wang@jb.example.gov.cn").await;
    let (case, code) = report_from(&app, Some("暨阳街道"), &[4]).await;
    // Wed 2 Dec at 09:00.
    let now = at("2026-12-02T01:00:00Z");
    app.state.clock.set(now);
    tick::run(&app.state, now).await.expect("tick");
    tick::send_queued(&app.state, now).await.expect("send");
    let arrived = server.drain();
    let reminder = arrived
        .iter()
        .find(|m| summary(m).1.contains("明天到期"))
        .expect("a reminder");
    let text = text_of(reminder);
    let link = format!("{}/staff/cases/{}", app.address, case.id);
    assert!(text.contains(&case.number), "{text}");
    assert!(text.contains("12月3日（周四）前受理"), "{text}");
    assert!(text.contains(&link), "{text}");
    let html = reminder
        .parsed()
        .body_html(0)
        .map(|h| h.replace("&#x2f;", "/"))
        .expect("an HTML part");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    for secret in [&STORY[..30], code.as_str()] {
        assert!(!text.contains(secret) && !html.contains(secret));
    }
    // The link works for the inspector it was sent to.
    let (client, _) = app.client_for("wang", crate::support::TEST_PASSWORD).await;
    let page = client.get(&link).send().await.expect("case page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains(&case.number));
}

#[tokio::test]
async fn with_the_smtp_server_down_the_tick_loses_nothing_and_everything_arrives_once_it_is_back() {
    let port = closed_port();
    let app = mail_app(Backend::Sqlite, &format!("smtp://127.0.0.1:{port}")).await;
    app.state.clock.set(at("2026-11-30T02:00:00Z"));
    let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
    let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
    with_email(&app, wang, "wang@jb.example.gov.cn").await;
    report_from(&app, Some("暨阳街道"), &[4]).await;

    let now = at("2026-12-02T01:00:00Z");
    app.state.clock.set(now);
    let report = tick::run(&app.state, now).await.expect("tick");
    assert_eq!((report.reminders, report.digests, report.queued), (1, 1, 2));
    let sent = tick::send_queued(&app.state, now).await.expect("send");
    assert_eq!((sent.sent, sent.retrying), (0, 2));

    // The server comes back; the next tick (after the backoff) sends both, once.
    let mut server = SmtpServer::start_on(port).await;
    let later = now + chrono::Duration::minutes(5);
    app.state.clock.set(later);
    let again = tick::run(&app.state, later).await.expect("tick");
    assert_eq!(again.queued, 0, "queued once, not again");
    let sent = tick::send_queued(&app.state, later).await.expect("send");
    assert_eq!(sent.sent, 2);
    let arrived = server.drain();
    assert_eq!(arrived.len(), 2);
    assert!(message_id_counts(&arrived).values().all(|n| *n == 1));
    let later_still = later + chrono::Duration::hours(2);
    tick::run(&app.state, later_still).await.expect("tick");
    tick::send_queued(&app.state, later_still)
        .await
        .expect("send");
    assert!(server.drain().is_empty());
}

#[tokio::test]
async fn two_schedulers_over_one_database_send_each_of_1000_reminders_exactly_once() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        app.state.clock.set(at("2026-11-30T02:00:00Z"));
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        // 50 inspectors (inserted directly: hashing 50 passwords is not the subject) …
        let now = app.state.clock.now();
        let people: Vec<users::ActiveModel> = (0..50)
            .map(|n| users::ActiveModel {
                username: Set(format!("inspector{n}")),
                display_name: Set(format!("检查员{n}")),
                email: Set(Some(format!("inspector{n}@jb.example.gov.cn"))),
                password_hash: Set("not-a-login".into()),
                role: Set(Role::Inspector),
                unit_id: Set(Some(unit)),
                failed_logins: Set(0),
                must_change_password: Set(false),
                active: Set(true),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        users::Entity::insert_many(people)
            .exec_without_returning(&app.db)
            .await
            .expect("inspectors");
        // … and 20 unassigned cases of their unit due Thu 3 Dec: 1,000 reminders on Wed 2 Dec
        // (and 50 digests).
        for _ in 0..20 {
            report_from(&app, Some("暨阳街道"), &[4]).await;
        }
        let other = match &backend {
            // A second process: its own connections, write gate and sender.
            Backend::Postgres(_) => jianduka::app::state_for_command((*app.settings).clone())
                .await
                .expect("a second instance"),
            Backend::Sqlite => app.state.clone(),
        };
        let when = at("2026-12-02T01:00:00Z");
        app.state.clock.set(when);
        other.clock.set(when);
        let scheduler = |state: jianduka::state::AppState| {
            tokio::spawn(async move {
                let report = tick::run(&state, when).await.expect("tick");
                let sent = tick::send_queued(&state, when).await.expect("send");
                (report, sent)
            })
        };
        let (a, b) = (scheduler(app.state.clone()), scheduler(other));
        let ((tick_a, sent_a), (tick_b, sent_b)) =
            (a.await.expect("scheduler a"), b.await.expect("scheduler b"));
        assert_eq!(tick_a.reminders, 1000, "on {}", app.backend);
        assert_eq!(tick_a.queued + tick_b.queued, 1050, "on {}", app.backend);
        // A last pass picks up anything the other scheduler queued after this one's send.
        let rest = tick::send_queued(&app.state, when).await.expect("send");
        assert_eq!(
            sent_a.sent + sent_b.sent + rest.sent,
            1050,
            "on {}",
            app.backend
        );

        let received = server.drain();
        let counts = message_id_counts(&received);
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "sent twice on {}: {twice:?}", app.backend);
        assert_eq!(received.len(), 1050, "on {}", app.backend);
        let mut per_person: HashMap<String, usize> = HashMap::new();
        for message in &received {
            *per_person.entry(message.to.join(",")).or_default() += 1;
        }
        assert_eq!(per_person.len(), 50);
        assert!(
            per_person.values().all(|n| *n == 21),
            "20 reminders and a digest each"
        );
        finish(&backend, app).await;
    }
}

const PASSWORD: &str = "a-newcomer-sets-this-password-42";

/// The last working day before `due`.
fn working_day_before(
    calendar: &jianduka::deadlines::calendar::WorkingCalendar,
    due: NaiveDate,
) -> NaiveDate {
    let mut day = due.pred_opt().expect("a day before");
    while !calendar.is_working_day(day) {
        day = day.pred_opt().expect("a day before");
    }
    day
}

// Two workers: the command line blocks one while the SMTP server answers on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_adds_an_inspector_reports_through_a_card_and_the_tick_mails_one_reminder() {
    use std::process::Output;

    let mut server = SmtpServer::start().await;
    let app = crate::support::spawn_app_with_settings(Backend::Sqlite, |s| {
        s.mail_interval_seconds = 3600;
    })
    .await;
    let smtp_url = server.url();
    let cli = |args: &[&str], stdin: Option<&str>| -> Output {
        use std::io::Write as _;
        let mut command = crate::support::jianduka_binary();
        command
            .arg("--data-dir")
            .arg(&app.data_dir)
            .args(args)
            .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
            .env("JIANDUKA_SECRET_KEY", crate::support::TEST_SECRET_KEY)
            .env("JIANDUKA_PUBLIC_BASE_URL", &app.address)
            .env("JIANDUKA_SMTP_URL", &smtp_url)
            .env("JIANDUKA_MAIL_FROM", crate::mail::FROM)
            .env("JIANDUKA_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("the binary runs");
        if let (Some(mut input), Some(text)) = (child.stdin.take(), stdin) {
            input
                .write_all(format!("{text}\n").as_bytes())
                .expect("stdin");
        }
        let output = child.wait_with_output().expect("the binary ends");
        assert!(
            output.status.success(),
            "jianduka {args:?}: {} {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };

    // The register holds the district's enterprises; a unit covers the district.
    let card =
        crate::support::intake::insert_card(&app.db, crate::support::intake::CardKind::Enterprise)
            .await;
    crate::support::intake::add_holders(&app.db, None, "暨阳街道", 12).await;
    cli(
        &["units", "add", "暨阳纪检监察组", "--district", "暨阳街道"],
        None,
    );
    cli(
        &[
            "users",
            "add",
            "wang",
            "--role",
            "inspector",
            "--unit",
            "暨阳纪检监察组",
            "--email",
            "wang@jb.example.gov.cn",
            "--password-stdin",
        ],
        Some(PASSWORD),
    );

    // An enterprise scans its card and reports.
    let response = app
        .post_report(&card.token, Report::default().items(&[4]))
        .await;
    assert_eq!(response.status(), 200);
    let case: case_rows::Model = crate::support::cases::newest_case(&app).await;
    let due = case.accept_due_on.expect("an acceptance deadline");
    let rules = app
        .state
        .sla
        .rules(&app.db, app.state.clock.now())
        .await
        .expect("rules");
    let day = working_day_before(&rules.calendar, due);
    let now = format!("{day}T09:00:00+08:00");

    let first = cli(&["sla", "tick", "--now", &now], None);
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(
        said.contains("mail: 2 sent"),
        "a reminder and a digest: {said}"
    );
    let arrived = server.drain();
    let reminders: Vec<&Received> = arrived
        .iter()
        .filter(|m| summary(m).1.contains("明天到期"))
        .collect();
    assert_eq!(reminders.len(), 1, "{arrived:?}");
    assert_eq!(reminders[0].to, vec!["wang@jb.example.gov.cn".to_string()]);
    let link = format!("{}/staff/cases/{}", app.address, case.id);
    assert!(text_of(reminders[0]).contains(&link));

    let second = cli(&["sla", "tick", "--now", &now], None);
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(said.contains("0 newly queued"), "{said}");
    assert!(server.drain().is_empty(), "still one reminder");

    // The link opens the case for the inspector.
    let (client, _) = app.client_for("wang", PASSWORD).await;
    let page = client.get(&link).send().await.expect("case page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains(&case.number));
}
