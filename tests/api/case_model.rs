//! The case model as data: the dashboard, the counts and the statistics are functions of the
//! database, a scope, the rules and a date, so a queue, a digest or a report can call them
//! without a request; and the statistics page puts them into words and bars.

use jianduka::access::Role;
use jianduka::cases::{
    CaseFilter, CaseScope, CaseStatus, StatusFilter, UnitFilter, count_cases, dashboard, statistics,
};
use jianduka::clock::china_today;
use jianduka::entities::negative_list_items;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TEST_PASSWORD, on_each_database};
use crate::tracker::{first_unit, report_through_a_card, report_without_a_card};

#[tokio::test]
async fn the_dashboard_and_the_counts_of_a_scope_hold_only_the_cases_it_sees() {
    on_each_database(async |app| {
        let unit_id = first_unit(&app).await;
        report_through_a_card(&app).await;
        report_through_a_card(&app).await;
        report_without_a_card(&app).await;
        let inspector = app.add_user("inspector.wang", Role::Inspector).await;
        let now = app.state.clock.now();
        let today = china_today(now);
        let rules = app.state.sla.rules(&app.db, now).await.expect("rules");
        let unit = CaseScope::Unit {
            unit_id,
            user_id: inspector.id,
        };

        let all = dashboard(&app.db, CaseScope::All, &rules, today, inspector.id)
            .await
            .expect("dashboard");
        let new = |d: &jianduka::cases::Dashboard| {
            d.by_status
                .iter()
                .find(|(s, _)| *s == CaseStatus::New)
                .map(|(_, n)| *n)
        };
        assert_eq!(new(&all), Some(3), "on {}", app.backend);
        assert_eq!(all.triage.as_ref().map(Vec::len), Some(1));
        assert!(all.mine.is_empty(), "nobody holds a case yet");

        let theirs = dashboard(&app.db, unit, &rules, today, inspector.id)
            .await
            .expect("dashboard");
        assert_eq!(new(&theirs), Some(2), "on {}", app.backend);
        assert!(theirs.triage.is_none(), "an inspector has no triage queue");
        // Both of the unit's reports name items 2 and 5; the triage report (item 3) is not theirs.
        assert_eq!(
            theirs.by_item,
            vec![("item-2".to_string(), 2), ("item-5".to_string(), 2)]
        );

        let open = CaseFilter {
            status: Some(StatusFilter::Open),
            ..Default::default()
        };
        let triage = CaseFilter {
            unit: Some(UnitFilter::Triage),
            ..Default::default()
        };
        let count = async |scope, filter: &CaseFilter| {
            count_cases(&app.db, scope, filter, today)
                .await
                .expect("count")
        };
        assert_eq!(count(CaseScope::All, &open).await, 3);
        assert_eq!(count(unit, &open).await, 2);
        assert_eq!(count(CaseScope::All, &triage).await, 1);
        assert_eq!(count(unit, &triage).await, 0);
        assert_eq!(count(CaseScope::Nothing, &open).await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_statistics_count_by_key_and_the_page_names_each_item_with_a_bar() {
    on_each_database(async |app| {
        first_unit(&app).await;
        let first = report_through_a_card(&app).await;
        report_without_a_card(&app).await;
        // The reports are minutes apart, so near midnight they may fall on two days.
        let (from, today) = (
            china_today(first.received_at),
            china_today(app.state.clock.now()),
        );
        let calendar = jianduka::deadlines::calendar::shipped().expect("calendar");
        let s = statistics(&app.db, &calendar, from, today)
            .await
            .expect("statistics");
        assert_eq!(s.total, 2, "on {}", app.backend);
        let keys: Vec<&str> = s.by_item.rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(keys, ["item-2", "item-3", "item-5"]);
        let districts: Vec<Option<&str>> =
            s.by_district.rows.iter().map(|r| r.0.as_deref()).collect();
        assert_eq!(districts, [None, Some("暨阳街道")]);

        app.add_user("supervisor.zhao", Role::Supervisor).await;
        let (client, _) = app.client_for("supervisor.zhao", TEST_PASSWORD).await;
        let page = client
            .get(format!("{}/staff/stats", app.address))
            .header("Accept-Language", "zh-CN")
            .send()
            .await
            .expect("stats page");
        assert_eq!(page.status(), 200);
        let body = page.text().await.expect("body");
        let item = negative_list_items::Entity::find()
            .filter(negative_list_items::Column::ItemKey.eq("item-3"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("item 3");
        let label: String = format!("3. {}", item.text_zh).chars().take(22).collect();
        assert!(body.contains(&label), "the chart names item 3: {body}");
        assert!(body.contains("暨阳街道"));
        // Items 2, 3, 5; a district and none; no batch (the test card has none); a channel
        // and none.
        assert_eq!(body.matches("<rect ").count(), 3 + 2 + 1 + 2, "{body}");
    })
    .await;
}
