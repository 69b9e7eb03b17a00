//! Two-step verification as staff meet it: enrolling an authenticator app, then logging in
//! with password and code; a wrong, reused or late code is refused, and a role an admin
//! requires it for is sent to enrol first.

use chrono::Duration;
use jianduka::access::Role;
use jianduka::auth::totp;

use crate::support::{TEST_PASSWORD, TestApp, new_client, on_each_database};

/// The code an authenticator app shows now for `secret`.
fn code_now(app: &TestApp, secret: &str) -> String {
    let step = app.state.clock.now().timestamp() / 30;
    totp::code_at(secret, step).expect("a code")
}

/// The value of hidden input `name` on `page`.
fn hidden(page: &str, name: &str) -> String {
    let page = page
        .find("<form method=\"post\" action=\"/login\">")
        .or_else(|| page.find("<form method=\"post\" action=\"/account/totp\">"))
        .map_or(page, |at| &page[at..]);
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} on {page}"))
        + marker.len();
    let end = page[start..].find('"').expect("closing quote") + start;
    // As a browser reads the attribute.
    page[start..end]
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The secret the enrolment page shows for typing in by hand.
fn shown_secret(page: &str) -> String {
    let start = page
        .find("<code class=\"secret\">")
        .expect("the secret is shown")
        + "<code class=\"secret\">".len();
    let end = page[start..].find("</code>").expect("closing tag") + start;
    page[start..end].to_string()
}

/// Enrols `user_id` through the domain, as the page would: the server's secret, its code.
async fn enrol_directly(app: &TestApp, user_id: i64) -> String {
    let secret = totp::pending_secret(&app.state.writes, user_id, app.state.clock.now())
        .await
        .expect("a secret");
    totp::enrol(
        &app.state.writes,
        &app.stamp(),
        user_id,
        None,
        &code_now(app, &secret),
    )
    .await
    .expect("enrol")
    .expect("enrolled");
    secret
}

/// Posts the password step from a fresh client; returns the client and the answer.
async fn password_step(app: &TestApp, username: &str) -> (reqwest::Client, reqwest::Response) {
    let client = new_client();
    let response = app
        .login_with(&client, username, TEST_PASSWORD, Some("/staff/cases"))
        .await;
    (client, response)
}

/// Posts `code` on the code step `page`.
async fn code_step(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    code: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/login", app.address))
        .form(&[
            ("csrf", hidden(page, "csrf").as_str()),
            ("next", hidden(page, "next").as_str()),
            ("ticket", hidden(page, "ticket").as_str()),
            ("code", code),
        ])
        .send()
        .await
        .expect("code sent")
}

#[tokio::test]
async fn an_inspector_enrols_an_app_then_logs_in_with_password_and_code() {
    on_each_database(async |app| {
        app.add_user("wang", Role::Inspector).await;
        let (client, _) = app.client_for("wang", TEST_PASSWORD).await;

        // Enrolment: the page shows a QR code and the secret; a wrong code changes nothing.
        let page = client
            .get(format!("{}/account/totp", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        assert!(page.contains("<svg"), "a QR code");
        let secret = shown_secret(&page);
        let csrf = hidden(&page, "csrf");
        let wrong = client
            .post(format!("{}/account/totp", app.address))
            .form(&[
                ("csrf", csrf.as_str()),
                ("password", TEST_PASSWORD),
                ("code", "000000"),
            ])
            .send()
            .await
            .expect("sent");
        assert!(wrong.text().await.expect("body").contains("动态码不正确"));
        let right = client
            .post(format!("{}/account/totp", app.address))
            .form(&[
                ("csrf", csrf.as_str()),
                ("password", TEST_PASSWORD),
                ("code", &code_now(&app, &secret)),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(right.status(), 200, "on {}", app.backend);
        assert!(
            right.text().await.expect("body").contains("两步验证已开启"),
            "a page says it worked"
        );

        // The password alone no longer opens a session: the code step follows.
        let (client, response) = password_step(&app, "wang").await;
        assert_eq!(response.status(), 200);
        assert!(
            response
                .headers()
                .get("set-cookie")
                .is_some_and(|c| { !c.to_str().unwrap_or_default().starts_with("jd_session") })
        );
        let page = response.text().await.expect("body");
        assert!(page.contains("输入动态验证码"), "{page}");
        let staff = client
            .get(format!("{}/staff", app.address))
            .send()
            .await
            .expect("home");
        assert_eq!(staff.status(), 303, "no session before the code");

        // The code used to enrol cannot be used again; a wrong one is refused with a message.
        let reused = code_step(&app, &client, &page, &code_now(&app, &secret)).await;
        assert_eq!(reused.status(), 401);
        let page = reused.text().await.expect("body");
        assert!(page.contains("动态码不正确或已用过"), "{page}");
        let wrong = code_step(&app, &client, &page, "123456").await;
        assert_eq!(wrong.status(), 401);
        let page = wrong.text().await.expect("body");

        // Thirty seconds later the app shows a new code: it opens the workspace.
        app.state.clock.advance(Duration::seconds(30));
        let right = code_step(&app, &client, &page, &code_now(&app, &secret)).await;
        assert_eq!(right.status(), 303, "on {}", app.backend);
        assert_eq!(
            right
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok()),
            Some("/staff/cases")
        );
        let cases = client
            .get(format!("{}/staff/cases", app.address))
            .send()
            .await
            .expect("cases");
        assert_eq!(cases.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn a_code_step_left_too_long_or_with_a_forged_ticket_starts_over() {
    on_each_database(async |app| {
        let user = app.add_user("li", Role::Supervisor).await;
        let secret = enrol_directly(&app, user.id).await;
        app.state.clock.advance(Duration::seconds(60));

        // A ticket for another account (the id changed) is not accepted.
        let (client, response) = password_step(&app, "li").await;
        let page = response.text().await.expect("body");
        let ticket = hidden(&page, "ticket");
        let forged = ticket.replacen(&format!("{}.", user.id), "1.", 1);
        let forged_page = page.replace(&ticket, &forged);
        let refused = code_step(&app, &client, &forged_page, &code_now(&app, &secret)).await;
        assert_eq!(refused.status(), 401, "on {}", app.backend);

        // Six minutes later the ticket has run out, even with the right code.
        let (client, response) = password_step(&app, "li").await;
        let page = response.text().await.expect("body");
        app.state.clock.advance(Duration::minutes(6));
        let late = code_step(&app, &client, &page, &code_now(&app, &secret)).await;
        assert_eq!(late.status(), 401, "on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_role_that_must_use_two_step_verification_is_sent_to_enrol_first() {
    on_each_database(async |app| {
        totp::set_required_roles(&app.state.writes, &app.stamp(), &[Role::Inspector])
            .await
            .expect("required");
        app.add_user("zhao", Role::Inspector).await;
        let (client, response) = password_step(&app, "zhao").await;
        assert_eq!(
            response.status(),
            303,
            "the password is all it takes to log in"
        );
        let cases = client
            .get(format!("{}/staff/cases", app.address))
            .send()
            .await
            .expect("cases");
        assert_eq!(cases.status(), 303, "on {}", app.backend);
        assert_eq!(
            cases
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok()),
            Some("/account/totp")
        );
    })
    .await;
}

/// The HOTP code of `key` (any length, even empty) at `step`, as RFC 4226 computes it.
fn code_of_key(key: &[u8], step: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", binary % 1_000_000)
}

/// The stored second factor of `user_id`.
async fn stored_secret(app: &TestApp, user_id: i64) -> Option<String> {
    use sea_orm::EntityTrait;
    jianduka::entities::users::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the user")
        .totp_secret
}

/// Posts `form` (with the session's CSRF token) to `path`; the status and the page.
async fn post_account(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let mut fields = vec![("csrf", csrf)];
    fields.extend_from_slice(form);
    let response = client
        .post(format!("{}{path}", app.address))
        .form(&fields)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn secrets_a_browser_sends_empty_short_long_or_its_own_are_never_enrolled() {
    on_each_database(async |app| {
        let user = app.add_user("qian", Role::Inspector).await;
        let (client, csrf) = app.client_for("qian", TEST_PASSWORD).await;
        // The page shows the server's secret: 160 bits.
        let page = client
            .get(format!("{}/account/totp", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let shown = data_encoding::BASE32_NOPAD
            .decode(shown_secret(&page).as_bytes())
            .expect("base32");
        assert_eq!(shown.len(), 20);
        let step = app.state.clock.now().timestamp() / 30;
        let own = data_encoding::BASE32_NOPAD.encode(&[7u8; 20]);
        let huge = "A".repeat(1024 * 1024);
        let cases: Vec<(&str, String)> = vec![
            ("", code_of_key(b"", step)),
            ("AE", code_of_key(&[1], step)),
            (own.as_str(), code_of_key(&[7u8; 20], step)),
            (huge.as_str(), "123456".to_string()),
        ];
        for (secret, code) in &cases {
            let (status, page) = post_account(
                &app,
                &client,
                &csrf,
                "/account/totp",
                &[
                    ("password", TEST_PASSWORD),
                    ("secret", secret),
                    ("code", code),
                ],
            )
            .await;
            assert_eq!(
                status,
                422,
                "a secret of {} bytes on {}",
                secret.len(),
                app.backend
            );
            assert!(
                page.contains("动态码不正确"),
                "{}",
                &page[..page.len().min(300)]
            );
            assert_eq!(stored_secret(&app, user.id).await, None);
        }
        // A key shorter than 160 bits computes no code at all, so none can log in with it.
        assert_eq!(totp::code_at("", step), None);
        assert_eq!(totp::code_at("AE", step), None);
        assert_eq!(
            totp::code_at(&data_encoding::BASE32_NOPAD.encode(&[1u8; 10]), step),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn replacing_or_removing_a_second_factor_takes_the_password_and_a_current_code() {
    on_each_database(async |app| {
        let user = app.add_user("sun", Role::Inspector).await;
        let (client, csrf) = app.client_for("sun", TEST_PASSWORD).await;
        let old = enrol_directly(&app, user.id).await;
        app.state.clock.advance(Duration::seconds(30));

        let page = client
            .get(format!("{}/account/totp", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let new = shown_secret(&page);
        assert_ne!(new, old);
        let new_code = code_now(&app, &new);
        let old_code = code_now(&app, &old);
        for (form, why) in [
            (
                vec![("code", new_code.as_str())],
                "no password, no current code",
            ),
            (
                vec![("password", TEST_PASSWORD), ("code", new_code.as_str())],
                "no current code",
            ),
            (
                vec![
                    ("password", "not-the-password"),
                    ("current_code", old_code.as_str()),
                    ("code", new_code.as_str()),
                ],
                "a wrong password",
            ),
            (
                vec![
                    ("password", TEST_PASSWORD),
                    ("current_code", "000000"),
                    ("code", new_code.as_str()),
                ],
                "a wrong current code",
            ),
        ] {
            let (status, _) = post_account(&app, &client, &csrf, "/account/totp", &form).await;
            assert_eq!(status, 422, "{why} on {}", app.backend);
            assert_eq!(
                stored_secret(&app, user.id).await.as_deref(),
                Some(old.as_str()),
                "{why}"
            );
        }
        let (status, page) = post_account(
            &app,
            &client,
            &csrf,
            "/account/totp",
            &[
                ("password", TEST_PASSWORD),
                ("current_code", &old_code),
                ("code", &new_code),
            ],
        )
        .await;
        assert_eq!(status, 200, "on {}", app.backend);
        assert!(page.contains("两步验证已开启"));
        assert_eq!(
            stored_secret(&app, user.id).await.as_deref(),
            Some(new.as_str())
        );

        // Turning it off: the password alone is not enough.
        app.state.clock.advance(Duration::seconds(30));
        let (status, _) = post_account(
            &app,
            &client,
            &csrf,
            "/account/totp/remove",
            &[("password", TEST_PASSWORD)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(stored_secret(&app, user.id).await.is_some());
        let (status, page) = post_account(
            &app,
            &client,
            &csrf,
            "/account/totp/remove",
            &[
                ("password", TEST_PASSWORD),
                ("current_code", &code_now(&app, &new)),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(page.contains("两步验证已关闭"));
        assert_eq!(stored_secret(&app, user.id).await, None);
        let actions = audit_actions(&app).await;
        assert!(
            actions.contains(&"totp_enrolled".to_string())
                && actions.contains(&"totp_removed".to_string()),
            "{actions:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_the_audit_log_says_so() {
    on_each_database(async |app| {
        let user = app.add_user("zhou", Role::Inspector).await;
        enrol_directly(&app, user.id).await;
        let csrf = app.login_as_admin().await;
        let response = app
            .post_form(
                &format!("/staff/admin/users/{}", user.id),
                &[("csrf", csrf.as_str()), ("action", "reset_totp")],
            )
            .await;
        assert!(response.status().is_redirection(), "{}", response.status());
        assert_eq!(stored_secret(&app, user.id).await, None);
        assert!(
            audit_actions(&app)
                .await
                .contains(&"user_totp_reset".to_string())
        );
    })
    .await;
}

/// Every audit action recorded, oldest first.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    jianduka::entities::audit_log::Entity::find()
        .order_by_asc(jianduka::entities::audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("audit rows")
        .into_iter()
        .map(|row| row.action)
        .collect()
}
