//! Anchoring the audit chain outside the database: `jianduka audit head` prints the head as
//! COUNT:HASH, and `audit verify --expect COUNT:HASH` catches a rollback that the sealed head
//! alone cannot — the newest rows cut and an older genuine head put back.

use jianduka::entities::audit_head;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, Set};

use crate::helpers::{TEST_SECRET_KEY, TestApp, jianduka_binary, on_each_database, temp_dir};

/// Runs `jianduka audit ARGS` against the app's database; exit code and standard output.
fn audit(app: &TestApp, args: &[&str]) -> (Option<i32>, String) {
    let output = jianduka_binary()
        .arg("--data-dir")
        .arg(temp_dir("anchor"))
        .arg("audit")
        .args(args)
        .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
        .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY)
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
    )
}

async fn head(app: &TestApp) -> audit_head::Model {
    audit_head::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("the head")
}

#[tokio::test]
async fn verify_with_an_anchor_reports_a_rollback_that_an_older_head_hides() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let older = head(&app).await;
        for _ in 0..3 {
            let response = app.login("admin", "a-new-admin-password").await;
            assert_eq!(response.status(), 303);
        }
        let (code, anchor) = audit(&app, &["head"]);
        assert_eq!(code, Some(0), "{anchor}");
        let newest = head(&app).await;
        assert_eq!(anchor, format!("{}:{}", newest.entries, newest.last_hash));
        let (code, text) = audit(&app, &["verify", "--expect", &anchor]);
        assert_eq!(
            (code, text.as_str()),
            (Some(0), format!("ok, {} rows", newest.entries).as_str())
        );

        // The attacker: triggers dropped, the newest rows cut, the older genuine head back.
        let statements: &[&str] = match app.db.get_database_backend() {
            DbBackend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
            _ => &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
        };
        for sql in statements {
            app.db
                .execute_unprepared(sql)
                .await
                .expect("trigger dropped");
        }
        app.db
            .execute_unprepared(&format!(
                "DELETE FROM audit_log WHERE id > {}",
                older.last_id
            ))
            .await
            .expect("rows cut");
        let mut row = newest.into_active_model();
        row.entries = Set(older.entries);
        row.last_id = Set(older.last_id);
        row.last_hash = Set(older.last_hash.clone());
        row.seal = Set(older.seal.clone());
        row.update(&app.db).await.expect("older head back");

        // Without the anchor the log looks whole; with it, the rollback shows.
        let (code, text) = audit(&app, &["verify"]);
        assert_eq!(code, Some(0), "{text}");
        let (code, text) = audit(&app, &["verify", "--expect", &anchor]);
        assert_eq!(code, Some(1), "on {}: {text}", app.backend);
        assert!(text.contains("Rolled back"), "{text}");

        // An anchor naming a row that is there but different is refused too.
        let forged = format!("{}:{}", older.entries, "ab".repeat(32));
        let (code, text) = audit(&app, &["verify", "--expect", &forged]);
        assert_eq!(code, Some(1), "{text}");
        assert!(text.contains("not the one anchored"), "{text}");
    })
    .await;
}
