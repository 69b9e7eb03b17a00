//! `jianduka sla tick --now <earlier today>` beside a running server: both send from one
//! outbox, and each email arrives once. The command's clock is set hours back, but its leases
//! run on the real clock the server reads, so neither takes a row the other is sending.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use jianduka::entities::email_outbox;
use jianduka::entities::enums::OutboxStatus;
use jianduka::mail;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{
    TEST_SECRET_KEY, backends, jianduka_binary, spawn_app_with_settings, temp_dir,
};
use crate::mail::{FROM, finish, reminder};
use crate::smtp_server::{SmtpServer, message_id_counts};

/// Emails queued before both senders start: several passes of each.
const EMAILS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_tick_with_an_earlier_now_beside_a_live_server_sends_each_email_once() {
    for backend in backends() {
        let mut smtp = SmtpServer::start().await;
        let url = smtp.url();
        // The server's own sender runs every second, as a busy deployment's would.
        let app = spawn_app_with_settings(backend.clone(), move |s| {
            s.smtp_url = Some(jianduka::config::Secret::new(url));
            s.mail_from = Some(FROM.into());
            s.mail_interval_seconds = 1;
        })
        .await;
        let earlier = app.state.clock.now() - Duration::hours(3);
        let txn = app.state.writes.begin().await.expect("begin");
        for n in 0..EMAILS {
            let to = format!("inspector{}@jb.example.gov.cn", n % 13);
            mail::enqueue(&*txn, reminder(&format!("tick:{n}"), &to), earlier)
                .await
                .expect("enqueue");
        }
        txn.commit().await.expect("commit");

        let data_dir = temp_dir("tick-beside");
        let mut command = jianduka_binary();
        command
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["sla", "tick", "--now", &earlier.to_rfc3339()])
            .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
            .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY)
            .env("JIANDUKA_SMTP_URL", smtp.url())
            .env("JIANDUKA_MAIL_FROM", FROM)
            .env("JIANDUKA_ALLOW_LOCAL_URL", "true");
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("joined")
            .expect("the command runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );

        // The server sends whatever the command left.
        let started = Instant::now();
        loop {
            let waiting = email_outbox::Entity::find()
                .filter(email_outbox::Column::Status.ne(OutboxStatus::Sent))
                .count(&app.db)
                .await
                .expect("count");
            if waiting == 0 {
                break;
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(60),
                "{waiting} emails still unsent on {}",
                app.backend
            );
            tokio::time::sleep(StdDuration::from_millis(200)).await;
        }
        // A sender that lost a lease would have sent its email already (the outcome is
        // recorded after the SMTP server accepted it); wait out one more server pass.
        tokio::time::sleep(StdDuration::from_millis(1500)).await;
        let counts = message_id_counts(&smtp.drain());
        let twice: Vec<_> = counts.values().filter(|n| **n > 1).collect();
        assert_eq!(
            (counts.len(), twice.len()),
            (EMAILS, 0),
            "on {}: {}",
            app.backend,
            String::from_utf8_lossy(&output.stdout)
        );
        finish(&backend, app).await;
    }
}
