//! The print-staff pages: who may see them, what they show, and how they refuse bad input.

use jianduka::auth::Role;
use jianduka::entities::cards;
use sea_orm::{EntityTrait, PaginatorTrait};

use super::{
    SIXTY, absurd_name, add_enterprise, batch_id_of, cards_of, login_as, post_issue, seed_register,
    seed_service_points,
};
use crate::support::{TestApp, on_each_database};

async fn issued_batch(app: &TestApp, csrf: &str) -> i64 {
    batch_id_of(&post_issue(app, csrf, &[("target", "all")]).await)
}

#[tokio::test]
async fn print_staff_see_the_issue_form_batches_and_cards() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        seed_service_points(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = issued_batch(&app, &csrf).await;
        let card = cards_of(&app, batch_id).await.remove(0);

        let form = app.get("/staff/cards").await;
        assert_eq!(form.status(), 200);
        let form = form.text().await.expect("body");
        assert!(
            form.contains("暨阳街道") && form.contains("店口镇"),
            "district picker"
        );
        assert!(form.contains("1号窗口 企业开办"), "service points");
        assert!(form.contains("name=\"csrf\""));

        let batches = app.get("/staff/batches").await.text().await.expect("body");
        assert!(batches.contains(&format!("/staff/batches/{batch_id}/download?format=pdf")));
        assert!(batches.contains("format=png") && batches.contains("format=svg"));
        assert!(batches.contains("上门发放"), "statistics by channel");

        let detail = app
            .get(&format!("/staff/batches/{batch_id}?issued=3&skipped=0"))
            .await;
        assert_eq!(detail.status(), 200);
        let detail = detail.text().await.expect("body");
        assert!(detail.contains(&card.serial));
        assert!(detail.contains("诸暨市鑫垚机械有限公司"));
        assert!(
            detail.contains("发卡 3 张"),
            "the issue outcome is confirmed"
        );

        let page = app.get(&format!("/staff/cards/{}", card.id)).await;
        assert_eq!(page.status(), 200);
        let page = page.text().await.expect("body");
        assert!(page.contains(&card.serial));
        assert!(page.contains(&format!("/staff/cards/{}/front.png", card.id)));
        assert!(page.contains("/revoke") && page.contains("/reissue"));
        assert!(
            !page.contains(&card.token),
            "the token never shows on a page"
        );
    })
    .await;
}

#[tokio::test]
async fn search_finds_cards_by_serial_and_by_enterprise_name() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = issued_batch(&app, &csrf).await;
        let list = cards_of(&app, batch_id).await;
        let by_serial = app
            .get(&format!("/staff/cards?q={}", list[2].serial.to_lowercase()))
            .await
            .text()
            .await
            .expect("body");
        assert!(by_serial.contains(&list[2].serial));
        assert!(!by_serial.contains(&list[0].serial));
        let by_name = app
            .get("/staff/cards?q=%E6%B7%BC%E7%87%8A") // 淼燊
            .await
            .text()
            .await
            .expect("body");
        assert!(by_name.contains("诸暨市淼燊纺织有限公司"));
        assert_eq!(
            by_name.matches("/staff/cards/").count()
                - by_name.matches("/staff/cards/issue").count(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn an_inspector_is_refused_every_cards_page() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "inspector1", Role::Inspector).await;
        for path in [
            "/staff/cards",
            "/staff/batches",
            "/staff/batches/1",
            "/staff/cards/1",
            "/staff/cards/1/front.png",
            "/staff/batches/1/download?format=pdf",
        ] {
            assert_eq!(
                app.get(path).await.status(),
                403,
                "{path} on {}",
                app.backend
            );
        }
        let response = post_issue(&app, &csrf, &[("target", "all")]).await;
        assert_eq!(response.status(), 403);
        assert_eq!(
            cards::Entity::find().count(&app.db).await.expect("count"),
            0
        );
    })
    .await;
}

#[tokio::test]
async fn a_visitor_who_is_not_logged_in_is_sent_to_the_login_page() {
    on_each_database(async |app| {
        let response = app.get("/staff/batches").await;
        assert_eq!(response.status(), 303);
        assert!(
            response.headers()["location"]
                .to_str()
                .expect("ascii")
                .starts_with("/login")
        );
    })
    .await;
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let response = app
            .post_form("/staff/cards/issue", &[("target", "all")])
            .await;
        assert_eq!(response.status(), 403);
        let forged = post_issue(&app, "not-the-token", &[("target", "all")]).await;
        assert_eq!(forged.status(), 403);
        assert_eq!(
            cards::Entity::find().count(&app.db).await.expect("count"),
            0
        );

        let batch_id = issued_batch(&app, &csrf).await;
        let card = cards_of(&app, batch_id).await.remove(0);
        let revoke = app
            .post_form(
                &format!("/staff/cards/{}/revoke", card.id),
                &[("reason", "lost")],
            )
            .await;
        assert_eq!(revoke.status(), 403);
        let reissue = app
            .post_form(
                &format!("/staff/cards/{}/reissue", card.id),
                &[("csrf", "wrong")],
            )
            .await;
        assert_eq!(reissue.status(), 403);
        let card = cards::Entity::find_by_id(card.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("card");
        assert_eq!(card.status, jianduka::cards::CardStatus::Active);
    })
    .await;
}

#[tokio::test]
async fn bad_issue_requests_get_a_clear_4xx_and_issue_nothing() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let cases: [(&[(&str, &str)], &str); 6] = [
            (
                &[
                    ("target", "enterprises"),
                    ("usccs", "91330681MA2B000001\n91330681XXXXXXXXX9"),
                ],
                "91330681XXXXXXXXX9",
            ),
            (
                &[("target", "district"), ("district", "不存在镇")],
                "不存在镇",
            ),
            (
                &[("target", "enterprises"), ("usccs", " \n ")],
                "统一社会信用代码",
            ),
            (&[("target", "district"), ("district", "")], "请选择镇街"),
            (&[("target", "nobody")], "请选择发卡范围"),
            (&[("target", "all"), ("channel", "pigeon")], "pigeon"),
        ];
        for (fields, says) in cases {
            let response = post_issue(&app, &csrf, fields).await;
            assert_eq!(response.status(), 422, "{fields:?} on {}", app.backend);
            let page = response.text().await.expect("body");
            assert!(page.contains(says), "{fields:?} says {says}: {page}");
            assert!(page.contains("name=\"csrf\""), "the form comes back");
        }
        let points = post_issue(
            &app,
            &csrf,
            &[("target", "service_points"), ("service_point", "999")],
        )
        .await;
        assert_eq!(points.status(), 422);
        assert_eq!(
            cards::Entity::find().count(&app.db).await.expect("count"),
            0
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_batches_and_cards_are_404_and_malformed_requests_400() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        for path in [
            "/staff/batches/999",
            "/staff/batches/999/download?format=pdf",
            "/staff/cards/999",
            "/staff/cards/999/back.png",
        ] {
            assert_eq!(app.get(path).await.status(), 404, "{path}");
        }
        let batch_id = issued_batch(&app, &csrf).await;
        for path in [
            "/staff/batches/abc".to_string(),
            format!("/staff/batches/{batch_id}/download?format=docx"),
            format!("/staff/batches/{batch_id}/download?format=png&dpi=5"),
            format!("/staff/batches/{batch_id}?page=x"),
        ] {
            assert_eq!(app.get(&path).await.status(), 400, "{path}");
        }
        let revoke = app
            .post_form(
                "/staff/cards/999/revoke",
                &[("csrf", &csrf), ("confirm", "yes"), ("reason", "lost")],
            )
            .await;
        assert_eq!(revoke.status(), 404);
        let card = cards_of(&app, batch_id).await.remove(0);
        let blank = app
            .post_form(
                &format!("/staff/cards/{}/revoke", card.id),
                &[("csrf", &csrf), ("confirm", "yes"), ("reason", "  ")],
            )
            .await;
        assert_eq!(blank.status(), 422);
    })
    .await;
}

#[tokio::test]
async fn downloads_are_whole_attachments_and_previews_show_the_cards_qr_code() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = issued_batch(&app, &csrf).await;
        for (format, content_type, file) in [
            ("pdf", "application/pdf", format!("batch-{batch_id}.pdf")),
            (
                "png",
                "application/zip",
                format!("batch-{batch_id}-png.zip"),
            ),
            (
                "svg",
                "application/zip",
                format!("batch-{batch_id}-svg.zip"),
            ),
        ] {
            let response = app
                .get(&format!(
                    "/staff/batches/{batch_id}/download?format={format}"
                ))
                .await;
            assert_eq!(response.status(), 200, "{format}");
            assert_eq!(response.headers()["content-type"], content_type);
            let disposition = response.headers()["content-disposition"]
                .to_str()
                .expect("ascii");
            assert!(disposition.starts_with("attachment") && disposition.contains(&file));
            let bytes = response.bytes().await.expect("the whole file arrives");
            if format == "pdf" {
                assert!(bytes.starts_with(b"%PDF") && bytes.ends_with(b"%%EOF\n"));
            } else {
                let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec()))
                    .expect("a readable ZIP");
                let cards = cards_of(&app, batch_id).await.len();
                assert_eq!(zip.len(), cards * 2, "a front and a back per card");
            }
        }
        let card = cards_of(&app, batch_id).await.remove(0);
        let preview = app.get(&format!("/staff/cards/{}/back.png", card.id)).await;
        assert_eq!(preview.status(), 200);
        assert_eq!(preview.headers()["content-type"], "image/png");
        let png = preview.bytes().await.expect("png");
        let image = image::load_from_memory(&png).expect("a PNG").to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on the back");
        let (_, url) = grids[0].decode().expect("the QR code decodes");
        assert_eq!(url, format!("{}/r/{}", app.address, card.token));
    })
    .await;
}

#[tokio::test]
async fn a_district_picked_without_its_radio_button_still_issues_to_that_district() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let response = post_issue(&app, &csrf, &[("district", "店口镇")]).await;
        assert_eq!(cards_of(&app, batch_id_of(&response)).await.len(), 1);
        let ambiguous = post_issue(
            &app,
            &csrf,
            &[("district", "暨阳街道"), ("usccs", "91330681MA2B000001")],
        )
        .await;
        assert_eq!(ambiguous.status(), 422, "two fields and no choice: ask");
    })
    .await;
}

#[tokio::test]
async fn the_issuing_page_refuses_cards_for_a_local_address_and_says_what_to_set() {
    let app = crate::support::spawn_app_with_settings(crate::support::Backend::Sqlite, |s| {
        s.allow_local_url = false;
    })
    .await;
    seed_register(&app.db).await;
    let csrf = login_as(&app, "printer", Role::PrintStaff).await;
    let page = app.get("/staff/cards").await.text().await.expect("body");
    assert!(
        page.contains("JIANDUKA_PUBLIC_BASE_URL"),
        "warned before issuing"
    );
    assert!(
        !page.contains("JIANDUKA_ORG_NAME"),
        "the issuer is named: no warning about it"
    );
    let refused = post_issue(&app, &csrf, &[("target", "all")]).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.expect("body");
    assert!(body.contains("企业的手机打不开"), "{body}");
    assert_eq!(
        cards::Entity::find().count(&app.db).await.expect("count"),
        0
    );
}

#[tokio::test]
async fn a_batch_page_says_where_its_qr_codes_point_and_that_trial_cards_are_marked() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = issued_batch(&app, &csrf).await;
        let page = app
            .get(&format!("/staff/batches/{batch_id}"))
            .await
            .text()
            .await
            .expect("body")
            .replace("&#x2f;", "/");
        assert!(page.contains(&format!("{}/r/…", app.address)), "{page}");
        assert!(page.contains("样卡"), "a trial print says so: {page}");
        assert!(
            page.contains("实际大小") && page.contains("长边翻转"),
            "how to print"
        );
    })
    .await;
}

#[tokio::test]
async fn batch_and_card_times_are_beijing_time_and_say_so() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        // 02:05 UTC is 10:05 in Beijing.
        app.state.clock.set(
            chrono::DateTime::parse_from_rfc3339("2026-11-30T02:05:00Z")
                .expect("time")
                .into(),
        );
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = issued_batch(&app, &csrf).await;
        for path in [
            format!("/staff/batches/{batch_id}"),
            "/staff/batches".into(),
        ] {
            let page = app.get(&path).await.text().await.expect("body");
            assert!(page.contains("2026-11-30 10:05"), "{path}: {page}");
            assert!(!page.contains("2026-11-30 02:05"), "{path}");
            assert!(page.contains("北京时间"), "{path} says which time");
        }
    })
    .await;
}

#[tokio::test]
async fn revoking_or_reissuing_without_ticking_the_confirmation_changes_nothing() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = issued_batch(&app, &csrf).await;
        let card = cards_of(&app, batch_id).await.remove(0);
        let page = app
            .get(&format!("/staff/cards/{}", card.id))
            .await
            .text()
            .await
            .expect("body");
        assert_eq!(page.matches("name=\"confirm\"").count(), 2, "{page}");
        let revoke = app
            .post_form(
                &format!("/staff/cards/{}/revoke", card.id),
                &[("csrf", &csrf), ("reason", "企业报失")],
            )
            .await;
        assert_eq!(revoke.status(), 422);
        assert!(revoke.text().await.expect("body").contains("请勾选确认"));
        let reissue = app
            .post_form(
                &format!("/staff/cards/{}/reissue", card.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(reissue.status(), 422);
        let stored = cards::Entity::find_by_id(card.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("card");
        assert_eq!(
            stored.status,
            jianduka::cards::CardStatus::Active,
            "on {}",
            app.backend
        );
        assert_eq!(
            cards::Entity::find().count(&app.db).await.expect("count"),
            3,
            "no new card"
        );
    })
    .await;
}

#[tokio::test]
async fn a_batch_page_lists_the_cards_whose_names_print_shortened() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let plain = issued_batch(&app, &csrf).await;
        let page = app.get(&format!("/staff/batches/{plain}")).await;
        let page = page.text().await.expect("body");
        assert!(!page.contains("从中间省略"), "nothing to list: {page}");

        add_enterprise(&app.db, "91330681MA2B000004", SIXTY, "店口镇").await;
        let absurd = absurd_name();
        add_enterprise(&app.db, "91330681MA2B000005", &absurd, "店口镇").await;
        let response = post_issue(
            &app,
            &csrf,
            &[("target", "district"), ("district", "店口镇")],
        )
        .await;
        let batch_id = batch_id_of(&response);
        let cards = cards_of(&app, batch_id).await;
        assert_eq!(cards.len(), 2, "the two new enterprises");
        let page = app
            .get(&format!("/staff/batches/{batch_id}?issued=2&skipped=1"))
            .await;
        assert_eq!(page.status(), 200);
        let page = page.text().await.expect("body");
        assert!(page.contains("以下 1 张卡的名称太长"), "{page}");
        let notice = &page[page.find("以下 1 张卡").expect("notice")..];
        let notice = &notice[..notice.find("</div>").expect("end of the notice")];
        let long_card = cards
            .iter()
            .find(|c| c.position_in_batch == 2)
            .expect("the second card");
        assert!(notice.contains(&long_card.serial), "{notice}");
        assert!(notice.contains('…') && notice.contains(&absurd), "{notice}");
        assert_eq!(
            notice.matches("<li>").count(),
            1,
            "a 60-character name prints whole"
        );
    })
    .await;
}
