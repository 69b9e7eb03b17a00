//! Service points: the windows that get desk signs.

use jianduka::enterprises::service_points::{self, Change, NewServicePoint, ServicePointError};

use crate::support::{extract_csrf, on_each_database, temp_dir};

#[tokio::test]
async fn service_points_are_created_listed_renamed_and_deactivated_in_the_ui() {
    on_each_database(async |app| {
        app.login_as_admin().await;
        let page = app
            .get("/staff/service-points")
            .await
            .text()
            .await
            .expect("body");
        let csrf = extract_csrf(&page);
        let create = |name: &'static str| {
            let csrf = csrf.clone();
            let app = &app;
            async move {
                app.post_form(
                    "/staff/service-points",
                    &[
                        ("csrf", &csrf),
                        ("name", name),
                        ("hall", "诸暨市行政服务中心"),
                        ("district", "暨阳街道"),
                    ],
                )
                .await
            }
        };
        assert_eq!(
            create("企业开办综合窗口").await.status(),
            303,
            "on {}",
            app.backend
        );
        assert_eq!(create("税务窗口").await.status(), 303);
        let duplicate = create("企业开办综合窗口").await;
        assert_eq!(duplicate.status(), 409, "on {}", app.backend);
        let page = duplicate.text().await.expect("body");
        assert!(page.contains("已有名为“企业开办综合窗口”的窗口"), "{page}");
        let points = service_points::list(&app.db).await.expect("list");
        assert_eq!(points.len(), 2);
        let tax = points
            .iter()
            .find(|p| p.name == "税务窗口")
            .expect("tax window");
        let renamed = app
            .post_form(
                &format!("/staff/service-points/{}/rename", tax.id),
                &[("csrf", &csrf), ("name", "税务综合窗口")],
            )
            .await;
        assert_eq!(renamed.status(), 303);
        let clash = app
            .post_form(
                &format!("/staff/service-points/{}/rename", tax.id),
                &[("csrf", &csrf), ("name", "企业开办综合窗口")],
            )
            .await;
        assert_eq!(clash.status(), 409);
        let off = app
            .post_form(
                &format!("/staff/service-points/{}/active", tax.id),
                &[("csrf", &csrf), ("active", "false")],
            )
            .await;
        assert_eq!(off.status(), 303);
        let page = app
            .get("/staff/service-points")
            .await
            .text()
            .await
            .expect("body");
        assert!(
            page.contains("税务综合窗口") && page.contains("停用"),
            "{page}"
        );
        let tax = service_points::get(&app.db, tax.id).await.expect("get");
        assert!(!tax.active);
        assert_eq!(tax.name, "税务综合窗口");
    })
    .await;
}

#[tokio::test]
async fn the_same_window_name_in_another_hall_is_allowed_but_not_twice_in_one() {
    on_each_database(async |app| {
        let new = |hall: &str| NewServicePoint {
            name: " 不动产登记窗口 ".into(),
            hall: hall.into(),
            district: None,
        };
        let create = async |hall: &str| {
            let change = Change::Create(new(hall));
            service_points::apply(&app.state.writes, &app.stamp(), change).await
        };
        let point = create("诸暨市行政服务中心").await.expect("create");
        assert_eq!(point.name, "不动产登记窗口");
        create("店口镇便民服务中心").await.expect("other hall");
        let err = create("诸暨市行政服务中心").await;
        assert!(
            matches!(err, Err(ServicePointError::Duplicate { .. })),
            "on {}",
            app.backend
        );
        let empty = create("  ").await;
        assert!(matches!(empty, Err(ServicePointError::Empty("hall"))));
    })
    .await;
}

#[test]
fn cli_adds_and_lists_service_points_and_refuses_a_duplicate() {
    let dir = temp_dir("cli-sp");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_jianduka"))
            .arg("--data-dir")
            .arg(&dir)
            .args(args)
            .env_remove("JIANDUKA_DATABASE_URL")
            .output()
            .expect("runs")
    };
    let added = run(&[
        "service-points",
        "add",
        "企业开办综合窗口",
        "--hall",
        "诸暨市行政服务中心",
        "--district",
        "暨阳街道",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let again = run(&[
        "service-points",
        "add",
        "企业开办综合窗口",
        "--hall",
        "诸暨市行政服务中心",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a window named"));
    let listed = run(&["service-points", "list"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(
        stdout.contains("active")
            && stdout.contains("诸暨市行政服务中心  企业开办综合窗口  暨阳街道"),
        "{stdout}"
    );
}

#[test]
fn register_and_service_point_commands_have_help() {
    for args in [
        vec!["enterprises", "import", "--help"],
        vec!["enterprises", "list", "--help"],
        vec!["service-points", "add", "--help"],
        vec!["service-points", "list", "--help"],
        vec!["service-points", "rename", "--help"],
        vec!["service-points", "deactivate", "--help"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_jianduka"))
            .args(&args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn print_staff_find_service_windows_on_their_home_page() {
    let app = crate::support::spawn_app().await;
    app.login_as("printer", jianduka::access::Role::PrintStaff)
        .await;
    let home = app.get("/staff").await.text().await.expect("body");
    let tiles = &home[home.find("class=\"tiles\"").expect("tiles")..];
    assert!(tiles.contains("href=\"/staff/service-points\""), "{tiles}");
}
