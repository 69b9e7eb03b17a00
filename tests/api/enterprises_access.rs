//! Who may use the register pages, and what the audit log keeps of an import.

use jianduka::auth::{NewUser, Role, create_user};
use jianduka::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, on_each_database};

async fn login_as(app: &TestApp, username: &str, role: Role) {
    create_user(
        &app.db,
        NewUser {
            username: username.into(),
            display_name: username.into(),
            email: None,
            role,
            password: "a-long-enough-password".into(),
            must_change_password: false,
        },
    )
    .await
    .expect("user created");
    let response = app
        .post_form(
            "/login",
            &[
                ("username", username),
                ("password", "a-long-enough-password"),
                ("next", "/staff"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn an_inspector_may_not_see_the_register_or_the_service_points() {
    let app = crate::helpers::spawn_app().await;
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
        let csrf = crate::helpers::extract_csrf(&page);
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/register-gb18030.csv"),
        )
        .expect("fixture");
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("名录.csv"),
        );
        let response = app
            .client
            .post(format!("{}/staff/enterprises/import", app.address))
            .multipart(form)
            .send()
            .await
            .expect("sent");
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
