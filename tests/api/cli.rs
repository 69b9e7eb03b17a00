//! The binary as an operator meets it: bad settings end with one clear line and status 2.

use std::process::Output;

use crate::support::temp_dir;

fn jianduka(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = crate::support::jianduka_binary();
    cmd.args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("the binary runs")
}

fn assert_one_line_exit_2(output: &Output, setting: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line, got: {stderr}");
    assert!(lines[0].contains(setting), "names {setting}: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[test]
fn an_unparsable_database_url_ends_with_one_line_and_status_2() {
    let dir = temp_dir("cli");
    let dir = dir.to_str().expect("utf-8 path");
    let output = jianduka(
        &["--data-dir", dir, "migrate"],
        &[("JIANDUKA_DATABASE_URL", "postgres//nohost")],
    );
    assert_one_line_exit_2(&output, "JIANDUKA_DATABASE_URL");
}

#[test]
fn an_unreachable_database_ends_with_one_line_and_status_2() {
    let dir = temp_dir("cli");
    let dir = dir.to_str().expect("utf-8 path");
    let output = jianduka(
        &["--data-dir", dir, "serve"],
        &[(
            "JIANDUKA_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/jianduka",
        )],
    );
    assert_one_line_exit_2(&output, "JIANDUKA_DATABASE_URL");
}

#[test]
fn a_port_in_use_ends_with_one_line_and_status_2() {
    let dir = temp_dir("cli");
    let dir = dir.to_str().expect("utf-8 path");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let output = jianduka(&["--data-dir", dir, "serve", "--bind", &addr], &[]);
    assert_one_line_exit_2(&output, "JIANDUKA_BIND");
}

#[test]
fn an_unwritable_data_dir_ends_with_one_line_and_status_2() {
    // A path below a regular file cannot be created, even by root.
    let dir = temp_dir("cli");
    let file = dir.join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let below = file.join("data");
    let output = jianduka(
        &["--data-dir", below.to_str().expect("utf-8"), "serve"],
        &[],
    );
    assert_one_line_exit_2(&output, "JIANDUKA_DATA_DIR");
}

#[test]
fn a_broken_config_file_ends_with_one_line_and_status_2() {
    let dir = temp_dir("cli");
    let config = dir.join("jianduka.toml");
    std::fs::write(&config, "bind = [not toml").expect("write");
    let output = jianduka(
        &["--config", config.to_str().expect("utf-8"), "config"],
        &[],
    );
    assert_one_line_exit_2(&output, "JIANDUKA_CONFIG");
}

#[test]
fn config_prints_the_effective_settings_with_secrets_masked() {
    let dir = temp_dir("cli");
    let dir = dir.to_str().expect("utf-8 path");
    let output = jianduka(
        &["--data-dir", dir, "config"],
        &[
            (
                "JIANDUKA_DATABASE_URL",
                "postgres://jd:s3cret-pw@db.example/jd",
            ),
            (
                "JIANDUKA_SECRET_KEY",
                "a-secret-key-that-is-long-enough-to-use",
            ),
            ("JIANDUKA_PUBLIC_BASE_URL", "https://jb.example.gov.cn"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(stdout.contains("public_base_url = https://jb.example.gov.cn"));
    assert!(stdout.contains("postgres://jd:****@db.example/jd"));
    assert!(!stdout.contains("s3cret-pw"));
    assert!(!stdout.contains("long-enough"));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["config", "--help"],
        vec!["users", "add", "--help"],
    ] {
        let output = jianduka(&args, &[]);
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn migrate_then_serve_work_twice_on_the_same_database() {
    let dir = temp_dir("cli");
    let dir = dir.to_str().expect("utf-8 path");
    for _ in 0..2 {
        let output = jianduka(&["--data-dir", dir, "migrate"], &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("applied  m20261129_000001_initial")
        );
    }
    let output = jianduka(&["--data-dir", dir, "migrate", "status"], &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("applied  m20261129_000001_initial"));
}

/// Starts `jianduka serve` on a free port; returns the child and everything it printed
/// up to and including the "listening" line.
// The child is handed to the caller, which kills and waits for it.
#[allow(clippy::zombie_processes)]
fn start_server(dir: &str, env: &[(&str, &str)]) -> (std::process::Child, String, String) {
    use std::io::{BufRead, BufReader};
    let mut cmd = crate::support::jianduka_binary();
    cmd.args(["--data-dir", dir, "serve", "--bind", "127.0.0.1:0"]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.stdout(std::process::Stdio::piped());
    cmd.stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut printed = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap_or(0);
        if n == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("server exited early; printed: {printed}");
        }
        printed.push_str(&line);
        if let Some(rest) = line.strip_prefix("jianduka listening on ") {
            let address = rest.split_whitespace().next().expect("address").to_string();
            return (child, printed, address);
        }
    }
}

async fn serve_twice_and_check(dir: &str, env: &[(&str, &str)]) {
    let migrate = jianduka(&["--data-dir", dir, "migrate"], env);
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    for run in 0..2 {
        let (mut child, printed, address) = start_server(dir, env);
        if run == 0 {
            assert!(
                printed.contains("username: admin"),
                "first run prints the admin: {printed}"
            );
            assert!(printed.contains("password: "));
        } else {
            assert!(
                !printed.contains("password: "),
                "the password is shown once: {printed}"
            );
        }
        let ready = reqwest::get(format!("{address}/readyz"))
            .await
            .expect("readyz");
        assert_eq!(ready.status(), 200);
        let health = reqwest::get(format!("{address}/healthz"))
            .await
            .expect("healthz");
        assert_eq!(health.status(), 200);
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[tokio::test]
async fn serve_prints_the_first_admin_once_and_answers_health_checks_on_sqlite() {
    let dir = temp_dir("serve");
    serve_twice_and_check(dir.to_str().expect("utf-8"), &[]).await;
}

#[tokio::test]
async fn migrate_then_serve_work_twice_on_an_empty_postgres_database() {
    let Ok(server) = std::env::var("JIANDUKA_TEST_DATABASE_URL") else {
        return;
    };
    let url = crate::support::fresh_postgres_database(&server).await;
    let dir = temp_dir("serve-pg");
    let dir = dir.to_str().expect("utf-8");
    let env = [("JIANDUKA_DATABASE_URL", url.as_str())];
    let first = jianduka(&["--data-dir", dir, "migrate"], &env);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    serve_twice_and_check(dir, &env).await;
    let status = jianduka(&["--data-dir", dir, "migrate", "status"], &env);
    assert!(String::from_utf8_lossy(&status.stdout).contains("applied  m20261129_000001_initial"));
    crate::support::drop_postgres_database(&server, &url).await;
}

#[test]
fn a_broken_card_template_stops_the_start_with_one_line_and_status_2() {
    let dir = temp_dir("cli");
    let assets = dir.join("print-assets");
    std::fs::create_dir_all(assets.join("templates")).expect("templates dir");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("print-assets/fonts");
    std::os::unix::fs::symlink(shipped, assets.join("fonts")).expect("link the fonts");
    std::fs::write(assets.join("templates/id1.toml"), "[sheet\nwidth = ").expect("write");
    let output = jianduka(
        &[
            "--data-dir",
            dir.to_str().expect("utf-8"),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ],
        &[("JIANDUKA_PRINT_ASSETS", assets.to_str().expect("utf-8"))],
    );
    assert_one_line_exit_2(&output, "JIANDUKA_PRINT_ASSETS");
}
