//! One language at a time: every staff page, refusal, error page and API error reads wholly in
//! the language the request negotiates — no "中文 · English" pairs.

use reqwest::header::{ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::support::{TestApp, on_each_database};

/// The admin's password after `login_as_admin`.
const ADMIN_PASSWORD: &str = "a-new-admin-password";

/// A logged-in admin client whose browser asks for `accept_language`, and its CSRF token.
async fn admin_client(app: &TestApp, accept_language: &'static str) -> (reqwest::Client, String) {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static(accept_language));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .expect("client builds");
    app.log_in_client(client, "admin", ADMIN_PASSWORD).await
}

/// The text a person reads on a page: text nodes outside `<script>` and `<style>`, plus
/// `title`, `placeholder` and `aria-label` values. An element marked as being in another
/// language (`<td lang="zh-CN">企业名称</td>`, a header name to type) is quoted, not read.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push('\n');
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        for attribute in ["title=\"", "placeholder=\"", "aria-label=\""] {
            if let Some(start) = tag.find(attribute) {
                let value = &tag[start + attribute.len()..];
                out.push_str(value.split('"').next().unwrap_or_default());
                out.push('\n');
            }
        }
        rest = &rest[open + close + 1..];
        let name = tag.split([' ', '>']).next().unwrap_or_default();
        let quoted = name != "html" && tag.contains(" lang=\"");
        if name == "script" || name == "style" || quoted {
            let end = format!("</{name}>");
            rest = rest.find(&end).map_or("", |at| &rest[at..]);
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{20000}'..='\u{2ffff}')
}

/// What pages quote as it is: the first admin's name, the test's district, the mark printed
/// on trial cards (quoted so that staff recognise it), the name of the Chinese language.
const USER_DATA: &[&str] = &["系统管理员", "暨阳街道", "样卡", "中文"];

/// The Han characters an English text has outside user data, with some context.
fn han_outside_data(text: &str, data: &[String]) -> Vec<String> {
    let mut text = text.to_string();
    for known in data
        .iter()
        .cloned()
        .chain(USER_DATA.iter().map(|s| s.to_string()))
    {
        text = text.replace(&known, " ");
    }
    text.lines()
        .filter(|line| line.chars().any(is_han))
        .map(|line| line.trim().to_string())
        .collect()
}

/// Runs of four or more English words in a Chinese text: a sentence, not a product name or a
/// code such as "API" or "Authorization: Bearer".
fn english_sentences(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut run: Vec<&str> = Vec::new();
        for word in line.split([' ', '\u{a0}']) {
            let letters = word.trim_matches(|c: char| ",.;:!?()'\"".contains(c));
            let is_word = letters.len() >= 2
                && letters.chars().all(|c| c.is_ascii_alphabetic())
                && letters.chars().any(|c| c.is_ascii_lowercase());
            if is_word {
                run.push(word);
            } else {
                if run.len() >= 4 {
                    found.push(run.join(" "));
                }
                run.clear();
            }
        }
        if run.len() >= 4 {
            found.push(run.join(" "));
        }
    }
    found
}

/// ASCII punctuation touching a Chinese character ("家, 3", "电话: 12388", "日 ("): Chinese
/// text takes full-width marks (，：（）).
fn ascii_punctuation_in_chinese(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if !",;:?!()".contains(*c) {
            continue;
        }
        let before = chars[..i].iter().rev().find(|c| **c != ' ');
        let after = chars[i + 1..].iter().find(|c| **c != ' ');
        // An opening mark belongs to what follows, the others to what precedes.
        let touches = match c {
            '(' => before.is_some_and(|b| is_han(*b)) || after.is_some_and(|a| is_han(*a)),
            _ => before.is_some_and(|b| is_han(*b)),
        };
        if touches {
            let from = i.saturating_sub(8);
            let to = (i + 8).min(chars.len());
            found.push(chars[from..to].iter().collect());
        }
    }
    found
}

/// Asserts that `body` reads in `lang` only.
fn assert_one_language(what: &str, lang: &str, body: &str, data: &[String]) {
    let text = visible_text(body);
    if lang == "en" {
        let han = han_outside_data(&text, data);
        assert!(han.is_empty(), "{what} in English has Chinese: {han:#?}");
    } else {
        let english = english_sentences(&text);
        assert!(
            english.is_empty(),
            "{what} in Chinese has English sentences: {english:#?}"
        );
        let marks = ascii_punctuation_in_chinese(&text);
        assert!(
            marks.is_empty(),
            "{what} in Chinese has ASCII punctuation: {marks:#?}"
        );
    }
}

#[tokio::test]
async fn staff_pages_and_refusals_read_in_the_language_asked_for_only() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let (case, _) = crate::support::cases::report_from(&app, Some("暨阳街道"), &[1]).await;
        // The history then has a line the system wrote ("assigned to …").
        app.add_user("inspector.li", jianduka::access::Role::Inspector)
            .await;
        crate::support::cases::assign_to(&app, case.id, "inspector.li").await;
        let case = crate::support::cases::newest_case(&app).await;
        let version = jianduka::negative_list::current(&app.db)
            .await
            .expect("negative list");
        // The negative list's title is data, published in Chinese only.
        let mut data = vec![
            version.title.clone(),
            app.settings.org_name.clone(),
            crate::support::intake::STORY.to_string(),
        ];
        // Where each year's holidays come from: the title of the official notice.
        let years = jianduka::deadlines::calendar_file::status(&app.db)
            .await
            .expect("calendar");
        data.extend(years.into_iter().map(|y| y.source).filter(|s| !s.is_empty()));
        for (lang, accept) in [("zh-CN", "zh-CN,zh;q=0.9"), ("en", "en-GB,en;q=0.9")] {
            let (client, csrf) = admin_client(&app, accept).await;
            let url = |path: &str| format!("{}{path}", app.address);
            let pages = [
                "/staff".to_string(),
                "/staff/cases".into(),
                format!("/staff/cases/{}", case.id),
                "/staff/stats".into(),
                "/staff/appraisal".into(),
                "/staff/cards".into(),
                "/staff/batches".into(),
                "/staff/enterprises".into(),
                "/staff/enterprises/import".into(),
                "/staff/service-points".into(),
                "/staff/admin/users".into(),
                "/staff/admin/units".into(),
                "/staff/admin/tokens".into(),
                "/staff/admin/calendar".into(),
                "/staff/admin/sla".into(),
                "/staff/admin/audit".into(),
                "/staff/admin/mail".into(),
                "/staff/admin/security".into(),
                "/staff/admin/handling".into(),
            ];
            for path in &pages {
                let response = client.get(url(path)).send().await.expect("page");
                assert_eq!(response.status(), 200, "{path} on {}", app.backend);
                let body = response.text().await.expect("body");
                assert!(body.contains(&format!("<html lang=\"{lang}\"")), "{path}");
                assert_one_language(path, lang, &body, &data);
            }

            let history = client
                .get(url(&format!("/staff/cases/{}", case.id)))
                .send()
                .await
                .expect("case page")
                .text()
                .await
                .expect("body");
            let expected = if lang == "en" { "Assigned: to inspector.li" } else { "分派：由 inspector.li 办理" };
            assert!(history.contains(expected), "{history}");

            // Refusals and errors, each in the page's language.
            let post = async |path: &str, form: &[(&str, &str)]| {
                client
                    .post(url(path))
                    .form(form)
                    .send()
                    .await
                    .expect("post")
            };
            let no_account = post("/staff/admin/tokens", &[("csrf", &csrf), ("user", "")]).await;
            assert_eq!(no_account.status(), 422);
            let no_account = no_account.text().await.expect("body");
            let expected = if lang == "en" { "Choose an account" } else { "请选择账户" };
            assert!(no_account.contains(expected), "{no_account}");
            assert_one_language("tokens without account", lang, &no_account, &data);

            let forged = post("/staff/admin/tokens", &[("csrf", "forged"), ("user", "1")]).await;
            assert_eq!(forged.status(), 403);
            let forged = forged.text().await.expect("body");
            let expected = if lang == "en" { "The form has expired" } else { "表单已过期" };
            assert!(forged.contains(expected), "{forged}");
            assert!(forged.contains(&format!("<html lang=\"{lang}\"")), "{forged}");
            assert_one_language("CSRF refusal", lang, &forged, &data);

            for missing in ["/staff/no-such-page", "/staff/cards/999999", "/no-such-page"] {
                let response = client.get(url(missing)).send().await.expect("404");
                assert_eq!(response.status(), 404, "{missing}");
                let body = response.text().await.expect("body");
                let expected = if lang == "en" { "Page not found" } else { "页面不存在" };
                assert!(body.contains(expected), "{missing}: {body}");
                assert_one_language(missing, lang, &body, &data);
            }

            let step = format!("/staff/cases/{}/step", case.id);
            let refused = post(
                &step,
                &[("csrf", &csrf), ("version", &case.version.to_string()), ("step", "close"), ("confirm", "1")],
            )
            .await;
            assert_eq!(refused.status(), 422, "closing a new case");
            let refused = refused.text().await.expect("body");
            let expected = if lang == "en" {
                "A case in status “Received, awaiting review” cannot move to “Concluded and answered”"
            } else {
                "“待受理”的案件不能改为“已办结并答复”"
            };
            assert!(refused.contains(expected), "{refused}");
            assert_one_language("workflow refusal", lang, &refused, &data);

            let no_target = post("/staff/cards/issue", &[("csrf", &csrf)]).await;
            assert_eq!(no_target.status(), 422);
            let no_target = no_target.text().await.expect("body");
            let expected = if lang == "en" { "Choose who gets cards" } else { "请选择发卡范围" };
            assert!(no_target.contains(expected), "{no_target}");
            assert_one_language("issuing without a target", lang, &no_target, &data);

            // The cases export names its columns in the reader's language.
            let export = client
                .get(url("/staff/cases/export.csv"))
                .send()
                .await
                .expect("export")
                .text()
                .await
                .expect("body");
            let header = export.lines().next().unwrap_or_default();
            if lang == "en" {
                assert!(!header.chars().any(is_han), "{header}");
                assert!(header.contains("Case number"), "{header}");
            } else {
                assert!(header.contains("案件编号"), "{header}");
                assert!(english_sentences(header).is_empty() && !header.contains("number"));
            }

            // The JSON API answers in the negotiated language too.
            let api = client
                .get(url("/api/v1/cases"))
                .send()
                .await
                .expect("api");
            assert_eq!(api.status(), 401);
            let body: Value = api.json().await.expect("json");
            let message = body["error"].as_str().expect("error");
            let expected = if lang == "en" { "An API token is required" } else { "需要 API 令牌" };
            assert!(message.contains(expected), "{message}");
            let nowhere: Value = client
                .get(url("/api/no-such-endpoint"))
                .send()
                .await
                .expect("api")
                .json()
                .await
                .expect("json");
            let expected = if lang == "en" { "No such API endpoint" } else { "没有这个 API 接口" };
            assert_eq!(nowhere["error"], expected);
        }
    })
    .await;
}

#[tokio::test]
async fn an_error_page_follows_the_lang_parameter_over_the_browser_language() {
    on_each_database(async |app| {
        let response = app
            .client
            .get(format!("{}/no-such-page?lang=en", app.address))
            .header(ACCEPT_LANGUAGE, "zh-CN")
            .send()
            .await
            .expect("404");
        assert_eq!(response.status(), 404);
        let body = response.text().await.expect("body");
        assert!(body.contains("<html lang=\"en\""), "{body}");
        assert!(
            body.contains("Page not found") && body.contains(">Home</a>"),
            "{body}"
        );
        assert!(!body.chars().any(is_han), "{body}");
    })
    .await;
}

#[tokio::test]
async fn a_case_page_and_a_refusal_read_in_one_language_in_chromium_on_a_phone_and_a_desk() {
    use crate::browser::{Browser, installed};
    use crate::support::{TEST_PASSWORD, spawn_app, temp_dir};
    if !installed() {
        return;
    }
    let app = spawn_app().await;
    app.add_user("li.ming", jianduka::access::Role::Supervisor)
        .await;
    app.add_user("inspector.li", jianduka::access::Role::Inspector)
        .await;
    let (case, _) = crate::support::cases::report_from(&app, Some("暨阳街道"), &[1]).await;
    crate::support::cases::assign_to(&app, case.id, "inspector.li").await;
    let data = vec![
        app.settings.org_name.clone(),
        crate::support::intake::STORY.to_string(),
    ];
    let shots = temp_dir("one-language");
    for (width, device) in [(375, "phone"), (1280, "desk")] {
        std::fs::create_dir_all(shots.join(device)).expect("dir");
        // JavaScript off: the staff pages need none.
        let mut browser = Browser::start(shots.join(device), false).await;
        browser.width = width;
        browser.window(width, 844).await;
        browser.go(&format!("{}/login", app.address)).await;
        browser.type_into("#username", "li.ming").await;
        browser.type_into("#password", TEST_PASSWORD).await;
        browser.click("button[type=submit]").await;
        browser.wait_for_text("h1", "您好，li.ming").await;

        browser
            .go(&format!("{}/staff/cases/{}?lang=en", app.address, case.id))
            .await;
        browser.wait_for_text("h1", &case.number).await;
        let page = browser.source().await;
        assert!(page.contains("Assigned: to inspector.li"), "{page}");
        assert_one_language("the case page in Chromium", "en", &page, &data);
        browser.screenshot("case-en").await;

        // A supervisor does not print cards: the refusal is in English too.
        browser
            .go(&format!("{}/staff/cards?lang=en", app.address))
            .await;
        browser.wait_for_text("h1", "403").await;
        assert_eq!(
            browser.text("main p").await,
            "Your role may not use this page"
        );
        assert_eq!(browser.text("main a").await, "Home");
        browser.screenshot("refused-en").await;

        browser
            .go(&format!(
                "{}/staff/cases/{}?lang=zh-CN",
                app.address, case.id
            ))
            .await;
        browser.wait_for_text("h1", &case.number).await;
        let page = browser.source().await;
        assert!(page.contains("分派：由 inspector.li 办理"), "{page}");
        assert_one_language("the case page in Chromium", "zh-CN", &page, &data);
        browser.screenshot("case-zh").await;
        browser.quit().await;
    }
    eprintln!("one-language screenshots: {}", shots.display());
}

#[tokio::test]
async fn a_staff_member_who_picks_english_in_the_top_bar_keeps_it_on_every_page() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let (client, _) = admin_client(&app, "zh-CN,zh;q=0.9").await;
        let get = |path: String| {
            let client = client.clone();
            async move {
                let response = client.get(path).send().await.expect("page");
                let status = response.status();
                (status, response.text().await.expect("body"))
            }
        };
        let (_, home) = get(format!("{}/staff", app.address)).await;
        assert!(home.contains(r#"<a href="?lang=en" lang="en" hreflang="en">English</a>"#));
        assert!(home.contains("<html lang=\"zh-CN\">"));
        // The switch: one click, then every page after it without the parameter.
        let (status, _) = get(format!("{}/staff/cases?lang=en", app.address)).await;
        assert_eq!(status, 200, "on {}", app.backend);
        for path in [
            "/staff",
            "/staff/cases",
            "/staff/cards",
            "/staff/admin/users",
        ] {
            let (status, page) = get(format!("{}{path}", app.address)).await;
            assert_eq!(status, 200, "{path}");
            assert!(page.contains("<html lang=\"en\">"), "{path} stays English");
            let data = ["admin".to_string(), app.settings.org_name.clone()];
            assert_one_language(path, "en", &page, &data);
        }
        let (_, back) = get(format!("{}/staff?lang=zh-CN", app.address)).await;
        assert!(back.contains("<html lang=\"zh-CN\">"));
    })
    .await;
}
