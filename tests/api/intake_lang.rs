//! One language at a time: a language chosen once stays chosen on every public page, the case
//! page switches language without losing the case, and English pages carry no Chinese but the
//! issuer's name (when it has no English form) and what the reporter wrote.

use crate::support::intake::{
    CardKind, insert_card, query_code_in, spawn_app_with, submission_id_in,
};
use crate::support::{Report, TestApp, on_each_database};

const ENGLISH_STORY: &str =
    "At the licensing window the clerk hinted that a dinner would speed up our permit.";
const ZHUJI_EN: &str = "Zhuji Commission for Discipline Inspection and Supervision";

fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}' // CJK punctuation
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ff00}'..='\u{ffef}' // full-width forms
        | '\u{20000}'..='\u{2ffff}')
}

/// What a person reads on `html`: text outside tags (the `<title>` included), without the
/// language switch (whose "中文" names Chinese in Chinese, as it must) and the emblem (a logo,
/// hidden from screen readers), and without the `allowed` strings.
fn visible_han(html: &str, allowed: &[&str]) -> String {
    let mut html = html.to_string();
    for (open, close) in [
        ("<nav class=\"langs\">", "</nav>"),
        ("<span class=\"emblem\"", "</span>"),
    ] {
        if let Some(start) = html.find(open)
            && let Some(len) = html[start..].find(close)
        {
            html.replace_range(start..start + len + close.len(), "");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    for allowed in allowed {
        text = text.replace(allowed, "");
    }
    text.chars().filter(|c| is_han(*c)).collect()
}

/// Sends an English report through `/report` with `client` (no `?lang=` in the URLs: the
/// cookie decides) and returns the receipt page.
async fn report_in_english(app: &TestApp) -> String {
    let form = app.get("/report").await.text().await.expect("form");
    let id = submission_id_in(&form);
    let response = app
        .post_report_without_card(
            Report::default()
                .items(&[2])
                .text(ENGLISH_STORY)
                .submission(&id),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("receipt")
}

#[tokio::test]
async fn a_language_chosen_once_is_kept_on_every_public_page_after_it() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let chosen = app.get(&format!("/r/{}?lang=en", card.token)).await;
        let cookie = chosen
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("lang="))
            .expect("the choice is remembered")
            .to_string();
        assert!(
            cookie.starts_with("lang=en;")
                && cookie.contains("Path=/")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Max-Age=31536000"),
            "{cookie}"
        );
        for path in ["/q", "/report", &format!("/r/{}", card.token), "/"] {
            let html = app.get(path).await.text().await.expect("page");
            assert!(html.contains("<html lang=\"en\">"), "{path} speaks English");
        }
        let receipt = report_in_english(&app).await;
        assert!(receipt.contains("Your report was received"));

        // Choosing again replaces the choice.
        app.get("/q?lang=zh-CN").await;
        let html = app.get("/q").await.text().await.expect("page");
        assert!(html.contains("<html lang=\"zh-CN\">"));
        // The API reads ?lang= on every request and sets nothing.
        let api = app.get("/api/v1/reports/status?lang=en").await;
        assert!(api.headers().get("set-cookie").is_none());
    })
    .await;
}

#[tokio::test]
async fn switching_language_on_the_case_page_keeps_the_case_open() {
    on_each_database(async |app| {
        app.get("/report?lang=en").await;
        let receipt = report_in_english(&app).await;
        let code = query_code_in(&receipt);
        let html = app.look_up(&code).await.text().await.expect("case");
        assert!(html.contains("<html lang=\"en\">") && html.contains("Your report"));
        // The switch is a form that posts the code again, in the other language.
        let switch = html
            .find("action=\"/q?lang=zh-CN\"")
            .expect("a switch to Chinese that keeps the case");
        assert!(html[switch..].contains("name=\"code\""));
        // More switches than the wrong-code limit allows: a right code is never counted.
        for round in 0..12 {
            let lang = if round % 2 == 0 { "zh-CN" } else { "en" };
            let response = app
                .post_form(&format!("/q?lang={lang}"), &[("code", code.as_str())])
                .await;
            assert_eq!(response.status(), 200, "switch {round}");
            let html = response.text().await.expect("case");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")));
            assert!(html.contains("JD"), "still the case page");
        }
    })
    .await;
}

#[tokio::test]
async fn english_pages_show_no_chinese_but_the_issuer_and_what_the_reporter_wrote() {
    // With an English name configured: none at all.
    let app = spawn_app_with(|s| {
        s.org_name = "诸暨市纪委监委".into();
        s.org_name_en = Some(ZHUJI_EN.into());
    })
    .await;
    app.get("/report?lang=en").await;
    let mut pages = vec![
        ("form", app.get("/report").await.text().await.expect("page")),
        ("home", app.get("/").await.text().await.expect("page")),
        ("query", app.get("/q").await.text().await.expect("page")),
    ];
    let refused = app
        .post_report_without_card(Report::default().items(&[]).text("short"))
        .await;
    assert_eq!(refused.status(), 422);
    pages.push(("refused form", refused.text().await.expect("page")));
    let receipt = report_in_english(&app).await;
    let code = query_code_in(&receipt);
    pages.push(("receipt", receipt));
    let case = app.look_up(&code).await;
    pages.push(("case", case.text().await.expect("page")));
    for (name, html) in &pages {
        assert!(
            html.contains(ZHUJI_EN),
            "{name} names the issuer in English"
        );
        let han = visible_han(html, &[]);
        assert!(han.is_empty(), "{name} shows Chinese: {han}");
    }

    // Without one, the Chinese name is the only Chinese shown.
    let app = spawn_app_with(|s| s.org_name = "诸暨市纪委监委".into()).await;
    let html = app.get("/report?lang=en").await.text().await.expect("page");
    assert!(html.contains("诸暨市纪委监委"));
    assert_eq!(visible_han(&html, &["诸暨市纪委监委"]), "");
    // And the default name has an English form of its own.
    let app = spawn_app_with(|s| s.org_name = jianduka::config::DEFAULT_ORG_NAME.into()).await;
    let html = app.get("/report?lang=en").await.text().await.expect("page");
    assert!(html.contains(jianduka::config::DEFAULT_ORG_NAME_EN));
    assert_eq!(visible_han(&html, &[]), "");
}
