//! Issuing batches, skipping holders of an active card, revoking and reissuing.

use std::collections::HashSet;

use jianduka::auth::Role;
use jianduka::cards::CardStatus;
use jianduka::entities::{audit_log, cards, enterprises};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{
    REGISTER, add_enterprise, batch, batch_id_of, cards_of, login_as, post_issue, seed_register,
    seed_service_points,
};
use crate::support::on_each_database;

fn assert_distinct_tokens(list: &[cards::Model]) {
    let tokens: HashSet<_> = list.iter().map(|c| c.token.as_str()).collect();
    assert_eq!(tokens.len(), list.len(), "one token per card");
    for card in list {
        assert_eq!(card.token.len(), 22, "128 bits as 22 base64url characters");
        assert!(
            card.token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}

#[tokio::test]
async fn issuing_to_all_gives_every_enterprise_one_card_in_a_new_batch() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let response = post_issue(&app, &csrf, &[("target", "all")]).await;
        let batch_id = batch_id_of(&response);
        let list = cards_of(&app, batch_id).await;
        assert_eq!(list.len(), 3, "on {}", app.backend);
        assert_distinct_tokens(&list);
        assert!(list.iter().all(|c| c.status == CardStatus::Active));
        assert_eq!(list[0].serial, format!("C{batch_id:04}-00001"));
        let row = batch(&app, batch_id).await;
        assert_eq!(
            (
                row.kind.as_str(),
                row.channel.as_str(),
                row.template.as_str()
            ),
            ("card", "visit", "id1")
        );
        assert_eq!(row.card_count, 3);
        assert_eq!(row.created_by_label, "printer");
        assert!(row.created_by.is_some());
        let list_version = jianduka::negative_list::current(&app.db)
            .await
            .expect("list");
        assert_eq!(row.list_version_id, list_version.id);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("cards_issued"))
            .count(&app.db)
            .await
            .expect("audit");
        assert_eq!(audited, 1);
    })
    .await;
}

#[tokio::test]
async fn issuing_shows_how_many_cards_it_will_make_before_making_them() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let count = || async { cards::Entity::find().count(&app.db).await.expect("count") };
        let form = [("csrf", csrf.as_str()), ("target", "all")];
        let first = app.post_form("/staff/cards/issue", &form).await;
        assert_eq!(first.status(), 200, "on {}", app.backend);
        let page = first.text().await.expect("page");
        assert!(
            page.contains("将制作 3 张；另有 0 个已有有效卡，跳过。"),
            "{page}"
        );
        assert!(page.contains("确认制作 3 张"));
        assert_eq!(super::shown_count(&page), Some(3));
        assert_eq!(count().await, 0, "counting makes nothing");

        // The register grows between counting and confirming: nothing is made, the new
        // count is shown instead.
        add_enterprise(
            &app.db,
            "91330681MA2NEW0001",
            "诸暨市新来袜业有限公司",
            "暨阳街道",
        )
        .await;
        let stale = [
            ("csrf", csrf.as_str()),
            ("target", "all"),
            ("expected", "3"),
        ];
        let refused = app.post_form("/staff/cards/issue", &stale).await;
        assert_eq!(refused.status(), 409);
        let page = refused.text().await.expect("page");
        assert!(page.contains("原为 3 张，现为 4 张"), "{page}");
        assert_eq!(super::shown_count(&page), Some(4));
        assert_eq!(count().await, 0);

        let confirmed = [
            ("csrf", csrf.as_str()),
            ("target", "all"),
            ("expected", "4"),
        ];
        let made = app.post_form("/staff/cards/issue", &confirmed).await;
        assert_eq!(cards_of(&app, batch_id_of(&made)).await.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn issuing_to_a_district_reaches_only_its_enterprises() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let response = post_issue(
            &app,
            &csrf,
            &[
                ("target", "district"),
                ("district", "店口镇"),
                ("channel", "window"),
            ],
        )
        .await;
        let batch_id = batch_id_of(&response);
        let list = cards_of(&app, batch_id).await;
        assert_eq!(list.len(), 1);
        let holder = enterprises::Entity::find_by_id(list[0].enterprise_id.expect("enterprise"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("holder");
        assert_eq!(holder.name, "浙江翀彧科技有限公司");
        let row = batch(&app, batch_id).await;
        assert_eq!(row.channel, jianduka::cards::Channel::Window);
        assert_eq!(row.scope, "district:店口镇");
    })
    .await;
}

#[tokio::test]
async fn issuing_to_chosen_usccs_reaches_exactly_those_enterprises() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        // Pasted with blank lines, stray spaces and lower case, as people paste.
        let pasted = format!(
            "\n {}\r\n\n{}\n",
            REGISTER[2].0.to_lowercase(),
            REGISTER[0].0
        );
        let response = post_issue(
            &app,
            &csrf,
            &[("target", "enterprises"), ("usccs", &pasted)],
        )
        .await;
        let list = cards_of(&app, batch_id_of(&response)).await;
        assert_eq!(list.len(), 2);
        assert_distinct_tokens(&list);
        let mut names = Vec::new();
        for card in &list {
            let e = enterprises::Entity::find_by_id(card.enterprise_id.expect("holder"))
                .one(&app.db)
                .await
                .expect("query")
                .expect("holder");
            names.push(e.uscc);
        }
        assert_eq!(
            names,
            vec![REGISTER[2].0, REGISTER[0].0],
            "in the order pasted"
        );
    })
    .await;
}

#[tokio::test]
async fn a_second_issue_skips_enterprises_that_hold_an_active_card_unless_asked() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        batch_id_of(&post_issue(&app, &csrf, &[("target", "all")]).await);

        let refused = post_issue(&app, &csrf, &[("target", "all")]).await;
        assert_eq!(refused.status(), 422);
        let page = refused.text().await.expect("body");
        assert!(page.contains("已有有效卡"), "says why: {page}");

        add_enterprise(
            &app.db,
            "91330681MA2B000009",
            "诸暨市犇犇农业有限公司",
            "店口镇",
        )
        .await;
        let only_new = post_issue(&app, &csrf, &[("target", "all")]).await;
        assert_eq!(cards_of(&app, batch_id_of(&only_new)).await.len(), 1);

        let again = post_issue(&app, &csrf, &[("target", "all"), ("again", "1")]).await;
        let list = cards_of(&app, batch_id_of(&again)).await;
        assert_eq!(list.len(), 4);
        let all = cards::Entity::find().all(&app.db).await.expect("cards");
        assert_distinct_tokens(&all);
        assert_eq!(all.len(), 8);
    })
    .await;
}

#[tokio::test]
async fn desk_signs_go_to_service_windows_through_the_window_channel() {
    on_each_database(async |app| {
        let ids = seed_service_points(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let response = post_issue(&app, &csrf, &[("target", "service_points")]).await;
        let batch_id = batch_id_of(&response);
        let list = cards_of(&app, batch_id).await;
        assert_eq!(list.len(), 2);
        assert!(list.iter().all(|c| c.serial.starts_with('D')));
        assert!(list.iter().all(|c| c.enterprise_id.is_none()));
        let row = batch(&app, batch_id).await;
        assert_eq!(
            (
                row.kind.as_str(),
                row.channel.as_str(),
                row.template.as_str()
            ),
            ("desk_sign", "window", "desk-sign")
        );
        let chosen = ids[1].to_string();
        let one = post_issue(
            &app,
            &csrf,
            &[
                ("target", "service_points"),
                ("service_point", &chosen),
                ("again", "1"),
            ],
        )
        .await;
        let list = cards_of(&app, batch_id_of(&one)).await;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].service_point_id, Some(ids[1]));
    })
    .await;
}

#[tokio::test]
async fn a_very_long_list_of_service_points_gets_a_clear_refusal_not_a_500() {
    on_each_database(async |app| {
        seed_service_points(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let ids: Vec<String> = (1..=70_000).map(|i| i.to_string()).collect();
        let mut fields = vec![("target", "service_points")];
        fields.extend(ids.iter().map(|id| ("service_point", id.as_str())));
        let response = post_issue(&app, &csrf, &fields).await;
        assert_eq!(response.status(), 422, "on {}", app.backend);
        let page = response.text().await.expect("body");
        assert!(page.contains("没有这些服务窗口"), "{page}");
        assert!(page.len() < 100_000, "the refusal names a few ids, not all");
    })
    .await;
}

#[tokio::test]
async fn revoke_then_reissue_gives_a_new_token_and_keeps_the_old_card_revoked() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = batch_id_of(&post_issue(&app, &csrf, &[("target", "all")]).await);
        let old = cards_of(&app, batch_id).await.remove(0);

        let revoked = app
            .post_form(
                &format!("/staff/cards/{}/revoke", old.id),
                &[("csrf", &csrf), ("confirm", "yes"), ("reason", "企业报失")],
            )
            .await;
        assert_eq!(revoked.status(), 303);
        let again = app
            .post_form(
                &format!("/staff/cards/{}/revoke", old.id),
                &[("csrf", &csrf), ("confirm", "yes"), ("reason", "twice")],
            )
            .await;
        assert_eq!(
            again.status(),
            409,
            "a revoked card cannot be revoked again"
        );

        let reissued = app
            .post_form(
                &format!("/staff/cards/{}/reissue", old.id),
                &[("csrf", &csrf), ("confirm", "yes")],
            )
            .await;
        assert_eq!(reissued.status(), 303);
        let location = reissued.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_string();
        let new_id: i64 = location
            .strip_prefix("/staff/cards/")
            .and_then(|id| id.parse().ok())
            .expect("redirects to the new card");

        let old = cards::Entity::find_by_id(old.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("old");
        let new = cards::Entity::find_by_id(new_id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("new");
        assert_eq!(old.status, CardStatus::Revoked);
        assert_eq!(old.revoked_reason.as_deref(), Some("企业报失"));
        assert_eq!(old.replaced_by_card_id, Some(new.id));
        assert_eq!(new.status, CardStatus::Active);
        assert_ne!(new.token, old.token);
        assert_eq!(new.token.len(), 22);
        assert_eq!(new.enterprise_id, old.enterprise_id);
        assert_ne!(new.batch_id, old.batch_id, "a reissue is its own batch");
        let row = batch(&app, new.batch_id).await;
        assert_eq!(row.card_count, 1);
        assert_eq!(row.scope, format!("reissue:{}", old.serial));

        let twice = app
            .post_form(
                &format!("/staff/cards/{}/reissue", old.id),
                &[("csrf", &csrf), ("confirm", "yes")],
            )
            .await;
        assert_eq!(twice.status(), 409, "a replaced card is not reissued twice");
        let page = app
            .get(&format!("/staff/cards/{}", old.id))
            .await
            .text()
            .await
            .expect("body");
        assert!(
            page.contains(&new.serial),
            "the old card links to its replacement"
        );
    })
    .await;
}

#[tokio::test]
async fn a_live_reissue_of_an_active_card_revokes_it_first() {
    on_each_database(async |app| {
        seed_register(&app.db).await;
        let csrf = login_as(&app, "printer", Role::PrintStaff).await;
        let batch_id = batch_id_of(&post_issue(&app, &csrf, &[("target", "all")]).await);
        let old = cards_of(&app, batch_id).await.remove(1);
        let reissued = app
            .post_form(
                &format!("/staff/cards/{}/reissue", old.id),
                &[("csrf", &csrf), ("confirm", "yes")],
            )
            .await;
        assert_eq!(reissued.status(), 303);
        let old = cards::Entity::find_by_id(old.id)
            .one(&app.db)
            .await
            .expect("q")
            .expect("old");
        assert_eq!(old.status, CardStatus::Revoked);
        assert!(old.replaced_by_card_id.is_some());
        // The enterprise now holds exactly one active card.
        let active = cards::Entity::find()
            .filter(cards::Column::EnterpriseId.eq(old.enterprise_id))
            .filter(cards::Column::Status.eq(CardStatus::Active))
            .count(&app.db)
            .await
            .expect("count");
        assert_eq!(active, 1);
    })
    .await;
}

#[tokio::test]
async fn issuing_while_reports_stream_in_on_sqlite_loses_neither() {
    let app = crate::support::spawn_app().await;
    for i in 0..300 {
        let uscc = format!("9133068110{i:07}X");
        super::add_enterprise(
            &app.db,
            &uscc,
            &format!("诸暨市测试{i}有限公司"),
            "暨阳街道",
        )
        .await;
    }
    let reports: Vec<_> = (0..40)
        .map(|i| {
            let client = app.client.clone();
            let url = format!("{}/api/v1/reports", app.address);
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("x-forwarded-for", format!("10.0.0.{i}"))
                    .json(&serde_json::json!({
                        "items": [3],
                        "description": format!("窗口推诿扯皮，材料齐全仍不受理，第{i}次。"),
                    }))
                    .send()
                    .await
                    .expect("sent")
                    .status()
            })
        })
        .collect();
    let issued = jianduka::cards::issue(
        &app.state.writes,
        app.settings.secret_key.expose(),
        jianduka::cards::IssueRequest {
            target: jianduka::cards::Target::AllEnterprises,
            channel: None,
            again: false,
            expected: None,
            issued_by: jianduka::cards::IssuedBy {
                user_id: None,
                label: "test".into(),
                at: app.state.clock.now(),
            },
        },
    )
    .await
    .expect("issuing succeeds while reports are written");
    assert_eq!(issued.count, 300);
    let mut stored = 0;
    for report in reports {
        if report.await.expect("ran").is_success() {
            stored += 1;
        }
    }
    let count = jianduka::entities::reports::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(count, stored);
    assert!(stored > 0, "some reports went in");
}
