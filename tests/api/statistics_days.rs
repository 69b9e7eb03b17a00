//! The statistics' kept day facts: a day is counted once and read after that, counted again
//! after any change its figures see and only then, and a count that a change overtook is never
//! kept (both engines).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use jianduka::cases::{Statistics, Step, statistics};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::support::{Report, TestApp, on_each_database};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

fn first_of(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).expect("date")
}

/// A report about item 4 received at `time`; returns its case id.
async fn report_at(app: &TestApp, time: &str) -> i64 {
    app.state.clock.set(at(time));
    app.report_and_get_code(Report::default().items(&[4])).await;
    crate::support::cases::newest_case(app).await.id
}

/// The page's figures for November and December 2026.
async fn page(app: &TestApp) -> Statistics {
    let rules = app.rules().await;
    statistics(
        &app.db,
        &rules.calendar,
        first_of(2026, 11),
        first_of(2026, 12),
    )
    .await
    .expect("statistics")
}

/// The kept row of 10 November (Beijing): (generation, generation its facts were counted at,
/// facts).
async fn kept(app: &TestApp) -> (i64, Option<i64>, Option<String>) {
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT generation, facts_generation, facts FROM statistics_days \
             WHERE day = '2026-11-10'",
        ))
        .await
        .expect("query")
        .expect("the row of 10 November");
    (
        row.try_get("", "generation").expect("generation"),
        row.try_get("", "facts_generation")
            .expect("facts_generation"),
        row.try_get("", "facts").expect("facts"),
    )
}

async fn execute(app: &TestApp, sql: &str) {
    let backend = app.db.get_database_backend();
    app.db
        .execute_raw(Statement::from_string(backend, sql))
        .await
        .expect("statement");
}

#[tokio::test]
async fn a_kept_day_is_read_until_a_change_its_figures_see_and_then_counted_again() {
    on_each_database(async |app| {
        let case = report_at(&app, "2026-11-10T02:00:00Z").await;
        let december = report_at(&app, "2026-12-02T02:00:00Z").await;

        let first = page(&app).await;
        assert_eq!(first.total, 2, "on {}", app.backend);
        assert_eq!(first.accepted_on_time, None);
        let (generation, counted_at, facts) = kept(&app).await;
        assert_eq!(counted_at, Some(generation), "on {}", app.backend);
        assert!(
            facts.as_ref().is_some_and(|f| f.contains("item-4")),
            "{facts:?} on {}",
            app.backend
        );

        // Read again: the same figures, nothing counted or kept anew.
        let again = page(&app).await;
        assert_eq!(again.by_item.rows, first.by_item.rows);
        assert_eq!(kept(&app).await.0, generation, "on {}", app.backend);

        // A message changes nothing the statistics count: the day stays current.
        app.state.clock.set(at("2026-11-10T03:00:00Z"));
        crate::support::cases::message(&app, case, "请补充材料。").await;
        let (after_note, counted_at, _) = kept(&app).await;
        assert_eq!(after_note, generation, "on {}", app.backend);
        assert_eq!(counted_at, Some(generation));

        // Accepting it does: the day is out of date, and the page shows the step.
        crate::support::cases::step(&app, case, Step::Accept).await;
        let (raised, counted_at, _) = kept(&app).await;
        assert!(raised > generation, "on {}", app.backend);
        assert_eq!(counted_at, Some(generation));
        let accepted = page(&app).await;
        assert_eq!(
            accepted.accepted_on_time,
            Some((100.0, 1)),
            "on {}",
            app.backend
        );
        assert_eq!(accepted.median_days_to_accept, Some(0.0));
        assert_eq!(kept(&app).await.1, Some(raised), "on {}", app.backend);

        // Facts that cannot be read (another format, damaged) are counted again, not shown.
        execute(&app, "UPDATE statistics_days SET facts = '{\"format\": 0}'").await;
        let recounted = page(&app).await;
        assert_eq!(recounted.total, 2, "on {}", app.backend);
        assert_eq!(recounted.accepted_on_time, Some((100.0, 1)));
        execute(&app, "UPDATE statistics_days SET facts = 'not json'").await;
        assert_eq!(page(&app).await.by_item.rows, first.by_item.rows);

        // Two days three weeks apart out of date at once: both counted again, together.
        app.state.clock.set(at("2026-12-02T03:00:00Z"));
        crate::support::cases::step(&app, december, Step::Accept).await;
        execute(
            &app,
            &format!("UPDATE cases SET rating = 'satisfied' WHERE id = {case}"),
        )
        .await;
        let both = page(&app).await;
        assert_eq!(
            both.accepted_on_time,
            Some((100.0, 2)),
            "on {}",
            app.backend
        );
        assert_eq!(both.satisfied, 1, "on {}", app.backend);
        assert_eq!(both.total, 2);
        let (generation, counted_at, _) = kept(&app).await;
        assert_eq!(counted_at, Some(generation), "on {}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_count_that_a_change_overtook_is_not_kept() {
    on_each_database(async |app| {
        let case = report_at(&app, "2026-11-10T02:00:00Z").await;
        assert_eq!(page(&app).await.satisfied, 0, "on {}", app.backend);
        // Accepted: the day is out of date, so the next page counts it again.
        crate::support::cases::step(&app, case, Step::Accept).await;

        // Another connection rates the case and commits a second later. The page's count
        // cannot see it. On SQLite keeping the count waits for the commit, and then finds the
        // generation raised; on PostgreSQL the count is kept first and the commit then raises
        // the generation. Either way the next page counts the rating.
        let txn = app.db.begin().await.expect("a transaction");
        txn.execute_raw(Statement::from_string(
            txn.get_database_backend(),
            format!("UPDATE cases SET rating = 'satisfied' WHERE id = {case}"),
        ))
        .await
        .expect("rated");
        let commit = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            txn.commit().await.expect("committed");
        });
        let during = page(&app).await;
        commit.await.expect("the commit");
        assert_eq!(
            during.accepted_on_time,
            Some((100.0, 1)),
            "on {}",
            app.backend
        );
        assert!(during.satisfied <= 1);

        let after = page(&app).await;
        assert_eq!(after.satisfied, 1, "on {}", app.backend);
        let (generation, counted_at, _) = kept(&app).await;
        assert_eq!(counted_at, Some(generation), "on {}", app.backend);
        assert_eq!(page(&app).await.satisfied, 1, "on {}", app.backend);
    })
    .await;
}
