//! PostgreSQL over TLS, against the test server's own certificate: `require` and `verify-ca`
//! connect; `verify-full` with the wrong host name or the wrong CA ends with one line and
//! exit 2. Only the CA files named here are trusted (`SSL_CERT_FILE` points the system store
//! at them), so a pass proves the certificate was checked against `sslrootcert`.

use std::path::{Path, PathBuf};
use std::process::Output;

use sea_orm::{ConnectionTrait, Database, Statement};

use super::{stderr, tool};
use crate::helpers::{drop_postgres_database, fresh_postgres_database, jianduka_binary, temp_dir};

/// The test server's URL, or `None` (said once) when PostgreSQL is not configured.
fn server() -> Option<String> {
    match std::env::var("JIANDUKA_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "note: PostgreSQL TLS skipped (set JIANDUKA_TEST_DATABASE_URL=postgres://… to run it)"
            );
            None
        }
    }
}

/// The server's certificate file, as the server itself names it.
async fn server_certificate(server: &str) -> PathBuf {
    let db = Database::connect(server).await.expect("connect");
    let setting = |name: &str| {
        let db = db.clone();
        let sql = format!("SHOW {name}");
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect("SHOW answers")
                .expect("a row");
            row.try_get_by_index::<String>(0).expect("text")
        }
    };
    assert_eq!(
        setting("ssl").await,
        "on",
        "the test server must have ssl = on"
    );
    PathBuf::from(setting("ssl_cert_file").await)
}

/// `database` with `host` and the TLS parameters `query`.
fn with_tls(database: &str, host: &str, query: &str) -> String {
    let mut url = url::Url::parse(database).expect("URL");
    url.set_host(Some(host)).expect("host");
    url.set_query(Some(query));
    url.to_string()
}

/// `jianduka migrate` on `url`, trusting only the certificates in `trusted`.
fn migrate(url: &str, trusted: &Path) -> Output {
    let dir = temp_dir("pg-tls");
    jianduka_binary()
        .arg("--data-dir")
        .arg(&dir)
        .arg("migrate")
        .env("JIANDUKA_DATABASE_URL", url)
        .env("SSL_CERT_FILE", trusted)
        .env_remove("SSL_CERT_DIR")
        .output()
        .expect("the binary runs")
}

fn assert_one_line_exit_2(output: &Output, says: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].contains("JIANDUKA_DATABASE_URL"), "{err}");
    assert!(lines[0].contains(says), "says {says}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn require_and_verify_ca_connect_over_tls_and_verify_full_refuses_a_wrong_name_or_ca() {
    let Some(server) = server() else { return };
    let certificate = server_certificate(&server).await;
    let database = fresh_postgres_database(&server).await;
    let scratch = temp_dir("pg-tls-ca");
    let nothing_trusted = scratch.join("empty.pem");
    std::fs::write(&nothing_trusted, "").expect("empty CA file");
    let cert = certificate.to_str().expect("utf-8");

    let require = migrate(
        &with_tls(&database, "127.0.0.1", "sslmode=require"),
        &nothing_trusted,
    );
    assert!(require.status.success(), "require: {}", stderr(&require));

    let verify_ca = migrate(
        &with_tls(
            &database,
            "127.0.0.1",
            &format!("sslmode=verify-ca&sslrootcert={cert}"),
        ),
        &nothing_trusted,
    );
    assert!(
        verify_ca.status.success(),
        "verify-ca: {}",
        stderr(&verify_ca)
    );

    // The certificate names localhost; 127.0.0.1 is another name.
    let wrong_name = migrate(
        &with_tls(
            &database,
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={cert}"),
        ),
        &nothing_trusted,
    );
    assert_one_line_exit_2(&wrong_name, "cannot open the database");

    // The right name, but a CA that did not sign the server's certificate.
    let other_ca = scratch.join("other-ca.pem");
    let key = scratch.join("other-ca.key");
    let Some(made) = tool(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
            key.to_str().expect("utf-8"),
            "-out",
            other_ca.to_str().expect("utf-8"),
        ],
    ) else {
        drop_postgres_database(&server, &database).await;
        return;
    };
    assert!(made.status.success(), "{}", stderr(&made));
    let wrong_ca = migrate(
        &with_tls(
            &database,
            "localhost",
            &format!(
                "sslmode=verify-full&sslrootcert={}",
                other_ca.to_str().expect("utf-8")
            ),
        ),
        &other_ca,
    );
    assert_one_line_exit_2(&wrong_ca, "cannot open the database");

    // And the right name with the right CA connects with full verification.
    let full = migrate(
        &with_tls(
            &database,
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={cert}"),
        ),
        &nothing_trusted,
    );
    assert!(full.status.success(), "verify-full: {}", stderr(&full));
    drop_postgres_database(&server, &database).await;
}

#[tokio::test]
async fn an_unknown_sslmode_is_refused_with_one_line() {
    let Some(server) = server() else { return };
    let database = fresh_postgres_database(&server).await;
    let scratch = temp_dir("pg-tls-mode");
    let output = migrate(
        &with_tls(&database, "127.0.0.1", "sslmode=always"),
        &scratch.join("none.pem"),
    );
    assert_one_line_exit_2(&output, "sslmode");
    drop_postgres_database(&server, &database).await;
}
