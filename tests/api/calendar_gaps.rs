//! A deadline in a year whose official holidays are not loaded (2027, shipped as a
//! placeholder) counts weekends only: the case page says so next to the deadline, and the
//! admins' digest lists the year with its open deadlines — only once there is such a
//! deadline, so an admin with nothing to act on still gets no digest.

use chrono::{DateTime, Datelike, Utc};
use jianduka::access::Role;
use jianduka::entities::users;
use jianduka::reminders::tick;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};

use crate::helpers::TEST_PASSWORD;
use crate::mail::{finish, mail_app};
use crate::support::cases::{member, report_from, unit_for};
use crate::support::smtp_server::{Received, SmtpServer};
use crate::support::{TestApp, backends};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

async fn with_email(app: &TestApp, user: users::Model, email: &str) {
    let mut update = user.into_active_model();
    update.email = Set(Some(email.into()));
    update.update(&app.db).await.expect("email set");
}

/// One tick at `now`, then every queued email sent; what arrived.
async fn tick_at(app: &TestApp, server: &mut SmtpServer, now: &str) -> Vec<Received> {
    let now = at(now);
    app.state.clock.set(now);
    tick::run(&app.state, now).await.expect("tick");
    let sent = tick::send_queued(&app.state, now).await.expect("send");
    assert_eq!(sent.failed + sent.retrying, 0, "on {}", app.backend);
    server.drain()
}

fn to_admin(arrived: &[Received]) -> Vec<&Received> {
    arrived
        .iter()
        .filter(|m| m.to == vec!["boss@jb.example.gov.cn".to_string()])
        .collect()
}

async fn case_page(client: &reqwest::Client, app: &TestApp, id: i64, lang: &str) -> String {
    client
        .get(format!("{}/staff/cases/{id}", app.address))
        .header("accept-language", lang)
        .send()
        .await
        .expect("case page")
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn a_deadline_in_a_year_without_its_calendar_is_marked_on_the_case_and_in_the_admins_digest()
{
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        // Wed 23 Dec 2026, 09:00 Beijing time.
        app.state.clock.set(at("2026-12-23T01:00:00Z"));
        let unit = unit_for(&app, "暨阳纪检监察组", "暨阳街道").await;
        member(&app, "wang", Role::Inspector, Some(unit)).await;
        let zhao = member(&app, "zhao", Role::Supervisor, None).await;
        with_email(&app, zhao, "zhao@jb.example.gov.cn").await;
        let boss = member(&app, "boss", Role::Admin, None).await;
        with_email(&app, boss, "boss@jb.example.gov.cn").await;

        // Due Mon 28 Dec 2026: a year whose calendar is loaded. The admin hears nothing.
        let (before, _) = report_from(&app, Some("暨阳街道"), &[4]).await;
        assert_eq!(before.due_on.map(|d| d.year()), Some(2026));
        let quiet = tick_at(&app, &mut server, "2026-12-23T01:00:00Z").await;
        assert!(to_admin(&quiet).is_empty(), "{quiet:?}");

        // Wed 30 Dec 2026: three working days on is Mon 4 Jan 2027, counted with weekends
        // only (New Year's Day is no holiday until 2027 is loaded).
        app.state.clock.set(at("2026-12-30T00:30:00Z"));
        let (after, _) = report_from(&app, Some("暨阳街道"), &[4]).await;
        assert_eq!(
            after.due_on.map(|d| d.to_string()).as_deref(),
            Some("2027-01-04"),
            "on {}",
            app.backend
        );

        let (client, _) = app.client_for("zhao", TEST_PASSWORD).await;
        let marked = case_page(&client, &app, after.id, "zh-CN").await;
        assert!(
            marked.contains("2027年节假日安排尚未载入，此期限只扣除了周末"),
            "{marked}"
        );
        let english = case_page(&client, &app, after.id, "en").await;
        assert!(
            english.contains("The 2027 public holidays are not loaded"),
            "{english}"
        );
        // A supervisor cannot load the calendar: no link for them; the admin gets one.
        assert!(!marked.contains("/staff/admin/calendar"));
        let (admin_client, _) = app.client_for("boss", TEST_PASSWORD).await;
        let for_admin = case_page(&admin_client, &app, after.id, "zh-CN").await;
        assert!(
            for_admin.contains("href=\"/staff/admin/calendar\""),
            "{for_admin}"
        );
        let unmarked = case_page(&client, &app, before.id, "zh-CN").await;
        assert!(!unmarked.contains("case-calendar-gap"), "{unmarked}");

        // The admin's digest names the year and how many open deadlines fall in it.
        let arrived = tick_at(&app, &mut server, "2026-12-30T01:00:00Z").await;
        let mails = to_admin(&arrived);
        assert_eq!(mails.len(), 1, "on {}: {arrived:?}", app.backend);
        let parsed = mails[0].parsed();
        assert_eq!(
            parsed.subject().unwrap_or_default(),
            "【诸暨市纪委监委】今日待办：工作日历未载入"
        );
        let text = parsed
            .body_text(0)
            .map(|t| t.to_string())
            .unwrap_or_default();
        assert!(
            text.contains("2027年节假日安排未载入：1 件未办结案件的期限落在该年"),
            "{text}"
        );
        assert!(text.contains("/staff/admin/calendar"), "{text}");
        // Only admins hear of it: the supervisor's digest is about cases.
        let supervisor: Vec<&Received> = arrived
            .iter()
            .filter(|m| m.to == vec!["zhao@jb.example.gov.cn".to_string()])
            .collect();
        for mail in supervisor {
            let text = mail.parsed().body_text(0).map(|t| t.to_string());
            assert!(!text.unwrap_or_default().contains("节假日安排未载入"));
        }
        finish(&backend, app).await;
    }
}
