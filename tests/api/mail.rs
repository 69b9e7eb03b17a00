//! The outbox and its sender against a real SMTP server on 127.0.0.1: what arrives, that
//! nothing is lost while the server is down and nothing arrives twice, and on PostgreSQL
//! that two senders sharing one database send each email exactly once.

use std::collections::HashSet;

use chrono::Duration;
use jianduka::config::Secret;
use jianduka::entities::email_outbox;
use jianduka::entities::enums::OutboxStatus;
use jianduka::mail::{self, OutgoingEmail, Sender};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Statement};

use crate::support::smtp_server::{SmtpServer, closed_port, message_id_counts};
use crate::support::{Backend, TestApp, backends, drop_postgres_database, spawn_app_with_settings};

pub const FROM: &str = "监督卡 <noreply@jb.example.gov.cn>";

/// A server whose mail goes to `smtp_url`; its own background sender waits an hour, so the
/// test drives every pass.
pub async fn mail_app(backend: Backend, smtp_url: &str) -> TestApp {
    let url = smtp_url.to_string();
    spawn_app_with_settings(backend, move |s| {
        s.smtp_url = Some(Secret::new(url));
        s.mail_from = Some(FROM.into());
        s.mail_interval_seconds = 3600;
    })
    .await
}

/// Drops the test's PostgreSQL database (kept when the test failed before this).
pub async fn finish(backend: &Backend, app: TestApp) {
    if let Backend::Postgres(server) = backend {
        let database = app.settings.database_url.expose().clone();
        drop(app);
        drop_postgres_database(server, &database).await;
    }
}

/// A reminder-like email: case number, step, deadline and link, nothing a reporter wrote.
pub fn reminder(key: &str, to: &str) -> OutgoingEmail {
    OutgoingEmail {
        dedupe_key: key.into(),
        kind: jianduka::entities::enums::MailKind::Reminder,
        case_id: None,
        to: to.into(),
        subject: "【诸暨市纪委监委】案件 JD2026-000001 受理期限提醒".into(),
        text: "案件 JD2026-000001 须在 2026-12-03 前受理。\nhttp://127.0.0.1/staff/cases/1\n"
            .into(),
        html: Some(
            "<p>案件 <strong>JD2026-000001</strong> 须在 2026-12-03 前受理。</p>\
             <p><a href=\"http://127.0.0.1/staff/cases/1\">打开案件</a></p>"
                .into(),
        ),
    }
}

/// Queues `email` in a transaction of its own; whether it was new.
pub async fn queue(app: &TestApp, email: OutgoingEmail) -> bool {
    let txn = app.state.writes.begin().await.expect("begin");
    let queued = mail::enqueue(&*txn, email, app.state.clock.now())
        .await
        .expect("enqueue");
    txn.commit().await.expect("commit");
    queued
}

/// Every outbox row, oldest first.
pub async fn rows(app: &TestApp) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .order_by_asc(email_outbox::Column::Id)
        .all(&app.db)
        .await
        .expect("outbox rows")
}

fn sender(app: &TestApp) -> Sender {
    Sender::new(&app.settings).expect("sender")
}

#[tokio::test]
async fn an_enqueued_email_arrives_once_with_its_headers_and_both_bodies() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        let key = "reminder:case:1:accept:2026-12-02:user:7";
        assert!(queue(&app, reminder(key, "inspector@jb.example.gov.cn")).await);

        let report = sender(&app)
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!((report.claimed, report.sent), (1, 1), "{}", app.backend);

        let received = server.next().await;
        assert_eq!(received.from, "noreply@jb.example.gov.cn");
        assert_eq!(received.to, ["inspector@jb.example.gov.cn"]);
        let message = received.parsed();
        let from = message.from().and_then(|a| a.first()).expect("From");
        assert_eq!(from.address(), Some("noreply@jb.example.gov.cn"));
        assert_eq!(from.name(), Some("监督卡"));
        let to = message.to().and_then(|a| a.first()).expect("To");
        assert_eq!(to.address(), Some("inspector@jb.example.gov.cn"));
        assert_eq!(
            message.subject(),
            Some("【诸暨市纪委监委】案件 JD2026-000001 受理期限提醒")
        );
        assert_eq!(received.message_id(), mail::message_id(key, "127.0.0.1"));
        assert_eq!(
            message.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
        assert_eq!(
            (message.text_body_count(), message.html_body_count()),
            (1, 1)
        );
        let text = message.body_text(0).expect("text part");
        assert!(
            text.contains("JD2026-000001 须在 2026-12-03 前受理"),
            "{text}"
        );
        let html = message.body_html(0).expect("html part");
        assert!(html.contains("<strong>JD2026-000001</strong>"), "{html}");

        let stored = rows(&app).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].status, OutboxStatus::Sent);
        assert!(stored[0].sent_at.is_some());
        assert_eq!((stored[0].locked_by.clone(), stored[0].attempts), (None, 1));

        // A second pass finds nothing to send, and nothing more arrives.
        let again = sender(&app)
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(again.claimed, 0);
        assert!(server.drain().is_empty());
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn the_same_key_queues_one_row_and_sends_one_email() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        assert!(queue(&app, reminder("k:1", "a@jb.example.gov.cn")).await);
        assert!(!queue(&app, reminder("k:1", "a@jb.example.gov.cn")).await);

        // A duplicate inside a transaction leaves it usable (PostgreSQL aborts a transaction
        // on a failed insert; ON CONFLICT DO NOTHING does not fail).
        let now = app.state.clock.now();
        let txn = app.state.writes.begin().await.expect("begin");
        assert!(
            !mail::enqueue(&*txn, reminder("k:1", "b@jb.example.gov.cn"), now)
                .await
                .expect("dup")
        );
        assert!(
            mail::enqueue(&*txn, reminder("k:2", "b@jb.example.gov.cn"), now)
                .await
                .expect("new")
        );
        txn.commit().await.expect("commit");

        let stored = rows(&app).await;
        assert_eq!(stored.len(), 2, "{}", app.backend);
        assert_eq!(
            stored[0].to_addr, "a@jb.example.gov.cn",
            "the first one stands"
        );

        let report = sender(&app)
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(report.sent, 2);
        let received = server.drain();
        let ids = message_id_counts(&received);
        assert_eq!(received.len(), 2);
        assert_eq!(ids.get(&mail::message_id("k:1", "127.0.0.1")), Some(&1));
        assert_eq!(ids.get(&mail::message_id("k:2", "127.0.0.1")), Some(&1));
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn with_the_server_down_nothing_is_lost_and_everything_arrives_once_it_is_back() {
    for backend in backends() {
        let port = closed_port();
        let app = mail_app(backend.clone(), &format!("smtp://127.0.0.1:{port}")).await;
        let keys = ["down:1", "down:2", "down:3"];
        for key in keys {
            queue(&app, reminder(key, "inspector@jb.example.gov.cn")).await;
        }
        let sender = sender(&app);

        // First attempt: refused connection; each row waits a minute.
        let first = app.state.clock.now();
        let report = sender
            .send_due(&app.state.writes, first)
            .await
            .expect("pass");
        assert_eq!((report.claimed, report.retrying), (3, 3), "{}", app.backend);
        for row in rows(&app).await {
            assert_eq!(row.status, OutboxStatus::Queued);
            assert_eq!(row.attempts, 1);
            assert_eq!(row.next_attempt_at, first + Duration::minutes(1));
            assert_eq!(row.locked_by, None);
            assert!(row.last_error.is_some());
        }
        // Not due yet: a pass takes nothing.
        let early = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(early.claimed, 0);

        // A minute later, the second attempt fails too; now they wait two minutes.
        app.state.clock.advance(Duration::seconds(61));
        let second = app.state.clock.now();
        let report = sender
            .send_due(&app.state.writes, second)
            .await
            .expect("pass");
        assert_eq!(report.retrying, 3);
        for row in rows(&app).await {
            assert_eq!(row.attempts, 2);
            assert_eq!(row.next_attempt_at, second + Duration::minutes(2));
        }

        // The server comes back; once the rows are due, every email arrives, once.
        let mut server = SmtpServer::start_on(port).await;
        app.state.clock.advance(Duration::seconds(121));
        let report = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(report.sent, 3);
        let received = server.drain();
        let ids = message_id_counts(&received);
        assert_eq!(received.len(), 3);
        for key in keys {
            assert_eq!(
                ids.get(&mail::message_id(key, "127.0.0.1")),
                Some(&1),
                "{key}"
            );
        }
        assert!(
            rows(&app)
                .await
                .iter()
                .all(|r| r.status == OutboxStatus::Sent)
        );
        app.state.clock.advance(Duration::hours(2));
        let after = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(after.claimed, 0);
        assert!(server.drain().is_empty());
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn a_live_lease_keeps_other_senders_away_and_an_expired_one_is_taken_over() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        queue(&app, reminder("lease:1", "inspector@jb.example.gov.cn")).await;
        // Another instance claimed it and died while sending: its lease runs in real time.
        let set_lease = async |until: chrono::DateTime<chrono::Utc>| {
            let sql = match app.db.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE email_outbox SET locked_by = 'gone/0', locked_until = $1"
                }
                _ => "UPDATE email_outbox SET locked_by = 'gone/0', locked_until = ?",
            };
            app.db
                .execute_raw(Statement::from_sql_and_values(
                    app.db.get_database_backend(),
                    sql,
                    [until.into()],
                ))
                .await
                .expect("stale lease");
        };
        set_lease(mail::wall_now() + mail::LEASE).await;
        let sender = sender(&app);
        let live = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(live.claimed, 0, "{}", app.backend);
        // A sender whose clock is set hours ahead still waits the lease out: the domain
        // clock decides what is due, never how long a lease lasts.
        let ahead = sender
            .send_due(
                &app.state.writes,
                app.state.clock.now() + Duration::hours(3),
            )
            .await
            .expect("pass");
        assert_eq!(ahead.claimed, 0, "{}", app.backend);
        assert!(server.drain().is_empty());

        set_lease(mail::wall_now() - Duration::seconds(1)).await;
        let taken = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(taken.sent, 1);
        assert_eq!(server.drain().len(), 1);
        let row = &rows(&app).await[0];
        assert_eq!(
            (row.status, row.locked_by.clone()),
            (OutboxStatus::Sent, None)
        );
        finish(&backend, app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_over_one_database_send_each_of_1000_emails_exactly_once() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        let now = app.state.clock.now();
        let txn = app.state.writes.begin().await.expect("begin");
        let mut expected = HashSet::new();
        for n in 0..1000 {
            let key = format!("bulk:{n}");
            expected.insert(mail::message_id(&key, "127.0.0.1"));
            let to = format!("inspector{}@jb.example.gov.cn", n % 17);
            mail::enqueue(&*txn, reminder(&key, &to), now)
                .await
                .expect("enqueue");
        }
        txn.commit().await.expect("commit");

        let run = |instance: &'static str| {
            let sender = sender(&app).with_instance(instance);
            let (writes, clock) = (app.state.writes.clone(), app.state.clock.clone());
            tokio::spawn(async move {
                let (mut sent, mut passes) = (0, 0);
                loop {
                    let report = sender.send_due(&writes, clock.now()).await.expect("pass");
                    assert_eq!(report.lost_leases + report.retrying + report.failed, 0);
                    sent += report.sent;
                    passes += 1;
                    if report.claimed == 0 {
                        return (sent, passes);
                    }
                }
            })
        };
        let (a, b) = (run("sender-a"), run("sender-b"));
        let ((sent_a, passes_a), (sent_b, passes_b)) =
            (a.await.expect("sender a"), b.await.expect("sender b"));
        assert_eq!(sent_a + sent_b, 1000, "{}", app.backend);

        let received = server.drain();
        let ids = message_id_counts(&received);
        let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "sent twice on {}: {twice:?}", app.backend);
        assert_eq!(received.len(), 1000);
        assert_eq!(ids.keys().cloned().collect::<HashSet<_>>(), expected);
        let stored = rows(&app).await;
        assert!(
            stored
                .iter()
                .all(|r| r.status == OutboxStatus::Sent && r.locked_by.is_none())
        );
        eprintln!(
            "{}: sender a sent {sent_a} in {passes_a} passes, sender b {sent_b} in {passes_b}",
            app.backend
        );
        finish(&backend, app).await;
    }
}
