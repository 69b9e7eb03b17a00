//! The audit log: append-only in the database, and every kind of tampering detected by the
//! check `jianduka audit verify` runs.

use jianduka::audit::{Verification, verify};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::support::{TestApp, on_each_database};

/// What an attacker with database rights does first: drop the triggers that refuse changes.
async fn drop_the_triggers(app: &TestApp) {
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
}

/// A log of five entries: the first admin's creation, a login, a password change and two
/// more logins.
async fn five_entries(app: &TestApp) {
    app.login_as_admin().await;
    for _ in 0..2 {
        let response = app.login("admin", "a-new-admin-password").await;
        assert_eq!(response.status(), 303);
    }
    let verdict = verify(&app.db, app.settings.secret_key.expose())
        .await
        .expect("verify");
    assert_eq!(
        verdict,
        Verification::Intact { entries: 5 },
        "on {}",
        app.backend
    );
}

async fn verdict(app: &TestApp) -> Verification {
    verify(&app.db, app.settings.secret_key.expose())
        .await
        .expect("verify")
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_rows() {
    on_each_database(async |app| {
        five_entries(&app).await;
        for sql in [
            "UPDATE audit_log SET action = 'nothing' WHERE id = 2",
            "DELETE FROM audit_log WHERE id = 5",
            "DELETE FROM audit_log",
        ] {
            let refused = app.db.execute_unprepared(sql).await;
            assert!(refused.is_err(), "{sql} was allowed on {}", app.backend);
        }
        if app.db.get_database_backend() == DbBackend::Postgres {
            let refused = app.db.execute_unprepared("TRUNCATE audit_log").await;
            assert!(refused.is_err(), "TRUNCATE was allowed");
        }
        assert_eq!(verdict(&app).await, Verification::Intact { entries: 5 });
    })
    .await;
}

#[tokio::test]
async fn an_edited_audit_row_is_detected() {
    on_each_database(async |app| {
        five_entries(&app).await;
        drop_the_triggers(&app).await;
        app.db
            .execute_unprepared("UPDATE audit_log SET action = 'nothing' WHERE id = 3")
            .await
            .expect("tampered");
        assert!(
            matches!(verdict(&app).await, Verification::Broken { id: 3, .. }),
            "on {}",
            app.backend
        );
        // The audit page (the client is still logged in) says why, in the reader's language.
        let page = app
            .get("/staff/admin/audit")
            .await
            .text()
            .await
            .expect("page");
        assert!(
            page.contains("#3：内容与其哈希不符（记录被修改）"),
            "{page}"
        );
        assert!(!page.contains("does not match"), "{page}");
        let page = app
            .get("/staff/admin/audit?lang=en")
            .await
            .text()
            .await
            .expect("page");
        assert!(
            page.contains("#3: Its content does not match its hash (it was edited)"),
            "{page}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_row_deleted_from_the_middle_is_detected() {
    on_each_database(async |app| {
        five_entries(&app).await;
        drop_the_triggers(&app).await;
        app.db
            .execute_unprepared("DELETE FROM audit_log WHERE id = 2")
            .await
            .expect("deleted");
        assert!(
            matches!(verdict(&app).await, Verification::Broken { id: 3, .. }),
            "on {}",
            app.backend
        );
    })
    .await;
}

#[tokio::test]
async fn the_newest_rows_cut_off_the_end_are_detected() {
    on_each_database(async |app| {
        five_entries(&app).await;
        drop_the_triggers(&app).await;
        app.db
            .execute_unprepared("DELETE FROM audit_log WHERE id >= 4")
            .await
            .expect("deleted");
        let verdict = verdict(&app).await;
        let Verification::Broken { reason, .. } = &verdict else {
            panic!("a cut-off log passed on {}: {verdict:?}", app.backend);
        };
        // The command line and the log read it in English.
        let reason = reason.to_string();
        assert!(reason.contains("2 newest cut off"), "{reason}");
    })
    .await;
}

#[tokio::test]
async fn a_head_rewound_to_hide_a_cut_is_detected() {
    on_each_database(async |app| {
        five_entries(&app).await;
        drop_the_triggers(&app).await;
        app.db
            .execute_unprepared("DELETE FROM audit_log WHERE id = 5")
            .await
            .expect("deleted");
        // Point the head at the new last row, without the key to seal it.
        app.db
            .execute_unprepared(
                "UPDATE audit_head SET entries = 4, last_id = 4, \
                 last_hash = (SELECT hash FROM audit_log WHERE id = 4)",
            )
            .await
            .expect("head rewound");
        assert!(
            matches!(verdict(&app).await, Verification::Broken { .. }),
            "on {}",
            app.backend
        );
        // A later append does not reseal the forged head.
        let response = app.login("admin", "a-new-admin-password").await;
        assert_eq!(response.status(), 303);
        assert!(matches!(verdict(&app).await, Verification::Broken { .. }));
    })
    .await;
}
