//! Authorisation in one place: every staff route the router declares — enumerated from the
//! router, not listed here — refuses strangers, the wrong roles and forged state changes;
//! every JSON API route refuses a missing, made-up or revoked token, the wrong roles and a
//! session cookie; and a refused request changes nothing.

use jianduka::access::Role;
use jianduka::cards::{IssueRequest, IssuedBy, Target};
use jianduka::enterprises::service_points::{self, Change, NewServicePoint};
use reqwest::{Client, Method};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::{TEST_PASSWORD, TestApp, new_client, on_each_database};

/// Every table a staff action could change, dumped whole as text (sessions aside: logging
/// in is allowed to touch them).
async fn fingerprint(app: &TestApp) -> Vec<String> {
    let backend = app.db.get_database_backend();
    let query = async |sql: String| {
        app.db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .expect("dump")
    };
    let mut all = Vec::new();
    for table in [
        "users",
        "units",
        "enterprises",
        "service_points",
        "card_batches",
        "cards",
        "reports",
        "cases",
        "case_events",
        "messages",
        "internal_notes",
        "audit_log",
        "audit_head",
        "settings",
        "email_outbox",
    ] {
        let row_text = if backend == DbBackend::Postgres {
            format!("SELECT t::text AS row FROM {table} t ORDER BY 1")
        } else {
            // SQLite has no row-to-text: quote() every column the table has.
            let columns: Vec<String> = query(format!("PRAGMA table_info({table})"))
                .await
                .iter()
                .map(|c| c.try_get::<String>("", "name").expect("column name"))
                .map(|name| format!("quote({name})"))
                .collect();
            format!(
                "SELECT {} AS row FROM {table} ORDER BY 1",
                columns.join(" || '|' || ")
            )
        };
        for row in query(row_text).await {
            let text: String = row.try_get("", "row").expect("row text");
            all.push(format!("{table}: {text}"));
        }
    }
    all
}

/// Something for `{id}` = 1 to name on every page: an enterprise with a card in batch 1,
/// and service point 1.
async fn something_to_change(app: &TestApp) {
    crate::cards::seed_register(&app.db).await;
    jianduka::cards::issue(
        &app.state.writes,
        app.settings.secret_key.expose(),
        IssueRequest {
            target: Target::AllEnterprises,
            channel: None,
            again: false,
            expected: None,
            issued_by: IssuedBy::cli(app.state.clock.now()),
        },
    )
    .await
    .expect("issued");
    let new = NewServicePoint {
        name: "企业开办窗口".into(),
        hall: "诸暨市行政服务中心".into(),
        district: None,
    };
    service_points::apply(&app.state.writes, &app.stamp(), Change::Create(new))
        .await
        .expect("service point");
}

/// The route's path with every `{param}` set to 1.
fn fill_params(template: &str) -> String {
    template
        .split('/')
        .map(|part| if part.starts_with('{') { "1" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

async fn send(
    client: &Client,
    app: &TestApp,
    method: &str,
    path: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> reqwest::Response {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client.request(method.clone(), format!("{}{path}", app.address));
    if method == Method::POST {
        request = request.form(form);
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn every_staff_route_refuses_strangers_wrong_roles_and_forged_posts() {
    on_each_database(async |app| {
        let routes = jianduka::app::staff_routes();
        assert!(routes.len() >= 20, "only {} staff routes", routes.len());
        something_to_change(&app).await;
        let mut clients = Vec::new();
        for role in Role::ALL {
            let name = format!("user-{}", role.as_str().replace('_', "-"));
            app.add_user(&name, role).await;
            let (client, csrf) = app.client_for(&name, TEST_PASSWORD).await;
            clients.push((role, client, csrf));
        }
        let before = fingerprint(&app).await;
        let stranger = new_client();
        for route in &routes {
            let path = fill_params(route.path);
            let what = format!("{} {} on {}", route.method, route.path, app.backend);

            let anonymous = send(&stranger, &app, route.method, &path, &[], None).await;
            if path.starts_with("/api/") {
                assert_eq!(anonymous.status(), 401, "anonymous {what}");
            } else {
                assert_eq!(anonymous.status(), 303, "anonymous {what}");
                let location = anonymous.headers()["location"].to_str().expect("ascii");
                assert!(location.starts_with("/login?next="), "{what}: {location}");
            }

            for (role, client, csrf) in &clients {
                if route.access.allows(*role) {
                    continue;
                }
                let form = [("csrf", csrf.as_str())];
                let refused = send(client, &app, route.method, &path, &form, None).await;
                assert!(
                    matches!(refused.status().as_u16(), 403 | 404),
                    "{role:?} got {} for {what}",
                    refused.status()
                );
            }

            if route.method == "POST" {
                let (_, admin, csrf) = &clients[0];
                let valid = [("csrf", csrf.as_str())];
                let evil = Some("http://evil.example");
                let cross_site = send(admin, &app, "POST", &path, &valid, evil).await;
                assert_eq!(cross_site.status(), 403, "cross-site {what}");
                let no_token = send(admin, &app, "POST", &path, &[("x", "1")], None).await;
                assert_eq!(no_token.status(), 403, "token-less {what}");
                let wrong = [("csrf", "not-the-token")];
                let wrong_token = send(admin, &app, "POST", &path, &wrong, None).await;
                assert_eq!(wrong_token.status(), 403, "wrong token {what}");
            }
        }
        assert!(
            before == fingerprint(&app).await,
            "a refused request changed something on {}",
            app.backend
        );
    })
    .await;
}

#[tokio::test]
async fn a_staff_page_is_never_cached() {
    let app = crate::support::spawn_app().await;
    app.login_as_admin().await;
    for path in ["/staff", "/staff/enterprises", "/staff/batches"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn the_login_form_refuses_a_post_without_its_own_token() {
    let app = crate::support::spawn_app().await;
    let forged = app
        .post_form(
            "/login",
            &[("username", "admin"), ("password", &app.admin_password)],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let page = app.get("/login").await.text().await.expect("page");
    let csrf = crate::support::extract_csrf(&page);
    let cross_site = app
        .client
        .post(format!("{}/login", app.address))
        .header("origin", "http://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "admin"),
            ("password", &app.admin_password),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(cross_site.status(), 403);
    let response = app.login("admin", &app.admin_password).await;
    assert_eq!(response.status(), 303);
}

/// `method path` with an empty JSON body for a POST, and the given credentials.
async fn call_api(
    client: &Client,
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    csrf: Option<&str>,
) -> (u16, Option<String>, serde_json::Value) {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client.request(method.clone(), format!("{}{path}", app.address));
    if method == Method::POST {
        request = request.json(&serde_json::json!({}));
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii").to_string());
    let body = response.json().await.expect("a JSON answer");
    (status, challenge, body)
}

#[tokio::test]
async fn every_api_route_opens_only_to_a_live_token_of_an_allowed_role_never_to_a_cookie() {
    on_each_database(async |app| {
        let routes = jianduka::app::api_routes();
        assert!(routes.len() >= 5, "only {} API routes", routes.len());
        // Case 1, so that `{id}` = 1 names something.
        crate::support::cases::report_from(&app, None, &[1]).await;
        let mut tokens = Vec::new();
        let mut admin_id = 0;
        for role in Role::ALL {
            let name = format!("api-{}", role.as_str().replace('_', "-"));
            let user = app.add_user(&name, role).await;
            if role == Role::Admin {
                admin_id = user.id;
            }
            tokens.push((role, crate::support::cases::token_for(&app, &user).await));
        }
        let admin = &tokens[0].1;
        let (revoked_row, revoked) =
            jianduka::auth::issue_token(&app.state.writes, &app.stamp(), admin_id, "old script")
                .await
                .expect("issued");
        jianduka::auth::revoke_token(&app.state.writes, &app.stamp(), revoked_row.id)
            .await
            .expect("revoked");
        // An admin logged in by cookie, holding the session's CSRF token too.
        let (session, csrf) = app.client_for("api-admin", TEST_PASSWORD).await;
        let before = fingerprint(&app).await;
        let stranger = new_client();
        for route in &routes {
            let path = fill_params(route.path);
            let what = format!("{} {} on {}", route.method, route.path, app.backend);
            let (status, challenge, body) =
                call_api(&stranger, &app, route.method, &path, None, None).await;
            assert_eq!(status, 401, "no token: {what}");
            assert!(body["error"].is_string(), "{what}: {body}");
            assert!(challenge.is_some_and(|c| c.starts_with("Bearer")), "{what}");

            let (status, _, _) = call_api(
                &stranger,
                &app,
                route.method,
                &path,
                Some("jdk_made-up"),
                None,
            )
            .await;
            assert_eq!(status, 401, "a made-up token: {what}");

            let (status, _, body) = call_api(
                &stranger,
                &app,
                route.method,
                &path,
                Some(revoked.expose()),
                None,
            )
            .await;
            assert_eq!(status, 401, "a revoked token: {what}");
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("API 令牌已撤销"))
            );

            // The session cookie, the CSRF token and this site's Origin open nothing here.
            let (status, _, _) =
                call_api(&session, &app, route.method, &path, None, Some(&csrf)).await;
            assert_eq!(status, 401, "a session cookie alone: {what}");

            for (role, token) in &tokens {
                if route.access.allows(*role) {
                    continue;
                }
                let (status, _, body) =
                    call_api(&stranger, &app, route.method, &path, Some(token), None).await;
                assert_eq!(status, 403, "{role:?}'s token: {what}");
                assert!(body["error"].is_string());
            }
        }
        assert!(
            before == fingerprint(&app).await,
            "a refused API request changed something on {}",
            app.backend
        );
        // And a token of an allowed role gets past the guard (an empty body is refused by
        // the handler, not by the guard).
        for route in &routes {
            let path = fill_params(route.path);
            let (status, _, _) =
                call_api(&stranger, &app, route.method, &path, Some(admin), None).await;
            let expected: &[u16] = if route.method == "GET" {
                &[200]
            } else {
                &[422]
            };
            assert!(
                expected.contains(&status),
                "admin's token got {status} for {} {}",
                route.method,
                route.path
            );
        }
    })
    .await;
}
