//! Attachments: photos cleaned of metadata, and every kind of bad file refused whole.

use sea_orm::{EntityTrait, QueryOrder};

use crate::support::intake::{
    CardKind, STORY, count, insert_card, jpeg_markers, jpeg_with_exif_and_gps, png, png_claiming,
};
use crate::support::{Report, TestApp, Upload, on_each_database};
use jianduka::entities::attachments;

async fn assert_nothing_stored(app: &TestApp) {
    for table in [
        "reports",
        "report_items",
        "cases",
        "case_events",
        "attachments",
    ] {
        assert_eq!(count(&app.db, table).await, 0, "{table} on {}", app.backend);
    }
}

#[tokio::test]
async fn a_report_with_two_items_and_two_photos_stores_photos_without_exif_or_gps() {
    on_each_database(async |app| {
        let card = insert_card(&app.db, CardKind::Enterprise).await;
        let jpeg = jpeg_with_exif_and_gps(64, 48);
        assert!(
            jpeg_markers(&jpeg).contains(&0xE1),
            "the upload carries EXIF"
        );
        let report = Report::default()
            .items(&[2, 5])
            .file("张三的照片.jpg", "image/jpeg", jpeg)
            .file("screenshot.png", "image/png", png(30, 20));
        let response = app.post_report(&card.token, report).await;
        assert_eq!(response.status(), 200, "{}", app.backend);
        assert_eq!(count(&app.db, "report_items").await, 2);
        let stored = attachments::Entity::find()
            .order_by_asc(attachments::Column::Id)
            .all(&app.db)
            .await
            .expect("attachments");
        assert_eq!(stored.len(), 2);
        let photo = &stored[0];
        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!(
            photo.filename, "attachment-1.jpg",
            "the reporter's file name is not kept"
        );
        assert_eq!(photo.origin, jianduka::entities::enums::Origin::Reporter);
        let markers = jpeg_markers(&photo.data);
        assert!(!markers.contains(&0xE1), "no APP1 (EXIF/XMP): {markers:x?}");
        assert!(!markers.contains(&0xE2), "no APP2 (ICC): {markers:x?}");
        assert!(!photo.data.windows(4).any(|w| w == b"Exif"));
        let decoded = image::load_from_memory(&photo.data).expect("stored photo decodes");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (48, 64),
            "orientation applied"
        );
        assert_eq!(stored[1].content_type, "image/png");
        image::load_from_memory(&stored[1].data).expect("stored png decodes");
        assert_eq!(photo.size as usize, photo.data.len());
    })
    .await;
}

#[tokio::test]
async fn a_pdf_is_stored_as_given() {
    on_each_database(async |app| {
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let report = Report::default().file("材料.pdf", "application/pdf", pdf.clone());
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 200);
        let stored = attachments::Entity::find()
            .one(&app.db)
            .await
            .expect("q")
            .expect("row");
        assert_eq!(stored.data, pdf);
        assert_eq!(stored.content_type, "application/pdf");
    })
    .await;
}

#[tokio::test]
async fn an_oversize_file_is_refused_with_413_and_no_partial_report() {
    on_each_database(async |app| {
        let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
        big.resize(10 * 1024 * 1024 + 1, 0);
        let report = Report::default().file("big.jpg", "image/jpeg", big);
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 413);
        let html = response.text().await.expect("body");
        assert!(html.contains("超过 10 MB"));
        assert!(html.contains(STORY), "the text comes back");
        assert_nothing_stored(&app).await;
    })
    .await;
}

#[tokio::test]
async fn an_exe_renamed_jpg_is_refused_with_415_and_no_partial_report() {
    on_each_database(async |app| {
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF".to_vec();
        exe.extend_from_slice(b"This program cannot be run in DOS mode.");
        let report = Report::default().file("photo.jpg", "image/jpeg", exe).file(
            "ok.png",
            "image/png",
            png(8, 8),
        );
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 415);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("只能上传 JPG、PNG、WebP 照片或 PDF")
        );
        assert_nothing_stored(&app).await;
    })
    .await;
}

#[tokio::test]
async fn a_png_claiming_forty_thousand_pixels_square_is_refused_with_no_partial_report() {
    on_each_database(async |app| {
        let report = Report::default()
            .file("ok.png", "image/png", png(8, 8))
            .file("bomb.png", "image/png", png_claiming(40_000, 40_000));
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 422);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("照片尺寸过大")
        );
        assert_nothing_stored(&app).await;
    })
    .await;
}

#[tokio::test]
async fn a_sixth_file_is_refused() {
    on_each_database(async |app| {
        let mut report = Report::default();
        for i in 0..6 {
            report = report.file(&format!("{i}.png"), "image/png", png(4, 4));
        }
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 422);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("附件最多 5 个")
        );
        assert_nothing_stored(&app).await;
    })
    .await;
}

#[tokio::test]
async fn evidence_added_through_the_query_code_is_cleaned_too() {
    on_each_database(async |app| {
        let code = app.report_and_get_code(Report::default()).await;
        let photo = Upload::new("more.jpg", "image/jpeg", jpeg_with_exif_and_gps(20, 10));
        let response = app.add_evidence(&code, &[photo]).await;
        assert_eq!(response.status(), 200);
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("补充材料已上传")
        );
        let stored = attachments::Entity::find()
            .one(&app.db)
            .await
            .expect("q")
            .expect("row");
        assert!(!jpeg_markers(&stored.data).contains(&0xE1));
    })
    .await;
}

#[tokio::test]
async fn a_request_over_the_total_limit_gets_a_friendly_413_page_with_the_text_kept() {
    on_each_database(async |app| {
        let mut report = Report::default();
        for i in 0..6 {
            let mut file = vec![0xFF, 0xD8, 0xFF, 0xE0];
            file.resize(9 * 1024 * 1024 + i, 7);
            report = report.file(&format!("{i}.jpg"), "image/jpeg", file);
        }
        let response = app.post_report_without_card(report).await;
        assert_eq!(response.status(), 413);
        let html = response.text().await.expect("body");
        assert!(html.contains(STORY), "the text comes back");
        assert_nothing_stored(&app).await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_reports_on_sqlite_are_all_stored_without_locking_errors() {
    let app = crate::support::spawn_app().await;
    let limit = app.settings.intake_client_limit as usize;
    let mut tasks = Vec::new();
    for i in 0..limit {
        let client = app.client.clone();
        let url = format!("{}/report", app.address);
        tasks.push(tokio::spawn(async move {
            let report = Report::default().items(&[1 + (i % 10) as i32]).file(
                "p.png",
                "image/png",
                png(16, 16),
            );
            report.send_to(&client, &url).await.status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("joined"), 200);
    }
    assert_eq!(count(&app.db, "reports").await, limit as i64);
    assert_eq!(count(&app.db, "cases").await, limit as i64);
    assert_eq!(count(&app.db, "attachments").await, limit as i64);
}

#[tokio::test]
async fn evidence_beyond_the_per_case_cap_is_refused_politely() {
    let app = crate::support::spawn_app().await;
    let code = app.report_and_get_code(Report::default()).await;
    let photos = |n: usize| -> Vec<Upload> {
        (0..n)
            .map(|i| Upload::new(&format!("{i}.png"), "image/png", png(4, 4)))
            .collect()
    };
    for _ in 0..5 {
        let response = app.add_evidence(&code, &photos(5)).await;
        assert_eq!(response.status(), 200);
    }
    let response = app.add_evidence(&code, &photos(1)).await;
    assert_eq!(response.status(), 429);
    assert!(response.text().await.expect("body").contains("已达上限"));
    assert_eq!(count(&app.db, "attachments").await, 25);
}
