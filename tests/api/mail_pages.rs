//! What an admin sees of mail — the outbox with its failed emails and retry button, the
//! mail settings and their test email — and the sender that `serve` runs by itself.

use std::time::Duration as StdDuration;

use chrono::Duration;
use jianduka::entities::enums::OutboxStatus;
use jianduka::entities::users;
use jianduka::mail::{self, Sender};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

use crate::mail::{finish, mail_app, queue, reminder, rows};
use crate::support::smtp_server::{SmtpServer, closed_port};
use crate::support::{backends, spawn_app};

async fn set_admin_email(app: &crate::support::TestApp, email: &str) {
    let admin = users::Entity::find()
        .filter(users::Column::Username.eq("admin"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the first admin");
    let mut admin = admin.into_active_model();
    admin.email = Set(Some(email.into()));
    admin.update(&app.db).await.expect("email set");
}

async fn audit_count(app: &crate::support::TestApp, action: &str) -> u64 {
    jianduka::entities::audit_log::Entity::find()
        .filter(jianduka::entities::audit_log::Column::Action.eq(action))
        .count(&app.db)
        .await
        .expect("audit")
}

#[tokio::test]
async fn after_the_last_attempt_an_email_is_failed_shown_to_the_admin_and_a_retry_sends_it() {
    for backend in backends() {
        let port = closed_port();
        let app = mail_app(backend.clone(), &format!("smtp://127.0.0.1:{port}")).await;
        queue(&app, reminder("failing:1", "inspector@jb.example.gov.cn")).await;
        let sender = Sender::new(&app.settings).expect("sender");
        let max = app.settings.mail_max_attempts as i32;
        assert_eq!(max, 8);
        for attempt in 1..=max {
            let report = sender
                .send_due(&app.state.writes, app.state.clock.now())
                .await
                .expect("pass");
            assert_eq!(report.claimed, 1, "attempt {attempt} on {}", app.backend);
            app.state
                .clock
                .advance(mail::backoff(attempt) + Duration::seconds(1));
        }
        let row = rows(&app).await.remove(0);
        assert_eq!((row.status, row.attempts), (OutboxStatus::Failed, max));
        assert!(row.last_error.is_some());
        let report = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(
            report.claimed, 0,
            "a failed email is not tried again by itself"
        );

        let csrf = app.login_as_admin().await;
        let page = app.get("/staff/admin/outbox?status=failed").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("page");
        assert!(html.contains(&format!("id=\"outbox-{}\" data-status=\"failed\"", row.id)));
        assert!(html.contains("id=\"count-failed\">1<"), "{html}");
        assert!(html.contains(&format!("/staff/admin/outbox/{}/retry", row.id)));
        assert!(html.contains("inspector@jb.example.gov.cn"));
        assert!(html.contains("时间（北京时间）"));

        let retried = app
            .post_form(
                &format!("/staff/admin/outbox/{}/retry", row.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(retried.status(), 303);
        let row = rows(&app).await.remove(0);
        assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 0));
        assert_eq!(audit_count(&app, "mail_retried").await, 1);
        // Retrying a row that is not failed changes nothing.
        app.post_form(
            &format!("/staff/admin/outbox/{}/retry", row.id),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(audit_count(&app, "mail_retried").await, 1);

        let mut server = SmtpServer::start_on(port).await;
        let report = sender
            .send_due(&app.state.writes, app.state.clock.now())
            .await
            .expect("pass");
        assert_eq!(report.sent, 1);
        assert_eq!(server.drain().len(), 1);
        let sent_page = app.get("/staff/admin/outbox?status=sent").await;
        let html = sent_page.text().await.expect("page");
        assert!(html.contains(&format!("id=\"outbox-{}\" data-status=\"sent\"", row.id)));
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn without_an_smtp_server_emails_stay_queued_and_the_outbox_page_says_so() {
    let app = spawn_app().await;
    queue(&app, reminder("unsent:1", "inspector@jb.example.gov.cn")).await;
    let sender = Sender::new(&app.settings).expect("sender");
    assert!(!sender.is_configured());
    let report = sender
        .send_due(&app.state.writes, app.state.clock.now())
        .await
        .expect("pass");
    assert_eq!(report.claimed, 0);
    let row = rows(&app).await.remove(0);
    assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 0));

    app.login_as_admin().await;
    for path in ["/staff/admin/outbox", "/staff/admin/mail"] {
        let html = app.get(path).await.text().await.expect("page");
        assert!(html.contains("id=\"mail-not-configured\""), "{path}");
        assert!(html.contains("尚未配置 SMTP 服务器"), "{path}");
    }
    let english = app
        .get("/staff/admin/outbox?lang=en")
        .await
        .text()
        .await
        .expect("page");
    assert!(english.contains("No SMTP server is configured"));
    assert!(english.contains("id=\"count-queued\">1<"));
}

#[tokio::test]
async fn an_admin_sends_a_test_email_and_the_page_says_the_server_accepted_it() {
    for backend in backends() {
        let mut server = SmtpServer::start().await;
        let app = mail_app(backend.clone(), &server.url()).await;
        let csrf = app.login_as_admin().await;
        let before = app
            .get("/staff/admin/mail")
            .await
            .text()
            .await
            .expect("page");
        // (minijinja writes the slashes of smtp:// as &#x2f;)
        let shown = format!("smtp:&#x2f;&#x2f;127.0.0.1:{}", server.port);
        assert!(before.contains(&shown), "the settings are shown: {before}");
        assert!(before.contains("noreply@jb.example.gov.cn"));

        // No address of one's own yet: nothing is queued.
        let refused = app
            .post_form("/staff/admin/mail/test", &[("csrf", &csrf)])
            .await;
        assert_eq!(
            refused.headers()["location"],
            "/staff/admin/mail?test=no_email"
        );
        assert!(rows(&app).await.is_empty());

        set_admin_email(&app, "admin@jb.example.gov.cn").await;
        let sent = app
            .post_form("/staff/admin/mail/test", &[("csrf", &csrf)])
            .await;
        assert_eq!(sent.status(), 303, "{}", app.backend);
        let location = sent.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(
            location.starts_with("/staff/admin/mail?test=accepted&id="),
            "{location}"
        );
        let page = app.get(&location).await.text().await.expect("page");
        assert!(page.contains("SMTP 服务器已接收测试邮件"), "{page}");

        let received = server.next().await;
        assert_eq!(received.to, ["admin@jb.example.gov.cn"]);
        let message = received.parsed();
        assert_eq!(
            message.subject(),
            Some("【诸暨市纪委监委】营商环境监督卡系统测试邮件")
        );
        let text = message.body_text(0).expect("text");
        assert!(text.contains("/staff/admin/mail"), "{text}");
        assert!(message.body_html(0).is_some());
        let row = rows(&app).await.remove(0);
        assert_eq!(
            (row.kind.as_str(), row.status),
            ("test", OutboxStatus::Sent)
        );
        assert_eq!(
            received.message_id(),
            mail::message_id(&row.dedupe_key, "127.0.0.1")
        );
        assert_eq!(audit_count(&app, "mail_test_queued").await, 1);
        finish(&backend, app).await;
    }
}

#[tokio::test]
async fn a_test_email_the_server_does_not_take_is_reported_and_the_password_never_shown() {
    let port = closed_port();
    let url = format!("smtp://mailer:s3cret-pw@127.0.0.1:{port}");
    let app = mail_app(crate::support::Backend::Sqlite, &url).await;
    set_admin_email(&app, "admin@jb.example.gov.cn").await;
    let csrf = app.login_as_admin().await;
    let sent = app
        .post_form("/staff/admin/mail/test", &[("csrf", &csrf)])
        .await;
    let location = sent.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        location.starts_with("/staff/admin/mail?test=refused&id="),
        "{location}"
    );
    let page = app.get(&location).await.text().await.expect("page");
    assert!(page.contains("SMTP 服务器未接收测试邮件"), "{page}");
    assert!(
        page.contains("mailer:****@127.0.0.1"),
        "the URL is shown masked"
    );
    assert!(!page.contains("s3cret-pw"));
    let row = rows(&app).await.remove(0);
    assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 1));
}

#[tokio::test]
async fn the_background_sender_of_a_server_sends_by_itself_and_stops_when_told() {
    let mut server = SmtpServer::start().await;
    let url = server.url();
    let app = crate::support::spawn_app_with_settings(crate::support::Backend::Sqlite, move |s| {
        s.smtp_url = Some(jianduka::config::Secret::new(url));
        s.mail_from = Some(crate::mail::FROM.into());
        s.mail_interval_seconds = 1;
    })
    .await;
    queue(&app, reminder("loop:1", "inspector@jb.example.gov.cn")).await;
    let received = server.next().await;
    assert_eq!(
        received.message_id(),
        mail::message_id("loop:1", "127.0.0.1")
    );

    let (stop, stopping) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(mail::run_loop(app.state.clone(), stopping));
    stop.send(true).expect("the loop listens");
    tokio::time::timeout(StdDuration::from_secs(5), task)
        .await
        .expect("the loop ends once told to stop")
        .expect("the loop did not panic");
}

#[tokio::test]
async fn the_server_log_names_emails_by_outbox_id_never_by_address_or_content() {
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};

    let mut server = SmtpServer::start().await;
    let dir = crate::support::temp_dir("mail-log");
    let mut command = crate::support::jianduka_binary();
    let mut child = command
        .args([
            "--data-dir",
            dir.to_str().expect("utf-8"),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .env("JIANDUKA_LOG", "debug")
        .env("JIANDUKA_SMTP_URL", server.url())
        .env("JIANDUKA_MAIL_FROM", crate::mail::FROM)
        .env("JIANDUKA_MAIL_INTERVAL_SECONDS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let readers = [
        crate::intake_privacy::collect(
            child.stdout.take().expect("stdout"),
            output.clone(),
            Some(tx.clone()),
        ),
        crate::intake_privacy::collect(
            child.stderr.take().expect("stderr"),
            output.clone(),
            Some(tx),
        ),
    ];
    rx.recv_timeout(StdDuration::from_secs(60))
        .expect("server listening");

    let db = sea_orm::Database::connect(format!(
        "sqlite://{}?mode=rwc",
        dir.join("jianduka.db").display()
    ))
    .await
    .expect("open the server's database");
    let now = jianduka::clock::Clock::system().now();
    let mut refused = reminder("log:refused", "refuse-me.wang@jb.example.gov.cn");
    refused.text = "正文里的一句话".into();
    mail::enqueue(
        &db,
        reminder("log:sent", "zhang.san@jb.example.gov.cn"),
        now,
    )
    .await
    .expect("enqueue");
    mail::enqueue(&db, refused, now).await.expect("enqueue");

    let received = server.next().await;
    assert_eq!(received.to, ["zhang.san@jb.example.gov.cn"]);
    // The refused one is recorded with the server's answer once its pass ends.
    let mut waited = 0;
    let error = loop {
        let row = mail::find_by_key(&db, "log:refused")
            .await
            .expect("row")
            .expect("queued");
        if let Some(error) = row.last_error {
            break error;
        }
        waited += 1;
        assert!(waited < 300, "the refusal is recorded within 30 s");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert!(error.contains("550"), "{error}");

    let _ = child.kill();
    let _ = child.wait();
    for reader in readers {
        let _ = reader.join();
    }
    let log = output.lock().expect("log").clone();
    assert!(
        log.contains("server answered 550"),
        "the refusal is logged by kind: {log}"
    );
    for needle in [
        "zhang.san",
        "refuse-me",
        "jb.example.gov.cn",
        "受理期限提醒",
        "正文里的一句话",
        "JD2026-000001",
    ] {
        assert!(!log.contains(needle), "the log holds {needle}:\n{log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
