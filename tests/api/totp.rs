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
        let secret = hidden(&page, "secret");
        let csrf = hidden(&page, "csrf");
        let wrong = client
            .post(format!("{}/account/totp", app.address))
            .form(&[
                ("csrf", csrf.as_str()),
                ("secret", &secret),
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
                ("secret", &secret),
                ("code", &code_now(&app, &secret)),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(right.status(), 303, "on {}", app.backend);

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
        let secret = totp::new_secret().expect("secret");
        let enrolled = totp::enrol(
            &app.state.writes,
            &app.stamp(),
            user.id,
            &secret,
            &code_now(&app, &secret),
        )
        .await
        .expect("enrol");
        assert!(enrolled);
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
