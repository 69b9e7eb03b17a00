//! Upgrades: a database made by an earlier schema, with rows in every table, migrates to this
//! version's schema with nothing lost. The fixtures under `tests/fixtures/upgrade/` are kept:
//! each round adds one made by its own schema (`cargo test --test api make_the_upgrade_fixture
//! -- --ignored` writes it, named after the newest migration), so later rounds prove the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use jianduka::access::Role;
use jianduka::entities::{enums::Stage, extensions};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, Set, Statement};

use super::{stderr, stdout};
use crate::case_support::{api, member, message, newest_case, officer, token_for, unit_for};
use crate::helpers::{TEST_SECRET_KEY, jianduka_binary, spawn_app, temp_dir};
use crate::support::Report;
use crate::support::intake::{CardKind, STORY, insert_card, png};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade")
}

/// Rows in each table of a SQLite database (its migration bookkeeping left out).
async fn census(db: &DatabaseConnection) -> BTreeMap<String, i64> {
    let backend = db.get_database_backend();
    let tables = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> 'seaql_migrations'",
        ))
        .await
        .expect("tables");
    let mut counts = BTreeMap::new();
    for row in tables {
        let name: String = row.try_get("", "name").expect("name");
        let n: i64 = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {name}"),
            ))
            .await
            .expect("count")
            .expect("a row")
            .try_get("", "n")
            .expect("n");
        counts.insert(name, n);
    }
    counts
}

#[tokio::test]
async fn a_database_of_every_earlier_schema_migrates_with_nothing_lost() {
    let mut found = 0;
    for entry in std::fs::read_dir(fixtures()).expect("tests/fixtures/upgrade") {
        let fixture = entry.expect("entry").path();
        if fixture.extension().is_none_or(|e| e != "sqlite") {
            continue;
        }
        found += 1;
        let dir = temp_dir("upgrade");
        let copy = dir.join("jianduka.db");
        std::fs::copy(&fixture, &copy).expect("copy the fixture");
        let url = format!("sqlite://{}?mode=rwc", copy.display());
        let before = {
            let db = Database::connect(&url).await.expect("open");
            let counts = census(&db).await;
            db.close().await.ok();
            counts
        };
        assert!(
            before.values().all(|n| *n > 0),
            "{}: a row in every table: {before:?}",
            fixture.display()
        );
        let run = |args: &[&str]| {
            let mut command = jianduka_binary();
            command
                .arg("--data-dir")
                .arg(&dir)
                .args(args)
                .env("JIANDUKA_DATABASE_URL", &url)
                .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY);
            command.output().expect("the binary runs")
        };
        let migrate = run(&["migrate"]);
        assert!(migrate.status.success(), "{}", stderr(&migrate));
        let status = stdout(&run(&["migrate", "status"]));
        // A line per migration, "applied" or "pending" first (a name may contain either word).
        assert!(
            !status.lines().any(|line| line.starts_with("pending")),
            "{status}"
        );
        let verify = run(&["audit", "verify"]);
        assert!(stdout(&verify).starts_with("ok, "), "{}", stdout(&verify));
        let db = Database::connect(&url).await.expect("open");
        let after = census(&db).await;
        for (table, rows) in &before {
            assert_eq!(
                after.get(table),
                Some(rows),
                "{}: {table} after the upgrade",
                fixture.display()
            );
        }
    }
    assert!(found > 0, "no fixture under {}", fixtures().display());
}

/// Writes this schema's fixture: a SQLite database with rows in every table, made through
/// the program's own doors where a test can reach them.
#[tokio::test]
#[ignore = "writes tests/fixtures/upgrade/: run by hand when the schema changes"]
async fn make_the_upgrade_fixture() {
    let app = spawn_app().await;
    let unit = unit_for(&app, "第一纪检监察室", "暨阳街道").await;
    let inspector = member(&app, "insp", Role::Inspector, Some(unit)).await;
    token_for(&app, &inspector).await;
    app.login_as("printer", Role::PrintStaff).await;
    insert_card(&app.db, CardKind::DeskSign).await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let response = app
        .post_report(
            &card.token,
            Report::default()
                .items(&[1, 3])
                .text(STORY)
                .file("现场.png", "image/png", png(32, 32)),
        )
        .await;
    assert_eq!(response.status(), 200);
    let case = newest_case(&app).await;
    message(&app, case.id, "请问具体是哪一天办理的？").await;
    let supervisor = officer(&app).await;
    let token = token_for(&app, &supervisor).await;
    let notes = format!("/api/v1/cases/{}/notes", case.id);
    let (status, _) = api(
        &app,
        &token,
        "POST",
        &notes,
        Some(serde_json::json!({ "body": "已电话联系窗口负责人。" })),
    )
    .await;
    assert_eq!(status, 201);
    extensions::ActiveModel {
        case_id: Set(case.id),
        stage: Set(Stage::Accept),
        working_days: Set(2),
        reason: Set("等待市场监管局调取登记材料".into()),
        requested_by: Set(inspector.id),
        requested_at: Set(app.state.clock.now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("extension");
    jianduka::mail::enqueue(
        &app.db,
        jianduka::mail::OutgoingEmail {
            dedupe_key: "fixture:reminder".into(),
            kind: jianduka::entities::enums::MailKind::Reminder,
            case_id: Some(case.id),
            to: "insp@example.gov.cn".into(),
            subject: "提醒".into(),
            text: "请按时受理。".into(),
            html: None,
        },
        Utc::now(),
    )
    .await
    .expect("queued");

    let counts = census(&app.db).await;
    let empty: Vec<&String> = counts
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(t, _)| t)
        .collect();
    assert!(empty.is_empty(), "tables without a row: {empty:?}");
    app.db
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint");
    let newest = jianduka::db::known_migrations()
        .last()
        .cloned()
        .expect("a migration");
    // Not `.db`: the repository ignores those (they are local databases).
    let out = fixtures().join(format!("{newest}.sqlite"));
    std::fs::create_dir_all(fixtures()).expect("fixtures dir");
    // VACUUM INTO writes one consistent, compact file without the WAL beside it.
    let _ = std::fs::remove_file(&out);
    app.db
        .execute_unprepared(&format!("VACUUM INTO '{}'", out.display()))
        .await
        .expect("vacuum into the fixture");
}
