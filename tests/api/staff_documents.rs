//! Staff attach the documents an office works with: a Word file on an internal note is
//! stored under its own name, and the file downloaded from the case names neither its author
//! nor its company; a macro-enabled Word file or an old binary .doc is refused with a message
//! in the reader's language, and the note's text comes back to be sent again.

use std::io::{Cursor, Read, Write};

use jianduka::access::Role;
use jianduka::entities::enums::Origin;
use jianduka::entities::{attachments, internal_notes};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TEST_PASSWORD, TestApp, extract_csrf, on_each_database};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>谈话记录</dc:title><dc:creator>王小明</dc:creator><cp:lastModifiedBy>李燕</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2026-11-30T08:00:00Z</dcterms:created></cp:coreProperties>"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Company>诸暨某某建设有限公司</Company><Manager>赵经理</Manager></Properties>"#;

const DOCUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>谈话内容：已核实收费单据。</w:t></w:r></w:p><w:p><w:ins w:id="1" w:author="王小明" w:date="2026-11-30T08:00:00Z"><w:r><w:t>补充说明</w:t></w:r></w:ins></w:p></w:body></w:document>"#;

/// A ZIP of `entries`.
fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in entries {
        out.start_file(*name, options).expect("entry");
        out.write_all(text.as_bytes()).expect("written");
    }
    out.finish().expect("zip").into_inner()
}

/// A Word document whose properties name its author (王小明), who saved it last (李燕) and
/// a company, with a tracked change by its author.
fn docx() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("docProps/core.xml", CORE),
        ("docProps/app.xml", APP),
        ("word/document.xml", DOCUMENT),
    ])
}

/// The same document saved as .docm: a macro-enabled content type and a VBA project.
fn docm() -> Vec<u8> {
    let types = CONTENT_TYPES.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    );
    zip_of(&[
        ("[Content_Types].xml", &types),
        ("_rels/.rels", RELS),
        ("word/document.xml", DOCUMENT),
        (
            "word/vbaProject.bin",
            "Attribute VB_Name = \"ThisDocument\"",
        ),
    ])
}

/// An entry of a ZIP as text.
fn entry(zip_bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).expect("a ZIP");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("entry present")
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

/// A supervisor logged in on a client of their own, a case, and the case page's CSRF token.
async fn supervisor_on_a_case(app: &TestApp) -> (reqwest::Client, i64, String) {
    let case = crate::tracker::report_through_a_card(app).await;
    app.add_user("zhou", Role::Supervisor).await;
    let (client, _) = app.client_for("zhou", TEST_PASSWORD).await;
    let page = client
        .get(format!("{}/staff/cases/{}", app.address, case.id))
        .send()
        .await
        .expect("case page")
        .text()
        .await
        .expect("body");
    (client, case.id, extract_csrf(&page))
}

/// `POST /staff/cases/{id}/note` with `body` and `files` (name, bytes), sent as an
/// anonymous byte stream: the server goes by the bytes alone.
async fn post_note(
    app: &TestApp,
    client: &reqwest::Client,
    case_id: i64,
    csrf: &str,
    body: &str,
    files: Vec<(&str, Vec<u8>)>,
    language: &str,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("body", body.to_string());
    for (name, bytes) in files {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .expect("mime");
        form = form.part("attachment", part);
    }
    client
        .post(format!("{}/staff/cases/{case_id}/note", app.address))
        .header("accept-language", language)
        .multipart(form)
        .send()
        .await
        .expect("sent")
}

async fn staff_files(app: &TestApp, case_id: i64) -> Vec<attachments::Model> {
    attachments::Entity::find()
        .filter(attachments::Column::CaseId.eq(case_id))
        .filter(attachments::Column::Origin.eq(Origin::Staff))
        .all(&app.db)
        .await
        .expect("attachments")
}

#[tokio::test]
async fn a_word_file_on_a_note_keeps_its_name_and_downloads_without_its_author_or_company() {
    on_each_database(async |app| {
        let (client, case_id, csrf) = supervisor_on_a_case(&app).await;
        let pdf = b"%PDF-1.4\n1 0 obj\n<< /Author (Wang Xiaoming) >>\nendobj\n%%EOF\n".to_vec();
        let posted = post_note(
            &app,
            &client,
            case_id,
            &csrf,
            "谈话记录见附件。",
            vec![("谈话记录.docx", docx()), ("谈话记录.pdf", pdf)],
            "zh-CN",
        )
        .await;
        assert_eq!(posted.status(), 303, "on {}", app.backend);

        let stored = staff_files(&app, case_id).await;
        let names: Vec<(&str, &str)> = stored
            .iter()
            .map(|f| (f.filename.as_str(), f.content_type.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "谈话记录.docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                ),
                ("谈话记录.pdf", "application/pdf"),
            ],
            "on {}",
            app.backend
        );
        // The case page lists the files under their names.
        let page = client
            .get(format!("{}/staff/cases/{case_id}", app.address))
            .send()
            .await
            .expect("case page")
            .text()
            .await
            .expect("body");
        assert!(page.contains(">谈话记录.docx</a>"), "{page}");
        assert!(page.contains(">谈话记录.pdf</a>"));

        let word = &stored[0];
        let download = client
            .get(format!(
                "{}/staff/cases/{case_id}/files/{}",
                app.address, word.id
            ))
            .send()
            .await
            .expect("download");
        assert_eq!(download.status(), 200);
        let disposition = download
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            disposition.ends_with("filename*=UTF-8''%E8%B0%88%E8%AF%9D%E8%AE%B0%E5%BD%95.docx"),
            "{disposition}"
        );
        let bytes = download.bytes().await.expect("bytes").to_vec();
        let core = entry(&bytes, "docProps/core.xml");
        let app_xml = entry(&bytes, "docProps/app.xml");
        let document = entry(&bytes, "word/document.xml");
        for gone in ["王小明", "李燕", "诸暨某某建设有限公司", "赵经理"] {
            for (part, text) in [("core", &core), ("app", &app_xml), ("document", &document)] {
                assert!(!text.contains(gone), "{gone} in {part}: {text}");
            }
        }
        assert!(
            !core.contains("creator") && !core.contains("lastModifiedBy"),
            "{core}"
        );
        assert!(app_xml.contains("<Company></Company>"), "{app_xml}");
        // What the document says is all there.
        assert!(document.contains("谈话内容：已核实收费单据。") && document.contains("补充说明"));
        let pdf = staff_files(&app, case_id).await.remove(1);
        assert!(!String::from_utf8_lossy(&pdf.data).contains("Wang"));
    })
    .await;
}

#[tokio::test]
async fn a_macro_enabled_word_file_or_an_old_doc_is_refused_in_the_readers_language() {
    on_each_database(async |app| {
        let (client, case_id, csrf) = supervisor_on_a_case(&app).await;
        // Named .docx: the bytes, not the name, give it away.
        for (language, name, message) in [
            ("zh-CN", "通知.docx", "该文件含有宏或 ActiveX 控件"),
            ("en", "notice.docm", "This file contains macros"),
        ] {
            let refused = post_note(
                &app,
                &client,
                case_id,
                &csrf,
                "附上通知。",
                vec![(name, docm())],
                language,
            )
            .await;
            assert_eq!(refused.status(), 415, "{language} on {}", app.backend);
            let page = refused.text().await.expect("body");
            assert!(page.contains(message), "{language}: {page}");
            assert!(page.contains("附上通知。"), "the note comes back: {page}");
        }
        let mut old_doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        old_doc.resize(4096, 0);
        let refused = post_note(
            &app,
            &client,
            case_id,
            &csrf,
            "附上笔录。",
            vec![("笔录.doc", old_doc)],
            "zh-CN",
        )
        .await;
        assert_eq!(refused.status(), 415);
        let page = refused.text().await.expect("body");
        assert!(page.contains("另存为 .docx 或 .xlsx"), "{page}");

        let notes = internal_notes::Entity::find()
            .count(&app.db)
            .await
            .expect("notes");
        assert_eq!(notes, 0, "nothing stored on {}", app.backend);
        assert!(staff_files(&app, case_id).await.is_empty());
    })
    .await;
}
