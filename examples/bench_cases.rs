//! Benchmark of the case tables at scale: the deadline tick and the case list.
//!
//! ```text
//! cargo run --release --example bench_cases -- sqlite 1000000 10000
//! cargo run --release --example bench_cases -- postgres://postgres@127.0.0.1:5432/postgres 1000000 10000
//! cargo run --release --example bench_cases -- sqlite 100000 10000      # the list at 100k
//! ```
//!
//! Seeds CASES cases (reports included) in a fresh database — all closed but DUE, whose open
//! deadlines run from five working days overdue to three ahead, some with an unhappy
//! reporter, an unread reply or a pending extension request — with ten units of seven
//! inspectors and ten supervisors (80 staff), all with email addresses. Then it times one
//! deadline tick at 09:00 on a working day (each person's queues listed, their digests
//! rendered and queued in one transaction: at most one per person), the same tick again
//! (everything already queued; then once more after ANALYZE), and the case list a supervisor
//! and an inspector open (first page by deadline, a later page, a district filter), and
//! prints the query plans of the digest's heaviest queues and of the list.
//! PostgreSQL: a database of its own is created on the server named and dropped afterwards.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jianduka::access::Role;
use jianduka::cases::{CaseFilter, CaseScope, Cursor, case_rows, list_cases};
use jianduka::entities::users;
use jianduka::i18n::Lang;
use jianduka::reminders::tick;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, Statement, Value,
};

const CHUNK: i64 = 100_000;
const INSPECTORS_PER_UNIT: i64 = 7;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let target = args.get(1).map_or("sqlite", String::as_str).to_string();
    let total: i64 = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let due: i64 = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("jianduka-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (database_url, dropper) = if target == "sqlite" {
        (
            format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
            None,
        )
    } else {
        let name = format!("jd_bench_{}", std::process::id());
        let admin = sea_orm::Database::connect(&target).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let mut url = url::Url::parse(&target)?;
        url.set_path(&format!("/{name}"));
        (url.to_string(), Some((admin, name)))
    };
    let env = |key: &str| match key {
        "JIANDUKA_DATABASE_URL" => Some(database_url.clone()),
        "JIANDUKA_SECRET_KEY" => Some("bench-secret-key-0123456789abcdef-0123456789".into()),
        "JIANDUKA_PUBLIC_BASE_URL" => Some("https://jb.example.gov.cn".into()),
        "JIANDUKA_LOG" => Some("warn".into()),
        _ => None,
    };
    let settings = jianduka::config::load_from(
        &jianduka::config::Overrides {
            data_dir: Some(dir.clone()),
            ..Default::default()
        },
        env,
    )?;
    let state = jianduka::app::state_for_command(settings).await?;
    let db = state.db.clone();
    // Wed 2 Dec 2026, 09:00 Beijing time.
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-12-02T09:00:00+08:00")?.into();
    state.clock.set(now);

    let started = Instant::now();
    let staff = seed_staff(&db, now).await?;
    seed_cases(&state, &db, total, due, now, &staff).await?;
    println!(
        "{}: seeded {total} cases ({due} with an open deadline) in {:.1} s",
        backend_name(&db),
        started.elapsed().as_secs_f64()
    );

    // The tick.
    let first = Instant::now();
    let report = tick::run(&state, now).await?;
    let first = first.elapsed();
    let again = Instant::now();
    let repeat = tick::run(&state, now).await?;
    let again = again.elapsed();
    println!(
        "tick: {} staff with email, {} digests composed, {} queued in {}",
        report.staff,
        report.digests,
        report.queued,
        ms(first)
    );
    anyhow::ensure!(
        report.queued <= report.staff as u64,
        "at most one digest per person"
    );
    println!(
        "tick again, right after: {} queued in {}",
        repeat.queued,
        ms(again)
    );
    // Autovacuum analyses a table within a minute of such an insert; ticks are minutes apart.
    db.execute_unprepared("ANALYZE").await?;
    let steady = Instant::now();
    let third = tick::run(&state, now).await?;
    println!(
        "tick again, statistics current: {} queued in {}",
        third.queued,
        ms(steady.elapsed())
    );
    // The plans of the digest's most demanding queues: an inspector's red, unread and
    // untaken cases, a supervisor's pending requests, a unit supervisor's red cases and
    // unhappy reporters.
    {
        use jianduka::cases::queues::{self, Day, Person, Queue};
        use jianduka::entities::cases as case_table;
        use sea_orm::{QueryFilter, QueryTrait};
        let rules = state.sla.rules(&db, now).await?;
        let day = Day::of(&rules, now, jianduka::clock::china_today(now));
        let inspector = Person {
            id: staff.inspector,
            role: Role::Inspector,
            unit_id: Some(staff.first_unit),
        };
        let supervisor = Person {
            id: staff.supervisor,
            role: Role::Supervisor,
            unit_id: None,
        };
        // A supervisor of unit 0 (their own id does not enter the conditions).
        let unit_supervisor = Person {
            unit_id: Some(staff.first_unit),
            ..supervisor
        };
        for (queue, person) in [
            (Queue::Red, inspector),
            (Queue::Unread, inspector),
            (Queue::Untaken, inspector),
            (Queue::Requests, supervisor),
            (Queue::Red, unit_supervisor),
            (Queue::Unhappy, unit_supervisor),
        ] {
            let sql = case_table::Entity::find()
                .filter(person.scope().condition())
                .filter(queues::condition(queue, person, day))
                .build(db.get_database_backend())
                .to_string();
            print_plan(&db, &sql).await?;
        }
    }

    // The list.
    let rules = state.sla.rules(&db, now).await?;
    let today = jianduka::clock::china_today(now);
    let supervisor = users::Entity::find_by_id(staff.supervisor)
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the supervisor"))?;
    let inspector = users::Entity::find_by_id(staff.inspector)
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the inspector"))?;
    let by_district = CaseFilter {
        district: Some("街道3".into()),
        ..Default::default()
    };
    let everything = CaseFilter::default();
    for (label, user, filter) in [
        ("supervisor, by deadline", &supervisor, &everything),
        ("inspector (own unit), by deadline", &inspector, &everything),
        ("supervisor, one district", &supervisor, &by_district),
    ] {
        let scope = CaseScope::of(user);
        let mut times = Vec::new();
        let mut next = None;
        for _ in 0..21 {
            let t = Instant::now();
            let page = list_cases(&db, scope, filter, today, None).await?;
            case_rows(&db, &rules, &page.cases, today, Lang::Zh).await?;
            times.push(t.elapsed());
            next = page.next;
        }
        times.sort();
        // A later page: 400 rows in, through the keyset cursor.
        let mut cursor: Option<Cursor> = next;
        for _ in 0..7 {
            let page = list_cases(&db, scope, filter, today, cursor).await?;
            cursor = page.next;
        }
        let t = Instant::now();
        let page = list_cases(&db, scope, filter, today, cursor).await?;
        case_rows(&db, &rules, &page.cases, today, Lang::Zh).await?;
        let later = t.elapsed();
        println!(
            "list, {label}: first page median {} (max {}), page 9 {}",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
            ms(later)
        );
    }
    let list = format!(
        "SELECT * FROM cases WHERE (unit_id = {} OR assignee_id = {}) AND due_on IS NOT NULL \
         ORDER BY due_on, id LIMIT 51",
        inspector.unit_id.unwrap_or_default(),
        inspector.id
    );
    print_plan(&db, &list).await?;

    drop(state);
    drop(db);
    if let Some((admin, name)) = dropper {
        admin
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => "PostgreSQL",
        DatabaseBackend::Sqlite => "SQLite",
        _ => "other",
    }
}

async fn print_plan(db: &DatabaseConnection, sql: &str) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let explain = match backend {
        DatabaseBackend::Postgres => format!("EXPLAIN (ANALYZE, COSTS OFF) {sql}"),
        _ => format!("EXPLAIN QUERY PLAN {sql}"),
    };
    println!("plan of: {sql}");
    for row in db
        .query_all_raw(Statement::from_string(backend, explain))
        .await?
    {
        let line: String = match backend {
            DatabaseBackend::Postgres => row.try_get_by_index(0)?,
            _ => row.try_get_by_index(3)?,
        };
        println!("    {line}");
    }
    Ok(())
}

struct Seeded {
    first_unit: i64,
    first_inspector: i64,
    supervisor: i64,
    inspector: i64,
}

/// Ten units (districts 街道0…街道9) of seven inspectors, two supervisors of no unit and one
/// for each of units 0–7: 80 staff, every one with an email address.
async fn seed_staff(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<Seeded> {
    use jianduka::entities::{unit_districts, units};
    use sea_orm::{ActiveModelTrait, Set};
    let mut unit_ids = Vec::new();
    for n in 0..10 {
        let unit = units::ActiveModel {
            name: Set(format!("第{n}纪检监察组")),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        unit_districts::ActiveModel {
            unit_id: Set(unit.id),
            district: Set(format!("街道{n}")),
            ..Default::default()
        }
        .insert(db)
        .await?;
        unit_ids.push(unit.id);
    }
    let person = |name: String, role: Role, unit: Option<i64>| users::ActiveModel {
        username: Set(name.clone()),
        display_name: Set(name.clone()),
        email: Set(Some(format!("{name}@jb.example.gov.cn"))),
        password_hash: Set("not-a-login".into()),
        role: Set(role),
        unit_id: Set(unit),
        failed_logins: Set(0),
        must_change_password: Set(false),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    };
    let mut first_inspector = 0;
    let mut inspector = 0;
    for (u, unit) in unit_ids.iter().enumerate() {
        for k in 0..INSPECTORS_PER_UNIT {
            let row = person(format!("inspector{u}x{k}"), Role::Inspector, Some(*unit))
                .insert(db)
                .await?;
            if first_inspector == 0 {
                first_inspector = row.id;
                inspector = row.id;
            }
        }
    }
    let supervisor = person("supervisor0".into(), Role::Supervisor, None)
        .insert(db)
        .await?
        .id;
    person("supervisor1".into(), Role::Supervisor, None)
        .insert(db)
        .await?;
    for (n, unit) in unit_ids.iter().take(8).enumerate() {
        person(
            format!("supervisor{}", n + 2),
            Role::Supervisor,
            Some(*unit),
        )
        .insert(db)
        .await?;
    }
    Ok(Seeded {
        first_unit: unit_ids[0],
        first_inspector,
        supervisor,
        inspector,
    })
}

/// `total` reports and their cases, in chunks; then `due` of them opened with deadlines from
/// five working days overdue to three ahead.
async fn seed_cases(
    state: &jianduka::state::AppState,
    db: &DatabaseConnection,
    total: i64,
    due: i64,
    now: DateTime<Utc>,
    staff: &Seeded,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let version = jianduka::negative_list::current(db).await?.id;
    let p = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    // Every `stride`-th case gets an open deadline; units (and districts) follow
    // id / stride, so the open cases spread over all ten units.
    let stride = (total / due.max(1)).max(1);
    let mut lo = 1;
    while lo <= total {
        let hi = (lo + CHUNK - 1).min(total);
        let series = format!(
            "WITH RECURSIVE s(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM s WHERE n < {hi})"
        );
        let reports = format!(
            "INSERT INTO reports (received_at, list_version_id, description, anonymous, source, \
             from_revoked_card, language, query_code_hash, district) \
             {series} SELECT {}, {version}, 'bench', TRUE, 'web', FALSE, 'zh', 'bench-' || n, \
             '街道' || ((n / {stride}) % 10) FROM s",
            p(1)
        );
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            reports,
            [Value::from(now)],
        ))
        .await?;
        lo = hi + 1;
    }
    // Cases of every report: closed, no deadline; unit and district from the report's number.
    let cases = format!(
        "INSERT INTO cases (number, report_id, status, unit_id, received_at, needs_supervisor, \
         updated_at, version, district, from_revoked_card, closed_at) \
         SELECT 'JD2026-' || r.id, r.id, 'closed', {} + ((r.id / {stride}) % 10), r.received_at, \
         FALSE, r.received_at, 1, r.district, FALSE, r.received_at FROM reports r",
        staff.first_unit
    );
    db.execute_unprepared(&cases).await?;
    // The open ones, in nine deadline buckets; three in four assigned to an inspector of
    // their unit.
    let rules = state.sla.rules(db, now).await?;
    let today = jianduka::clock::china_today(now);
    for bucket in 0..9_i64 {
        let offset = bucket - 5;
        let day = if offset < 0 {
            let mut d = today;
            for _ in 0..(-offset) {
                d = d.pred_opt().unwrap_or(d);
                while !rules.calendar.is_working_day(d) {
                    d = d.pred_opt().unwrap_or(d);
                }
            }
            d
        } else {
            rules.calendar.add_working_days(today, offset as u32)
        };
        let update = format!(
            "UPDATE cases SET status = 'new', closed_at = NULL, due_on = {p1}, accept_due_on = {p1}, \
             assignee_id = CASE WHEN (id / {stride}) % 4 = 0 THEN NULL \
               ELSE {first} + {per} * ((id / {stride}) % 10) + ((id / {stride} / 10) % {per}) END \
             WHERE id % {stride} = 0 AND (id / {stride}) % 9 = {bucket} AND id / {stride} <= {due}",
            p1 = p(1),
            first = staff.first_inspector,
            per = INSPECTORS_PER_UNIT,
        );
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            update,
            [Value::from(day)],
        ))
        .await?;
    }
    // The supervisors' queues and the inspectors' replies: one open case in 13 with an
    // unhappy reporter, one in 7 with a reply nobody has read, one in 11 with a pending
    // extension request.
    let open = format!("id % {stride} = 0 AND due_on IS NOT NULL");
    db.execute_unprepared(&format!(
        "UPDATE cases SET needs_supervisor = TRUE WHERE {open} AND (id / {stride}) % 13 = 0"
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE cases SET reporter_activity_at = {} WHERE {open} AND (id / {stride}) % 7 = 0",
            p(1)
        ),
        [Value::from(now)],
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO extensions (case_id, stage, working_days, reason, requested_by, \
             requested_at) SELECT id, 'accept', 5, 'bench', {}, {} FROM cases \
             WHERE {open} AND (id / {stride}) % 11 = 0",
            staff.first_inspector,
            p(1)
        ),
        [Value::from(now)],
    ))
    .await?;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}
