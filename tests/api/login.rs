//! Logging in under attack: guesses in parallel, from many addresses, for unknown names; the
//! lock that always ends, the owner who still gets in, and the operator's unlock.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{
    TestApp, extract_csrf, new_client, on_each_database, spawn_app_with_settings,
};
use jianduka::entities::{audit_log, users};

/// Posts a login form from a client of its own that claims address `ip` (the test servers
/// trust `X-Real-IP`); returns the status and the page.
async fn login_from(app: &TestApp, ip: &str, username: &str, password: &str) -> (u16, String) {
    let client = new_client();
    let page = client
        .get(format!("{}/login", app.address))
        .header("x-real-ip", ip)
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let response = client
        .post(format!("{}/login", app.address))
        .header("x-real-ip", ip)
        .form(&[
            ("csrf", extract_csrf(&page).as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .expect("login sent");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn admin(app: &TestApp) -> users::Model {
    users::Entity::find()
        .filter(users::Column::Username.eq("admin"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("admin exists")
}

async fn failed_login_rows(app: &TestApp) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("login_failed"))
        .count(&app.db)
        .await
        .expect("count")
}

async fn behind_a_proxy(backend: crate::support::Backend) -> TestApp {
    spawn_app_with_settings(backend, |s| {
        s.client_ip_header = Some("X-Real-IP".into());
    })
    .await
}

#[tokio::test]
async fn five_strangers_cannot_keep_the_owner_of_an_account_out() {
    for backend in crate::support::backends() {
        let app = behind_a_proxy(backend).await;
        for i in 1..=5 {
            let (status, _) = login_from(&app, &format!("203.0.113.{i}"), "admin", "guess").await;
            assert_eq!(status, 401, "on {}", app.backend);
        }
        let locked = admin(&app).await;
        assert!(
            locked
                .locked_until
                .is_some_and(|t| t > app.state.clock.now()),
            "five failures lock the account on {}",
            app.backend
        );
        // A stranger who already failed is refused without a check …
        let (status, _) = login_from(&app, "203.0.113.1", "admin", &app.admin_password).await;
        assert_ne!(status, 303, "on {}", app.backend);
        // … but the owner, from elsewhere, gets in.
        let (status, _) = login_from(&app, "198.51.100.7", "admin", &app.admin_password).await;
        assert_eq!(status, 303, "the owner logs in on {}", app.backend);
        let unlocked = admin(&app).await;
        assert_eq!(unlocked.failed_logins, 0);
        assert_eq!(unlocked.locked_until, None);
    }
}

#[tokio::test]
async fn a_lock_always_ends_and_then_the_right_password_works() {
    on_each_database(async |app| {
        for _ in 0..5 {
            assert_eq!(app.login("admin", "wrong-password").await.status(), 401);
        }
        let response = app.login("admin", &app.admin_password).await;
        assert_ne!(response.status(), 303, "locked on {}", app.backend);
        let until = admin(&app).await.locked_until.expect("a lock has an end");
        assert!(until <= app.state.clock.now() + Duration::minutes(15));
        app.state.clock.advance(Duration::minutes(16));
        let response = app.login("admin", &app.admin_password).await;
        assert_eq!(response.status(), 303, "unlocked on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_name_a_wrong_password_and_a_locked_account_get_the_same_answer() {
    for backend in crate::support::backends() {
        let app = &behind_a_proxy(backend).await;
        let (unknown, unknown_page) = login_from(app, "192.0.2.1", "nobody", "x").await;
        let (wrong, wrong_page) = login_from(app, "192.0.2.2", "admin", "x").await;
        for i in 3..=6 {
            login_from(app, &format!("192.0.2.{i}"), "admin", "x").await;
        }
        let (locked, locked_page) = login_from(app, "192.0.2.3", "admin", "x").await;
        assert_eq!(
            (unknown, wrong, locked),
            (401, 401, 401),
            "on {}",
            app.backend
        );
        let message = "用户名或密码错误";
        for page in [&unknown_page, &wrong_page, &locked_page] {
            assert!(page.contains(message), "{page}");
        }
        // Every refusal is in the audit log; none holds a password or an unknown name.
        assert_eq!(failed_login_rows(app).await, 7, "on {}", app.backend);
        let rows = audit_log::Entity::find().all(&app.db).await.expect("rows");
        assert!(rows.iter().all(|r| !r.detail.contains("nobody")));
    }
}

#[tokio::test]
async fn forty_parallel_guesses_get_no_more_checks_than_the_lockout_allows() {
    on_each_database(async |app| {
        let page = app.get("/login").await.text().await.expect("login page");
        let csrf = extract_csrf(&page);
        let guesses: Vec<_> = (0..40)
            .map(|i| {
                let client = app.client.clone();
                let url = format!("{}/login", app.address);
                let csrf = csrf.clone();
                tokio::spawn(async move {
                    client
                        .post(url)
                        .form(&[
                            ("csrf", csrf.as_str()),
                            ("username", "admin"),
                            ("password", &format!("guess-{i}")),
                        ])
                        .send()
                        .await
                        .expect("sent")
                        .status()
                })
            })
            .collect();
        for guess in guesses {
            let status = guess.await.expect("the guess ran");
            assert!(status == 401 || status == 429, "{status}");
        }
        let max = i64::from(jianduka::auth::MAX_FAILED_LOGINS);
        let account = admin(&app).await;
        assert!(
            i64::from(account.failed_logins) <= max,
            "{} checks on {}",
            account.failed_logins,
            app.backend
        );
        assert!(failed_login_rows(&app).await as i64 <= max);
        let response = app.login("admin", &app.admin_password).await;
        assert_ne!(
            response.status(),
            303,
            "refused even for the right password"
        );
        app.state.clock.advance(Duration::minutes(16));
        let response = app.login("admin", &app.admin_password).await;
        assert_eq!(response.status(), 303, "the lock ended on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn an_operator_unlocks_an_account_from_the_command_line() {
    let dir = crate::support::temp_dir("unlock");
    let dir_text = dir.to_str().expect("utf-8 path").to_string();
    let run = |args: &[&str]| {
        let mut cmd = crate::support::jianduka_binary();
        cmd.arg("--data-dir").arg(&dir_text).args(args);
        cmd.output().expect("the binary runs")
    };
    assert!(
        run(&["users", "add", "wang", "--role", "inspector"])
            .status
            .success()
    );
    let url = format!("sqlite://{}?mode=rwc", dir.join("jianduka.db").display());
    let db = sea_orm::Database::connect(&url).await.expect("database");
    users::Entity::update_many()
        .col_expr(
            users::Column::FailedLogins,
            sea_orm::sea_query::Expr::value(5),
        )
        .col_expr(
            users::Column::LockedUntil,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() + Duration::minutes(10)),
        )
        .filter(users::Column::Username.eq("wang"))
        .exec(&db)
        .await
        .expect("locked");
    let output = run(&["users", "unlock", "wang"]);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("unlocked wang"));
    let wang = users::Entity::find()
        .filter(users::Column::Username.eq("wang"))
        .one(&db)
        .await
        .expect("query")
        .expect("wang");
    assert_eq!((wang.failed_logins, wang.locked_until), (0, None));
    let output = run(&["users", "unlock", "nobody"]);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
