//! Backup while reports arrive, restore into a fresh database of each engine: every report
//! acknowledged before the backup began is there with its attachment, case and events, the
//! audit chain verifies, and a backup of the restored database is row for row the same.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jianduka::entities::{attachments, case_events, cases, reports};
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};

use super::{stderr, stdout};
use crate::helpers::{
    Backend, TEST_SECRET_KEY, backends, drop_postgres_database, fresh_postgres_database,
    jianduka_binary, spawn_app_with_settings, temp_dir,
};
use crate::support::Report;
use crate::support::intake::{STORY, png};

/// The binary on `database_url` with the test servers' key, run off the async threads.
async fn jianduka(database_url: &str, args: &[&str]) -> Output {
    let mut command = jianduka_binary();
    command
        .arg("--data-dir")
        .arg(temp_dir("backup-cli"))
        .args(args)
        .env("JIANDUKA_DATABASE_URL", database_url)
        .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY);
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
        .await
        .expect("joined")
}

/// A new, empty database on each engine the run has.
async fn fresh_databases() -> Vec<(String, Option<String>)> {
    let mut list = vec![(
        format!(
            "sqlite://{}?mode=rwc",
            temp_dir("restore").join("jianduka.db").display()
        ),
        None,
    )];
    for backend in backends() {
        if let Backend::Postgres(server) = backend {
            list.push((fresh_postgres_database(&server).await, Some(server)));
        }
    }
    list
}

/// The table lines of a backup file (everything but its first line, which is dated).
fn table_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("backup readable")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_backup_taken_while_reports_arrive_restores_into_either_engine_with_nothing_lost() {
    for backend in backends() {
        let app = spawn_app_with_settings(backend.clone(), |s| {
            s.intake_client_limit = 100_000;
            s.intake_card_limit = 100_000;
        })
        .await;
        // Reports arrive without pause; each acknowledged one is remembered with its time.
        let acknowledged: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let submitter = {
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            let (client, url) = (app.client.clone(), format!("{}/report", app.address));
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sent = Report::default()
                        .items(&[1 + (n % 10) as i32])
                        .text(&format!("{STORY} 编号{n}号"))
                        .file("p.png", "image/png", png(16, 16))
                        .send_to(&client, &url)
                        .await;
                    if sent.status() == 200 {
                        acknowledged.lock().expect("lock").push((n, Instant::now()));
                    }
                }
            })
        };
        let count = || acknowledged.lock().expect("lock").len();
        while count() < 5 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let file = temp_dir("backup").join("office.jsonl");
        let database = app.settings.database_url.expose().clone();
        let began = Instant::now();
        let backup = jianduka(
            &database,
            &["backup", "--out", file.to_str().expect("utf-8")],
        )
        .await;
        assert!(backup.status.success(), "{}", stderr(&backup));
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = file
                .metadata()
                .expect("the backup exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the backup is its owner's alone");
        }
        let before: Vec<usize> = acknowledged
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, at)| *at < began)
            .map(|(n, _)| *n)
            .collect();
        let seen = count();
        while count() < seen + 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.store(true, Ordering::Relaxed);
        submitter.await.expect("submitter");
        assert!(
            stdout(&backup).contains("keep the secret key"),
            "{}",
            stdout(&backup)
        );

        for (target, server) in fresh_databases().await {
            let restore = jianduka(&target, &["restore", file.to_str().expect("utf-8")]).await;
            assert!(
                restore.status.success(),
                "{}: {}",
                app.backend,
                stderr(&restore)
            );
            let verify = jianduka(&target, &["audit", "verify"]).await;
            assert!(stdout(&verify).starts_with("ok, "), "{}", stdout(&verify));
            let db = Database::connect(&target).await.expect("restored database");
            for n in &before {
                let report = reports::Entity::find()
                    .filter(reports::Column::Description.contains(format!("编号{n}号")))
                    .one(&db)
                    .await
                    .expect("query")
                    .unwrap_or_else(|| panic!("report {n} acknowledged before the backup"));
                let case = cases::Entity::find()
                    .filter(cases::Column::ReportId.eq(report.id))
                    .one(&db)
                    .await
                    .expect("query")
                    .expect("its case");
                let files = attachments::Entity::find()
                    .filter(attachments::Column::CaseId.eq(case.id))
                    .count(&db)
                    .await
                    .expect("count");
                assert_eq!(files, 1, "report {n}'s photo");
                let events = case_events::Entity::find()
                    .filter(case_events::Column::CaseId.eq(case.id))
                    .count(&db)
                    .await
                    .expect("count");
                assert!(events >= 1, "report {n}'s case events");
            }
            // Nothing differs: the restored database backs up to the same rows.
            let again = temp_dir("backup").join("again.jsonl");
            let backup = jianduka(
                &target,
                &["backup", "--out", again.to_str().expect("utf-8")],
            )
            .await;
            assert!(backup.status.success(), "{}", stderr(&backup));
            assert!(
                table_lines(&file) == table_lines(&again),
                "{} → {target}: the restored rows differ",
                app.backend
            );
            // And it takes new reports after the restored ones (PostgreSQL's id sequences).
            let more = jianduka(
                &target,
                &["users", "add", "restored-check", "--role", "inspector"],
            )
            .await;
            assert!(more.status.success(), "{}", stderr(&more));
            db.close().await.ok();
            if let Some(server) = server {
                drop_postgres_database(&server, &target).await;
            }
        }
    }
}

#[tokio::test]
async fn a_restore_into_a_database_that_has_rows_is_refused_and_changes_nothing() {
    let app = crate::helpers::spawn_app().await;
    let database = app.settings.database_url.expose().clone();
    let file = temp_dir("backup").join("office.jsonl");
    let backup = jianduka(
        &database,
        &["backup", "--out", file.to_str().expect("utf-8")],
    )
    .await;
    assert!(backup.status.success(), "{}", stderr(&backup));
    let users_before = crate::intake_support::count(&app.db, "users").await;
    let restore = jianduka(&database, &["restore", file.to_str().expect("utf-8")]).await;
    let err = stderr(&restore);
    assert_eq!(restore.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(
        crate::intake_support::count(&app.db, "users").await,
        users_before
    );
}

#[tokio::test]
async fn a_restore_under_another_secret_key_or_from_a_cut_file_is_refused() {
    let app = crate::helpers::spawn_app().await;
    let database = app.settings.database_url.expose().clone();
    let file = temp_dir("backup").join("office.jsonl");
    let backup = jianduka(
        &database,
        &["backup", "--out", file.to_str().expect("utf-8")],
    )
    .await;
    assert!(backup.status.success(), "{}", stderr(&backup));

    let target = format!(
        "sqlite://{}?mode=rwc",
        temp_dir("restore").join("jianduka.db").display()
    );
    let mut command = jianduka_binary();
    command
        .arg("--data-dir")
        .arg(temp_dir("backup-cli"))
        .args(["restore", file.to_str().expect("utf-8")])
        .env("JIANDUKA_DATABASE_URL", &target)
        .env(
            "JIANDUKA_SECRET_KEY",
            "another-key-of-enough-length-0123456789abcdef",
        );
    let other_key = command.output().expect("runs");
    assert_eq!(other_key.status.code(), Some(2), "{}", stderr(&other_key));
    assert!(
        stderr(&other_key).contains("JIANDUKA_SECRET_KEY"),
        "{}",
        stderr(&other_key)
    );

    // The same file without its last line.
    let text = std::fs::read_to_string(&file).expect("read");
    let cut: PathBuf = file.with_file_name("cut.jsonl");
    let kept: Vec<&str> = text.lines().collect();
    std::fs::write(&cut, kept[..kept.len() - 1].join("\n")).expect("write");
    let restore = jianduka(&target, &["restore", cut.to_str().expect("utf-8")]).await;
    assert_eq!(restore.status.code(), Some(1), "{}", stderr(&restore));
    assert!(
        stderr(&restore).contains("cut short"),
        "{}",
        stderr(&restore)
    );
    // Nothing was kept: the same database takes the whole file afterwards.
    let whole = jianduka(&target, &["restore", file.to_str().expect("utf-8")]).await;
    assert!(whole.status.success(), "{}", stderr(&whole));
}
