//! The server under abuse: half-sent requests, slow bodies, too many at once, /metrics.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Backend, TestApp, spawn_app_with_settings};

/// A bound on how long a test waits for the server to act: never an assertion on time.
const PATIENCE: Duration = Duration::from_secs(20);

async fn app_with(edit: impl FnOnce(&mut jianduka::config::Settings)) -> TestApp {
    spawn_app_with_settings(Backend::Sqlite, edit).await
}

/// Opens a connection and sends `bytes`, leaving the request unfinished.
async fn half_sent(app: &TestApp, bytes: &str) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connects");
    stream.write_all(bytes.as_bytes()).await.expect("sent");
    stream
}

/// Reads until the server closes the connection; what it sent before.
async fn until_closed(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server never closed the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn half_sent_headers_are_dropped_and_health_still_answers_past_the_connection_cap() {
    let app = app_with(|s| {
        s.header_timeout_secs = 1;
        s.max_connections = 3;
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..3 {
        stalled.push(half_sent(&app, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await);
    }
    // Every connection slot is taken by a stalled client; health waits for one to be freed.
    let health = tokio::time::timeout(PATIENCE, app.get("/healthz"))
        .await
        .expect("health answers once the stalled connections are dropped");
    assert_eq!(health.status(), 200);
    for stream in stalled {
        until_closed(stream).await;
    }
}

#[tokio::test]
async fn a_body_that_never_finishes_is_cut_off() {
    let app = app_with(|s| s.body_timeout_secs = 1).await;
    let stream = half_sent(
        &app,
        "POST /q HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\n\r\ncode=12",
    )
    .await;
    let answer = until_closed(stream).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

#[tokio::test]
async fn a_full_class_of_requests_gets_a_quick_503_while_other_classes_answer() {
    let app = app_with(|s| {
        s.inflight_public = 1;
        s.body_timeout_secs = 60;
    })
    .await;
    // One report form whose body is still arriving holds the only public slot.
    let slow = half_sent(
        &app,
        "POST /report HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: 100000\r\n\r\n--b\r\n",
    )
    .await;
    let mut status = 0;
    for _ in 0..200 {
        status = app.get("/report").await.status().as_u16();
        if status == 503 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(status, 503, "the public class is full");
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(
        app.get("/login").await.status(),
        200,
        "staff pages are another class"
    );
    drop(slow);
}

#[tokio::test]
async fn metrics_need_the_token_and_made_up_methods_share_one_label() {
    let token = "a-metrics-token-for-tests";
    let app = app_with(|s| {
        s.metrics_token = Some(jianduka::config::Secret::new(token.into()));
    })
    .await;
    for made_up in ["FOO", "BAR", "BAZ"] {
        let method = reqwest::Method::from_bytes(made_up.as_bytes()).expect("method");
        app.client
            .request(method, format!("{}/healthz", app.address))
            .send()
            .await
            .expect("sent");
    }
    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("not-the-token-at-all")
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 401);
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(text.contains("jianduka_http_requests_total"), "{text}");
    for made_up in ["FOO", "BAR", "BAZ"] {
        assert!(!text.contains(made_up), "{text}");
    }
}

#[tokio::test]
async fn without_a_token_metrics_live_only_on_their_own_address() {
    let app = app_with(|s| s.metrics_bind = Some("127.0.0.1:0".parse().expect("address"))).await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let address = app.state.settings.metrics_bind.expect("bound");
    let text = app
        .client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(text.contains("jianduka_http_requests_total"), "{text}");
}
