//! A tiny W3C WebDriver client on reqwest driving Debian's Chromium through chromedriver,
//! for the end-to-end tests; they skip (one line) when either is not installed, and fail
//! instead under CI (`CI=true`).
//!
//! Hand-written on purpose: measured on this project's 2-core machine, fantoccini 0.22 (no
//! TLS) adds 23 crates (a second `http`, `thiserror`, `cookie` and an ICU 1.5 stack) and about
//! 77 s of CPU over the crates the tests already build, and turns on features of shared
//! crates, so the test build recompiles sea-orm, axum and the server; thirtyfour 0.38 (no
//! TLS) adds a second reqwest and moves async-trait to a second `syn` major.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::temp_dir;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The key WebDriver uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52f-4a6bb4ad0eaa";

/// One chromedriver process and one browser session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    shots: PathBuf,
    shot_count: usize,
    pub width: u32,
    profile: PathBuf,
}

impl Browser {
    pub async fn start(shots: PathBuf, javascript: bool) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            let ready = http.get(format!("{base}/status")).send().await;
            if let Ok(response) = ready
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == true
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = temp_dir("e2e-profile");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=zh-CN",
            "--window-size=390,844",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": {
                    "intl.accept_languages": "zh-CN,zh",
                    // 2 = blocked: the no-JavaScript pass of a test.
                    "profile.managed_default_content_settings.javascript":
                        if javascript { 1 } else { 2 }
                }
            }
        } } });
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session json");
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a session id in {created}"))
            .to_string();
        let mut browser = Browser {
            driver,
            http,
            base,
            session,
            shots,
            shot_count: 0,
            width: 390,
            profile,
        };
        browser.window(390, 844).await;
        browser
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let value: Value = request
            .send()
            .await
            .expect("webdriver call")
            .json()
            .await
            .expect("webdriver json");
        if value["value"]["error"].is_string() {
            panic!("webdriver {path}: {}", value["value"]);
        }
        value["value"].clone()
    }

    pub async fn window(&mut self, width: u32, height: u32) {
        let rect = json!({ "width": width, "height": height });
        self.call(reqwest::Method::POST, "/window/rect", Some(rect))
            .await;
    }

    pub async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        // The W3C key, or whatever single key this driver uses for element references.
        found
            .get(ELEMENT)
            .or_else(|| found.as_object().and_then(|o| o.values().next()))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{css}: {found}"))
            .to_string()
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        let value = self
            .call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Waits (up to 15 s) until the first `css` element reads `expected`: a click that
    /// submits a form returns before the next page has loaded.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..150 {
            let found = self
                .call_raw(
                    reqwest::Method::POST,
                    "/element",
                    json!({ "using": "css selector", "value": css }),
                )
                .await;
            let id = found["value"]
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(id) = id {
                // The page may go stale between the two calls: just try again.
                let text = self
                    .call_raw(
                        reqwest::Method::GET,
                        &format!("/element/{id}/text"),
                        Value::Null,
                    )
                    .await;
                if let Some(text) = text["value"].as_str() {
                    last = text.to_string();
                    if last == expected {
                        return last;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = self.source().await;
        panic!("{css} never read {expected:?}; last {last:?}; page: {page}");
    }

    pub async fn call_raw(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut request = self.http.request(method, url);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await;
        match response {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    /// The result of a script returning a number.
    pub async fn number(&self, script: &str) -> u64 {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
        .as_u64()
        .unwrap_or(u64::MAX)
    }

    pub async fn source(&self) -> String {
        let value = self.call(reqwest::Method::GET, "/source", None).await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Saves the viewport, then the whole page (by stretching the window), as PNGs.
    pub async fn screenshot(&mut self, name: &str) {
        self.shot_count += 1;
        let shot = self.call(reqwest::Method::GET, "/screenshot", None).await;
        self.save(&format!("{:02}-{name}.png", self.shot_count), &shot);
        let height = self
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": "return document.documentElement.scrollHeight;", "args": [] })),
            )
            .await
            .as_u64()
            .unwrap_or(844)
            .clamp(844, 4000) as u32;
        self.window(self.width, height + 90).await;
        let shot = self.call(reqwest::Method::GET, "/screenshot", None).await;
        self.save(&format!("{:02}-{name}-full.png", self.shot_count), &shot);
        self.window(self.width, 844).await;
    }

    fn save(&self, file: &str, shot: &Value) {
        let bytes = data_encoding::BASE64
            .decode(shot.as_str().unwrap_or_default().as_bytes())
            .expect("base64 screenshot");
        std::fs::write(self.shots.join(file), bytes).expect("save screenshot");
    }

    pub async fn quit(mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // The browser profile is tens of megabytes; the screenshots are what we keep.
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether a browser test can run with the programs at `paths`: `Ok(true)` when all are
/// installed; without one, `Ok(false)` (skip, with one line saying why) on a developer's
/// machine, and an error under CI, where a missing browser must fail the run rather than
/// let every browser test pass unseen.
pub fn availability(paths: &[&str], ci: bool) -> Result<bool, String> {
    let missing: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return Ok(true);
    }
    let what = format!(
        "{} not installed (apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    if ci {
        return Err(format!(
            "browser test cannot run: {what}; with CI=true the browser tests must run"
        ));
    }
    // Straight to stderr: the test harness captures eprintln!.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "note: browser test skipped: {what}");
    Ok(false)
}

/// Whether this run is CI's (`CI=true`, as CI services and `.ci/run` set it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// Whether Chromium and its driver are installed: without them a browser test skips,
/// saying so, except under CI, where it fails.
pub fn installed() -> bool {
    availability(&[CHROMEDRIVER, CHROMIUM], in_ci()).unwrap_or_else(|problem| panic!("{problem}"))
}

#[test]
fn a_browser_test_without_chromium_fails_under_ci_and_skips_elsewhere() {
    let missing = ["/nonexistent/chromium"];
    let refused = availability(&missing, true).expect_err("CI fails");
    assert!(refused.contains("/nonexistent/chromium"), "{refused}");
    assert_eq!(availability(&missing, false), Ok(false));
    let present = [env!("CARGO_BIN_EXE_jianduka")];
    assert_eq!(availability(&present, true), Ok(true));
}
