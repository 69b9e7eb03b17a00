//! The deadline tick against a real SMTP server: who gets a digest of what on which working
//! day, each at most once a day and none when nothing needs them, nothing lost while the
//! server is down, two schedulers over one database, the newcomer's path through the command
//! line, and a fortnight of an office.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use jianduka::access::Role;
use jianduka::cases::{Finding, Step};
use jianduka::entities::{cases as case_rows, users};
use jianduka::mail::events::{self, Mailer};
use jianduka::reminders::tick;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use crate::mail::{finish, mail_app};
use crate::support::cases::{assign_to, member, report_from, step, unit_for};
use crate::support::intake::STORY;
use crate::support::smtp_server::{Received, SmtpServer, closed_port, message_id_counts};
use crate::support::{Backend, Report, TestApp, backends};
use jianduka::cases::queues;

/// What a reporter writes back; no email may carry it.
const REPLY: &str = "补充一下：收费单据在我这里，可以提供复印件。";

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
    // The digests: the event emails the steps cause are tested on their own.
    let mut arrived: Vec<(String, String)> = server
        .drain()
        .iter()
        .map(summary)
        .filter(|(_, subject)| subject.contains("今日待办"))
        .collect();
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

/// The subject of a digest listing `summary`.
fn digest(summary: &str) -> String {
    format!("【诸暨市纪委监委】今日待办：{summary}")
}

/// What arrived, as (recipient, subject) pairs sorted, from `pairs`.
fn want(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(to, summary)| (format!("{to}@jb.example.gov.cn"), digest(summary)))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn each_person_gets_one_digest_a_working_day_of_what_needs_them_and_none_when_nothing_does() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        // Mon 30 Nov 2026, 10:00 Beijing time.
        app.state.clock.set(at("2026-11-30T02:00:00Z"));
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
        let wang = with_email(&app, wang, "wang@jb.example.gov.cn").await;
        let li = member(&app, "li", Role::Inspector, Some(unit)).await;
        with_email(&app, li, "li@jb.example.gov.cn").await;
        let zhao = member(&app, "zhao", Role::Supervisor, None).await;
        with_email(&app, zhao, "zhao@jb.example.gov.cn").await;
        // No address, no email; an admin hears nothing while a supervisor can be mailed; a
        // colleague of another unit never hears of this case.
        member(&app, "nomail", Role::Inspector, Some(unit)).await;
        let admin = member(&app, "boss", Role::Admin, None).await;
        with_email(&app, admin, "boss@jb.example.gov.cn").await;
        let other = unit_for(&app, "枫桥纪检监察组", "枫桥镇").await;
        let sun = member(&app, "sun", Role::Inspector, Some(other)).await;
        with_email(&app, sun, "sun@jb.example.gov.cn").await;
        // The supervisor of that other unit hears of its cases only: nothing here.
        let qian = member(&app, "qian", Role::Supervisor, Some(other)).await;
        with_email(&app, qian, "qian@jb.example.gov.cn").await;

        let (case, _) = report_from(&app, Some("暨阳街道"), &[4]).await;
        assert_eq!(case.unit_id, Some(unit));
        assert_eq!(
            case.due_on.map(|d| d.to_string()).as_deref(),
            Some("2026-12-03")
        );

        // Mon to Wed: a new case of their unit nobody has taken, for both its inspectors.
        let monday = tick_at(&app, &mut server, "2026-11-30T02:00:00Z").await;
        assert_eq!(
            monday,
            want(&[("li", "待认领 1 件"), ("wang", "待认领 1 件")]),
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
        let wednesday = tick_at(&app, &mut server, "2026-12-02T01:00:00Z").await;
        assert_eq!(
            wednesday,
            want(&[("li", "待认领 1 件"), ("wang", "待认领 1 件")])
        );

        // Thu 3 Dec, assigned to wang: yellow for wang alone.
        assign_to(&app, case.id, "wang").await;
        let thursday = tick_at(&app, &mut server, "2026-12-03T01:00:00Z").await;
        assert_eq!(
            thursday,
            want(&[("wang", "临期 1 件")]),
            "on {}",
            app.backend
        );

        // Fri 4 Dec: red, for wang and the supervisor; nothing on the weekend.
        let friday = tick_at(&app, &mut server, "2026-12-04T01:00:00Z").await;
        assert_eq!(
            friday,
            want(&[("wang", "逾期 1 件"), ("zhao", "逾期 1 件")]),
            "on {}",
            app.backend
        );
        for weekend in ["2026-12-05T03:00:00Z", "2026-12-06T03:00:00Z"] {
            assert!(tick_at(&app, &mut server, weekend).await.is_empty());
        }

        // Mon 7 Dec: the reporter answered before the tick; wang hears of it, once.
        let reply_at = at("2026-12-07T00:30:00Z");
        app.state.clock.set(reply_at);
        jianduka::cases::add_reporter_reply(
            &app.state.writes,
            case.id,
            reply_at,
            REPLY,
            None,
            None,
        )
        .await
        .expect("reply stored");
        queues::mark_reporter_activity(&app.db, case.id, reply_at)
            .await
            .expect("activity");
        let next_monday = tick_at(&app, &mut server, "2026-12-07T01:00:00Z").await;
        assert_eq!(
            next_monday,
            want(&[("wang", "逾期 1 件，新回复 1 件"), ("zhao", "逾期 1 件")]),
            "on {}",
            app.backend
        );

        // Read and accepted: the conclusion is due 15 working days later (Mon 28 Dec); wang
        // hears of it on the Friday before, which is not "tomorrow".
        queues::mark_read(&app.db, wang.id, case.id, at("2026-12-07T02:00:00Z"))
            .await
            .expect("read");
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
            want(&[("wang", "临期 1 件")]),
            "on {}",
            app.backend
        );

        // Concluded and closed: nothing; rated "not satisfied": the supervisor hears of it.
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
        let rated_at = at("2026-12-28T06:00:00Z");
        jianduka::cases::rate(&app.state.writes, case.id, rated_at, false, None, None)
            .await
            .expect("rated");
        let tuesday = tick_at(&app, &mut server, "2026-12-29T01:00:00Z").await;
        assert_eq!(
            tuesday,
            want(&[("zhao", "不满意 1 件")]),
            "on {}",
            app.backend
        );

        // Every email went out once; none held what the reporter wrote.
        let outbox: Vec<_> = crate::mail::rows(&app)
            .await
            .into_iter()
            .filter(|r| r.kind != jianduka::entities::enums::MailKind::Event)
            .collect();
        assert_eq!(outbox.len(), 13, "on {}", app.backend);
        let keys: HashSet<&str> = outbox.iter().map(|r| r.dedupe_key.as_str()).collect();
        assert_eq!(keys.len(), outbox.len());
        for row in &outbox {
            assert!(row.dedupe_key.starts_with("digest:"), "{}", row.dedupe_key);
            for secret in [&STORY[..30], REPLY] {
                assert!(!row.body_text.contains(secret), "{}", row.body_text);
                assert!(!row.body_html.as_deref().unwrap_or("").contains(secret));
            }
        }
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn a_digest_says_when_each_deadline_falls_and_links_to_the_case_and_the_list_on_the_staff_address()
 {
    let mut server = SmtpServer::start().await;
    let app = mail_app(Backend::Sqlite, &server.url()).await;
    app.state.clock.set(at("2026-11-30T02:00:00Z"));
    let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
    let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
    with_email(&app, wang, "wang@jb.example.gov.cn").await;
    let zhao = member(&app, "zhao", Role::Supervisor, None).await;
    with_email(&app, zhao, "zhao@jb.example.gov.cn").await;
    let (case, code) = report_from(&app, Some("暨阳街道"), &[4]).await;
    assign_to(&app, case.id, "wang").await;
    // The staff pages answer on another name than the public pages.
    let staff_base = app.address.replace("127.0.0.1", "localhost");
    let mut state = app.state.clone();
    let mut settings = (*state.settings).clone();
    settings.staff_base_url = Some(staff_base.parse().expect("a URL"));
    state.settings = std::sync::Arc::new(settings);

    // Wed 2 Dec at 09:00: due tomorrow, yellow. Fri 4 Dec: overdue, for the supervisor too.
    for when in ["2026-12-02T01:00:00Z", "2026-12-04T01:00:00Z"] {
        let now = at(when);
        app.state.clock.set(now);
        tick::run(&state, now).await.expect("tick");
        tick::send_queued(&state, now).await.expect("send");
    }
    let arrived = server.drain();
    let texts: Vec<(String, String, String)> = arrived
        .iter()
        .filter(|m| summary(m).1.contains("今日待办"))
        .map(|m| {
            let html = m
                .parsed()
                .body_html(0)
                .map(|h| h.replace("&#x2f;", "/"))
                .unwrap_or_default()
                .to_string();
            (summary(m).0, text_of(m), html)
        })
        .collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    let link = format!("{staff_base}/staff/cases/{}", case.id);
    let (_, yellow, html) = &texts
        .iter()
        .find(|(to, text, _)| to.starts_with("wang") && text.contains("即将到期"))
        .expect("wang's yellow digest");
    assert!(yellow.contains(&case.number), "{yellow}");
    assert!(yellow.contains("明天（12月3日，周四）到期"), "{yellow}");
    assert!(yellow.contains(&link), "{yellow}");
    assert!(
        yellow.contains(&format!("{staff_base}/staff/cases?queue=yellow")),
        "{yellow}"
    );
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    // An inspector's table has two columns, named for what they hold.
    assert!(html.contains(">案件编号</th><th scope=\"col\" style=\"border-bottom:1px solid #d0d7de;\">期限</th></tr>"), "{html}");
    let (_, red, html) = texts
        .iter()
        .find(|(to, _, _)| to.starts_with("zhao"))
        .expect("zhao's digest");
    assert!(red.contains("已逾期：1 件"), "{red}");
    assert!(red.contains("承办人：wang"), "{red}");
    assert!(html.contains(">承办人</th>"), "{html}");
    assert!(
        red.contains(&format!("{staff_base}/staff/cases?queue=red")),
        "{red}"
    );
    for (_, text, html) in &texts {
        for secret in [&STORY[..30], code.as_str()] {
            assert!(!text.contains(secret) && !html.contains(secret));
        }
        assert!(
            !text.contains(&app.address),
            "only the staff address: {text}"
        );
    }
    // The link works for the inspector it was sent to.
    let (client, _) = app.client_for("wang", crate::support::TEST_PASSWORD).await;
    let page = client
        .get(link.replace(&staff_base, &app.address))
        .send()
        .await
        .expect("case page");
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
    assert_eq!((report.digests, report.queued), (1, 1));
    let sent = tick::send_queued(&app.state, now).await.expect("send");
    assert_eq!((sent.sent, sent.retrying), (0, 1));

    // The server comes back; the next tick (after the backoff) sends it, once.
    let mut server = SmtpServer::start_on(port).await;
    let later = now + chrono::Duration::minutes(5);
    app.state.clock.set(later);
    let again = tick::run(&app.state, later).await.expect("tick");
    assert_eq!(again.queued, 0, "queued once, not again");
    let sent = tick::send_queued(&app.state, later).await.expect("send");
    assert_eq!(sent.sent, 1);
    let arrived = server.drain();
    assert_eq!(arrived.len(), 1);
    assert_eq!(summary(&arrived[0]).1, digest("待认领 1 件"));
    assert!(message_id_counts(&arrived).values().all(|n| *n == 1));
    let later_still = later + chrono::Duration::hours(2);
    tick::run(&app.state, later_still).await.expect("tick");
    tick::send_queued(&app.state, later_still)
        .await
        .expect("send");
    assert!(server.drain().is_empty());
}

#[tokio::test]
async fn two_schedulers_over_one_database_send_each_of_50_digests_exactly_once() {
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
        // … and 25 new cases of their unit nobody has taken: one digest each on Wed 2 Dec,
        // listing the first 20.
        for _ in 0..25 {
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
        assert_eq!(tick_a.queued + tick_b.queued, 50, "on {}", app.backend);
        // A last pass picks up anything the other scheduler queued after this one's send.
        let rest = tick::send_queued(&app.state, when).await.expect("send");
        assert_eq!(
            sent_a.sent + sent_b.sent + rest.sent,
            50,
            "on {}",
            app.backend
        );

        let received = server.drain();
        let counts = message_id_counts(&received);
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "sent twice on {}: {twice:?}", app.backend);
        assert_eq!(received.len(), 50, "on {}", app.backend);
        let people: HashSet<String> = received.iter().map(|m| m.to.join(",")).collect();
        assert_eq!(people.len(), 50, "one each");
        let text = text_of(&received[0]);
        assert_eq!(summary(&received[0]).1, digest("待认领 25 件"));
        assert!(
            text.contains("本组待认领的新案件：25 件（列出前 20 件）"),
            "{text}"
        );
        assert_eq!(text.matches("/staff/cases/").count(), 20, "{text}");
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
async fn a_newcomer_adds_an_inspector_reports_through_a_card_and_the_tick_mails_one_digest() {
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
    let rules = app.rules().await;
    let day = working_day_before(&rules.calendar, due);
    let now = format!("{day}T09:00:00+08:00");

    let first = cli(&["sla", "tick", "--now", &now], None);
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(said.contains("mail: 1 sent"), "one digest: {said}");
    let arrived = server.drain();
    assert_eq!(arrived.len(), 1, "{arrived:?}");
    assert_eq!(arrived[0].to, vec!["wang@jb.example.gov.cn".to_string()]);
    // The binary runs under the default name of the issuing body.
    assert_eq!(
        summary(&arrived[0]).1,
        "【市纪委监委】今日待办：待认领 1 件"
    );
    let link = format!("{}/staff/cases/{}", app.address, case.id);
    assert!(text_of(&arrived[0]).contains(&link));

    let second = cli(&["sla", "tick", "--now", &now], None);
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(said.contains("0 newly queued"), "{said}");
    assert!(server.drain().is_empty(), "still one digest");

    // The link opens the case for the inspector.
    let (client, _) = app.client_for("wang", PASSWORD).await;
    let page = client.get(&link).send().await.expect("case page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains(&case.number));
}

/// The fortnight's staff: (username, role, unit index); every one with an email address.
const OFFICE: [(&str, Role, Option<usize>); 9] = [
    ("a1", Role::Inspector, Some(0)),
    ("a2", Role::Inspector, Some(0)),
    ("a3", Role::Inspector, Some(0)),
    ("b1", Role::Inspector, Some(1)),
    ("b2", Role::Inspector, Some(1)),
    ("b3", Role::Inspector, Some(1)),
    ("chief", Role::Supervisor, None),
    ("bchief", Role::Supervisor, Some(1)),
    ("admin2", Role::Admin, None),
];

/// Staff accounts inserted directly (no one logs in; hashing passwords is not the subject).
async fn office(app: &TestApp, units: &[i64]) -> Vec<users::Model> {
    let now = app.state.clock.now();
    let mut people = Vec::new();
    for (name, role, unit) in OFFICE {
        let row = users::ActiveModel {
            username: Set(name.into()),
            display_name: Set(format!("{name}同志")),
            email: Set(Some(format!("{name}@jb.example.gov.cn"))),
            password_hash: Set("not-a-login".into()),
            role: Set(role),
            unit_id: Set(unit.map(|u| units[u])),
            failed_logins: Set(0),
            must_change_password: Set(false),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("staff member");
        people.push(row);
    }
    people
}

/// One office day's work before the morning tick, on case `n` of the fortnight (reported on
/// day `born`, `age` days ago): take, accept, answer, ask for more time, conclude and close,
/// and the reporter's replies and ratings.
async fn work_on(app: &TestApp, people: &[users::Model], n: usize, id: i64, age: usize) {
    use jianduka::cases::{CaseActor, CaseStatus, request_extension};
    let now = app.state.clock.now();
    let case = case_rows::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case");
    let Some(unit) = case.unit_id else {
        return; // Triage waits for a supervisor: the digest says so.
    };
    let inspectors: Vec<&users::Model> = people
        .iter()
        .filter(|p| p.role == Role::Inspector && p.unit_id == Some(unit))
        .collect();
    let mine = inspectors[n % inspectors.len()];
    let mailer = Mailer::of(&app.state);
    match (case.status, age) {
        // Two in three are taken the day after; the rest stay untaken.
        (CaseStatus::New, 1..) if case.assignee_id.is_none() && !n.is_multiple_of(3) => {
            assign_to(app, id, &mine.username).await;
        }
        (CaseStatus::New, 3..) if case.assignee_id.is_some() && n.is_multiple_of(2) => {
            step(app, id, Step::Accept).await;
        }
        (CaseStatus::Accepted, 4) if n.is_multiple_of(4) => {
            let owner = people
                .iter()
                .find(|p| Some(p.id) == case.assignee_id)
                .expect("the assignee");
            let actor = CaseActor::new(owner, app.stamp()).mailing(Mailer::of(&app.state));
            request_extension(&app.state.writes, &actor, id, 5, "需要调取更多单据")
                .await
                .expect("extension requested");
        }
        (CaseStatus::Accepted, 6..) if n % 4 == 2 => {
            step(
                app,
                id,
                Step::Conclude {
                    finding: Finding::Substantiated,
                    summary: "经核查，情况属实。".into(),
                    feedback: "已督促整改。".into(),
                },
            )
            .await;
            step(app, id, Step::Close).await;
            if n % 3 == 2 {
                jianduka::cases::rate(&app.state.writes, id, now, false, None, Some(&mailer))
                    .await
                    .expect("rated");
            }
        }
        _ => {}
    }
    // The reporter writes back on one case in five, every few days.
    if n % 5 == 1 && age % 3 == 2 && case.status != CaseStatus::Closed {
        jianduka::cases::add_reporter_reply(&app.state.writes, id, now, REPLY, None, Some(&mailer))
            .await
            .expect("reply");
        queues::mark_reporter_activity(&app.db, id, now)
            .await
            .expect("activity");
    }
}

// The fortnight of the "Done when": 2 units, 6 inspectors, 2 supervisors, 200 cases.
#[tokio::test]
async fn over_a_fortnight_each_person_gets_at_most_one_digest_a_working_day_none_on_days_off() {
    use std::collections::BTreeMap;
    for backend in backends() {
        let started = std::time::Instant::now();
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        let first = NaiveDate::from_ymd_opt(2026, 11, 30).expect("Mon 30 Nov");
        app.state.clock.set(at("2026-11-30T00:00:00Z"));
        let units = [
            unit_for(&app, "暨阳纪检监察组", "暨阳街道").await,
            unit_for(&app, "枫桥纪检监察组", "枫桥镇").await,
        ];
        let people = office(&app, &units).await;
        let rules = app.rules().await;
        // (case id, day reported)
        let mut cases: Vec<(i64, usize)> = Vec::new();
        // recipient → date → digests
        let mut got: BTreeMap<String, BTreeMap<NaiveDate, usize>> = BTreeMap::new();
        // The admin's digests: only the calendar gap, at most one a working day.
        let mut calendar_digests: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        // recipient → event emails; every email's Message-ID, to see each arrive once
        let mut events: BTreeMap<String, usize> = BTreeMap::new();
        let mut all_ids: Vec<String> = Vec::new();
        let mut days_off = 0;
        for d in 0..14_usize {
            let date = first + chrono::Duration::days(d as i64);
            let working = rules.calendar.is_working_day(date);
            days_off += usize::from(!working);
            // 08:00–08:30 Beijing: reports come in every day, 15 a day up to 200 (one in ten
            // from no district: 待分派); the office works on working days.
            app.state.clock.set(at(&format!("{date}T00:00:00Z")));
            for k in 0..15 {
                if cases.len() == 200 {
                    break;
                }
                let n = cases.len();
                let district = match n % 10 {
                    9 => None,
                    k if k % 2 == 0 => Some("暨阳街道"),
                    _ => Some("枫桥镇"),
                };
                let (case, _) = report_from(&app, district, &[1 + (k % 5)]).await;
                cases.push((case.id, d));
            }
            if working {
                app.state.clock.set(at(&format!("{date}T00:30:00Z")));
                for (n, (id, born)) in cases.clone().into_iter().enumerate() {
                    work_on(&app, &people, n, id, d - born).await;
                }
            }
            // The morning tick, and one in the afternoon that must add nothing.
            let mut arrived = Vec::new();
            for hour in ["01", "07"] {
                let now = at(&format!("{date}T{hour}:00:00Z"));
                app.state.clock.set(now);
                tick::run(&app.state, now).await.expect("tick");
                let sent = tick::send_queued(&app.state, now).await.expect("send");
                assert_eq!(sent.failed + sent.retrying, 0, "on {}", app.backend);
                arrived.extend(server.drain());
            }
            assert!(
                working || arrived.is_empty(),
                "mail on {date}, a day off: {arrived:?}"
            );
            for message in &arrived {
                let (to, subject) = summary(message);
                // Deadlines reach into 2027, whose calendar is not loaded: the admin hears
                // of that, and of nothing else while supervisors can be mailed.
                if to == "admin2@jb.example.gov.cn" {
                    assert_eq!(subject, digest("工作日历未载入"), "on {date}");
                    all_ids.push(message.message_id());
                    *calendar_digests.entry(date).or_default() += 1;
                    continue;
                }
                assert!(subject.starts_with("【诸暨市纪委监委】"), "{subject}");
                assert_eq!(subject.matches('【').count(), 1, "{subject}");
                assert!(!subject.contains('（'), "no nested brackets: {subject}");
                all_ids.push(message.message_id());
                let text = text_of(message);
                if !subject.starts_with("【诸暨市纪委监委】今日待办：") {
                    // An event email: it names a case and links to it, never the report.
                    assert!(text.contains("/staff/cases/"), "{text}");
                    for secret in [&STORY[..30], REPLY] {
                        assert!(!text.contains(secret), "{text}");
                    }
                    *events.entry(to).or_default() += 1;
                    continue;
                }
                let html = message
                    .parsed()
                    .body_html(0)
                    .unwrap_or_default()
                    .to_string();
                for secret in [&STORY[..30], REPLY] {
                    assert!(!text.contains(secret) && !html.contains(secret), "{text}");
                }
                *got.entry(to).or_default().entry(date).or_default() += 1;
            }
        }
        assert_eq!(cases.len(), 200);
        assert_eq!(days_off, 4);

        println!(
            "A fortnight on {} (30 Nov – 13 Dec 2026, 10 working days):",
            app.backend
        );
        let mut seen = HashSet::new();
        for id in &all_ids {
            assert!(seen.insert(id), "{id} arrived twice");
        }
        println!("| person | role | unit | digests | event emails |");
        println!("| --- | --- | --- | --- | --- |");
        for (name, role, unit) in OFFICE {
            let to = format!("{name}@jb.example.gov.cn");
            let per_day = got.get(&to).cloned().unwrap_or_default();
            assert!(
                per_day.values().all(|n| *n == 1),
                "{name} got more than one digest a day: {per_day:?}"
            );
            let mut total: usize = per_day.values().sum();
            match role {
                Role::Inspector | Role::Supervisor => {
                    assert!(total >= 1, "{name} heard of nothing in a fortnight")
                }
                _ => {
                    assert_eq!(total, 0, "an admin while supervisors can be mailed");
                    assert!(calendar_digests.values().all(|n| *n == 1));
                    total = calendar_digests.values().sum();
                }
            }
            let unit = unit.map_or("—".to_string(), |u| ["暨阳", "枫桥"][u].to_string());
            let told = events.get(&to).copied().unwrap_or(0);
            println!("| {name} | {role:?} | {unit} | {total} | {told} |");
        }
        let total: usize = got.values().flat_map(|d| d.values()).sum::<usize>()
            + calendar_digests.values().sum::<usize>();
        let told: usize = events.values().sum();
        assert!(
            told > 0,
            "the fortnight's assignments and requests told someone"
        );
        println!(
            "| all | | | {total} | {told} (in {:.1} s) |",
            started.elapsed().as_secs_f64()
        );
        finish(&backend, app).await;
    }
}

/// Queues `event` at `now` in a transaction of its own, as a case step would in its own;
/// then sends; what arrived, as (recipient, subject) pairs.
async fn event_at(
    app: &TestApp,
    server: &mut SmtpServer,
    event: events::Event,
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let mailer = events::Mailer::of(&app.state);
    let txn = app.state.writes.begin().await.expect("transaction");
    events::queue(&*txn, &mailer, event, now)
        .await
        .expect("queued");
    txn.commit().await.expect("committed");
    tick::send_queued(&app.state, now).await.expect("send");
    server.drain().iter().map(summary).collect()
}

#[tokio::test]
async fn an_event_email_reaches_the_person_who_must_act_once_unless_they_turned_its_kind_off() {
    use events::{Asked, Event, EventKind, To};
    use jianduka::entities::mail_muted;
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        let now = at("2026-12-02T02:00:00Z");
        app.state.clock.set(now);
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        let wang = member(&app, "wang", Role::Inspector, Some(unit)).await;
        let wang = with_email(&app, wang, "wang@jb.example.gov.cn").await;
        let zhao = member(&app, "zhao", Role::Supervisor, None).await;
        with_email(&app, zhao, "zhao@jb.example.gov.cn").await;
        let other = unit_for(&app, "枫桥纪检监察组", "枫桥镇").await;
        let qian = member(&app, "qian", Role::Supervisor, Some(other)).await;
        with_email(&app, qian, "qian@jb.example.gov.cn").await;
        let (case, _) = report_from(&app, Some("暨阳街道"), &[4]).await;
        let event = |kind, to| Event {
            kind,
            case_id: case.id,
            to,
            about: 77,
        };
        let number = &case.number;
        let to_wang = |subject: String| {
            vec![(
                "wang@jb.example.gov.cn".to_string(),
                format!("【诸暨市纪委监委】{subject}"),
            )]
        };

        let assigned = event_at(
            &app,
            &mut server,
            event(EventKind::Assigned, To::Person(wang.id)),
            now,
        )
        .await;
        assert_eq!(assigned, to_wang(format!("案件 {number} 已分派给您承办")));
        // A request waits for the supervisors of the case's unit and of none; not another unit's.
        let request = event_at(
            &app,
            &mut server,
            event(
                EventKind::Request(Asked::Extension),
                To::Supervisors { unit: Some(unit) },
            ),
            now,
        )
        .await;
        assert_eq!(
            request,
            vec![(
                "zhao@jb.example.gov.cn".to_string(),
                format!("【诸暨市纪委监委】案件 {number} 有延期申请待您审批")
            )]
        );
        let decided = event(
            EventKind::Decision {
                asked: Asked::Extension,
                approved: true,
            },
            To::Person(wang.id),
        );
        let decision = event_at(&app, &mut server, decided, now).await;
        assert_eq!(
            decision,
            to_wang(format!("您对案件 {number} 的延期申请已获批准"))
        );
        assert!(
            event_at(&app, &mut server, decided, now).await.is_empty(),
            "once"
        );

        // Replies: one email, then quiet for an hour, then one again.
        let reply = event(EventKind::ReporterReply, To::Person(wang.id));
        let first = event_at(&app, &mut server, reply, now).await;
        assert_eq!(
            first,
            to_wang(format!("案件 {number} 的反映人有新回复或新材料"))
        );
        let later = now + chrono::Duration::minutes(59);
        app.state.clock.set(later);
        assert!(event_at(&app, &mut server, reply, later).await.is_empty());
        let after_an_hour = now + chrono::Duration::minutes(61);
        app.state.clock.set(after_an_hour);
        assert_eq!(
            event_at(&app, &mut server, reply, after_an_hour)
                .await
                .len(),
            1
        );

        // Turned off: nothing of that kind; the other kinds still come.
        mail_muted::Entity::insert(mail_muted::ActiveModel {
            user_id: Set(wang.id),
            kind: Set("reporter_reply".into()),
        })
        .exec_without_returning(&app.db)
        .await
        .expect("muted");
        let tomorrow = now + chrono::Duration::days(1);
        app.state.clock.set(tomorrow);
        assert!(
            event_at(&app, &mut server, reply, tomorrow)
                .await
                .is_empty()
        );
        assert_eq!(
            event_at(
                &app,
                &mut server,
                event(EventKind::Assigned, To::Person(wang.id)),
                tomorrow
            )
            .await
            .len(),
            1
        );

        // A rolled-back step queues nothing; no email carries the report.
        let txn = app.state.writes.begin().await.expect("transaction");
        let mailer = events::Mailer::of(&app.state);
        let queued = events::queue(
            &*txn,
            &mailer,
            event(EventKind::Request(Asked::Extension), To::Person(wang.id)),
            tomorrow,
        )
        .await
        .expect("queued");
        assert_eq!(queued, 1);
        drop(txn); // a step that fails rolls back
        let outbox = crate::mail::rows(&app).await;
        assert_eq!(outbox.len(), 6, "on {}", app.backend);
        for row in &outbox {
            assert!(!row.body_text.contains(&STORY[..30]), "{}", row.body_text);
            assert!(row.body_text.contains(&format!("/staff/cases/{}", case.id)));
        }
        finish(&backend, app).await;
    }
}
