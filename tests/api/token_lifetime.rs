//! What happens to a person's API tokens when their password changes: their own change keeps
//! them (only an admin issues tokens), an admin's reset — a lost or leaked password — revokes
//! them with the sessions.

use jianduka::access::Role;

use crate::helpers::{TEST_PASSWORD, on_each_database};

#[tokio::test]
async fn tokens_survive_their_owners_password_change_but_not_an_admins_reset() {
    on_each_database(async |app| {
        let user = app.add_user("zheng", Role::Supervisor).await;
        let token = crate::case_support::token_for(&app, &user).await;
        let (status, _) =
            crate::case_support::api(&app, &token, "GET", "/api/v1/cases", None).await;
        assert_eq!(status, 200);

        let (client, csrf) = app.client_for("zheng", TEST_PASSWORD).await;
        let changed = client
            .post(format!("{}/account/password", app.address))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", TEST_PASSWORD),
                ("new_password", "another-long-password"),
                ("confirm", "another-long-password"),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(changed.status(), 303, "on {}", app.backend);
        let (status, _) =
            crate::case_support::api(&app, &token, "GET", "/api/v1/cases", None).await;
        assert_eq!(
            status, 200,
            "after the owner's own change on {}",
            app.backend
        );

        let admin_csrf = app.login_as_admin().await;
        let reset = app
            .post_form(
                &format!("/staff/admin/users/{}", user.id),
                &[("csrf", admin_csrf.as_str()), ("action", "reset_password")],
            )
            .await;
        assert_eq!(reset.status(), 200, "on {}", app.backend);
        let (status, body) =
            crate::case_support::api(&app, &token, "GET", "/api/v1/cases", None).await;
        assert_eq!(
            status, 401,
            "after an admin's reset on {}: {body}",
            app.backend
        );
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains("撤销")),
            "{body}"
        );
    })
    .await;
}
