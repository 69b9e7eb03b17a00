//! Inputs that once made a server error or a panic, each now a page or a clear 4xx: dates at
//! the ends of chrono's range, a flash the page does not know, a unit that does not exist, and
//! control characters sent through the JSON API (removed, as the forms remove them).

use jianduka::access::Role;
use jianduka::entities::{internal_notes, messages};
use sea_orm::EntityTrait;

use crate::helpers::on_each_database;

#[tokio::test]
async fn dates_out_of_range_an_unknown_flash_and_a_missing_unit_get_pages_not_errors() {
    on_each_database(async |app| {
        let (case, _) = crate::case_support::report_from(&app, None, &[1]).await;
        let csrf = app.login_as_admin().await;
        for path in [
            "/staff/stats?to=-262143-01".to_string(),
            "/staff/stats?from=%2B262142-12&to=%2B262142-12".to_string(),
            "/staff/stats/items.csv?to=-262143-01".to_string(),
            "/staff/admin/audit?to=%2B262142-12-31".to_string(),
            "/staff/admin/audit?from=-262143-01-01".to_string(),
        ] {
            let response = app.get(&path).await;
            assert_eq!(response.status(), 200, "{path} on {}", app.backend);
        }
        let page = app.get(&format!("/staff/cases/{}?done=x", case.id)).await;
        assert_eq!(page.status(), 200);
        assert!(page.text().await.expect("body").contains("已保存"));

        let created = app
            .post_form(
                "/staff/admin/users",
                &[
                    ("csrf", csrf.as_str()),
                    ("username", "wei"),
                    ("display_name", "魏"),
                    ("role", "inspector"),
                    ("unit", "99999"),
                    ("email", ""),
                ],
            )
            .await;
        assert_eq!(created.status(), 422, "on {}", app.backend);
        assert!(created.text().await.expect("body").contains("没有这个科室"));
    })
    .await;
}

#[tokio::test]
async fn the_json_api_removes_nul_and_escapes_as_the_forms_do() {
    on_each_database(async |app| {
        let (case, _) = crate::case_support::report_from(&app, None, &[1]).await;
        let admin = app.add_user("json-admin", Role::Admin).await;
        let token = crate::case_support::token_for(&app, &admin).await;
        let typed = "已电话\u{0}联系\u{1b}[2J窗口\u{7}负责人。\n第二行";
        for kind in ["notes", "messages"] {
            let (status, body) = crate::case_support::api(
                &app,
                &token,
                "POST",
                &format!("/api/v1/cases/{}/{kind}", case.id),
                Some(serde_json::json!({ "body": typed })),
            )
            .await;
            assert_eq!(status, 201, "{kind} on {}: {body}", app.backend);
        }
        let stored = "已电话联系[2J窗口负责人。\n第二行";
        let notes = internal_notes::Entity::find()
            .all(&app.db)
            .await
            .expect("notes");
        assert_eq!(notes.last().map(|n| n.body.as_str()), Some(stored));
        let sent = messages::Entity::find()
            .all(&app.db)
            .await
            .expect("messages");
        assert!(sent.iter().any(|m| m.body == stored), "on {}", app.backend);

        let (status, body) = crate::case_support::api(
            &app,
            &token,
            "POST",
            &format!("/api/v1/cases/{}/transition", case.id),
            Some(serde_json::json!({
                "version": case.version, "step": "decline", "reason": "不属于\u{0}受理范围\u{1b}"
            })),
        )
        .await;
        assert!(
            status < 500,
            "a reason with NUL answered {status} on {}: {body}",
            app.backend
        );
    })
    .await;
}
