//! The automated accessibility check: axe-core (pinned in tests/axe/package.json, installed by
//! `npm ci --prefix tests/axe`) runs inside headless Chromium against the public pages — the
//! form, a refused form, the receipt, `/q`, the case page — and the main staff pages, at a
//! phone's width and at a desk's, and must find no serious or critical violation. Checkbox
//! borders, which axe does not judge, are measured from the pixels Chromium draws.

use std::path::PathBuf;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::browser::{Browser, installed};
use crate::support::intake::{CardKind, insert_card};
use crate::support::{TEST_PASSWORD, spawn_app, temp_dir};

/// axe-core's script, if `npm ci --prefix tests/axe` has been run (`.ci/run` does).
fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/axe/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).ok();
    if source.is_none() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "note: accessibility check skipped: run `npm ci --prefix tests/axe` to install axe-core"
        );
    }
    source
}

/// Runs axe on the current page; returns one line per serious or critical violation.
async fn serious_violations(browser: &Browser, axe: &str, page: &str) -> Vec<String> {
    // Scripts run through WebDriver are not bound by the page's Content-Security-Policy.
    browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": format!("{axe}\n;return typeof axe;"), "args": [] })),
        )
        .await;
    let script = "const done = arguments[arguments.length - 1];\
        axe.run(document, { resultTypes: ['violations'], preload: false }).then(r => done(r.violations\
          .filter(v => v.impact === 'serious' || v.impact === 'critical')\
          .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3)\
            .map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')).join(' | '))))\
          .catch(e => done(['axe failed: ' + e]));";
    let found = browser
        .call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": [] })),
        )
        .await;
    found
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(|v| format!("{page} @{}px: {v}", browser.width))
                .collect()
        })
        .unwrap_or_else(|| vec![format!("{page}: axe returned {found}")])
}

/// The darkest pixel of an element's screenshot, as its contrast ratio ×100 against white.
async fn drawn_contrast_x100(browser: &Browser, css: &str) -> u32 {
    let id = browser.find(css).await;
    let shot = browser
        .call(
            reqwest::Method::GET,
            &format!("/element/{id}/screenshot"),
            None,
        )
        .await;
    let bytes = data_encoding::BASE64
        .decode(shot.as_str().unwrap_or_default().as_bytes())
        .expect("base64 screenshot");
    let image = image::load_from_memory(&bytes)
        .expect("png screenshot")
        .to_rgb8();
    let linear = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let darkest = image
        .pixels()
        .map(|p| 0.2126 * linear(p[0]) + 0.7152 * linear(p[1]) + 0.0722 * linear(p[2]))
        .fold(1.0_f64, f64::min);
    (100.0 * 1.05 / (darkest + 0.05)) as u32
}

#[tokio::test]
async fn public_and_staff_pages_have_no_serious_accessibility_violations() {
    if !installed() {
        return;
    }
    let Some(axe) = axe_source() else {
        return;
    };
    let app = spawn_app().await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    crate::support::intake::add_holders(&app.db, None, "暨阳街道", 12).await;
    let card_id = jianduka::entities::cards::Entity::find()
        .filter(jianduka::entities::cards::Column::Token.eq(card.token.clone()))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the card")
        .id;
    // A revoked card: its grey status chip must be readable (4.5:1).
    let revoked = insert_card(&app.db, CardKind::Revoked).await;
    let admin = app
        .add_user("a11y.admin", jianduka::access::Role::Admin)
        .await;
    let shots = temp_dir("e2e-accessibility");
    let mut found = Vec::new();

    for width in [375, 1280] {
        let dir = shots.join(format!("public-{width}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut phone = Browser::start(dir, true).await;
        phone.width = width;
        phone.window(width, 900).await;
        let form = format!("{}/r/{}", app.address, card.token);
        phone.go(&form).await;
        phone.wait_for_text("h1", "反映问题").await;
        found.extend(serious_violations(&phone, &axe, "form").await);
        // Unchecked checkboxes: their drawn border at least 3:1 against the page.
        let checkbox = drawn_contrast_x100(&phone, "input[name=item][value='1']").await;
        assert!(
            checkbox >= 300,
            "an unchecked checkbox's border is {checkbox}/100 against white at {width}px"
        );
        phone.screenshot("form").await;

        // A refused form: the banner and the field messages.
        phone.click("input[name=item][value='2']").await;
        phone.type_into("#description", "太短").await;
        phone.click("button[type=submit]").await;
        phone
            .wait_for_text(
                "#problems p",
                "提交未成功，请按下方红字提示修改。您已填写的内容都还在。",
            )
            .await;
        found.extend(serious_violations(&phone, &axe, "refused form").await);
        phone.screenshot("refused").await;

        phone.go(&form).await;
        phone.wait_for_text("h1", "反映问题").await;
        phone.click("input[name=item][value='2']").await;
        phone
            .type_into(
                "#description",
                "窗口工作人员要求提供法律没有规定的证明材料，来回跑了三次还没办成。",
            )
            .await;
        phone.click("button[type=submit]").await;
        phone.wait_for_text("h1", "已收到您的反映").await;
        let code = phone.text("#query-code").await;
        found.extend(serious_violations(&phone, &axe, "receipt").await);
        phone.screenshot("receipt").await;

        phone.go(&format!("{}/q", app.address)).await;
        phone.wait_for_text("h1", "查询办理进度").await;
        found.extend(serious_violations(&phone, &axe, "/q").await);
        phone.screenshot("query").await;
        phone.type_into("#code", &code).await;
        phone.click("button[type=submit]").await;
        phone.wait_for_text(".state", "待受理").await;
        found.extend(serious_violations(&phone, &axe, "case page").await);
        phone.screenshot("case").await;
        phone.quit().await;
    }

    let case = crate::support::cases::newest_case(&app).await;
    let staff_pages = [
        "/staff".to_string(),
        "/staff/cases".into(),
        format!("/staff/cases/{}", case.id),
        "/staff/stats".into(),
        "/staff/appraisal".into(),
        "/staff/cards".into(),
        format!("/staff/cards/{card_id}"),
        "/staff/batches".into(),
        format!("/staff/batches/{}", card.batch_id),
        format!("/staff/batches/{}", revoked.batch_id),
        "/staff/enterprises".into(),
        "/staff/enterprises/import".into(),
        "/staff/service-points".into(),
        "/staff/admin/users".into(),
        format!("/staff/admin/users/{}/edit", admin.id),
        "/staff/admin/handling".into(),
        "/staff/dossiers/verify".into(),
        "/staff/admin/units".into(),
        "/staff/admin/tokens".into(),
        "/staff/admin/calendar".into(),
        "/staff/admin/sla".into(),
        "/staff/admin/outbox".into(),
        "/staff/admin/mail".into(),
        "/staff/admin/audit".into(),
        "/staff/admin/security".into(),
        "/staff/me/mail".into(),
    ];
    for width in [1280, 375] {
        let dir = shots.join(format!("staff-{width}"));
        std::fs::create_dir_all(&dir).expect("dir");
        // With JavaScript on: axe schedules its work with timers, which a page whose scripts
        // are switched off never runs.
        let mut desk = Browser::start(dir, true).await;
        desk.width = width;
        desk.window(width, 900).await;
        desk.go(&format!("{}/login", app.address)).await;
        found.extend(serious_violations(&desk, &axe, "/login").await);
        desk.type_into("#username", "a11y.admin").await;
        desk.type_into("#password", TEST_PASSWORD).await;
        desk.click("button[type=submit]").await;
        desk.wait_for_text("h1", "您好，a11y.admin").await;
        for page in &staff_pages {
            desk.go(&format!("{}{page}", app.address)).await;
            let title = desk.text("h1").await;
            assert!(!title.is_empty(), "{page} shows a heading");
            found.extend(serious_violations(&desk, &axe, page).await);
            desk.screenshot(&page.trim_start_matches('/').replace('/', "-"))
                .await;
        }
        // Issuing: the count shown before anything is made.
        desk.go(&format!("{}/staff/cards", app.address)).await;
        desk.click("input[name=target][value=all]").await;
        desk.click(".issue-form button[type=submit]").await;
        let mut shown = 0;
        for _ in 0..50 {
            shown = desk
                .number("return document.querySelectorAll('#issue-count').length;")
                .await;
            if shown == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(shown, 1, "the issuing page shows the count to confirm");
        found.extend(serious_violations(&desk, &axe, "issue count").await);
        desk.screenshot("issue-count").await;
        desk.quit().await;
    }

    assert!(
        found.is_empty(),
        "serious or critical accessibility violations ({}):\n{}\nscreenshots in {}",
        found.len(),
        found.join("\n"),
        shots.display()
    );
}
