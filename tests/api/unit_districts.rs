//! Units over the register's districts: `units add/districts` and the units page refuse a
//! district neither the enterprise register nor a card names, naming the close matches and
//! the known ones, unless the admin says it is new.

use std::process::{Output, Stdio};

use jianduka::entities::{service_points, unit_districts, units};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::support::{TEST_SECRET_KEY, TestApp, on_each_database};

async fn jianduka(app: &TestApp, args: &[&str]) -> Output {
    let mut command = crate::support::jianduka_binary();
    command
        .arg("--data-dir")
        .arg(&app.data_dir)
        .args(args)
        .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
        .env("JIANDUKA_SECRET_KEY", TEST_SECRET_KEY)
        .env("JIANDUKA_LOG", "warn")
        .stdin(Stdio::null());
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
        .await
        .expect("joined")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The register of the card tests (暨阳街道, 店口镇) and a desk card's window in 城西新区.
async fn register(app: &TestApp) {
    crate::cards::seed_register(&app.db).await;
    service_points::ActiveModel {
        name: Set("3号窗口 不动产登记".into()),
        hall: Set("城西便民服务中心".into()),
        district: Set(Some("城西新区".into())),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("service point");
}

async fn district_rows(app: &TestApp) -> Vec<String> {
    let mut all: Vec<String> = unit_districts::Entity::find()
        .all(&app.db)
        .await
        .expect("rows")
        .into_iter()
        .map(|d| d.district)
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn units_add_refuses_a_district_the_register_does_not_know_naming_the_close_match() {
    on_each_database(async |app| {
        register(&app).await;
        let refused = jianduka(&app, &["units", "add", "第二室", "--district", "店口"]).await;
        let stderr = text(&refused.stderr);
        assert_eq!(
            refused.status.code(),
            Some(2),
            "on {}: {stderr}",
            app.backend
        );
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(
            lines[0].contains("“店口”") && lines[0].contains("did you mean 店口镇?"),
            "{stderr}"
        );
        assert!(
            lines[0].contains("Known districts: 城西新区, 店口镇, 暨阳街道."),
            "the known ones, the card's window included: {stderr}"
        );
        assert!(lines[0].contains("--new-district"), "{stderr}");
        assert_eq!(
            units::Entity::find().count(&app.db).await.expect("count"),
            0
        );

        let far = jianduka(&app, &["units", "add", "第二室", "--district", "上海"]).await;
        assert_eq!(far.status.code(), Some(2));
        assert!(
            !text(&far.stderr).contains("did you mean"),
            "no close match invented"
        );

        let made = jianduka(
            &app,
            &[
                "units",
                "add",
                "第二室",
                "--district",
                "店口镇",
                "--district",
                "城西新区",
            ],
        )
        .await;
        assert!(made.status.success(), "{}", text(&made.stderr));
        let changed = jianduka(
            &app,
            &[
                "units",
                "districts",
                "第二室",
                "--district",
                "店口镇",
                "--district",
                "暨阳",
            ],
        )
        .await;
        assert_eq!(changed.status.code(), Some(2));
        assert!(
            text(&changed.stderr).contains("暨阳街道"),
            "{}",
            text(&changed.stderr)
        );
        assert_eq!(
            district_rows(&app).await,
            ["城西新区", "店口镇"],
            "unchanged"
        );

        // Said to be new, it is saved; a district the unit already covers stays accepted.
        let new = jianduka(
            &app,
            &[
                "units",
                "add",
                "第三室",
                "--district",
                "山下湖新区",
                "--new-district",
            ],
        )
        .await;
        assert!(new.status.success(), "{}", text(&new.stderr));
        let kept = jianduka(
            &app,
            &[
                "units",
                "districts",
                "第三室",
                "--district",
                "山下湖新区",
                "--district",
                "暨阳街道",
            ],
        )
        .await;
        assert!(kept.status.success(), "{}", text(&kept.stderr));
        assert_eq!(
            district_rows(&app).await,
            ["城西新区", "山下湖新区", "店口镇", "暨阳街道"]
        );
    })
    .await;
}

#[tokio::test]
async fn the_units_page_offers_the_known_districts_and_refuses_an_unknown_one_the_same_way() {
    on_each_database(async |app| {
        register(&app).await;
        let csrf = app.login_as_admin().await;
        let page = app
            .get("/staff/admin/units")
            .await
            .text()
            .await
            .expect("body");
        for district in ["城西新区", "店口镇", "暨阳街道"] {
            assert!(
                page.contains(&format!("<option value=\"{district}\">")),
                "{district} offered: {page}"
            );
        }
        assert!(page.contains("list=\"known-districts\""));
        assert!(
            page.contains("共 3 个镇街，其中 3 个没有科室负责"),
            "{page}"
        );

        let refused = app
            .post_form(
                "/staff/admin/units",
                &[("csrf", &csrf), ("name", "第二室"), ("districts", "店口")],
            )
            .await;
        assert_eq!(refused.status(), 422, "on {}", app.backend);
        let page = refused.text().await.expect("body");
        assert!(
            page.contains("镇街“店口”不在企业名录和桌牌中，是否指：店口镇？"),
            "{page}"
        );
        assert!(
            page.contains("已知镇街：城西新区、店口镇、暨阳街道"),
            "{page}"
        );
        assert!(
            page.contains("name=\"new_district\""),
            "offers to save it as new"
        );
        assert!(page.contains("value=\"第二室\"") && page.contains("value=\"店口\""));
        assert_eq!(
            units::Entity::find().count(&app.db).await.expect("count"),
            0
        );

        let confirmed = app
            .post_form(
                "/staff/admin/units",
                &[
                    ("csrf", &csrf),
                    ("name", "第二室"),
                    ("districts", "店口"),
                    ("new_district", "1"),
                ],
            )
            .await;
        assert_eq!(confirmed.status(), 303);
        let page = app
            .get("/staff/admin/units")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            page.contains("企业名录和桌牌中没有以下镇街，来自这些镇街的反映不会分到本科室：店口"),
            "the saved district stays flagged: {page}"
        );

        // Changing a unit's districts is checked the same way, naming the close match.
        let unit = units::Entity::find()
            .one(&app.db)
            .await
            .expect("query")
            .expect("the unit");
        let changed = app
            .post_form(
                &format!("/staff/admin/units/{}", unit.id),
                &[("csrf", &csrf), ("districts", "店口，暨阳")],
            )
            .await;
        assert_eq!(changed.status(), 422);
        let page = changed.text().await.expect("body");
        assert!(page.contains("是否指：暨阳街道？"), "{page}");
        assert!(
            page.contains("value=\"店口，暨阳\""),
            "what was typed is kept"
        );
        let fixed = app
            .post_form(
                &format!("/staff/admin/units/{}", unit.id),
                &[("csrf", &csrf), ("districts", "店口镇，暨阳街道")],
            )
            .await;
        assert_eq!(fixed.status(), 303);
        assert_eq!(district_rows(&app).await, ["店口镇", "暨阳街道"]);
        let page = app
            .get("/staff/admin/units")
            .await
            .text()
            .await
            .expect("body");
        assert!(page.contains("其中 1 个没有科室负责") && page.contains("暨阳街道：第二室"));
    })
    .await;
}

#[tokio::test]
async fn before_the_register_is_imported_districts_are_taken_as_typed_and_the_page_says_so() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let made = jianduka(&app, &["units", "add", "第一室", "--district", "店口"]).await;
        assert!(made.status.success(), "{}", text(&made.stderr));
        let page = app
            .get("/staff/admin/units")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            page.contains("企业名录尚未导入，暂不能核对镇街名称"),
            "{page}"
        );
    })
    .await;
}
