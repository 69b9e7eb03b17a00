//! End to end in headless Chromium at a phone's size: scan a card, report in Chinese with a
//! photo, read the query code, and follow the case with it. Driven over W3C WebDriver by a
//! tiny client on reqwest; skipped (one line) when chromedriver is not installed.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{spawn_app, temp_dir};
use crate::intake_support::{CardKind, count, insert_card, jpeg_with_exif_and_gps};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The key WebDriver uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52f-4a6bb4ad0eaa";

/// One chromedriver process and one browser session.
struct Browser {
    driver: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    shots: PathBuf,
    shot_count: usize,
    width: u32,
    profile: PathBuf,
}

impl Browser {
    async fn start(shots: PathBuf) -> Browser {
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
                "prefs": { "intl.accept_languages": "zh-CN,zh" }
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

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
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

    async fn window(&mut self, width: u32, height: u32) {
        let rect = json!({ "width": width, "height": height });
        self.call(reqwest::Method::POST, "/window/rect", Some(rect))
            .await;
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn find(&self, css: &str) -> String {
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

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        let value = self
            .call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Waits (up to 15 s) until the first `css` element reads `expected`: a click that
    /// submits a form returns before the next page has loaded.
    async fn wait_for_text(&self, css: &str, expected: &str) -> String {
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
        panic!("{css} never read {expected:?}; last {last:?}");
    }

    async fn call_raw(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
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
    async fn number(&self, script: &str) -> u64 {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
        .as_u64()
        .unwrap_or(u64::MAX)
    }

    async fn source(&self) -> String {
        let value = self.call(reqwest::Method::GET, "/source", None).await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Saves the viewport, then the whole page (by stretching the window), as PNGs.
    async fn screenshot(&mut self, name: &str) {
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

    async fn quit(mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // The browser profile is tens of megabytes; the screenshots are what we keep.
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn installed(path: &str) -> bool {
    let present = Path::new(path).exists();
    if !present {
        // Straight to stderr: the test harness captures eprintln!.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "note: browser test skipped: {path} is not installed (apt-get install chromium chromium-driver)"
        );
    }
    present
}

#[tokio::test]
async fn a_reporter_on_a_phone_reports_with_a_photo_and_follows_the_case_with_the_code() {
    if !installed(CHROMEDRIVER) || !installed(CHROMIUM) {
        eprintln!(
            "e2e skipped: chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let shots = temp_dir("e2e-screenshots");
    let photo = shots.join("现场照片.jpg");
    std::fs::write(&photo, jpeg_with_exif_and_gps(640, 480)).expect("photo");
    let mut browser = Browser::start(shots.clone()).await;

    browser
        .go(&format!("{}/r/{}", app.address, card.token))
        .await;
    browser.wait_for_text("h1", "反映问题").await;
    browser.screenshot("form").await;

    browser.click("input[name=item][value='2']").await;
    browser.click("input[name=item][value='5']").await;
    browser
        .type_into(
            "#description",
            "上周去办理环评审批，窗口工作人员暗示要请客吃饭才能加快，否则材料一直“不齐全”。",
        )
        .await;
    browser
        .type_into("#department", "某区行政服务中心环保窗口")
        .await;
    browser
        .type_into("#attachment", photo.to_str().expect("utf-8 path"))
        .await;
    browser.screenshot("form-filled").await;
    browser.click("button[type=submit]").await;

    browser.wait_for_text("h1", "已收到您的反映").await;
    let code = browser.text("#query-code").await;
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 16, "a 16-digit code is shown: {code}");
    browser.screenshot("receipt").await;
    assert_eq!(count(&app.db, "attachments").await, 1);

    browser.go(&format!("{}/q", app.address)).await;
    browser.wait_for_text("h1", "查询办理进度").await;
    browser.screenshot("query").await;
    browser.type_into("#code", &code).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("h1", "办理进度").await;
    let page = browser.source().await;
    assert!(page.contains("办理进度") && page.contains("待受理") && page.contains("JD"));
    browser.screenshot("case").await;

    // The office asks a question, concludes and closes; the reporter comes back to rate.
    use sea_orm::EntityTrait;
    let case = jianduka::entities::cases::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("case");
    crate::case_support::message(
        &app,
        case.id,
        "您好，请问是哪一天去的窗口？方便的话请补充受理回执照片。",
    )
    .await;
    crate::case_support::conclude_and_close(
        &app,
        case.id,
        "经查，反映问题基本属实，已对相关人员批评教育并责令整改。",
    )
    .await;
    browser.go(&format!("{}/q", app.address)).await;
    browser.wait_for_text("h1", "查询办理进度").await;
    browser.type_into("#code", &code).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("h1", "办理进度").await;
    browser.screenshot("case-closed").await;
    browser.click("input[name=rating][value=satisfied]").await;
    browser
        .click("form[action^='/q/rate'] button[type=submit]")
        .await;
    browser.wait_for_text(".notice", "感谢您的评价。").await;
    browser.quit().await;
    eprintln!("e2e screenshots: {}", shots.display());
}

#[tokio::test]
async fn the_english_form_fits_a_320_pixel_screen_without_sideways_scrolling() {
    if !installed(CHROMEDRIVER) || !installed(CHROMIUM) {
        return;
    }
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::DeskSign).await;
    let shots = temp_dir("e2e-screenshots-320");
    let mut browser = Browser::start(shots.clone()).await;
    browser.width = 320;
    browser.window(320, 640).await;
    browser
        .go(&format!("{}/r/{}", app.address, card.token))
        .await;
    browser.click(".langs a[href='?lang=en']").await;
    browser.wait_for_text("h1", "Report a problem").await;
    let page_width = browser
        .number("return document.documentElement.scrollWidth;")
        .await;
    let view_width = browser.number("return window.innerWidth;").await;
    assert!(
        page_width <= view_width,
        "page {page_width}px wider than the screen {view_width}px"
    );
    browser.screenshot("form-en-320").await;
    // Submitting with nothing filled in brings the form back with the problems marked.
    browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": "document.querySelector('form.report').noValidate = true;", "args": [] })),
        )
        .await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text(
            "#items-error",
            "Please choose at least one kind of problem.",
        )
        .await;
    browser.screenshot("form-en-320-errors").await;
    browser.quit().await;
    eprintln!("e2e screenshots: {}", shots.display());
}
