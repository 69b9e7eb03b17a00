//! `jianduka doctor` against a real deployment: a SQLite data dir, a real SMTP server, the
//! calendar loaded. All passing is exit 0; each check failing alone is its line and exit 1.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::{stderr, stdout};
use crate::helpers::{TEST_SECRET_KEY, jianduka_binary, temp_dir};
use crate::smtp_server::SmtpServer;

/// A data dir set up as an administrator would: migrated, both calendar years loaded.
struct Deployment {
    dir: PathBuf,
    env: BTreeMap<&'static str, String>,
    _smtp: SmtpServer,
}

impl Deployment {
    async fn new() -> Self {
        let this_year = this_beijing_year();
        Self::with_calendar(&[this_year, this_year + 1]).await
    }

    /// Migrated, with the official holidays of `years` loaded.
    async fn with_calendar(years: &[i32]) -> Self {
        let smtp = SmtpServer::start().await;
        let dir = temp_dir("doctor");
        let mut env = BTreeMap::new();
        env.insert("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY.to_string());
        env.insert(
            "JIANDUKA_PUBLIC_BASE_URL",
            "https://jb.example.gov.cn".into(),
        );
        env.insert("JIANDUKA_SMTP_URL", smtp.url());
        env.insert("JIANDUKA_MAIL_FROM", "noreply@example.gov.cn".into());
        let deployment = Self {
            dir,
            env,
            _smtp: smtp,
        };
        deployment.run_ok(&["migrate"]).await;
        for year in years {
            deployment.load_calendar(*year).await;
        }
        deployment
    }

    async fn load_calendar(&self, year: i32) {
        let file = self.dir.join(format!("{year}.json"));
        let json = format!(
            r#"{{"year": {year}, "papers": [], "days": [{{"name": "元旦", "date": "{year}-01-01", "isOffDay": true}}]}}"#
        );
        std::fs::write(&file, json).expect("calendar file");
        self.run_ok(&["calendar", "load", file.to_str().expect("utf-8")])
            .await;
    }

    async fn run_ok(&self, args: &[&str]) {
        let output = self.run(args, &[]).await;
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }

    /// Runs the binary off the async threads (the SMTP server answers on them).
    async fn run(&self, args: &[&str], changes: &[(&'static str, &str)]) -> Output {
        let mut command = jianduka_binary();
        command.arg("--data-dir").arg(&self.dir).args(args);
        let mut env = self.env.clone();
        for (key, value) in changes {
            env.insert(key, (*value).to_string());
        }
        command.envs(env);
        tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
            .await
            .expect("joined")
    }

    async fn doctor(&self, changes: &[(&'static str, &str)]) -> Output {
        self.run(&["doctor"], changes).await
    }
}

fn this_beijing_year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(8)).year()
}

/// The line of check `check`, asserting there is exactly one.
fn line_of<'a>(report: &'a str, check: &str) -> &'a str {
    let lines: Vec<&str> = report
        .lines()
        .filter(|l| l.get(5..).unwrap_or("").trim_start().starts_with(check))
        .collect();
    assert_eq!(lines.len(), 1, "one {check} line in:\n{report}");
    lines[0]
}

/// Asserts exit 1, `check` failing and saying `says`, and every other check passing.
fn assert_only_failure(output: &Output, check: &str, says: &str) {
    let report = stdout(output);
    assert_eq!(output.status.code(), Some(1), "{report}{}", stderr(output));
    let line = line_of(&report, check);
    assert!(line.starts_with("FAIL"), "{check} fails:\n{report}");
    assert!(line.contains(says), "{check} says {says:?}:\n{report}");
    let failed = report.lines().filter(|l| l.starts_with("FAIL")).count();
    assert_eq!(failed, 1, "only {check} fails:\n{report}");
}

#[tokio::test]
async fn a_sound_deployment_passes_every_check_with_one_line_each() {
    let deployment = Deployment::new().await;
    let output = deployment.doctor(&[]).await;
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{report}{}", stderr(&output));
    for check in [
        "config",
        "database",
        "secret key",
        "calendar",
        "clock",
        "smtp",
        "public url",
        "print assets",
    ] {
        assert!(line_of(&report, check).starts_with("ok"), "{report}");
    }
    assert_eq!(report.lines().count(), 8, "{report}");
}

#[tokio::test]
async fn an_smtp_server_that_refuses_fails_the_smtp_check_only() {
    let deployment = Deployment::new().await;
    // A server that answers every connection "554 not accepting mail" and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream
                .write_all(b"554 5.3.2 mail.example.gov.cn not accepting mail\r\n")
                .await;
        }
    });
    let url = format!("smtp://127.0.0.1:{port}");
    let output = deployment
        .doctor(&[("JIANDUKA_SMTP_URL", url.as_str())])
        .await;
    assert_only_failure(&output, "smtp", &url);
    assert!(stdout(&output).contains("554") || stdout(&output).contains("not accepting"));
}

#[tokio::test]
async fn a_calendar_year_not_loaded_fails_the_calendar_check_only() {
    // This year's holidays alone: next year's are the shipped placeholder, or missing.
    let deployment = Deployment::with_calendar(&[this_beijing_year()]).await;
    let output = deployment.doctor(&[]).await;
    let next = (this_beijing_year() + 1).to_string();
    assert_only_failure(&output, "calendar", &next);
}

#[tokio::test]
async fn a_local_public_address_fails_the_public_url_check_only() {
    let deployment = Deployment::new().await;
    let output = deployment
        .doctor(&[("JIANDUKA_PUBLIC_BASE_URL", "http://192.168.1.20:8080")])
        .await;
    assert_only_failure(&output, "public url", "192.168.1.20");
}

#[tokio::test]
async fn another_secret_key_fails_the_secret_key_check_only() {
    let deployment = Deployment::new().await;
    let output = deployment
        .doctor(&[(
            "JIANDUKA_SECRET_KEY",
            "another-key-of-enough-length-0123456789abcdef",
        )])
        .await;
    assert_only_failure(&output, "secret key", "JIANDUKA_SECRET_KEY");
}

#[tokio::test]
async fn a_missing_print_assets_folder_fails_the_print_assets_check_only() {
    let deployment = Deployment::new().await;
    let output = deployment
        .doctor(&[("JIANDUKA_PRINT_ASSETS", "/nonexistent/office-assets")])
        .await;
    assert_only_failure(&output, "print assets", "/nonexistent/office-assets");
}

#[tokio::test]
async fn a_database_not_migrated_fails_the_database_check() {
    let deployment = Deployment::new().await;
    let empty = temp_dir("doctor-empty").join("jianduka.db");
    let url = format!("sqlite://{}?mode=rwc", empty.display());
    let output = deployment
        .doctor(&[("JIANDUKA_DATABASE_URL", url.as_str())])
        .await;
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    let line = line_of(&report, "database");
    assert!(
        line.starts_with("FAIL") && line.contains("jianduka migrate"),
        "{report}"
    );
}

#[tokio::test]
async fn an_unreachable_database_fails_the_database_check() {
    let deployment = Deployment::new().await;
    let output = deployment
        .doctor(&[(
            "JIANDUKA_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/jianduka",
        )])
        .await;
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    let line = line_of(&report, "database");
    assert!(
        line.starts_with("FAIL") && line.contains("JIANDUKA_DATABASE_URL"),
        "{report}"
    );
}

#[tokio::test]
async fn settings_that_do_not_load_are_the_first_failed_check_not_a_crash() {
    let deployment = Deployment::new().await;
    let output = deployment
        .doctor(&[("JIANDUKA_SMTP_URL", "http://mail.example.gov.cn")])
        .await;
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    let line = line_of(&report, "config");
    assert!(
        line.starts_with("FAIL") && line.contains("JIANDUKA_SMTP_URL"),
        "{report}"
    );
}

#[tokio::test]
async fn a_database_clock_far_from_this_machines_fails_the_clock_check() {
    let Ok(server) = std::env::var("JIANDUKA_TEST_DATABASE_URL") else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "note: the clock check needs a database on its own clock: PostgreSQL skipped"
        );
        return;
    };
    if crate::ops::tool("faketime", &["-f", "+0", "true"]).is_none() {
        return;
    }
    let deployment = Deployment::new().await;
    let database = crate::helpers::fresh_postgres_database(&server).await;
    let migrate = deployment
        .run(
            &["migrate"],
            &[("JIANDUKA_DATABASE_URL", database.as_str())],
        )
        .await;
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    // This machine an hour ahead of the database server.
    let mut command = std::process::Command::new("faketime");
    command
        .args(["-f", "+1h", env!("CARGO_BIN_EXE_jianduka"), "--data-dir"])
        .arg(&deployment.dir)
        .arg("doctor")
        .envs(deployment.env.clone())
        .env("JIANDUKA_DATABASE_URL", &database);
    let output = tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joined");
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}{}", stderr(&output));
    let line = line_of(&report, "clock");
    assert!(line.starts_with("FAIL") && line.contains("NTP"), "{report}");
    crate::helpers::drop_postgres_database(&server, &database).await;
}
