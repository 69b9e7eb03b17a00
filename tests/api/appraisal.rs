//! Appraisal (考核) figures against a month computed by hand, on both engines; the page, the
//! CSV and the monthly report (通报) in both languages; the report from the command line; and
//! the statistics page's one unit for durations and its named channels.

use chrono::{DateTime, NaiveDate, Utc};
use jianduka::access::Role;
use jianduka::cases::appraisal::{AppraisalPeriod, Tally, appraisal};
use jianduka::entities::enums::{CaseStatus, EventKind, Rating};
use jianduka::entities::{case_events, cases, units, urgings, users};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, Statement};

use crate::support::{Report, TestApp, on_each_database, temp_dir};

/// A Beijing wall-clock time ("2026-11-02 09:00") as an instant.
fn bj(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{}:00+08:00", text.replace(' ', "T")))
        .expect("time")
        .with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// What a fixture case is made of; every field not given stays empty.
#[derive(Default)]
struct Fixture {
    unit: Option<i64>,
    assignee: Option<i64>,
    status: Option<CaseStatus>,
    received: &'static str,
    accepted: Option<&'static str>,
    accept_due: Option<&'static str>,
    concluded: Option<&'static str>,
    conclude_due: Option<&'static str>,
    closed: Option<&'static str>,
    feedback_due: Option<&'static str>,
    rated: Option<(Rating, &'static str)>,
}

/// A report through the form, then its case row set to `f`; returns the case id.
async fn case(app: &TestApp, f: Fixture) -> i64 {
    app.state.clock.set(bj(f.received));
    app.report_and_get_code(Report::default().items(&[3])).await;
    let row = crate::support::cases::newest_case(app).await;
    let mut update: cases::ActiveModel = row.clone().into();
    update.unit_id = Set(f.unit);
    update.assignee_id = Set(f.assignee);
    update.status = Set(f.status.unwrap_or(CaseStatus::New));
    update.received_at = Set(bj(f.received));
    update.accepted_at = Set(f.accepted.map(bj));
    update.accept_due_on = Set(f.accept_due.map(day));
    update.concluded_at = Set(f.concluded.map(bj));
    update.conclude_due_on = Set(f.conclude_due.map(day));
    update.closed_at = Set(f.closed.map(bj));
    update.feedback_due_on = Set(f.feedback_due.map(day));
    update.rating = Set(f.rated.map(|r| r.0));
    update.rated_at = Set(f.rated.map(|r| bj(r.1)));
    update.update(&app.db).await.expect("case set");
    row.id
}

async fn event(app: &TestApp, case_id: i64, actor: Option<i64>, kind: EventKind, at: &str) {
    case_events::ActiveModel {
        case_id: Set(case_id),
        at: Set(bj(at)),
        actor_id: Set(actor),
        kind: Set(kind),
        from_status: Set(None),
        to_status: Set(match kind {
            EventKind::Status => Some(CaseStatus::Declined),
            _ => None,
        }),
        note: Set(None),
        public: Set(false),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("event");
}

/// A return (退回) as the returns feature records it: a `returned` event by the inspector.
async fn returned(app: &TestApp, case_id: i64, by: i64, at: &str) {
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO case_events (case_id, at, actor_id, kind, public) \
             VALUES ($1, $2, $3, 'returned', FALSE)"
        }
        _ => {
            "INSERT INTO case_events (case_id, at, actor_id, kind, public) \
             VALUES (?, ?, ?, 'returned', FALSE)"
        }
    };
    app.db
        .execute_raw(Statement::from_sql_and_values(
            app.db.get_database_backend(),
            sql,
            [case_id.into(), bj(at).into(), by.into()],
        ))
        .await
        .expect("return recorded");
}

async fn urged(app: &TestApp, case_id: i64, by: i64, at: &str) {
    urgings::ActiveModel {
        case_id: Set(case_id),
        urged_by: Set(by),
        note: Set("请加快办理".into()),
        requested_on: Set(bj(at).date_naive()),
        created_at: Set(bj(at)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("urging");
}

async fn unit(app: &TestApp, name: &str) -> i64 {
    units::ActiveModel {
        name: Set(name.into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("unit")
    .id
}

async fn inspector(app: &TestApp, name: &str, unit: i64) -> i64 {
    let user = app.add_user(name, Role::Inspector).await;
    let mut update: users::ActiveModel = user.clone().into();
    update.unit_id = Set(Some(unit));
    update.update(&app.db).await.expect("unit set");
    user.id
}

/// November 2026 (no holidays; the 1st is a Sunday), computed by hand:
///
/// | case | unit, person | accept stage | conclusion | answer | rating |
/// | 1 | A, a1 | 2 Nov → 3 Nov (due 5th): on time, 1 wd | 3 → 10 Nov (due 24th): on time, 5 wd | 12 Nov (due 17th): on time | satisfied |
/// | 2 | A, a1 | 2 Nov → 9 Nov (due 5th): late, 5 wd | 9 → 30 Nov (due 27th): late, 15 wd | 30 Nov (due 7 Dec): on time | not satisfied |
/// | 3 | A, a2 | in October | 29 Oct → 5 Nov (due 19th): on time, 5 wd; reopened 10 Nov | — | not satisfied |
/// | 4 | B, b1 | 16 Nov → declined 20 Nov (due 19th): late, 4 wd | | | |
/// | 5 | B, nobody | 25 Nov → 25 Nov (due 30th): on time, 0 wd | | | |
/// | 6 | A, a1 | received, nothing done | | | |
/// | 7 | B, b1 | | concluded in October | 3 Nov (due 27 Oct): late | |
/// | 8 | no unit | Fri 27 Nov 20:00 → Mon 30 Nov 23:30 (due 2 Dec): on time, 1 wd | | | |
/// | 9 | no unit | 30 Nov → 1 Dec 00:30 Beijing (16:30 UTC on 30 Nov): December | | | |
///
/// Returns: b1 on 18 Nov, a2 on 1 Nov at 07:00 Beijing (still 31 Oct in UTC). Urgings: case
/// 2 on 20 Nov and in October, case 5 on 26 Nov.
async fn november(app: &TestApp) -> (i64, i64, i64) {
    let a = unit(app, "第一纪检监察室").await;
    let b = unit(app, "第二纪检监察室").await;
    let a1 = inspector(app, "a1", a).await;
    let a2 = inspector(app, "a2", a).await;
    let b1 = inspector(app, "b1", b).await;
    use CaseStatus::*;
    let c1 = case(
        app,
        Fixture {
            unit: Some(a),
            assignee: Some(a1),
            status: Some(Closed),
            received: "2026-11-02 09:00",
            accepted: Some("2026-11-03 10:00"),
            accept_due: Some("2026-11-05"),
            concluded: Some("2026-11-10 16:00"),
            conclude_due: Some("2026-11-24"),
            closed: Some("2026-11-12 09:00"),
            feedback_due: Some("2026-11-17"),
            rated: Some((Rating::Satisfied, "2026-11-13 10:00")),
        },
    )
    .await;
    let c2 = case(
        app,
        Fixture {
            unit: Some(a),
            assignee: Some(a1),
            status: Some(Closed),
            received: "2026-11-02 09:00",
            accepted: Some("2026-11-09 10:00"),
            accept_due: Some("2026-11-05"),
            concluded: Some("2026-11-30 10:00"),
            conclude_due: Some("2026-11-27"),
            closed: Some("2026-11-30 15:00"),
            feedback_due: Some("2026-12-07"),
            rated: Some((Rating::NotSatisfied, "2026-11-30 18:00")),
        },
    )
    .await;
    let c3 = case(
        app,
        Fixture {
            unit: Some(a),
            assignee: Some(a2),
            status: Some(Investigating),
            received: "2026-10-28 09:00",
            accepted: Some("2026-10-29 09:00"),
            accept_due: Some("2026-11-02"),
            concluded: Some("2026-11-05 11:00"),
            conclude_due: Some("2026-11-19"),
            feedback_due: Some("2026-11-12"),
            rated: Some((Rating::NotSatisfied, "2026-11-09 08:00")),
            ..Fixture::default()
        },
    )
    .await;
    event(app, c3, None, EventKind::Reopened, "2026-11-10 09:00").await;
    let c4 = case(
        app,
        Fixture {
            unit: Some(b),
            assignee: Some(b1),
            status: Some(Declined),
            received: "2026-11-16 09:00",
            accept_due: Some("2026-11-19"),
            ..Fixture::default()
        },
    )
    .await;
    event(app, c4, Some(b1), EventKind::Status, "2026-11-20 10:00").await;
    let c5 = case(
        app,
        Fixture {
            unit: Some(b),
            status: Some(Accepted),
            received: "2026-11-25 09:00",
            accepted: Some("2026-11-25 11:00"),
            accept_due: Some("2026-11-30"),
            conclude_due: Some("2026-12-16"),
            ..Fixture::default()
        },
    )
    .await;
    case(
        app,
        Fixture {
            unit: Some(a),
            assignee: Some(a1),
            received: "2026-11-20 09:00",
            accept_due: Some("2026-11-25"),
            ..Fixture::default()
        },
    )
    .await;
    case(
        app,
        Fixture {
            unit: Some(b),
            assignee: Some(b1),
            status: Some(Closed),
            received: "2026-09-28 09:00",
            accepted: Some("2026-09-29 09:00"),
            accept_due: Some("2026-10-09"),
            concluded: Some("2026-10-20 09:00"),
            conclude_due: Some("2026-10-30"),
            closed: Some("2026-11-03 09:00"),
            feedback_due: Some("2026-10-27"),
            ..Fixture::default()
        },
    )
    .await;
    case(
        app,
        Fixture {
            status: Some(Accepted),
            received: "2026-11-27 20:00",
            accepted: Some("2026-11-30 23:30"),
            accept_due: Some("2026-12-02"),
            ..Fixture::default()
        },
    )
    .await;
    case(
        app,
        Fixture {
            status: Some(Accepted),
            received: "2026-11-30 09:00",
            accepted: Some("2026-12-01 00:30"),
            accept_due: Some("2026-12-03"),
            ..Fixture::default()
        },
    )
    .await;
    returned(app, c4, b1, "2026-11-18 15:00").await;
    returned(app, c1, a2, "2026-11-01 07:00").await;
    let officer = crate::support::cases::officer(app).await.id;
    urged(app, c2, officer, "2026-11-20 09:00").await;
    urged(app, c2, officer, "2026-10-20 09:00").await;
    urged(app, c5, officer, "2026-11-26 09:00").await;
    (a1, a2, b1)
}

fn rates(t: &Tally) -> [Option<String>; 7] {
    let one = |v: Option<f64>| v.map(|v| format!("{v:.1}"));
    [
        one(t.accept_rate()),
        one(t.conclude_rate()),
        one(t.answer_rate()),
        one(t.satisfaction_rate()),
        one(t.reopen_rate()),
        one(t.mean_accept_days()),
        one(t.mean_conclude_days()),
    ]
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[tokio::test]
async fn appraisal_figures_match_a_month_computed_by_hand() {
    on_each_database(async |app| {
        let (a1, a2, b1) = november(&app).await;
        let rules = app.rules().await;
        let period = AppraisalPeriod::parse("2026-11").expect("month");
        let got = appraisal(&app.db, &rules.calendar, period)
            .await
            .expect("appraisal");
        let on = app.backend;

        let total = &got.total;
        assert_eq!(
            (total.decided, total.decided_on_time, total.accept_days),
            (5, 3, 11),
            "accept stage on {on}"
        );
        assert_eq!(
            (
                total.concluded,
                total.concluded_on_time,
                total.reopened,
                total.conclude_days
            ),
            (3, 2, 1, 25),
            "conclusions on {on}"
        );
        assert_eq!(
            (total.answered, total.answered_on_time),
            (3, 2),
            "answers on {on}"
        );
        assert_eq!(
            (total.satisfied, total.not_satisfied),
            (1, 2),
            "ratings on {on}"
        );
        assert_eq!(
            (total.returned, total.urged),
            (2, 2),
            "returns, urgings on {on}"
        );
        assert_eq!(
            rates(total),
            [
                s("60.0"),
                s("66.7"),
                s("66.7"),
                s("33.3"),
                s("33.3"),
                s("2.2"),
                s("8.3")
            ],
            "on {on}"
        );

        let units: Vec<(Option<String>, Option<usize>, String)> = got
            .units
            .iter()
            .map(|u| {
                (
                    u.name.clone(),
                    u.rank,
                    format!("{:.1}", u.tally.score().unwrap_or(-1.0)),
                )
            })
            .collect();
        assert_eq!(
            units,
            vec![
                (s("第一纪检监察室"), Some(1), "63.3".into()),
                (s("第二纪检监察室"), Some(2), "25.0".into()),
                (None, None, "100.0".into()),
            ],
            "units ranked on {on}"
        );
        let unit_a = &got.units[0].tally;
        assert_eq!(
            rates(unit_a),
            [
                s("50.0"),
                s("66.7"),
                s("100.0"),
                s("33.3"),
                s("33.3"),
                s("3.0"),
                s("8.3")
            ],
            "unit A on {on}"
        );
        assert_eq!((unit_a.returned, unit_a.urged), (1, 1), "unit A on {on}");
        let unit_b = &got.units[1].tally;
        assert_eq!(
            rates(unit_b),
            [s("50.0"), None, s("0.0"), None, None, s("2.0"), None],
            "unit B on {on}"
        );
        assert_eq!((unit_b.returned, unit_b.urged), (1, 1), "unit B on {on}");

        let people: Vec<(Option<i64>, Option<usize>, Option<String>)> = got
            .inspectors
            .iter()
            .map(|p| (p.id, p.rank, p.unit.clone()))
            .collect();
        assert_eq!(
            people,
            vec![
                (Some(a1), Some(1), s("第一纪检监察室")),
                (Some(a2), Some(2), s("第一纪检监察室")),
                (Some(b1), Some(3), s("第二纪检监察室")),
            ],
            "inspectors ranked on {on}"
        );
        let [p1, p2, p3] = [0, 1, 2].map(|i| &got.inspectors[i].tally);
        assert_eq!(
            rates(p1),
            [
                s("50.0"),
                s("50.0"),
                s("100.0"),
                s("50.0"),
                s("0.0"),
                s("3.0"),
                s("10.0")
            ],
            "a1 on {on}"
        );
        assert_eq!(p1.urged, 1, "a1 on {on}");
        assert_eq!(
            rates(p2),
            [None, s("100.0"), None, s("0.0"), s("100.0"), None, s("5.0")],
            "a2 on {on}"
        );
        assert_eq!(p2.returned, 1, "a2 on {on}");
        assert_eq!(
            rates(p3),
            [s("0.0"), None, s("0.0"), None, None, s("4.0"), None],
            "b1 on {on}"
        );
        assert_eq!(p3.returned, 1, "b1 on {on}");

        // The quarter holds October to December: case 3's acceptance, case 7's conclusion
        // and case 9's acceptance join in.
        let q4 = AppraisalPeriod::parse("2026-Q4").expect("quarter");
        let got = appraisal(&app.db, &rules.calendar, q4)
            .await
            .expect("quarter");
        assert_eq!(
            (got.total.decided, got.total.concluded, got.total.urged),
            (7, 4, 3),
            "the quarter on {on}"
        );
    })
    .await;
}

/// `path`'s body as the admin sees it in `accept` (an Accept-Language).
async fn page(app: &TestApp, path: &str, accept: &str) -> (u16, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept-language", accept)
        .send()
        .await
        .expect("page");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The text of a PDF by poppler, or `None` when poppler is not installed.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = temp_dir("appraisal-pdf");
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).expect("pdf written");
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn the_appraisal_page_its_csv_and_the_monthly_report_speak_the_readers_language() {
    on_each_database(async |app| {
        november(&app).await;
        app.login_as_admin().await;
        let on = app.backend;

        let (status, zh) = page(&app, "/staff/appraisal?period=2026-11", "zh-CN").await;
        assert_eq!(status, 200, "on {on}");
        for text in [
            "考核统计 · 2026年11月",
            "受理及时率",
            "答复及时率",
            "重办率",
            "60.0%",
            "第一纪检监察室",
            "未分派科室",
        ] {
            assert!(zh.contains(text), "{text} on {on}");
        }
        let (_, en) = page(&app, "/staff/appraisal?period=2026-11", "en").await;
        for text in [
            "Appraisal · 2026-11",
            "Accepted on time",
            "Mean working days to conclude",
            "No unit (triage)",
            "66.7%",
        ] {
            assert!(en.contains(text), "{text} on {on}");
        }
        for text in ["受理及时率", "考核", "未分派科室", "appraisal_"] {
            assert!(!en.contains(text), "{text} on the English page on {on}");
        }

        let (status, csv) = page(&app, "/staff/appraisal/units.csv?period=2026-11", "zh-CN").await;
        assert_eq!(status, 200, "on {on}");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert!(
            lines[0].starts_with("排名,科室,受理/不予受理（件）,受理及时率,平均受理用时（工作日）"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1], "1,第一纪检监察室,2,50.0%,3.0,3,66.7%,8.3,100.0%,33.3%,33.3%,1,1,63.3",
            "on {on}"
        );
        assert_eq!(
            lines.last().copied(),
            Some(",合计,5,60.0%,2.2,3,66.7%,8.3,66.7%,33.3%,33.3%,2,2,58.7"),
            "on {on}"
        );

        let (status, refused) = page(&app, "/staff/appraisal?period=2026-13", "en").await;
        assert_eq!(status, 400, "on {on}");
        assert!(
            refused.contains("a month (e.g. 2026-11) or a quarter"),
            "on {on}"
        );

        for (accept, expected) in [
            (
                "zh-CN",
                [
                    "营商环境监督卡办理情况通报 · 2026年11月",
                    "科室排名",
                    "承办人排名",
                    "各科室办结及时率",
                    "第1页",
                ],
            ),
            (
                "en",
                [
                    "Supervision card cases: report · 2026-11",
                    "Units ranked",
                    "Inspectors ranked",
                    "Concluded on time, by unit",
                    "Page 1",
                ],
            ),
        ] {
            let response = app
                .client
                .get(format!(
                    "{}/staff/appraisal/report.pdf?period=2026-11",
                    app.address
                ))
                .header("accept-language", accept)
                .send()
                .await
                .expect("report");
            assert_eq!(response.status(), 200, "on {on}");
            assert_eq!(response.headers()["content-type"], "application/pdf");
            let pdf = response.bytes().await.expect("pdf");
            assert!(pdf.starts_with(b"%PDF-"), "on {on}");
            if let Some(text) = pdf_text(&pdf) {
                for line in expected {
                    assert!(
                        text.contains(line),
                        "{line} in the {accept} report on {on}:\n{text}"
                    );
                }
                assert!(text.contains("第一纪检监察室"), "on {on}");
                assert!(text.contains("63.3"), "on {on}");
            }
        }
        let exported = jianduka::entities::audit_log::Entity::find()
            .all(&app.db)
            .await
            .expect("audit")
            .into_iter()
            .filter(|row| row.subject_type == "appraisal")
            .count();
        assert_eq!(exported, 3, "one CSV and two reports audited on {on}");
    })
    .await;
}

#[tokio::test]
async fn the_command_line_writes_the_monthly_report_and_refuses_a_month_that_is_not_one() {
    on_each_database(async |app| {
        november(&app).await;
        let dir = temp_dir("appraisal-cli");
        let out = dir.join("tongbao.pdf");
        let run = |args: &[&str]| {
            let mut cmd = crate::support::jianduka_binary();
            cmd.arg("--data-dir")
                .arg(&dir)
                .args(args)
                .env("JIANDUKA_DATABASE_URL", app.settings.database_url.expose())
                .env(
                    "JIANDUKA_SECRET_KEY",
                    std::str::from_utf8(app.settings.secret_key.expose()).expect("key"),
                );
            cmd.output().expect("the binary runs")
        };
        let out_text = out.to_str().expect("utf-8");
        let done = run(&["stats", "report", "--month", "2026-11", "--out", out_text]);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        let pdf = std::fs::read(&out).expect("the report is written");
        if let Some(text) = pdf_text(&pdf) {
            assert!(text.contains("2026年11月"), "on {}: {text}", app.backend);
            assert!(text.contains("第二纪检监察室"), "on {}", app.backend);
        }
        let refused = run(&["stats", "report", "--month", "November", "--out", out_text]);
        assert_eq!(refused.status.code(), Some(2), "on {}", app.backend);
        assert!(String::from_utf8_lossy(&refused.stderr).contains("'November' is not a month"));
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[tokio::test]
async fn the_statistics_page_names_channels_and_counts_durations_in_working_days() {
    on_each_database(async |app| {
        // Received Friday 27 Nov, accepted Monday 30 Nov: one working day.
        let id = case(
            &app,
            Fixture {
                status: Some(CaseStatus::Accepted),
                received: "2026-11-27 10:00",
                accepted: Some("2026-11-30 10:00"),
                accept_due: Some("2026-12-02"),
                ..Fixture::default()
            },
        )
        .await;
        let report_id = cases::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("case")
            .report_id;
        app.db
            .execute_unprepared(&format!(
                "UPDATE reports SET channel = 'visit' WHERE id = {report_id}"
            ))
            .await
            .expect("channel set");
        app.login_as_admin().await;
        let period = "from=2026-11&to=2026-11";
        let (_, en) = page(&app, &format!("/staff/stats?{period}"), "en").await;
        assert!(en.contains("Door-to-door visit"), "on {}", app.backend);
        assert!(!en.contains(">visit<"), "on {}", app.backend);
        assert!(en.contains("1.0 working days"), "on {}", app.backend);
        let (_, zh) = page(&app, &format!("/staff/stats?{period}"), "zh-CN").await;
        assert!(zh.contains("上门发放"), "on {}", app.backend);
        assert!(zh.contains("1.0 个工作日"), "on {}", app.backend);
        assert!(
            zh.contains("/staff/appraisal/report.pdf?period="),
            "on {}",
            app.backend
        );
        let (_, csv) = page(&app, &format!("/staff/stats/timing.csv?{period}"), "zh-CN").await;
        assert!(csv.contains("受理用时中位数（工作日）,1.0"), "{csv}");
        assert!(!csv.contains("小时"), "{csv}");
        let (_, csv) = page(
            &app,
            &format!("/staff/stats/channels.csv?{period}"),
            "zh-CN",
        )
        .await;
        assert!(csv.contains("上门发放,1,1"), "{csv}");
    })
    .await;
}
