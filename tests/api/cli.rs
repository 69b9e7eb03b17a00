//! The binary as an operator meets it: bad settings end with one clear line and status 2.

use std::process::{Command, Output};

use crate::helpers::temp_dir;

fn jianduka(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jianduka"));
    cmd.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("JIANDUKA_") {
            cmd.env_remove(key);
        }
    }
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
