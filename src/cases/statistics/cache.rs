//! Day facts kept in `statistics_days`, so that a page counts again only the days whose cases
//! changed since they were last counted.
//!
//! Each day has a generation, raised by a trigger on `cases` in the transaction of every
//! change that the statistics would see (the migration `m20261207_000009` lists the columns),
//! and facts stored with the generation they were counted at; they hold while the two agree.
//! A day is counted again like this:
//!
//! 1. its row is made if there is none;
//! 2. its generation `g` is read;
//! 3. its cases are counted, in snapshots taken after 2;
//! 4. the facts are stored only `WHERE generation = g`.
//!
//! A change that the counts in 3 missed commits after 3 began, so its trigger's raise, made in
//! the same transaction, commits after 2 read `g`. If it is committed before 4, no row matches;
//! if it is still open, 4 waits for it (the row's lock on PostgreSQL, the write lock on SQLite)
//! and then matches no row; if it comes after 4, it raises the generation past what 4 stored.
//! So facts kept never miss a change; at worst a count is thrown away and done again by the
//! next page. (A change to a day with no row yet makes the row: its transaction then holds the
//! day's key, and 1 waits for it.)

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use super::Dialect;
use super::day::{self, DayFacts, FORMAT};

/// Rows written by one statement.
const CHUNK: usize = 500;

/// Runs of days counted by one set of statements (two values each).
const RUNS: usize = 200;

#[derive(Debug, FromQueryResult)]
struct Kept {
    day: String,
    generation: i64,
    facts_generation: Option<i64>,
    facts: Option<String>,
}

impl Kept {
    /// The facts, if they were counted at the day's current generation in this format.
    fn current(&self) -> Option<DayFacts> {
        if self.facts_generation != Some(self.generation) {
            return None;
        }
        let facts: DayFacts = serde_json::from_str(self.facts.as_deref()?).ok()?;
        (facts.format == FORMAT).then_some(facts)
    }
}

/// Runs of consecutive days to count again, each day with the generation read (`None`: no
/// row, so nothing to keep).
type Runs = Vec<Vec<(NaiveDate, Option<i64>)>>;

/// One count at a time in this process: pages that find the same days out of date at once
/// wait for the first count and then read what it kept, instead of each counting them all
/// (eight cold pages at once took twice the time and memory of one).
static COUNTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The facts of each Beijing day from `start` up to (not including) `end`, by date
/// (`YYYY-MM-DD`): kept ones where they are current, the
/// others counted (all of them by one set of counts, a period per run of consecutive days)
/// and kept.
pub(super) async fn facts(
    db: &impl ConnectionTrait,
    dialect: &Dialect,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<String, DayFacts>, DbErr> {
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d < end).collect();
    let (facts, runs) = kept(db, dialect, &days).await?;
    if runs.is_empty() {
        return Ok(facts);
    }
    let _turn = COUNTING.lock().await;
    let (mut facts, runs) = kept(db, dialect, &days).await?;
    // Each run one period of a count: its days' cases found by receipt time.
    for runs in runs.chunks(RUNS) {
        let periods: Vec<_> = runs
            .iter()
            .filter_map(|run| {
                let (start, _) = run.first()?;
                let (last, _) = run.last()?;
                let end = last.checked_add_days(Days::new(1))?;
                Some((
                    super::beijing_midnight(*start),
                    super::beijing_midnight(end),
                ))
            })
            .collect();
        let mut counted = day::count(db, dialect, &periods).await?;
        let mut keep = Vec::new();
        for (day, generation) in runs.iter().flatten() {
            let key = text(*day);
            let counted = counted.remove(&key).unwrap_or_default();
            if let Some(generation) = generation {
                let json =
                    serde_json::to_string(&counted).map_err(|e| DbErr::Custom(e.to_string()))?;
                keep.push((key.clone(), *generation, json));
            }
            facts.insert(key, counted);
        }
        for chunk in keep.chunks(CHUNK) {
            store(db, dialect, chunk).await?;
        }
    }
    Ok(facts)
}

/// The current kept facts of `days` (consecutive, oldest first), and the runs of days that
/// are out of date. Makes the rows of days that have none.
async fn kept(
    db: &impl ConnectionTrait,
    dialect: &Dialect,
    days: &[NaiveDate],
) -> Result<(BTreeMap<String, DayFacts>, Runs), DbErr> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok((BTreeMap::new(), Vec::new()));
    };
    let (first, last) = (text(*first), text(*last));
    let mut kept = read(db, dialect, &first, &last).await?;
    let missing: Vec<String> = days
        .iter()
        .map(|d| text(*d))
        .filter(|d| !kept.contains_key(d))
        .collect();
    if !missing.is_empty() {
        add_rows(db, dialect, &missing).await?;
        kept = read(db, dialect, &first, &last).await?;
    }
    let mut facts = BTreeMap::new();
    let mut runs: Runs = Vec::new();
    let mut previous_stale = false;
    for day in days {
        let key = text(*day);
        let row = kept.remove(&key);
        if let Some(current) = row.as_ref().and_then(Kept::current) {
            facts.insert(key, current);
            previous_stale = false;
            continue;
        }
        let stale = (*day, row.map(|r| r.generation));
        match runs.last_mut() {
            Some(run) if previous_stale => run.push(stale),
            _ => runs.push(vec![stale]),
        }
        previous_stale = true;
    }
    Ok((facts, runs))
}

fn text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The kept rows of the days `first` to `last`, by day.
async fn read(
    db: &impl ConnectionTrait,
    dialect: &Dialect,
    first: &str,
    last: &str,
) -> Result<BTreeMap<String, Kept>, DbErr> {
    let statement = dialect.with_values(
        "SELECT day, generation, facts_generation, facts FROM statistics_days \
         WHERE day >= $1 AND day <= $2",
        vec![first.into(), last.into()],
    );
    Ok(Kept::find_by_statement(statement)
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.day.clone(), row))
        .collect())
}

/// Makes a row (generation 0, nothing counted) for each of `days` that has none.
async fn add_rows(
    db: &impl ConnectionTrait,
    dialect: &Dialect,
    days: &[String],
) -> Result<(), DbErr> {
    for chunk in days.chunks(CHUNK) {
        let places: Vec<String> = (1..=chunk.len()).map(|i| format!("(${i}, 0)")).collect();
        let values: Vec<Value> = chunk.iter().map(|d| d.as_str().into()).collect();
        let sql = format!(
            "INSERT INTO statistics_days (day, generation) VALUES {} \
             ON CONFLICT (day) DO NOTHING",
            places.join(", ")
        );
        db.execute_raw(dialect.with_values(&sql, values)).await?;
    }
    Ok(())
}

/// Keeps each (day, generation, facts) as the day's, if its generation is still the one
/// given: one statement for all of them.
async fn store(
    db: &impl ConnectionTrait,
    dialect: &Dialect,
    rows: &[(String, i64, String)],
) -> Result<(), DbErr> {
    let mut places = Vec::with_capacity(rows.len());
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 3);
    for (i, (day, generation, facts)) in rows.iter().enumerate() {
        places.push(format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
        values.extend([
            day.as_str().into(),
            (*generation).into(),
            facts.as_str().into(),
        ]);
    }
    let sql = format!(
        "WITH counted (day, generation, facts) AS (VALUES {}) \
         UPDATE statistics_days SET facts = counted.facts, \
           facts_generation = counted.generation \
         FROM counted \
         WHERE statistics_days.day = counted.day \
           AND statistics_days.generation = counted.generation",
        places.join(", ")
    );
    db.execute_raw(dialect.with_values(&sql, values)).await?;
    Ok(())
}
