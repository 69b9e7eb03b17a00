//! The renderer's view of a batch: the print job and the cards, streamed page by page.

use chrono::Utc;
use jianduka::cards::{BatchCards, IssueRequest, IssuedBy, Target, print::PrintKind};
use jianduka::entities::enterprises;
use sea_orm::{EntityTrait, Set};

use crate::support::on_each_database;

#[tokio::test]
async fn a_large_batch_streams_every_card_once_in_print_order_with_its_url() {
    on_each_database(async |app| {
        let now = Utc::now();
        let rows: Vec<_> = (0..1203)
            .map(|i| enterprises::ActiveModel {
                uscc: Set(format!("91330681MA{i:08}")),
                name: Set(format!("诸暨市测试企业{i:04}有限公司")),
                district: Set(if i % 2 == 0 {
                    "暨阳街道"
                } else {
                    "店口镇"
                }
                .into()),
                address: Set(None),
                contact_name: Set(None),
                contact_phone: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(300) {
            enterprises::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&app.db)
                .await
                .expect("register inserted");
        }
        let issued = jianduka::cards::issue(
            &app.state.writes,
            app.settings.secret_key.expose(),
            IssueRequest {
                target: Target::AllEnterprises,
                channel: None,
                again: false,
                expected: None,
                issued_by: IssuedBy::cli(app.state.clock.now()),
            },
        )
        .await
        .expect("issued");
        assert_eq!(issued.count, 1203);

        let (_, job) = jianduka::cards::print_job(&app.db, &app.settings, issued.batch_id)
            .await
            .expect("job");
        assert_eq!(job.kind, PrintKind::Card);
        assert_eq!(job.items.len(), 10);
        assert_eq!(job.org_name, "诸暨市纪委监委");

        let cards = BatchCards::new(
            tokio::runtime::Handle::current(),
            app.db.clone(),
            &app.settings,
            issued.batch_id,
        );
        let printed: Vec<_> =
            tokio::task::spawn_blocking(move || cards.collect::<Result<Vec<_>, _>>())
                .await
                .expect("joined")
                .expect("every page read");
        assert_eq!(printed.len(), 1203, "on {}", app.backend);
        let prefix = format!("{}/r/", app.settings.base_url());
        let urls: std::collections::HashSet<_> = printed.iter().map(|c| c.url.clone()).collect();
        assert_eq!(urls.len(), 1203, "distinct URLs");
        assert!(
            printed
                .iter()
                .all(|c| c.url.starts_with(&prefix) && c.url.len() == prefix.len() + 22)
        );
        let serials: Vec<_> = printed.iter().map(|c| c.serial.clone()).collect();
        let mut sorted = serials.clone();
        sorted.sort();
        assert_eq!(serials, sorted, "print order is position order");
        assert!(
            printed[0]
                .holder_name
                .as_deref()
                .is_some_and(|n| n.contains("测试企业"))
        );
        assert!(printed.iter().all(|c| c.holder_detail.is_none()));
    })
    .await;
}
