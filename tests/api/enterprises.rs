//! The enterprise register: import in every format Excel produces, per-row rejections,
//! hostile uploads, the register page, the CLI, and service points.

use std::path::{Path, PathBuf};

use jianduka::enterprises::{self, ImportReport};
use jianduka::entities::enterprises as entity;
use sea_orm::{EntityTrait, QueryOrder};

use crate::support::{TestApp, Upload, extract_csrf, on_each_database};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

async fn import(app: &TestApp, bytes: Vec<u8>) -> ImportReport {
    enterprises::import_file(&app.state.writes, &app.settings, &app.stamp(), bytes)
        .await
        .expect("file imports")
}

/// Every stored enterprise as (uscc, name, district, address, contact, phone), by USCC.
async fn stored(app: &TestApp) -> Vec<[String; 6]> {
    entity::Entity::find()
        .order_by_asc(entity::Column::Uscc)
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|e| {
            [
                e.uscc,
                e.name,
                e.district,
                e.address.unwrap_or_default(),
                e.contact_name.unwrap_or_default(),
                e.contact_phone.unwrap_or_default(),
            ]
        })
        .collect()
}

/// Logs in as admin and uploads `bytes` as `file_name` to the import page.
async fn upload(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let page = app
        .get("/staff/enterprises/import")
        .await
        .text()
        .await
        .expect("body");
    let csrf = extract_csrf(&page);
    let register = Upload::new(file_name, "application/octet-stream", bytes);
    app.import_register(&csrf, register).await
}

#[tokio::test]
async fn gb18030_csv_bom_csv_and_xlsx_import_exactly_the_enterprises_of_the_utf8_csv() {
    on_each_database(async |app| {
        let first = import(&app, fixture_bytes("register-utf8.csv")).await;
        assert_eq!(
            (first.imported, first.updated, first.rejected.len()),
            (8, 0, 0),
            "{:?} on {}",
            first.rejected,
            app.backend
        );
        let reference = stored(&app).await;
        assert!(reference.iter().any(|e| e[1] == "浙江燊泰珍珠有限公司"
            && e[2] == "山下湖镇"
            && e[5] == "18857512345"));
        for file in [
            "register-gb18030.csv",
            "register-utf8-bom.csv",
            "register.xlsx",
            "register-two-sheets.xlsx",
        ] {
            let report = import(&app, fixture_bytes(file)).await;
            // Same enterprises, same details: nothing new, nothing changed.
            assert_eq!(
                (
                    report.imported,
                    report.updated,
                    report.unchanged,
                    report.rejected.len()
                ),
                (0, 0, 8, 0),
                "{file} on {}: {:?}",
                app.backend,
                report.rejected
            );
            assert_eq!(stored(&app).await, reference, "{file} on {}", app.backend);
        }
    })
    .await;
}

#[tokio::test]
async fn each_format_alone_fills_an_empty_register_with_the_same_rows() {
    let mut seen = Vec::new();
    for file in ["register-utf8.csv", "register-gb18030.csv", "register.xlsx"] {
        let app = crate::support::spawn_app().await;
        let report = import(&app, fixture_bytes(file)).await;
        assert_eq!(report.imported, 8, "{file}: {:?}", report.rejected);
        seen.push(stored(&app).await);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
}

#[tokio::test]
async fn reimporting_changed_details_updates_by_uscc_instead_of_duplicating() {
    on_each_database(async |app| {
        import(&app, fixture_bytes("register-utf8.csv")).await;
        let text = String::from_utf8(fixture_bytes("register-utf8.csv")).expect("utf-8");
        let changed = text.replace("诸暨市暨阳街道东二路18号", "诸暨市暨阳街道东二路20号");
        let report = import(&app, changed.into_bytes()).await;
        assert_eq!(
            (report.imported, report.updated, report.unchanged),
            (0, 1, 7),
            "on {}",
            app.backend
        );
        let rows = stored(&app).await;
        assert_eq!(rows.len(), 8, "no duplicates on {}", app.backend);
        assert!(rows.iter().any(|e| e[3] == "诸暨市暨阳街道东二路20号"));
    })
    .await;
}

#[tokio::test]
async fn a_file_without_the_contact_columns_keeps_the_stored_contacts() {
    on_each_database(async |app| {
        import(&app, fixture_bytes("register-utf8.csv")).await;
        let before = stored(&app).await;
        let short: String = before
            .iter()
            .map(|e| format!("{},{},{}\n", e[1], e[0], e[2]))
            .collect();
        let report = import(
            &app,
            format!("企业名称,统一社会信用代码,所属镇街\n{short}").into_bytes(),
        )
        .await;
        assert_eq!(
            (report.updated, report.unchanged),
            (0, 8),
            "on {}",
            app.backend
        );
        assert_eq!(stored(&app).await, before, "on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn bad_rows_come_back_with_line_numbers_and_reasons_while_good_rows_go_in() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let response = upload(&app, "名录.csv", fixture_bytes("register-bad-rows.csv")).await;
        assert_eq!(response.status(), 200, "on {}", app.backend);
        let page = response.text().await.expect("body");
        for (line, reason) in [
            (3, "统一社会信用代码校验位不符：按前 17 位应为 9，此处为 0"),
            (4, "必填项为空：name (企业名称)"),
            (5, "统一社会信用代码应为 18 位，此处为 13 位"),
            (6, "信用代码与第 2 行重复"),
            (
                7,
                "企业名称中的 𠀀 (U+20000) 卡片字体无法显示，会印成空白方框",
            ),
            (8, "必填项为空：district (所属镇街)"),
            (10, "此行有 7 列，表头只有 6 列"),
        ] {
            let expected = format!("<td class=\"num\">{line}</td><td>{reason}");
            assert!(
                page.contains(&expected),
                "{expected} on {}:\n{page}",
                app.backend
            );
        }
        let rows = stored(&app).await;
        let names: Vec<&str> = rows.iter().map(|e| e[1].as_str()).collect();
        assert_eq!(
            names,
            ["诸暨市好运来贸易有限公司", "诸暨市小写代码有限公司"],
            "on {}",
            app.backend
        );
        // The lower-case code was stored normalised.
        assert_eq!(rows[1][0], "91330681MA2Q7R8T9R");
    })
    .await;
}

/// A workbook whose one sheet unpacks to far more than any register.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer
        .start_file("xl/worksheets/sheet1.xml", options)
        .expect("start");
    let block = vec![b' '; 1024 * 1024];
    for _ in 0..80 {
        writer.write_all(&block).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

#[tokio::test]
async fn hostile_uploads_get_a_4xx_with_a_message_and_change_nothing() {
    let app = crate::support::spawn_app().await;
    app.login_as_admin().await;
    let mut binary = vec![0u8, 159, 146, 150, 255, 0, 1, 2];
    binary.extend(std::iter::repeat_n(0xC8u8, 4096));
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("garbage.csv", binary, 422, "不是 CSV 或 XLSX 文件"),
        ("bomb.xlsx", zip_bomb(), 422, "解压后过大"),
        (
            "fake.xlsx",
            b"PK\x03\x04 this is not a zip".to_vec(),
            422,
            "无法读取此 XLSX 工作簿",
        ),
        (
            "old.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            422,
            "旧版 Excel（.xls）",
        ),
        ("empty.csv", Vec::new(), 422, "文件是空的"),
        (
            "wrong.csv",
            "公司,代码\n甲,乙\n".as_bytes().to_vec(),
            422,
            "uscc (统一社会信用代码)",
        ),
    ];
    for (name, bytes, status, message) in cases {
        let response = upload(&app, name, bytes).await;
        assert_eq!(response.status(), status, "{name}");
        let page = response.text().await.expect("body");
        assert!(page.contains("无法导入此文件"), "{name}: {page}");
        assert!(page.contains(message), "{name}: {page}");
    }
    let big = vec![b'a'; 50 * 1024 * 1024];
    let response = upload(&app, "big.csv", big).await;
    assert_eq!(response.status(), 413);
    assert!(response.text().await.expect("body").contains("MB"));
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn an_upload_without_the_forms_token_is_refused() {
    let app = crate::support::spawn_app().await;
    app.login_as_admin().await;
    let register = Upload::new("名录.csv", "text/csv", fixture_bytes("register-utf8.csv"));
    let response = app.import_register("forged", register).await;
    assert_eq!(response.status(), 403);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn the_register_page_searches_by_name_or_uscc_and_counts_per_district() {
    on_each_database(async |app| {
        import(&app, fixture_bytes("register-utf8.csv")).await;
        app.login_as_admin().await;
        let page = app
            .get("/staff/enterprises")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            page.contains("诸暨翀羽电子商务有限公司"),
            "on {}: {page}",
            app.backend
        );
        // 店口镇 has two enterprises, neither with a card yet.
        assert!(
            page.contains("店口镇</a></td><td class=\"num\">2</td><td class=\"num\">0</td>"),
            "{page}"
        );
        let by_name = app
            .get("/staff/enterprises?q=%E7%8A%87%E8%85%BE") // 犇腾
            .await
            .text()
            .await
            .expect("body");
        assert!(by_name.contains("浙江犇腾机械有限公司"));
        assert!(!by_name.contains("诸暨翀羽电子商务有限公司"));
        let by_code = app
            .get("/staff/enterprises?q=ma2t8u9")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            by_code.contains("诸暨翀羽电子商务有限公司"),
            "on {}",
            app.backend
        );
        assert!(!by_code.contains("浙江犇腾机械有限公司"));
        let by_district = app
            .get("/staff/enterprises?district=%E5%BA%97%E5%8F%A3%E9%95%87&q=%25")
            .await
            .text()
            .await
            .expect("body");
        // "%" is taken literally: no name contains it.
        assert!(
            by_district.contains("没有符合条件的企业"),
            "on {}",
            app.backend
        );
    })
    .await;
}

#[tokio::test]
async fn the_register_needs_a_login() {
    let app = crate::support::spawn_app().await;
    let response = app.get("/staff/enterprises").await;
    assert_eq!(response.status(), 303);
}
