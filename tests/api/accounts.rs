//! Accounts and sessions: scripted accounts, units from the command line, idle and absolute
//! session ends, a password change ending the other sessions, and `audit verify` catching a
//! changed, a deleted and a cut-off row.

use std::io::Write as _;
use std::process::{Output, Stdio};

use jianduka::access::Role;
use sea_orm::{ConnectionTrait, DbBackend};

use crate::support::{TEST_PASSWORD, on_each_database, spawn_app, temp_dir};

/// Runs the binary on the SQLite database in `dir`, with `stdin` as its input.
fn jianduka(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = crate::support::jianduka_binary();
    cmd.arg("--data-dir").arg(dir).args(args);
    cmd.env(
        "JIANDUKA_SECRET_KEY",
        "test-secret-key-0123456789abcdef-0123456789",
    );
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("finished")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_scripted_inspector_logs_in_with_their_password_and_lands_in_the_workspace() {
    let dir = temp_dir("accounts");
    let unit = jianduka(
        &dir,
        &[
            "units",
            "add",
            "第一纪检监察室",
            "--district",
            "暨阳街道",
            "--district",
            "浣东街道",
        ],
        "",
    );
    assert!(
        unit.status.success(),
        "{}",
        String::from_utf8_lossy(&unit.stderr)
    );
    let added = jianduka(
        &dir,
        &[
            "users",
            "add",
            "wang.fang",
            "--role",
            "inspector",
            "--unit",
            "第一纪检监察室",
            "--email",
            "wang.fang@example.gov.cn",
            "--display-name",
            "王芳",
            "--password-stdin",
        ],
        "a-scripted-password-123\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        !stdout(&added).contains("password:"),
        "no password is printed"
    );
    let listed = stdout(&jianduka(&dir, &["users", "list"], ""));
    assert!(
        listed.contains("wang.fang\tinspector\t第一纪检监察室\tactive\twang.fang@example.gov.cn"),
        "{listed}"
    );
    let units = stdout(&jianduka(&dir, &["units", "list"], ""));
    assert!(
        units.contains("第一纪检监察室\t1\t暨阳街道、浣东街道"),
        "{units}"
    );

    // The server on the same data dir: the password works, and no change is asked for.
    let url = format!("sqlite://{}?mode=rwc", dir.join("jianduka.db").display());
    let settings = crate::support::test_settings(&dir, &url);
    let app = jianduka::app::Application::build(settings)
        .await
        .expect("builds");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = crate::support::new_client();
    let base = format!("http://127.0.0.1:{port}");
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let login = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", crate::support::extract_csrf(&page).as_str()),
            ("username", "wang.fang"),
            ("password", "a-scripted-password-123"),
            ("next", "/staff"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 303);
    assert_eq!(login.headers()["location"], "/staff");
    let home = client
        .get(format!("{base}/staff"))
        .send()
        .await
        .expect("home");
    assert_eq!(home.status(), 200);
    let home = home.text().await.expect("body");
    assert!(
        home.contains("王芳") && home.contains("我承办的案件"),
        "{home}"
    );
}

#[tokio::test]
async fn units_and_accounts_refuse_what_cannot_be() {
    let dir = temp_dir("accounts");
    assert!(
        jianduka(&dir, &["units", "add", "一室", "--district", "店口镇"], "")
            .status
            .success()
    );
    let twice = jianduka(&dir, &["units", "add", "二室", "--district", "店口镇"], "");
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("店口镇"));
    let no_unit = jianduka(
        &dir,
        &[
            "users",
            "add",
            "x1",
            "--role",
            "inspector",
            "--unit",
            "九室",
        ],
        "",
    );
    assert_eq!(no_unit.status.code(), Some(2));
    let unknown = jianduka(&dir, &["users", "disable", "nobody"], "");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        jianduka(&dir, &["users", "add", "x2", "--role", "inspector"], "")
            .status
            .success()
    );
    let reset = stdout(&jianduka(&dir, &["users", "reset-password", "x2"], ""));
    assert!(reset.contains("password of x2:"), "{reset}");
    assert!(
        jianduka(&dir, &["users", "disable", "x2"], "")
            .status
            .success()
    );
    assert!(stdout(&jianduka(&dir, &["users", "list"], "")).contains("x2\tinspector\t-\tdisabled"));
}

#[tokio::test]
async fn a_session_ends_after_half_an_hour_idle_and_after_twelve_hours_whatever() {
    on_each_database(async |app| {
        app.login_as("idle", Role::Inspector).await;
        assert_eq!(app.get("/staff").await.status(), 200);
        // Busy: a request every 20 minutes keeps the session …
        for _ in 0..3 {
            app.state.clock.advance(chrono::Duration::minutes(20));
            assert_eq!(app.get("/staff").await.status(), 200, "on {}", app.backend);
        }
        // … until 31 minutes pass without one.
        app.state.clock.advance(chrono::Duration::minutes(31));
        let expired = app.get("/staff").await;
        assert_eq!(expired.status(), 303);
        assert!(
            expired.headers()["location"]
                .to_str()
                .expect("ascii")
                .starts_with("/login")
        );

        // A busy session still ends after 12 hours.
        let response = app.login("idle", TEST_PASSWORD).await;
        assert_eq!(response.status(), 303);
        for _ in 0..((12 * 60) / 25 + 1) {
            app.state.clock.advance(chrono::Duration::minutes(25));
            let status = app.get("/staff").await.status();
            if status != 200 {
                assert_eq!(status, 303);
                return;
            }
        }
        panic!("the session outlived 12 hours on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_and_keeps_this_one() {
    on_each_database(async |app| {
        app.add_user("two-phones", Role::Inspector).await;
        let (phone, _) = app.client_for("two-phones", TEST_PASSWORD).await;
        let (desk, _) = app.client_for("two-phones", TEST_PASSWORD).await;
        let page = desk
            .get(format!("{}/account/password", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let changed = desk
            .post(format!("{}/account/password", app.address))
            .form(&[
                ("csrf", crate::support::extract_csrf(&page).as_str()),
                ("current", TEST_PASSWORD),
                ("new_password", "a-brand-new-password"),
                ("confirm", "a-brand-new-password"),
            ])
            .send()
            .await
            .expect("changed");
        assert_eq!(changed.status(), 303, "on {}", app.backend);
        let desk_home = desk
            .get(format!("{}/staff", app.address))
            .send()
            .await
            .expect("home");
        assert_eq!(desk_home.status(), 200, "this session stays");
        let phone_home = phone
            .get(format!("{}/staff", app.address))
            .send()
            .await
            .expect("home");
        assert_eq!(phone_home.status(), 303, "the other session ended");
        // Sessions of a disabled account end at once.
        let user = jianduka::auth::accounts::by_username(&app.db, "two-phones")
            .await
            .expect("user");
        jianduka::auth::accounts::change_account(
            &app.state.writes,
            &app.stamp(),
            user.id,
            jianduka::auth::AccountChange::Active(false),
        )
        .await
        .expect("disabled");
        let desk_home = desk
            .get(format!("{}/staff", app.address))
            .send()
            .await
            .expect("home");
        assert_eq!(desk_home.status(), 303);
    })
    .await;
}

#[tokio::test]
async fn audit_verify_says_ok_then_names_a_changed_a_deleted_and_a_cut_off_row() {
    // One data dir per kind of tampering; the log is filled by real actions.
    for tamper in ["changed", "deleted", "cut"] {
        let app = spawn_app().await;
        app.login_as_admin().await;
        for _ in 0..2 {
            assert_eq!(
                app.login("admin", "a-new-admin-password").await.status(),
                303
            );
        }
        let dir = app.data_dir.clone();
        let ok = jianduka(&dir, &["audit", "verify"], "");
        assert_eq!(
            ok.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert_eq!(stdout(&ok).trim(), "ok, 5 rows");
        assert_eq!(app.db.get_database_backend(), DbBackend::Sqlite);
        for sql in [
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ] {
            app.db
                .execute_unprepared(sql)
                .await
                .expect("trigger dropped");
        }
        let sql = match tamper {
            "changed" => "UPDATE audit_log SET detail = '{}' WHERE id = 3",
            "deleted" => "DELETE FROM audit_log WHERE id = 2",
            _ => "DELETE FROM audit_log WHERE id = 5",
        };
        app.db.execute_unprepared(sql).await.expect("tampered");
        let broken = jianduka(&dir, &["audit", "verify"], "");
        assert_eq!(broken.status.code(), Some(1), "{tamper}");
        let text = stdout(&broken);
        let expected = match tamper {
            "changed" => "broken at row 3",
            "deleted" => "broken at row 3",
            _ => "newest cut off",
        };
        assert!(text.contains(expected), "{tamper}: {text}");
    }
}

#[tokio::test]
async fn an_admin_creates_an_account_on_the_page_and_the_one_time_password_works_once() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let unit = jianduka::auth::accounts::create_unit(
            &app.state.writes,
            &app.stamp(),
            "第三纪检监察室",
            &["枫桥镇".to_string()],
        )
        .await
        .expect("unit");
        let unit_id = unit.id.to_string();
        let created = app
            .post_form(
                "/staff/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "zhou.jie"),
                    ("display_name", "周杰"),
                    ("role", "inspector"),
                    ("unit", &unit_id),
                    ("email", "zhou.jie@example.gov.cn"),
                ],
            )
            .await;
        assert_eq!(created.status(), 200, "on {}", app.backend);
        let page = created.text().await.expect("body");
        let marker = "<code>";
        let start = page.find(marker).expect("the one-time password is shown") + marker.len();
        let password = page[start..]
            .split("</code>")
            .next()
            .expect("password")
            .to_string();
        assert_eq!(password.len(), 19, "{password}");
        let again = app
            .get("/staff/admin/users")
            .await
            .text()
            .await
            .expect("body");
        assert!(!again.contains(&password), "shown once only");
        assert!(again.contains("周杰") && again.contains("第三纪检监察室"));
        // The person logs in with it and is asked to choose their own.
        let client = crate::support::new_client();
        let login = client
            .get(format!("{}/login", app.address))
            .send()
            .await
            .expect("page");
        let login_csrf = crate::support::extract_csrf(&login.text().await.expect("body"));
        let response = client
            .post(format!("{}/login", app.address))
            .form(&[
                ("csrf", login_csrf.as_str()),
                ("username", "zhou.jie"),
                ("password", &password),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 303);
        assert!(
            response.headers()["location"]
                .to_str()
                .expect("ascii")
                .starts_with("/account/password")
        );
        // A duplicate username comes back with the form filled in.
        let twice = app
            .post_form(
                "/staff/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "zhou.jie"),
                    ("display_name", "另一个"),
                    ("role", "inspector"),
                ],
            )
            .await;
        assert_eq!(twice.status(), 422);
        let page = twice.text().await.expect("body");
        assert!(page.contains("用户名“zhou.jie”已被占用") && page.contains("另一个"));
    })
    .await;
}
