//! The case dossier (案卷): a PDF of a case with a reopen, messages, notes and three files
//! whose text (as `pdftotext` extracts it) shows the case number, every timeline line and
//! every file's SHA-256; and its check, by `jianduka audit verify-dossier` and on the staff
//! page: genuine; genuine but changed since the export; the audit row edited in the
//! database named; a dossier whose hash list was altered by one byte refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use jianduka::access::Role;
use jianduka::cases::{Finding, Step};
use jianduka::entities::{attachments, audit_log, case_events};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder};

use crate::support::cases::{newest_case, step};
use crate::support::intake::png;
use crate::support::{
    Report, TEST_PASSWORD, TEST_SECRET_KEY, TestApp, Upload, extract_csrf, jianduka_binary,
    on_each_database, temp_dir,
};

/// Whether `pdftotext` (poppler-utils) is installed: without it a dossier test skips, saying
/// so, except under CI, where it fails.
fn pdftotext_installed() -> bool {
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "pdftotext is not installed (apt-get install poppler-utils); with CI=true the dossier tests must run"
    );
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "note: dossier test skipped: pdftotext not installed (apt-get install poppler-utils)"
    );
    false
}

/// The PDF's text, runs of spaces made one.
fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(output.status.success(), "pdftotext failed on {path:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `jianduka audit verify-dossier FILE` against the app's database: exit code and output.
fn verify_dossier(app: &TestApp, file: &Path) -> (Option<i32>, String) {
    let output = jianduka_binary()
        .arg("--data-dir")
        .arg(temp_dir("dossier"))
        .arg("audit")
        .arg("verify-dossier")
        .arg(file)
        .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
        .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY)
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
    )
}

/// A small PDF a staff member attaches.
fn small_pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%".to_vec();
    bytes.resize(2000, b'a');
    bytes
}

const LONG_STORY: &str = "办理食品经营许可证时，窗口工作人员以材料不齐为由三次退回申请，\
却始终没有一次性告知需要补正的全部材料，每次只说一项，前后耽误了二十多天，\
企业开业时间一再推迟，房租和人员工资都在白白支出。希望有关部门核实处理。";

/// A case with a report file, a reply from the reporter, a message and a note each with a
/// file, accepted, concluded, closed and reopened; the supervisor's client and its token.
async fn a_worked_case(app: &TestApp) -> (i64, reqwest::Client, String) {
    let report = Report::default().items(&[2]).text(LONG_STORY).file(
        "现场照片.png",
        "image/png",
        png(40, 30),
    );
    let code = app.report_and_get_code(report).await;
    let case = newest_case(app).await;
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
    assert!(
        page.contains("dossier.pdf"),
        "the case page links the dossier"
    );
    let csrf = extract_csrf(&page);
    step(app, case.id, Step::Accept).await;
    let sent = app
        .post_staff_message(
            &client,
            &csrf,
            case.id,
            "请问具体是哪一天办理的？",
            &[Upload::new("告知书.pdf", "application/pdf", small_pdf())],
        )
        .await;
    assert_eq!(sent.status(), 303, "message sent");
    let reply = app.reply_as_reporter(&code, "是 11 月 3 日上午。").await;
    assert_eq!(reply.status(), 200);
    let noted = app
        .post_staff_note(
            &client,
            &csrf,
            case.id,
            "已调取窗口记录，三次退件均无一次性告知单。",
            &[Upload::new("窗口记录.png", "image/png", png(30, 20))],
        )
        .await;
    assert_eq!(noted.status(), 303, "note kept");
    step(
        app,
        case.id,
        Step::Conclude {
            finding: Finding::Substantiated,
            summary: "经核查，情况属实，已责令整改。".into(),
            feedback: "您反映的问题属实，已督促窗口一次性告知。".into(),
        },
    )
    .await;
    step(app, case.id, Step::Close).await;
    step(
        app,
        case.id,
        Step::Reopen {
            reason: "需补充调查窗口负责人".into(),
        },
    )
    .await;
    (case.id, client, csrf)
}

/// Downloads the case's dossier into a file; returns its path and bytes.
async fn download(app: &TestApp, client: &reqwest::Client, case_id: i64) -> (PathBuf, Vec<u8>) {
    let response = client
        .get(format!("{}/staff/cases/{case_id}/dossier.pdf", app.address))
        .send()
        .await
        .expect("dossier");
    assert_eq!(response.status(), 200, "dossier on {}", app.backend);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.expect("pdf").to_vec();
    let path = temp_dir("dossier").join("dossier.pdf");
    std::fs::write(&path, &bytes).expect("saved");
    (path, bytes)
}

/// What the staff page says of an uploaded file.
async fn upload(app: &TestApp, client: &reqwest::Client, csrf: &str, bytes: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part(
            "dossier",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("dossier.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let response = client
        .post(format!("{}/staff/dossiers/verify?lang=en", app.address))
        .multipart(form)
        .send()
        .await
        .expect("uploaded");
    assert_eq!(response.status(), 200);
    response.text().await.expect("page")
}

async fn drop_the_audit_triggers(app: &TestApp) {
    let statements: &[&str] = match app.db.get_database_backend() {
        DbBackend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
        _ => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
    };
    for sql in statements {
        app.db
            .execute_unprepared(sql)
            .await
            .expect("trigger dropped");
    }
}

#[tokio::test]
async fn a_dossier_shows_the_whole_case_and_its_check_tells_genuine_changed_and_tampered() {
    if !pdftotext_installed() {
        return;
    }
    on_each_database(async |app| {
        let (case_id, client, csrf) = a_worked_case(&app).await;
        let (path, bytes) = download(&app, &client, case_id).await;
        let text = pdf_text(&path);
        let case = newest_case(&app).await;

        // The case number, every timeline line, every file's SHA-256.
        assert!(text.contains(&case.number), "{text}");
        let detail = jianduka::cases::case_detail(
            &app.db,
            &*app.rules().await,
            &crate::support::cases::officer(&app).await,
            case_id,
            chrono::Utc::now().date_naive(),
            jianduka::i18n::Lang::Zh,
        )
        .await
        .expect("detail");
        let events = case_events::Entity::find()
            .filter(case_events::Column::CaseId.eq(case_id))
            .all(&app.db)
            .await
            .expect("events");
        assert!(events.len() >= 5, "a worked case: {} events", events.len());
        assert_eq!(detail.events.len(), events.len());
        for e in &detail.events {
            let line = format!("{} {}", e.at, e.label);
            assert!(text.contains(&line), "timeline line {line:?} in\n{text}");
        }
        assert!(text.contains("需补充调查窗口负责人"), "the reopen reason");
        // The audit rows name their actions in words, not codes.
        assert!(
            text.contains("受理案件") && !text.contains("case_accepted"),
            "{text}"
        );
        let files = attachments::Entity::find()
            .filter(attachments::Column::CaseId.eq(case_id))
            .all(&app.db)
            .await
            .expect("files");
        assert_eq!(files.len(), 3);
        for f in &files {
            assert!(
                text.contains(&f.sha256),
                "SHA-256 of {} in\n{text}",
                f.filename
            );
        }
        for said in [
            "请问具体是哪一天办理的？",
            "是 11 月 3 日上午。",
            "已调取窗口记录",
        ] {
            assert!(text.contains(said), "{said} in\n{text}");
        }
        assert!(text.contains("诸暨市纪委监委"), "the commission's name");
        // The export is audited, and the dossier lists its own export row.
        let exported = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("dossier_exported"))
            .order_by_desc(audit_log::Column::Id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("the export is audited");
        assert!(text.contains(&exported.hash), "the export row's hash");

        // Genuine, and unchanged.
        let (code, said) = verify_dossier(&app, &path);
        assert_eq!(code, Some(0), "{said}");
        assert!(said.starts_with("Genuine:"), "{said}");
        assert!(said.contains("has not changed"), "{said}");
        let page = upload(&app, &client, &csrf, bytes.clone()).await;
        assert!(
            page.contains(&said),
            "the page says what the command says: {page}"
        );
        // Reading the case again is no change.
        client
            .get(format!("{}/staff/cases/{case_id}", app.address))
            .send()
            .await
            .expect("case page");
        assert_eq!(verify_dossier(&app, &path), (Some(0), said));

        // One more note: genuine, but changed since.
        let noted = app
            .post_staff_note(&client, &csrf, case_id, "补充：窗口负责人已约谈。", &[])
            .await;
        assert_eq!(noted.status(), 303);
        let (code, said) = verify_dossier(&app, &path);
        assert_eq!(code, Some(0), "{said}");
        assert!(said.contains("has changed since"), "{said}");
        assert!(said.contains("note_added"), "{said}");
        assert!(said.contains("new internal notes: 1"), "{said}");
        let page = upload(&app, &client, &csrf, bytes.clone()).await;
        assert!(page.contains("data-verdict=\"changed\""), "{page}");

        // A new export, in English, holds the new note and is unchanged since.
        let response = client
            .get(format!(
                "{}/staff/cases/{case_id}/dossier.pdf?lang=en",
                app.address
            ))
            .send()
            .await
            .expect("dossier");
        assert_eq!(response.status(), 200);
        let english = temp_dir("dossier").join("english.pdf");
        std::fs::write(&english, response.bytes().await.expect("pdf")).expect("saved");
        let text = pdf_text(&english);
        for words in [
            "Case dossier",
            "Timeline",
            "Internal notes",
            "Page 1 of",
            "补充：窗口负责人已约谈。",
        ] {
            assert!(text.contains(words), "{words} in\n{text}");
        }
        let (code, said) = verify_dossier(&app, &english);
        assert_eq!(code, Some(0), "{said}");
        assert!(said.contains("has not changed"), "{said}");

        // The ZIP: the PDF and the three files, whose SHA-256 the PDF lists.
        let response = client
            .get(format!("{}/staff/cases/{case_id}/dossier.zip", app.address))
            .send()
            .await
            .expect("zip");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/zip");
        let zipped = response.bytes().await.expect("zip").to_vec();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).expect("a ZIP");
        let mut names = Vec::new();
        for i in 0..archive.len() {
            use std::io::Read as _;
            let mut entry = archive.by_index(i).expect("entry");
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("read");
            names.push(entry.name().to_string());
            if entry.name().starts_with("files/") {
                let sha = jianduka::crypto::sha256_hex(&content);
                assert!(files.iter().any(|f| f.sha256 == sha), "{}", entry.name());
            } else {
                assert!(content.starts_with(b"%PDF-"), "{}", entry.name());
            }
        }
        assert_eq!(names.len(), 4, "{names:?}");
        assert_eq!(names[0], format!("{}-dossier.pdf", case.number));

        // One byte of the hash list altered: refused.
        let seal = bytes
            .windows(19)
            .position(|w| w == b"%JIANDUKA-DOSSIER-1")
            .expect("the seal");
        let at = seal
            + bytes[seal..]
                .windows(4)
                .position(|w| w == b"row ")
                .expect("the seal's hash list");
        let digit = at + 4 + bytes[at + 4..].iter().position(|b| *b == b' ').expect("id") + 1;
        let mut altered = bytes.clone();
        altered[digit] = if altered[digit] == b'0' { b'1' } else { b'0' };
        let altered_path = temp_dir("dossier").join("altered.pdf");
        std::fs::write(&altered_path, &altered).expect("saved");
        let (code, said) = verify_dossier(&app, &altered_path);
        assert_eq!(code, Some(1), "{said}");
        assert!(said.starts_with("Refused:"), "{said}");
        let page = upload(&app, &client, &csrf, altered).await;
        assert!(page.contains("data-verdict=\"refused\""), "{page}");

        // A file that is no dossier: unreadable.
        let other = temp_dir("dossier").join("other.pdf");
        std::fs::write(&other, small_pdf()).expect("saved");
        let (code, said) = verify_dossier(&app, &other);
        assert_eq!(code, Some(2), "{said}");
        assert!(said.starts_with("Unreadable:"), "{said}");

        // An audit row of the case edited in the database: the row is named.
        let accepted = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("case_accepted"))
            .filter(audit_log::Column::SubjectId.eq(case_id.to_string()))
            .one(&app.db)
            .await
            .expect("query")
            .expect("the acceptance row");
        drop_the_audit_triggers(&app).await;
        app.db
            .execute_unprepared(&format!(
                "UPDATE audit_log SET detail = '{{}}' WHERE id = {}",
                accepted.id
            ))
            .await
            .expect("tampered");
        let (code, said) = verify_dossier(&app, &path);
        assert_eq!(code, Some(1), "{said}");
        assert!(
            said.contains(&format!(
                "audit row #{} no longer matches its hash",
                accepted.id
            )),
            "{said}"
        );
        let page = upload(&app, &client, &csrf, bytes).await;
        assert!(page.contains("data-verdict=\"mismatch\""), "{page}");
    })
    .await;
}

#[tokio::test]
async fn a_dossier_of_a_case_out_of_scope_is_not_found_and_nothing_is_recorded() {
    on_each_database(async |app| {
        let case = crate::tracker::report_through_a_card(&app).await;
        app.add_user("wang", Role::Inspector).await;
        let (client, _) = app.client_for("wang", TEST_PASSWORD).await;
        let response = client
            .get(format!(
                "{}/staff/cases/{}/dossier.pdf",
                app.address, case.id
            ))
            .send()
            .await
            .expect("dossier");
        assert_eq!(response.status(), 404, "on {}", app.backend);
        let exports = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("dossier_exported"))
            .all(&app.db)
            .await
            .expect("query");
        assert!(exports.is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_verify_page_asks_for_a_file_in_the_readers_language() {
    on_each_database(async |app| {
        app.add_user("zhou", Role::Supervisor).await;
        let (client, _) = app.client_for("zhou", TEST_PASSWORD).await;
        let page = client
            .get(format!("{}/staff/dossiers/verify", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        assert!(page.contains("核验案卷"), "{page}");
        let csrf = extract_csrf(&page);
        let form = reqwest::multipart::Form::new().text("csrf", csrf);
        let response = client
            .post(format!("{}/staff/dossiers/verify", app.address))
            .multipart(form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 422);
        let page = response.text().await.expect("body");
        assert!(page.contains("请选择一份案卷 PDF。"), "{page}");
    })
    .await;
}
