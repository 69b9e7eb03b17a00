//! `spawn_app()` and friends.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use jianduka::access::Role;
use jianduka::app::Application;
use jianduka::audit::{Actor, Stamp};
use jianduka::auth::NewUser;
use jianduka::config::{Overrides, Settings};
use jianduka::state::AppState;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// A running server and a handle on its database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// The server's own state: its write gate, clock and limits.
    pub state: AppState,
    /// A client that keeps cookies and follows only a report's redirect to its receipt.
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    /// "sqlite" or "postgres", for assertion messages.
    pub backend: &'static str,
    /// The first admin's one-time password.
    pub admin_password: String,
}

impl TestApp {
    /// `GET {address}{path}`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request sent")
    }

    /// `POST {address}{path}` with a form body.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{}", self.address, path))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// A test acting now, for the audit log.
    pub fn stamp(&self) -> Stamp<'_> {
        self.state.stamp(Actor::System("test"))
    }

    /// The deadline rules (calendar and policies) in force at the server's clock.
    pub async fn rules(&self) -> Arc<jianduka::deadlines::SlaRules> {
        self.state
            .sla
            .rules(&self.db, self.state.clock.now())
            .await
            .expect("rules")
    }

    /// Opens the login page and posts its form, as a browser does; returns the answer.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.login_with(&self.client, username, password, Some("/staff"))
            .await
    }

    /// Creates an account with `role` and the password [`TEST_PASSWORD`].
    pub async fn add_user(&self, username: &str, role: Role) -> jianduka::entities::users::Model {
        jianduka::auth::create_user(
            &self.state.writes,
            &self.state.pools.passwords,
            &self.stamp(),
            NewUser {
                username: username.into(),
                display_name: username.into(),
                email: None,
                role,
                unit_id: None,
                password: TEST_PASSWORD.into(),
                must_change_password: false,
            },
        )
        .await
        .expect("user created")
    }

    /// Opens the login page with `client` and posts its form (with `next`, if any), as a
    /// browser does; returns the answer.
    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
        next: Option<&str>,
    ) -> reqwest::Response {
        let page = client
            .get(format!("{}/login", self.address))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        let csrf = extract_csrf(&page);
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        form.extend(next.map(|next| ("next", next)));
        client
            .post(format!("{}/login", self.address))
            .form(&form)
            .send()
            .await
            .expect("login sent")
    }

    /// A new client of its own (cookies kept), logged in as `username`; and its CSRF token.
    pub async fn client_for(&self, username: &str, password: &str) -> (reqwest::Client, String) {
        self.log_in_client(new_client(), username, password).await
    }

    /// Logs `client` in as `username`; returns it with the CSRF token its pages carry.
    pub async fn log_in_client(
        &self,
        client: reqwest::Client,
        username: &str,
        password: &str,
    ) -> (reqwest::Client, String) {
        let response = self.login_with(&client, username, password, None).await;
        assert_eq!(
            response.status(),
            303,
            "{username} logs in on {}",
            self.backend
        );
        let home = client
            .get(format!("{}/staff", self.address))
            .send()
            .await
            .expect("home")
            .text()
            .await
            .expect("body");
        (client, extract_csrf(&home))
    }

    /// Creates an account with `role`, logs this client in as it; returns the CSRF token.
    pub async fn login_as(&self, username: &str, role: Role) -> String {
        self.add_user(username, role).await;
        let response = self.login(username, TEST_PASSWORD).await;
        assert_eq!(response.status(), 303, "login on {}", self.backend);
        let home = self.get("/staff").await.text().await.expect("body");
        extract_csrf(&home)
    }

    /// Logs in as the first admin and sets a password of its own; returns the CSRF token.
    pub async fn login_as_admin(&self) -> String {
        let response = self.login("admin", &self.admin_password).await;
        assert_eq!(response.status(), 303, "admin login on {}", self.backend);
        let page = self
            .get("/account/password")
            .await
            .text()
            .await
            .expect("body");
        let csrf = extract_csrf(&page);
        let response = self
            .post_form(
                "/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", &self.admin_password),
                    ("new_password", "a-new-admin-password"),
                    ("confirm", "a-new-admin-password"),
                    ("next", "/staff"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            303,
            "password change on {}",
            self.backend
        );
        csrf
    }
}

/// A client that keeps cookies and follows no redirect but a stored report's to its receipt
/// (`/receipt`), as a browser would.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().path() == "/receipt" {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }))
        .cookie_store(true)
        .build()
        .expect("client builds")
}

/// The password of accounts made by [`TestApp::add_user`].
pub const TEST_PASSWORD: &str = "a-long-test-password";

/// The value of the first `name="csrf"` hidden field in `html`.
pub fn extract_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    let end = html[start..].find('"').expect("csrf value ends") + start;
    html[start..end].to_string()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// A PostgreSQL server URL; each test gets a new database on it.
    Postgres(String),
}

/// A fresh folder under the system temp dir.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let token = jianduka::crypto::random_token::<9>().expect("randomness");
    let dir = std::env::temp_dir()
        .join("jianduka-tests")
        .join(format!("{prefix}-{}", token.replace(['-', '_'], "x")));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The `jianduka` binary, blind to this process's own `JIANDUKA_*` settings (a test names
/// every setting it means).
pub fn jianduka_binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_jianduka"));
    for (key, _) in std::env::vars() {
        if key.starts_with("JIANDUKA_") {
            command.env_remove(key);
        }
    }
    command
}

/// The secret key of every test server.
pub const TEST_SECRET_KEY: &str = "test-secret-key-0123456789abcdef-0123456789";

/// Settings for a test server: port 0, its own data dir, a fixed secret key.
pub fn test_settings(data_dir: &std::path::Path, database_url: &str) -> Settings {
    let mut env = HashMap::new();
    env.insert("JIANDUKA_BIND", "127.0.0.1:0".to_string());
    env.insert("JIANDUKA_DATABASE_URL", database_url.to_string());
    env.insert("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY.to_string());
    env.insert("JIANDUKA_ORG_NAME", "诸暨市纪委监委".to_string());
    env.insert("JIANDUKA_LOG", "warn".to_string());
    // Test servers live on 127.0.0.1: their cards are trial prints.
    env.insert("JIANDUKA_ALLOW_LOCAL_URL", "true".to_string());
    jianduka::config::load_from(
        &Overrides {
            data_dir: Some(data_dir.to_path_buf()),
            ..Default::default()
        },
        |key| env.get(key).cloned(),
    )
    .expect("test settings load")
}

/// Creates a new, empty database on the PostgreSQL server at `server_url`; returns its URL.
pub async fn fresh_postgres_database(server_url: &str) -> String {
    let admin = Database::connect(server_url)
        .await
        .expect("connect to the PostgreSQL test server");
    let token = jianduka::crypto::random_token::<9>().expect("randomness");
    let name = format!("jd_test_{}", token.to_lowercase().replace(['-', '_'], "x"));
    admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE {name}"),
        ))
        .await
        .expect("create test database");
    let mut url = url::Url::parse(server_url).expect("server URL parses");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Starts a server on `backend` and waits until it answers.
pub async fn spawn_app_on(backend: Backend) -> TestApp {
    spawn_app_with_settings(backend, |_| {}).await
}

/// Starts a server on `backend` with its settings adjusted by `edit` (limits, proxy headers).
pub async fn spawn_app_with_settings(
    backend: Backend,
    edit: impl FnOnce(&mut Settings),
) -> TestApp {
    let data_dir = temp_dir("app");
    let (database_url, name) = match &backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("jianduka.db").display()
            ),
            "sqlite",
        ),
        Backend::Postgres(server) => (fresh_postgres_database(server).await, "postgres"),
    };
    let mut settings = test_settings(&data_dir, &database_url);
    edit(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let port = app.port();
    let state = app.state().clone();
    let db = state.db.clone();
    let settings = state.settings.clone();
    let admin_password = app
        .first_admin_password
        .clone()
        .expect("a fresh database gets a first admin");
    tokio::spawn(app.run_until_stopped());
    let client = new_client();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db,
        settings,
        state,
        client,
        data_dir,
        backend: name,
        admin_password,
    }
}

/// Starts a server on SQLite.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite).await
}

/// The databases to run each test on: SQLite, plus PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    match std::env::var("JIANDUKA_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => list.push(Backend::Postgres(url)),
        _ => {
            static SKIPPED: Once = Once::new();
            SKIPPED.call_once(|| {
                // Written straight to stderr: the test harness does not capture it.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: PostgreSQL skipped (set JIANDUKA_TEST_DATABASE_URL=postgres://… to run every database test on it too)"
                );
            });
        }
    }
    list
}

/// Runs `test` against a fresh app on every configured database. A PostgreSQL test
/// database is dropped once its test has passed (a failing one is kept for inspection).
pub async fn on_each_database(test: impl AsyncFn(TestApp)) {
    for backend in backends() {
        let app = spawn_app_on(backend.clone()).await;
        let database = app.settings.database_url.expose().clone();
        test(app).await;
        if let Backend::Postgres(server) = backend {
            drop_postgres_database(&server, &database).await;
        }
    }
}

/// Drops the database `database_url` names, closing its connections first.
pub async fn drop_postgres_database(server_url: &str, database_url: &str) {
    let Some(name) = url::Url::parse(database_url)
        .ok()
        .map(|u| u.path().trim_start_matches('/').to_string())
        .filter(|n| n.starts_with("jd_test_"))
    else {
        return;
    };
    if let Ok(admin) = Database::connect(server_url).await {
        let _ = admin
            .execute_raw(Statement::from_string(
                admin.get_database_backend(),
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ))
            .await;
    }
}
