//! Privacy by default: no address, user agent, token or query code is written to the
//! database (outside the cards table) or to the log.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

use crate::support::intake::{CardKind, add_holders, insert_card, query_code_in};
use crate::support::{Report, on_each_database, temp_dir};

const USER_AGENT: &str = "Mozilla/5.0 (Linux; Android 14) JiandukaProbe/7.3.1";

/// Every row of every table as text, by table name.
async fn dump(db: &DatabaseConnection) -> Vec<(String, String)> {
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        DatabaseBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        _ => "SELECT tablename::text AS t FROM pg_tables WHERE schemaname = 'public'",
    };
    let tables: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, tables_sql))
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get::<String>("", "t").expect("name"))
        .collect();
    assert!(tables.len() > 10, "found the tables: {tables:?}");
    let mut rows = Vec::new();
    for table in tables {
        let sql = match backend {
            DatabaseBackend::Sqlite => {
                let columns: Vec<String> = db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("SELECT name AS c FROM pragma_table_info('{table}')"),
                    ))
                    .await
                    .expect("columns")
                    .iter()
                    .map(|r| r.try_get::<String>("", "c").expect("column"))
                    .collect();
                let parts: Vec<String> =
                    columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
                format!("SELECT {} AS r FROM \"{table}\"", parts.join(" || '|' || "))
            }
            _ => format!("SELECT x::text AS r FROM \"{table}\" x"),
        };
        for row in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .expect("select *")
        {
            let text: String = row.try_get("", "r").expect("row text");
            rows.push((table.clone(), text));
        }
    }
    rows
}

fn hex(text: &str) -> [String; 2] {
    let lower = data_encoding::HEXLOWER.encode(text.as_bytes());
    [lower.clone(), lower.to_uppercase()]
}

#[tokio::test]
async fn a_dump_of_every_table_after_an_anonymous_report_holds_no_address_agent_or_token() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        // Enough holders share the card's district for an anonymous report to keep it.
        add_holders(&app.db, Some(card.batch_id), "暨阳街道", 9).await;
        let response = app
            .post_report(
                &card.token,
                Report::default()
                    .items(&[1, 2])
                    .header("User-Agent", USER_AGENT)
                    .header("X-Forwarded-For", "203.0.113.9"),
            )
            .await;
        assert_eq!(response.status(), 200);
        let code = query_code_in(&response.text().await.expect("body"));
        let rows = dump(&app.db).await;
        assert!(
            rows.iter()
                .any(|(t, r)| t == "reports" && r.contains("暨阳街道"))
        );
        for needle in [
            "127.0.0.1",
            USER_AGENT,
            "JiandukaProbe",
            "203.0.113.9",
            &code,
        ] {
            for (table, row) in &rows {
                assert!(
                    !row.contains(needle),
                    "{table} holds {needle} on {}",
                    app.backend
                );
                for h in hex(needle) {
                    assert!(!row.contains(&h), "{table} holds {needle} in hex");
                }
            }
        }
        for (table, row) in rows.iter().filter(|(t, _)| t != "cards") {
            assert!(!row.contains(&card.token), "{table} holds the card token");
        }
    })
    .await;
}

/// Collects a child's output in the background.
pub fn collect(
    stream: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
    ready: Option<std::sync::mpsc::Sender<u16>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let (Some(tx), Some(rest)) = (&ready, line.split("listening on http://").nth(1)) {
                let port = rest
                    .split_whitespace()
                    .next()
                    .and_then(|a| a.rsplit(':').next())
                    .and_then(|p| p.parse().ok());
                if let Some(port) = port {
                    let _ = tx.send(port);
                }
            }
            if let Ok(mut all) = into.lock() {
                all.push_str(&line);
                all.push('\n');
            }
        }
    })
}

#[tokio::test]
async fn the_server_log_has_a_span_line_per_request_and_no_token_code_text_address_or_agent() {
    let dir = temp_dir("privacy-log");
    let mut command = crate::support::jianduka_binary();
    let mut child = command
        .args([
            "--data-dir",
            dir.to_str().expect("utf-8"),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .env("JIANDUKA_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let readers = [
        collect(
            child.stdout.take().expect("stdout"),
            output.clone(),
            Some(tx.clone()),
        ),
        collect(
            child.stderr.take().expect("stderr"),
            output.clone(),
            Some(tx),
        ),
    ];
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server listening");

    let db = sea_orm::Database::connect(format!(
        "sqlite://{}?mode=rwc",
        dir.join("jianduka.db").display()
    ))
    .await
    .expect("open the server's database");
    let card = insert_card(&db, CardKind::Enterprise).await;
    // The client speaks from 127.0.0.2, so its address differs from the server's own.
    let client = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().expect("ip")))
        .user_agent(USER_AGENT)
        .cookie_store(true)
        .build()
        .expect("client");
    let base = format!("http://127.0.0.1:{port}");
    let form_page = client
        .get(format!("{base}/r/{}", card.token))
        .send()
        .await
        .expect("get");
    assert_eq!(form_page.status(), 200);
    let form_html = form_page.text().await.expect("form");
    let submission = crate::support::intake::submission_id_in(&form_html);
    let response = Report::default()
        .items(&[3])
        .submission(&submission)
        .send_to(&client, &format!("{base}/r/{}", card.token))
        .await;
    assert_eq!(response.status(), 200);
    let code = query_code_in(&response.text().await.expect("body"));
    let grouped = format!(
        "{} {} {} {}",
        &code[..4],
        &code[4..8],
        &code[8..12],
        &code[12..]
    );
    let lookup = client
        .post(format!("{base}/q"))
        .form(&[("code", grouped.as_str())])
        .send()
        .await
        .expect("lookup");
    assert_eq!(lookup.status(), 200);
    let wrong = client
        .post(format!("{base}/q"))
        .form(&[("code", "1111 2222 3333 4444")])
        .send()
        .await
        .expect("wrong");
    assert_eq!(wrong.status(), 404);

    let _ = child.kill();
    let _ = child.wait();
    // The readers end when the server's output does: then the log is whole.
    for reader in readers {
        let _ = reader.join();
    }
    let log = output.lock().expect("log").clone();
    assert!(
        log.contains("/r/{token}"),
        "requests are logged by route template: {log}"
    );
    // One span line per request, when it closes: method, route template and status.
    let closed: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("request{") && l.contains("close"))
        .collect();
    for (method, route, status) in [
        ("GET", "/r/{token}", "200"),
        ("POST", "/q", "200"),
        ("POST", "/q", "404"),
    ] {
        assert!(
            closed
                .iter()
                .any(|l| l.contains(&format!("method={method}"))
                    && l.contains(&format!("route={route} "))
                    && l.contains(&format!("status={status}"))),
            "no span line for {method} {route} {status}:\n{log}"
        );
    }
    for needle in [
        card.token.as_str(),
        code.as_str(),
        grouped.as_str(),
        "1111 2222 3333 4444",
        submission.as_str(),
        "127.0.0.2",
        USER_AGENT,
        "JiandukaProbe",
        crate::support::intake::STORY,
    ] {
        assert!(!log.contains(needle), "the log holds {needle}:\n{log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
