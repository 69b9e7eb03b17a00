//! Accounts that can be corrected: display name, email, role and unit edited on the admin page
//! and with `jianduka users edit`, each change in the audit log; a role that must be chosen; the
//! last active admin kept; a password change that says it worked; `/staff/admin`.

use std::process::{Output, Stdio};

use jianduka::access::Role;
use jianduka::auth::AccountError;
use jianduka::auth::edit::{AccountEdit, edit_account};
use jianduka::entities::{audit_log, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::support::{TEST_PASSWORD, TEST_SECRET_KEY, TestApp, on_each_database};

/// The binary on `app`'s database, its standard input closed (not a terminal).
async fn jianduka(app: &TestApp, args: &[&str]) -> Output {
    let mut command = crate::support::jianduka_binary();
    command
        .arg("--data-dir")
        .arg(&app.data_dir)
        .args(args)
        .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
        .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY)
        .env("JIANDUKA_LOG", "warn")
        .stdin(Stdio::null());
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
        .await
        .expect("joined")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn account(app: &TestApp, username: &str) -> users::Model {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the account exists")
}

/// The audit actions recorded about account `id`, oldest first.
async fn audited(app: &TestApp, id: i64) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::SubjectType.eq("user"))
        .filter(audit_log::Column::SubjectId.eq(id.to_string()))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("audit rows")
        .into_iter()
        .map(|row| row.action)
        .filter(|action| action != "user_created")
        .collect()
}

const EDITS: [&str; 4] = [
    "user_renamed",
    "user_email_changed",
    "user_role_changed",
    "user_unit_changed",
];

#[tokio::test]
async fn an_admin_corrects_each_field_on_the_page_and_each_change_is_audited() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let liyan = app.add_user("liyan", Role::Inspector).await;
        let unit = jianduka::auth::accounts::create_unit(
            &app.state.writes,
            &app.stamp(),
            "第二纪检监察室",
            &["店口镇".to_string()],
        )
        .await
        .expect("unit");
        let page = app
            .get("/staff/admin/users")
            .await
            .text()
            .await
            .expect("body");
        let action = format!("action=\"/staff/admin/users/{}/edit\"", liyan.id);
        assert!(page.contains(&action), "an edit form per account: {page}");
        let path = format!("/staff/admin/users/{}/edit", liyan.id);
        let unit_id = unit.id.to_string();
        let saved = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("display_name", "李岩"),
                    ("email", "li.yan@example.gov.cn"),
                    ("role", "supervisor"),
                    ("unit", &unit_id),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303, "on {}", app.backend);
        assert_eq!(saved.headers()["location"], "/staff/admin/users?done=1");
        let stored = account(&app, "liyan").await;
        assert_eq!(stored.display_name, "李岩");
        assert_eq!(stored.email.as_deref(), Some("li.yan@example.gov.cn"));
        assert_eq!(stored.role, Role::Supervisor);
        assert_eq!(stored.unit_id, Some(unit.id));
        assert_eq!(audited(&app, liyan.id).await, EDITS, "on {}", app.backend);
        let page = app
            .get("/staff/admin/users?done=1")
            .await
            .text()
            .await
            .expect("body");
        assert!(page.contains("已保存") && page.contains("value=\"李岩\""));

        // The same values again change nothing and say so; one field changes one row.
        let again = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("display_name", "李岩"),
                    ("email", "li.yan@example.gov.cn"),
                    ("role", "supervisor"),
                    ("unit", &unit_id),
                ],
            )
            .await;
        assert_eq!(
            again.headers()["location"],
            "/staff/admin/users?done=unchanged"
        );
        let page = app
            .get("/staff/admin/users?done=unchanged")
            .await
            .text()
            .await
            .expect("body");
        assert!(page.contains("没有改动"), "{page}");
        let moved = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("display_name", "李岩"),
                    ("email", ""),
                    ("role", "supervisor"),
                    ("unit", ""),
                ],
            )
            .await;
        assert_eq!(moved.status(), 303);
        let stored = account(&app, "liyan").await;
        assert_eq!((stored.email, stored.unit_id), (None, None));
        assert_eq!(audited(&app, liyan.id).await.len(), 6);

        // A bad address comes back with the message and what was typed; nothing is stored.
        let bad = app
            .post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("display_name", "李 岩"),
                    ("email", "no-at-sign"),
                    ("role", "inspector"),
                    ("unit", ""),
                ],
            )
            .await;
        assert_eq!(bad.status(), 422);
        let page = bad.text().await.expect("body");
        assert!(page.contains("邮箱地址无效") && page.contains("value=\"no-at-sign\""));
        assert!(page.contains("value=\"李 岩\""), "the typed name is kept");
        let stored = account(&app, "liyan").await;
        assert_eq!(
            (stored.display_name.as_str(), stored.role),
            ("李岩", Role::Supervisor)
        );
        assert_eq!(audited(&app, liyan.id).await.len(), 6);
    })
    .await;
}

#[tokio::test]
async fn a_new_account_needs_a_chosen_role() {
    on_each_database(async |app| {
        let csrf = app.login_as_admin().await;
        let page = app
            .get("/staff/admin/users")
            .await
            .text()
            .await
            .expect("body");
        let select = page
            .split("<select id=\"u-role\"")
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .expect("the role selector");
        assert!(
            select.contains("required><option value=\"\" selected>请选择角色</option>"),
            "{select}"
        );
        assert_eq!(select.matches(" selected").count(), 1, "{select}");
        let refused = app
            .post_form(
                "/staff/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "no.role"),
                    ("display_name", "无角色"),
                    ("role", ""),
                ],
            )
            .await;
        assert_eq!(refused.status(), 422, "on {}", app.backend);
        let page = refused.text().await.expect("body");
        assert!(page.contains("role=\"alert\">请选择角色"), "{page}");
        assert!(page.contains("value=\"no.role\""), "what was typed is kept");
        let none = users::Entity::find()
            .filter(users::Column::Username.eq("no.role"))
            .one(&app.db)
            .await
            .expect("query");
        assert!(none.is_none(), "no account is made");
        // Left without a name, the account is greeted by its login name, and the page says so.
        let made = app
            .post_form(
                "/staff/admin/users",
                &[("csrf", &csrf), ("username", "zhao"), ("role", "inspector")],
            )
            .await;
        assert_eq!(made.status(), 200);
        assert!(
            made.text()
                .await
                .expect("body")
                .contains("暂以登录名“zhao”称呼")
        );
    })
    .await;
}

#[tokio::test]
async fn users_edit_changes_each_field_and_each_change_is_audited() {
    on_each_database(async |app| {
        let liyan = app.add_user("liyan", Role::Inspector).await;
        jianduka::auth::accounts::create_unit(
            &app.state.writes,
            &app.stamp(),
            "第一纪检监察室",
            &["暨阳街道".to_string()],
        )
        .await
        .expect("unit");
        let output = jianduka(
            &app,
            &[
                "users",
                "edit",
                "liyan",
                "--display-name",
                "李岩",
                "--email",
                "li.yan@example.gov.cn",
                "--role",
                "supervisor",
                "--unit",
                "第一纪检监察室",
            ],
        )
        .await;
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(
            text(&output.stdout).trim(),
            "changed liyan: display name, email, role, unit"
        );
        let stored = account(&app, "liyan").await;
        assert_eq!(stored.display_name, "李岩");
        assert_eq!(stored.email.as_deref(), Some("li.yan@example.gov.cn"));
        assert_eq!(stored.role, Role::Supervisor);
        assert!(stored.unit_id.is_some());
        assert_eq!(audited(&app, liyan.id).await, EDITS, "on {}", app.backend);

        let output = jianduka(&app, &["users", "edit", "liyan", "--no-unit", "--no-email"]).await;
        assert_eq!(text(&output.stdout).trim(), "changed liyan: email, unit");
        let stored = account(&app, "liyan").await;
        assert_eq!((stored.email, stored.unit_id), (None, None));

        for (args, names) in [
            (&["users", "edit", "liyan"][..], "--display-name"),
            (&["users", "edit", "liyan", "--role", "boss"][..], "boss"),
            (
                &["users", "edit", "liyan", "--email", "nowhere"][..],
                "email",
            ),
            (&["users", "edit", "liyan", "--unit", "九室"][..], "九室"),
            (
                &["users", "edit", "nobody", "--role", "admin"][..],
                "nobody",
            ),
        ] {
            let output = jianduka(&app, args).await;
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.contains(names), "{args:?}: {stderr}");
        }
        assert_eq!(
            audited(&app, liyan.id).await.len(),
            6,
            "refusals change nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn users_add_without_a_display_name_says_it_used_the_login_name() {
    on_each_database(async |app| {
        let output = jianduka(&app, &["users", "add", "liyan", "--role", "inspector"]).await;
        assert!(output.status.success(), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert!(
            stdout.contains("display name: liyan (the login name; change it with: jianduka users edit liyan --display-name NAME)"),
            "{stdout}"
        );
        let named = jianduka(
            &app,
            &["users", "add", "wangfang", "--role", "inspector", "--display-name", "王芳"],
        )
        .await;
        assert!(!text(&named.stdout).contains("display name"));
        assert_eq!(account(&app, "wangfang").await.display_name, "王芳");
    })
    .await;
}

#[tokio::test]
async fn the_last_active_admin_keeps_the_admin_role() {
    on_each_database(async |app| {
        let first = account(&app, "admin").await;
        let refused = edit_account(
            &app.state.writes,
            &app.stamp(),
            first.id,
            AccountEdit {
                role: Some(Role::Supervisor),
                ..Default::default()
            },
        )
        .await;
        let Err(AccountError::Invalid(message)) = refused else {
            panic!("the only admin was demoted on {}", app.backend);
        };
        assert_eq!(message.key(), Some("acct_error_last_admin"));
        for args in [
            &["users", "edit", "admin", "--role", "inspector"][..],
            &["users", "disable", "admin"][..],
        ] {
            let output = jianduka(&app, args).await;
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("the only active admin"), "{stderr}");
        }
        // The only admin still corrects their own name and address (the role stays).
        let csrf = app.login_as_admin().await;
        let own = app
            .post_form(
                &format!("/staff/admin/users/{}/edit", first.id),
                &[
                    ("csrf", csrf.as_str()),
                    ("display_name", "系统管理员"),
                    ("email", "admin@example.gov.cn"),
                    ("role", "admin"),
                    ("unit", ""),
                ],
            )
            .await;
        assert_eq!(own.status(), 303, "on {}", app.backend);
        let stored = account(&app, "admin").await;
        assert_eq!(stored.email.as_deref(), Some("admin@example.gov.cn"));
        let own_role = app
            .post_form(
                &format!("/staff/admin/users/{}/edit", first.id),
                &[
                    ("csrf", csrf.as_str()),
                    ("display_name", "系统管理员"),
                    ("role", "inspector"),
                ],
            )
            .await;
        assert_eq!(own_role.status(), 422);
        assert!(
            own_role
                .text()
                .await
                .expect("body")
                .contains("不能停用自己或更改自己的角色")
        );
        // With a second admin, the first may be demoted on the page, and then the second
        // is the last one.
        app.add_user("second", Role::Admin).await;
        let (second, csrf) = app.client_for("second", TEST_PASSWORD).await;
        let demoted = second
            .post(format!(
                "{}/staff/admin/users/{}/edit",
                app.address, first.id
            ))
            .form(&[
                ("csrf", csrf.as_str()),
                ("display_name", "系统管理员"),
                ("email", "admin@example.gov.cn"),
                ("role", "supervisor"),
                ("unit", ""),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(demoted.status(), 303, "on {}", app.backend);
        assert_eq!(account(&app, "admin").await.role, Role::Supervisor);
        let output = jianduka(&app, &["users", "edit", "second", "--role", "inspector"]).await;
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(account(&app, "second").await.role, Role::Admin);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    on_each_database(async |app| {
        let first = account(&app, "admin").await;
        let second = app.add_user("second", Role::Admin).await;
        let demote = |id: i64| {
            let writes = app.state.writes.clone();
            let state = app.state.clone();
            async move {
                edit_account(
                    &writes,
                    &state.stamp(jianduka::audit::Actor::System("test")),
                    id,
                    AccountEdit {
                        role: Some(Role::Inspector),
                        ..Default::default()
                    },
                )
                .await
            }
        };
        let (a, b) = tokio::join!(demote(first.id), demote(second.id));
        assert_eq!(
            usize::from(a.is_ok()) + usize::from(b.is_ok()),
            1,
            "exactly one demotion on {}: {a:?} {b:?}",
            app.backend
        );
        let admins = users::Entity::find()
            .filter(users::Column::Role.eq(Role::Admin))
            .all(&app.db)
            .await
            .expect("admins");
        assert_eq!(admins.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_changed_password_is_confirmed_on_the_page_it_leads_to() {
    on_each_database(async |app| {
        app.login_as("liyan", Role::Inspector).await;
        let page = app
            .get("/account/password?next=/staff/cases")
            .await
            .text()
            .await
            .expect("body");
        let csrf = crate::support::extract_csrf(&page);
        let changed = app
            .post_form(
                "/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", TEST_PASSWORD),
                    ("new_password", "a-brand-new-password"),
                    ("confirm", "a-brand-new-password"),
                    ("next", "/staff/cases"),
                ],
            )
            .await;
        assert_eq!(changed.status(), 303, "on {}", app.backend);
        let location = changed.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert_eq!(location, "/account/password?done=1&next=%2Fstaff%2Fcases");
        let page = app.get(&location).await.text().await.expect("body");
        assert!(page.contains("role=\"status\">密码已修改"), "{page}");
        assert!(page.contains("href=\"/staff/cases\""), "the way on: {page}");
        assert!(!page.contains("name=\"new_password\""), "no second form");
    })
    .await;
}

#[tokio::test]
async fn staff_admin_opens_the_admin_section_and_labels_speak_the_readers_language() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let home = app.get("/staff/admin").await;
        assert_eq!(home.status(), 303);
        assert_eq!(home.headers()["location"], "/staff/admin/users");
        // A second factor on an account reads in the page's language, not as "TOTP".
        app.add_user("liyan", Role::Inspector).await;
        let user = app.add_user("zhang", Role::Supervisor).await;
        let mut row: users::ActiveModel = user.into();
        row.totp_secret = sea_orm::Set(Some("JBSWY3DPEHPK3PXP".into()));
        sea_orm::ActiveModelTrait::update(row, &app.db)
            .await
            .expect("update");
        let zh = app
            .get("/staff/admin/users")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            zh.contains("已开启两步验证") && !zh.contains("TOTP"),
            "{zh}"
        );
        let en = app
            .get("/staff/admin/users?lang=en")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            en.contains("Two-step login on") && !en.contains("TOTP"),
            "{en}"
        );
        let (inspector, _) = app.client_for("liyan", TEST_PASSWORD).await;
        let refused = inspector
            .get(format!("{}/staff/admin", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(refused.status(), 403, "on {}", app.backend);
    })
    .await;
}
