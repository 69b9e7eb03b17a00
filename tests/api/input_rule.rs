//! One input rule on both databases: a NUL or another control character in any text is
//! removed where it enters, never a 500 and never a lost report.

use sea_orm::EntityTrait;
use serde_json::json;

use crate::support::Report;
use crate::support::intake::{STORY, query_code_in};
use crate::support::on_each_database;
use jianduka::access::Role;
use jianduka::entities::{messages, reports};

#[tokio::test]
async fn text_with_a_nul_character_is_kept_without_it_on_every_public_route() {
    on_each_database(async |app| {
        let typed = format!("{STORY}\u{0}附言\u{1b}[31m");
        let response = app
            .post_report_without_card(Report::default().text(&typed).department("市场\u{0}监管局"))
            .await;
        assert_eq!(response.status(), 200, "form on {}", app.backend);
        let code = query_code_in(&response.text().await.expect("body"));
        let report = json!({ "items": [3], "description": typed, "department": "a\u{0}b" });
        let response = app.post_report_api(&report).await;
        assert_eq!(response.status(), 201, "API on {}", app.backend);
        let stored = reports::Entity::find().all(&app.db).await.expect("reports");
        assert_eq!(stored.len(), 2);
        for report in &stored {
            assert!(
                report.description.contains("附言[31m"),
                "{:?}",
                report.description
            );
            assert!(!report.description.contains(['\u{0}', '\u{1b}']));
            assert!(
                report
                    .department
                    .as_deref()
                    .is_some_and(|d| !d.contains('\u{0}'))
            );
        }
        let response = app.reply_as_reporter(&code, "补充\u{0}说明一下").await;
        assert_eq!(response.status(), 200, "reply on {}", app.backend);
        let replies = messages::Entity::find()
            .all(&app.db)
            .await
            .expect("messages");
        assert!(
            replies.iter().any(|m| m.body == "补充说明一下"),
            "{replies:?}"
        );
        let response = app.login("ad\u{0}min", "wrong\u{0}password").await;
        assert_eq!(response.status(), 401, "login on {}", app.backend);
        let response = app.look_up("1234\u{0}").await;
        assert_eq!(response.status(), 404, "query on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn staff_searches_and_forms_with_a_nul_character_get_an_answer_not_a_500() {
    on_each_database(async |app| {
        let csrf = app.login_as("printer", Role::PrintStaff).await;
        let response = app
            .get("/staff/enterprises?search=a%00b&district=%00")
            .await;
        assert_eq!(response.status(), 200, "search on {}", app.backend);
        let response = app
            .post_form(
                "/staff/service-points",
                &[
                    ("csrf", csrf.as_str()),
                    ("name", "3号\u{0}窗口"),
                    ("hall", "市民\u{1b}中心"),
                ],
            )
            .await;
        assert!(response.status().as_u16() < 500, "on {}", app.backend);
        let points = jianduka::entities::service_points::Entity::find()
            .all(&app.db)
            .await
            .expect("points");
        assert!(
            points
                .iter()
                .all(|p| !p.name.contains('\u{0}') && !p.hall.contains('\u{1b}'))
        );
    })
    .await;
}
