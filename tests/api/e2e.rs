//! End to end in headless Chromium at a phone's size: scan a card, report in Chinese with a
//! photo, read the query code, and follow the case with it. Driven over W3C WebDriver by a
//! tiny client on reqwest; skipped (one line) when chromedriver is not installed.

use serde_json::json;

use crate::browser::{Browser, installed};
use crate::support::intake::{CardKind, count, insert_card, jpeg_with_exif_and_gps};
use crate::support::{spawn_app, temp_dir};

#[tokio::test]
async fn a_reporter_on_a_phone_reports_with_a_photo_and_follows_the_case_with_the_code() {
    if !installed() {
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
    let mut browser = Browser::start(shots.clone(), true).await;

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
    crate::support::cases::message(
        &app,
        case.id,
        "您好，请问是哪一天去的窗口？方便的话请补充受理回执照片。",
    )
    .await;
    crate::support::cases::conclude_and_close(
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
    if !installed() {
        return;
    }
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::DeskSign).await;
    let shots = temp_dir("e2e-screenshots-320");
    let mut browser = Browser::start(shots.clone(), true).await;
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

#[tokio::test]
async fn without_javascript_the_receipt_shows_no_print_button_that_could_not_work() {
    if !installed() {
        return;
    }
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let shots = temp_dir("e2e-screenshots-nojs");
    let mut browser = Browser::start(shots.clone(), false).await;
    browser
        .go(&format!("{}/r/{}", app.address, card.token))
        .await;
    browser.wait_for_text("h1", "反映问题").await;
    browser.click("input[name=item][value='3']").await;
    browser
        .type_into(
            "#description",
            "窗口要求重复提交同一份材料，往返三次仍未受理。",
        )
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("h1", "已收到您的反映").await;
    // The button needs the script that is not running: it must take no room at all.
    let button = browser.find(".print-button").await;
    let rect = browser
        .call(
            reqwest::Method::GET,
            &format!("/element/{button}/rect"),
            None,
        )
        .await;
    assert_eq!(rect["height"].as_f64(), Some(0.0), "{rect}");
    assert_eq!(rect["width"].as_f64(), Some(0.0), "{rect}");
    browser.screenshot("receipt-no-javascript").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_form_s_small_controls_are_big_enough_to_tap_and_its_borders_visible() {
    if !installed() {
        return;
    }
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let shots = temp_dir("e2e-screenshots-a11y");
    let mut browser = Browser::start(shots.clone(), true).await;
    browser.width = 375;
    browser.window(375, 800).await;
    browser
        .go(&format!("{}/r/{}", app.address, card.token))
        .await;
    browser.wait_for_text("h1", "反映问题").await;
    // The language switch: 44 × 44 px at least, each link.
    for which in ["first", "last"] {
        let height = browser
            .number(&format!(
                "return Math.floor(document.querySelector('.langs a:{which}-child').getBoundingClientRect().height);"
            ))
            .await;
        let width = browser
            .number(&format!(
                "return Math.floor(document.querySelector('.langs a:{which}-child').getBoundingClientRect().width);"
            ))
            .await;
        assert!(
            height >= 44 && width >= 44,
            "{which} link is {width}×{height}"
        );
    }
    let footer = browser
        .number("return Math.round(parseFloat(getComputedStyle(document.querySelector('.foot')).fontSize));")
        .await;
    assert!(footer >= 14, "footer text {footer}px");
    // The description box's border against the white page: 3:1 at least (WCAG 1.4.11).
    let contrast_x100 = browser
        .number(
            "const c = getComputedStyle(document.querySelector('#description')).borderTopColor.match(/\\d+/g).map(Number);\
             const l = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });\
             const lum = 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];\
             return Math.floor(100 * 1.05 / (lum + 0.05));",
        )
        .await;
    assert!(contrast_x100 >= 300, "border contrast {contrast_x100}/100");
    browser.screenshot("form-375").await;
    browser.quit().await;
}

/// Fills the form the browser shows with one item and `story`, and sends it.
async fn fill_and_send(browser: &Browser, story: &str) {
    browser.click("input[name=item][value='2']").await;
    browser.type_into("#description", story).await;
    browser.click("button[type=submit]").await;
}

#[tokio::test]
async fn reloading_the_receipt_in_the_browser_shows_the_same_receipt_and_files_nothing_again() {
    if !installed() {
        return;
    }
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let shots = temp_dir("e2e-screenshots-reload");
    let mut browser = Browser::start(shots.clone(), true).await;
    browser.width = 375;
    browser.window(375, 844).await;
    browser
        .go(&format!("{}/r/{}", app.address, card.token))
        .await;
    browser.wait_for_text("h1", "反映问题").await;
    fill_and_send(
        &browser,
        "窗口工作人员让我们第三次补交同一份材料，仍不出具一次性告知书。",
    )
    .await;
    browser.wait_for_text("h1", "已收到您的反映").await;
    let number = browser.text("#case-number").await;
    let code = browser.text("#query-code").await;
    let url = browser.call(reqwest::Method::GET, "/url", None).await;
    assert!(
        url.as_str().is_some_and(|u| u.ends_with("/receipt")),
        "the receipt is a page of its own: {url}"
    );
    browser.screenshot("receipt-375").await;

    // The reporter reloads the receipt, twice.
    for _ in 0..2 {
        browser
            .call(reqwest::Method::POST, "/refresh", Some(json!({})))
            .await;
        browser.wait_for_text("h1", "已收到您的反映").await;
        assert_eq!(browser.text("#case-number").await, number);
        assert_eq!(browser.text("#query-code").await, code);
    }
    assert_eq!(count(&app.db, "reports").await, 1);
    assert_eq!(count(&app.db, "cases").await, 1);
    browser.width = 1280;
    browser.window(1280, 900).await;
    browser.screenshot("receipt-reloaded-desktop").await;
    browser.quit().await;
    eprintln!("e2e screenshots: {}", shots.display());
}

#[tokio::test]
async fn an_english_reporter_stays_in_english_through_the_case_and_its_language_switch() {
    if !installed() {
        return;
    }
    let app = crate::support::intake::spawn_app_with(|s| {
        s.org_name_en = Some("Zhuji Commission for Discipline Inspection and Supervision".into());
    })
    .await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let shots = temp_dir("e2e-screenshots-english");
    let photo = shots.join("site-photo.png");
    std::fs::write(&photo, crate::support::intake::png(64, 48)).expect("photo");
    let mut browser = Browser::start(shots.clone(), true).await;
    browser.width = 375;
    browser.window(375, 844).await;
    browser
        .go(&format!("{}/r/{}", app.address, card.token))
        .await;
    browser.wait_for_text("h1", "反映问题").await;
    browser.click(".langs a[href='?lang=en']").await;
    browser.wait_for_text("h1", "Report a problem").await;
    browser
        .wait_for_text(
            ".org",
            "Zhuji Commission for Discipline Inspection and Supervision",
        )
        .await;
    // First without a kind of problem, with a photo: refused, and told to choose it again.
    browser
        .type_into(
            "#description",
            "The permit window asked us three times for the same document and never said why.",
        )
        .await;
    browser
        .type_into("#attachment", photo.to_str().expect("utf-8 path"))
        .await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text("#files-again li", "site-photo.png")
        .await;
    browser.screenshot("refused-with-photo-en").await;
    browser.click("input[name=item][value='2']").await;
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text("h1", "Your report was received")
        .await;
    let number = browser.text("#case-number").await;
    let code = browser.text("#query-code").await;
    browser.screenshot("receipt-en").await;

    // Every link on from here: no ?lang= in it, the choice is remembered.
    browser.click("a.button.primary[href='/q']").await;
    browser.wait_for_text("h1", "Check progress").await;
    browser.type_into("#code", &code).await;
    browser.click("form.query button[type=submit]").await;
    browser.wait_for_text("h1", "Progress").await;
    assert_eq!(browser.text("#case-number").await, number);
    browser.screenshot("case-en-375").await;

    browser
        .click(".langs form[action='/q?lang=zh-CN'] button")
        .await;
    browser.wait_for_text("h1", "办理进度").await;
    assert_eq!(browser.text("#case-number").await, number, "the same case");
    browser.screenshot("case-zh-375").await;
    browser
        .click(".langs form[action='/q?lang=en'] button")
        .await;
    browser.wait_for_text("h1", "Progress").await;
    assert_eq!(browser.text("#case-number").await, number);
    browser.width = 1280;
    browser.window(1280, 900).await;
    browser.screenshot("case-en-desktop").await;
    browser.quit().await;
    eprintln!("e2e screenshots: {}", shots.display());
}
