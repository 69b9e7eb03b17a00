//! Personal API tokens: issued (shown once, stored as a hash), used, listed with when they
//! were last used, revoked; a disabled account's tokens open nothing; the same through the
//! `jianduka users token` commands against a running server.

use std::process::Output;

use chrono::Duration;
use jianduka::access::Role;
use jianduka::auth::{self, TokenError};
use jianduka::entities::{api_tokens, audit_log, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use crate::support::cases::{api, member};
use crate::support::{TestApp, on_each_database, temp_dir};

async fn stored(app: &TestApp, id: i64) -> api_tokens::Model {
    api_tokens::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the token row")
}

async fn audit_actions(app: &TestApp, subject: &str) -> Vec<(String, Option<String>)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::SubjectType.eq(subject))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|row| (row.action, row.subject_id))
        .collect()
}

#[tokio::test]
async fn a_token_opens_the_api_until_revoked_and_records_when_it_was_last_used() {
    on_each_database(async |app| {
        let user = member(&app, "wang", Role::Inspector, None).await;
        let (row, secret) =
            auth::issue_token(&app.state.writes, &app.stamp(), user.id, " nightly export ")
                .await
                .expect("issued");
        let secret = secret.expose().clone();
        assert!(secret.starts_with("jdk_") && secret.len() >= 40, "{secret}");
        assert_eq!(row.name, "nightly export");
        // Only a keyed hash is kept.
        assert!(!row.token_hash.contains(&secret) && row.token_hash.len() == 64);
        let listed = auth::list_tokens(&app.db, Some(user.id))
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert!(listed[0].works() && listed[0].last_used_at.is_none());
        assert_eq!(listed[0].username, "wang");

        let (status, body) = api(&app, &secret, "GET", "/api/v1/cases", None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["cases"], serde_json::json!([]));
        let first_use = stored(&app, row.id).await.last_used_at.expect("used");
        assert!((app.state.clock.now() - first_use) < Duration::seconds(30));

        // Within the minute: no write.
        app.state.clock.advance(Duration::seconds(30));
        api(&app, &secret, "GET", "/api/v1/cases", None).await;
        assert_eq!(stored(&app, row.id).await.last_used_at, Some(first_use));
        // A minute later: recorded again.
        app.state.clock.advance(Duration::seconds(45));
        api(&app, &secret, "GET", "/api/v1/cases", None).await;
        let later = stored(&app, row.id).await.last_used_at.expect("used");
        assert!(
            later - first_use >= Duration::seconds(75),
            "{first_use} → {later}"
        );
        let listed = auth::list_tokens(&app.db, None).await.expect("list");
        assert_eq!(listed[0].last_used_at, Some(later));

        auth::revoke_token(&app.state.writes, &app.stamp(), row.id)
            .await
            .expect("revoked");
        let (status, body) = api(&app, &secret, "GET", "/api/v1/cases", None).await;
        assert_eq!(status, 401);
        assert!(
            body["error"]
                .as_str()
                .expect("error")
                .contains("API 令牌已撤销")
        );
        assert!(!auth::list_tokens(&app.db, None).await.expect("list")[0].works());
        assert!(matches!(
            auth::revoke_token(&app.state.writes, &app.stamp(), row.id).await,
            Err(TokenError::AlreadyRevoked(_))
        ));
        let id = Some(row.id.to_string());
        assert_eq!(
            audit_actions(&app, "api_token").await,
            vec![
                ("api_token_issued".to_string(), id.clone()),
                ("api_token_revoked".to_string(), id)
            ]
        );
        assert!(matches!(
            jianduka::audit::verify(&app.db, app.settings.secret_key.expose())
                .await
                .expect("verify"),
            jianduka::audit::Verification::Intact { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn a_disabled_account_s_tokens_open_nothing_and_it_gets_no_new_ones() {
    on_each_database(async |app| {
        let user = member(&app, "li", Role::Supervisor, None).await;
        let token = crate::support::cases::token_for(&app, &user).await;
        assert_eq!(api(&app, &token, "GET", "/api/v1/cases", None).await.0, 200);
        let mut update = user.into_active_model();
        update.active = Set(false);
        let user = update.update(&app.db).await.expect("disabled");
        let (status, body) = api(&app, &token, "GET", "/api/v1/cases", None).await;
        assert_eq!(status, 401);
        assert!(
            body["error"]
                .as_str()
                .expect("error")
                .contains("账户已停用")
        );
        assert!(matches!(
            auth::issue_token(&app.state.writes, &app.stamp(), user.id, "x").await,
            Err(TokenError::InactiveUser(_))
        ));
        assert!(matches!(
            auth::issue_token(&app.state.writes, &app.stamp(), 9999, "x").await,
            Err(TokenError::UnknownUser)
        ));
    })
    .await;
}

/// Runs `jianduka ARGS` on the test server's database with its key.
fn jianduka(app: &TestApp, args: &[&str]) -> Output {
    let mut cmd = crate::support::jianduka_binary();
    let dir = temp_dir("token-cli");
    cmd.arg("--data-dir")
        .arg(&dir)
        .args(args)
        .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
        .env(
            "JIANDUKA_SECRET_KEY",
            std::str::from_utf8(app.settings.secret_key.expose()).expect("the test key is text"),
        );
    let output = cmd.output().expect("the binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    output
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_cli_issues_lists_and_revokes_tokens_that_the_server_honours() {
    on_each_database(async |app| {
        app.add_user("zhao", Role::Inspector).await;
        let out = stdout(&jianduka(
            &app,
            &["users", "token", "issue", "zhao", "--name", "ci script"],
        ));
        let token = out
            .lines()
            .find(|l| l.starts_with("jdk_"))
            .unwrap_or_else(|| panic!("a token line in: {out}"))
            .to_string();
        assert!(out.contains("'ci script' to zhao (inspector)"), "{out}");
        assert_eq!(api(&app, &token, "GET", "/api/v1/cases", None).await.0, 200);

        let list = stdout(&jianduka(&app, &["users", "token", "list", "zhao"]));
        let line = list.lines().next().expect("one token");
        assert!(
            line.contains("zhao") && line.contains("ci script") && line.contains("active"),
            "{list}"
        );
        assert!(!line.contains("last used never") && !list.contains(&token));
        let id = line.split('\t').next().expect("id").to_string();

        let out = stdout(&jianduka(&app, &["users", "token", "revoke", &id]));
        assert!(out.contains("revoked token"), "{out}");
        assert_eq!(api(&app, &token, "GET", "/api/v1/cases", None).await.0, 401);
        let list = stdout(&jianduka(&app, &["users", "token", "list"]));
        assert!(list.contains("revoked"), "{list}");

        // Mistakes end with one line and status 2.
        for args in [
            &["users", "token", "issue", "nobody", "--name", "x"][..],
            &["users", "token", "issue", "zhao", "--name", "  "][..],
            &["users", "token", "revoke", &id][..],
            &["users", "token", "revoke", "999"][..],
        ] {
            let output = jianduka(&app, args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        }
        let issued = users::Entity::find()
            .filter(users::Column::Username.eq("zhao"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("zhao");
        assert_eq!(
            auth::list_tokens(&app.db, Some(issued.id))
                .await
                .expect("list")
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn an_admin_issues_a_token_on_the_page_sees_it_once_and_revokes_it_there() {
    on_each_database(async |app| {
        let user = member(&app, "wang", Role::Inspector, None).await;
        let csrf = app.login_as_admin().await;
        let answer = app
            .post_form(
                "/staff/admin/tokens",
                &[
                    ("csrf", &csrf),
                    ("user", &user.id.to_string()),
                    ("name", "周报统计脚本"),
                ],
            )
            .await;
        assert_eq!(answer.status(), 200, "on {}", app.backend);
        assert_eq!(
            answer
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let page = answer.text().await.expect("body");
        let start = page.find("jdk_").expect("the secret is shown");
        let secret: String = page[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let (status, _) = api(&app, &secret, "GET", "/api/v1/cases", None).await;
        assert_eq!(status, 200);

        // Listed without its secret; shown once only.
        let listing = app
            .get("/staff/admin/tokens")
            .await
            .text()
            .await
            .expect("body");
        assert!(listing.contains("周报统计脚本") && listing.contains("wang"));
        assert!(!listing.contains(&secret));
        let row = auth::list_tokens(&app.db, Some(user.id))
            .await
            .expect("list")
            .pop()
            .expect("the token");

        // A nameless token is refused with a message; a revoked one opens nothing.
        let nameless = app
            .post_form(
                "/staff/admin/tokens",
                &[
                    ("csrf", &csrf),
                    ("user", &user.id.to_string()),
                    ("name", " "),
                ],
            )
            .await;
        assert_eq!(nameless.status(), 422);
        let revoked = app
            .post_form(
                &format!("/staff/admin/tokens/{}/revoke", row.id),
                &[("csrf", &csrf), ("confirm", "1")],
            )
            .await;
        assert_eq!(revoked.status(), 303);
        let (status, _) = api(&app, &secret, "GET", "/api/v1/cases", None).await;
        assert_eq!(status, 401, "on {}", app.backend);
        let again = app
            .post_form(
                &format!("/staff/admin/tokens/{}/revoke", row.id),
                &[("csrf", &csrf), ("confirm", "1")],
            )
            .await;
        assert_eq!(again.status(), 409);
        assert!(
            audit_actions(&app, "api_token")
                .await
                .iter()
                .any(|(action, _)| action == "api_token_revoked"),
        );
    })
    .await;
}
