//! Who may use the register pages, and what the audit log keeps of an import.

use jianduka::auth::Role;
use jianduka::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{TestApp, Upload, on_each_database};

async fn login_as(app: &TestApp, username: &str, role: Role) {
    app.login_as(username, role).await;
}

#[tokio::test]
async fn an_inspector_may_not_see_the_register_or_the_service_points() {
    let app = crate::support::spawn_app().await;
    login_as(&app, "inspector1", Role::Inspector).await;
    for path in [
        "/staff/enterprises",
        "/staff/enterprises/import",
        "/staff/service-points",
    ] {
        assert_eq!(app.get(path).await.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn print_staff_may_import_and_the_audit_log_keeps_counts_but_no_contact_data() {
    on_each_database(async |app| {
        login_as(&app, "printer1", Role::PrintStaff).await;
        let page = app
            .get("/staff/enterprises/import")
            .await
            .text()
            .await
            .expect("body");
        let csrf = crate::support::extract_csrf(&page);
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/register-gb18030.csv"),
        )
        .expect("fixture");
        let register = Upload::new("名录.csv", "text/csv", bytes);
        let response = app.import_register(&csrf, register).await;
        assert_eq!(response.status(), 200, "on {}", app.backend);
        let page = response.text().await.expect("body");
        assert!(
            page.contains("<th>新增</th><td class=\"num\">8</td>"),
            "{page}"
        );
        let entries = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("enterprises_imported"))
            .all(&app.db)
            .await
            .expect("audit");
        assert_eq!(entries.len(), 1, "on {}", app.backend);
        let detail: serde_json::Value =
            serde_json::from_str(&entries[0].detail).expect("json detail");
        assert_eq!(detail["imported"], 8);
        assert_eq!(detail["rejected"], 0);
        for private in ["18857512345", "何芳", "珍珠大道"] {
            assert!(
                !entries[0].detail.contains(private),
                "{}",
                entries[0].detail
            );
        }
        let verdict = jianduka::audit::verify(&app.db, app.settings.secret_key.expose())
            .await
            .expect("verify");
        assert!(
            matches!(verdict, jianduka::audit::Verification::Intact { .. }),
            "{verdict:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_long_register_is_paginated_with_links_that_keep_the_filter() {
    let app = crate::support::spawn_app().await;
    let mut csv = String::from("企业名称,统一社会信用代码,所属镇街\n");
    for i in 0..120 {
        let code =
            jianduka::enterprises::Uscc::complete(&format!("91330681MA2{i:06}")).expect("code");
        csv.push_str(&format!("诸暨市测试{i:03}有限公司,{code},店口镇\n"));
    }
    let report = jianduka::enterprises::import_file(
        &app.state.writes,
        &app.settings,
        &app.stamp(),
        csv.into_bytes(),
    )
    .await
    .expect("imports");
    assert_eq!(report.imported, 120);
    login_as(&app, "printer2", Role::PrintStaff).await;
    let first = app
        .get("/staff/enterprises?district=%E5%BA%97%E5%8F%A3%E9%95%87")
        .await
        .text()
        .await
        .expect("body");
    assert!(first.contains("第 1 / 3"), "{first}");
    assert!(
        // minijinja escapes "/" as "&#x2f;"; a browser reads it back.
        first.contains("?district=%E5%BA%97%E5%8F%A3%E9%95%87&amp;page=2\">下一页</a>"),
        "{first}"
    );
    let last = app
        .get("/staff/enterprises?district=%E5%BA%97%E5%8F%A3%E9%95%87&page=3")
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(last.matches("<td class=\"mono\">").count(), 20);
    assert!(last.contains("诸暨市测试119有限公司"));
}

#[tokio::test]
async fn district_counts_include_enterprises_holding_an_active_card_only() {
    use jianduka::entities::{card_batches, cards, enterprises};
    use sea_orm::{ActiveModelTrait, Set};
    on_each_database(async |app| {
        let csv = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/register-utf8.csv"),
        )
        .expect("fixture");
        jianduka::enterprises::import_file(&app.state.writes, &app.settings, &app.stamp(), csv)
            .await
            .expect("imports");
        let list = jianduka::negative_list::current(&app.db)
            .await
            .expect("list");
        let now = chrono::Utc::now();
        let batch = card_batches::ActiveModel {
            kind: Set(jianduka::cards::BatchKind::Card),
            channel: Set(jianduka::cards::Channel::Visit),
            template: Set("default".into()),
            list_version_id: Set(list.id),
            scope: Set("district:店口镇".into()),
            card_count: Set(2),
            created_by: Set(None),
            created_by_label: Set("test".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("batch");
        let in_diankou = enterprises::Entity::find()
            .filter(enterprises::Column::District.eq("店口镇"))
            .all(&app.db)
            .await
            .expect("enterprises");
        for (i, (enterprise, status)) in in_diankou
            .iter()
            .zip([
                jianduka::cards::CardStatus::Active,
                jianduka::cards::CardStatus::Revoked,
            ])
            .enumerate()
        {
            cards::ActiveModel {
                serial: Set(format!("T-{i}")),
                token: Set(format!("token-{i}")),
                batch_id: Set(batch.id),
                position_in_batch: Set(i as i32),
                enterprise_id: Set(Some(enterprise.id)),
                service_point_id: Set(None),
                status: Set(status),
                issued_at: Set(now),
                revoked_at: Set(None),
                revoked_reason: Set(None),
                replaced_by_card_id: Set(None),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("card");
        }
        let counts = jianduka::enterprises::register::district_counts(&app.db)
            .await
            .expect("counts");
        let diankou = counts
            .iter()
            .find(|c| c.district == "店口镇")
            .expect("店口镇");
        assert_eq!(
            (diankou.enterprises, diankou.with_active_card),
            (2, 1),
            "on {}",
            app.backend
        );
        assert_eq!(counts.iter().map(|c| c.with_active_card).sum::<i64>(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_register_file_of_several_megabytes_is_accepted() {
    let app = crate::support::spawn_app().await;
    login_as(&app, "printer3", Role::PrintStaff).await;
    let page = app
        .get("/staff/enterprises/import")
        .await
        .text()
        .await
        .expect("body");
    let csrf = crate::support::extract_csrf(&page);
    // The global 2 MB body limit must not apply to this page: a 6 MB file with a long notes
    // column (not a register column, so ignored).
    let mut csv = String::from("name,uscc,district,备注\n");
    let notes = "备".repeat(200_000);
    for i in 0..10 {
        let code =
            jianduka::enterprises::Uscc::complete(&format!("91330681MA2{i:06}")).expect("code");
        csv.push_str(&format!("诸暨市大文件{i}有限公司,{code},次坞镇,{notes}\n"));
    }
    assert!(csv.len() > 5 * 1024 * 1024);
    let register = Upload::new("big.csv", "text/csv", csv.into_bytes());
    let response = app.import_register(&csrf, register).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("body");
    assert!(
        page.contains("<th>新增</th><td class=\"num\">10</td>"),
        "{page}"
    );
}
