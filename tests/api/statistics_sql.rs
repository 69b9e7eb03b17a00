//! The statistics counted by the database: Beijing months on both engines, and the exact
//! median and on-time share of the cases of the period.

use chrono::{DateTime, NaiveDate, Utc};
use jianduka::cases::Step;
use jianduka::cases::statistics;

use crate::support::{Report, TestApp, on_each_database};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// A report about item 4 received at `time`; returns its case id.
async fn report_at(app: &TestApp, time: &str) -> i64 {
    app.state.clock.set(at(time));
    app.report_and_get_code(Report::default().items(&[4])).await;
    crate::support::cases::newest_case(app).await.id
}

#[tokio::test]
async fn a_report_late_in_the_utc_evening_counts_in_the_next_beijing_month_and_the_median_is_exact()
{
    on_each_database(async |app| {
        // 23:00 on 30 November and 01:00 on 1 December, Beijing time.
        let november = report_at(&app, "2026-11-30T15:00:00Z").await;
        let december = report_at(&app, "2026-11-30T17:00:00Z").await;
        // Accepted after 5 h and 4 h 30 min.
        app.state.clock.set(at("2026-11-30T20:00:00Z"));
        crate::support::cases::step(&app, november, Step::Accept).await;
        app.state.clock.set(at("2026-11-30T21:30:00Z"));
        crate::support::cases::step(&app, december, Step::Accept).await;

        let from = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let to = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let rules = app.rules().await;
        let s = statistics(&app.db, &rules.calendar, from, to)
            .await
            .expect("statistics");
        assert_eq!(s.total, 2, "on {}", app.backend);
        assert_eq!(s.by_item.months, ["2026-11", "2026-12"]);
        assert_eq!(
            s.by_item.rows,
            [("item-4".to_string(), vec![1, 1], 2)],
            "on {}",
            app.backend
        );
        assert_eq!(
            s.by_district.rows,
            [(None, vec![1, 1], 2)],
            "on {}",
            app.backend
        );
        // In working days: the first was received on Monday 30 November and accepted on
        // Tuesday 1 December (Beijing): 1 day; the second on the day it came: 0.
        assert_eq!(s.median_days_to_accept, Some(0.5), "on {}", app.backend);
        assert_eq!(s.median_days_to_conclude, None);
        assert_eq!(s.accepted_on_time, Some((100.0, 2)), "on {}", app.backend);
        // December alone holds the second report only.
        let s = statistics(&app.db, &rules.calendar, to, to)
            .await
            .expect("statistics");
        assert_eq!(s.total, 1, "on {}", app.backend);
        assert_eq!(s.median_days_to_accept, Some(0.0), "on {}", app.backend);
    })
    .await;
}
