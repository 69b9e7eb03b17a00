//! Several instances on one database: one secret key for all, and a start at the same moment.

use jianduka::app::{Application, StartupError};

use crate::support::{Backend, backends, fresh_postgres_database, temp_dir, test_settings};

#[tokio::test]
async fn an_instance_with_another_secret_key_refuses_to_start_naming_the_setting() {
    for backend in backends() {
        let dir = temp_dir("keys");
        let url = match &backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("jianduka.db").display()),
            Backend::Postgres(server) => fresh_postgres_database(server).await,
        };
        let first = test_settings(&dir, &url);
        Application::build(first)
            .await
            .expect("the first instance starts");
        let mut second = test_settings(&dir, &url);
        second.secret_key =
            jianduka::config::Secret::new(b"another-key-0123456789abcdef-0123456789".to_vec());
        match Application::build(second).await {
            Err(StartupError::Setting(e)) => {
                assert_eq!(e.setting, "JIANDUKA_SECRET_KEY", "{e}");
                assert!(
                    !e.to_string().contains("another-key"),
                    "the key is never shown"
                );
            }
            Err(other) => panic!("expected a setting error, got {other}"),
            Ok(_) => panic!("an instance with another key started on {url}"),
        }
        // The same key is welcome again.
        Application::build(test_settings(&dir, &url))
            .await
            .expect("the same key starts");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn two_instances_starting_at_once_on_an_empty_postgresql_database_both_start() {
    let Some(server) = backends().into_iter().find_map(|b| match b {
        Backend::Postgres(server) => Some(server),
        Backend::Sqlite => None,
    }) else {
        return;
    };
    for _ in 0..3 {
        let url = fresh_postgres_database(&server).await;
        let (a, b) = (temp_dir("twins"), temp_dir("twins"));
        let (first, second) = tokio::join!(
            Application::build(test_settings(&a, &url)),
            Application::build(test_settings(&b, &url)),
        );
        let (first, second) = (
            first.expect("the first instance starts"),
            second.expect("the second instance starts"),
        );
        // Exactly one of them created the first admin.
        assert_eq!(
            usize::from(first.first_admin_password.is_some())
                + usize::from(second.first_admin_password.is_some()),
            1
        );
        crate::support::drop_postgres_database(&server, &url).await;
    }
}

#[test]
fn a_command_with_another_secret_key_ends_with_one_line_and_status_2() {
    let dir = temp_dir("keycli");
    let dir = dir.to_str().expect("utf-8 path");
    let run = |key: &str| {
        let mut cmd = crate::support::jianduka_binary();
        cmd.args(["--data-dir", dir, "enterprises", "list"])
            .env("JIANDUKA_SECRET_KEY", key)
            .output()
            .expect("the binary runs")
    };
    assert!(
        run("first-key-0123456789abcdef-0123456789")
            .status
            .success()
    );
    let output = run("other-key-0123456789abcdef-0123456789");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("JIANDUKA_SECRET_KEY"), "{stderr}");
}
