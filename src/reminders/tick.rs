//! The deadline tick: turns today's due dates into reminder and digest emails in the outbox,
//! purges expired staff sessions, and (from the command line) sends what is queued.
//!
//! One tick reads the cases whose open deadline falls within [`DIGEST_DAYS`] working days or
//! has passed — a range scan of the `(due_on, id)` index, since `due_on` is NULL once no stage
//! is open — and the active staff with an email address, lets the pure rules of
//! [`super::rules`] decide who hears of what, skips the keys an earlier tick queued, and
//! queues the rest in one transaction. Every email's key is unique, so ticks that run twice,
//! or on several servers at once, queue each email once (`ON CONFLICT DO NOTHING`).
//!
//! Reminders go out on working days only, from `JIANDUKA_REMINDER_HOUR` (Beijing time) on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use tokio::sync::watch;

use super::rules::{self, DIGEST_DAYS, DueCase, Recipient, Reminder, Rule, Staff};
use crate::clock::{BEIJING, china_today};
use crate::deadlines::calendar::WorkingCalendar;
use crate::entities::enums::MailKind;
use crate::entities::{cases, users};
use crate::i18n::Lang;
use crate::mail::{self, OutgoingEmail, SendReport, Sender};
use crate::state::AppState;

/// Why a tick queued nothing today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quiet {
    /// Today is a weekend or a public holiday.
    DayOff,
    /// It is earlier than the reminder hour.
    TooEarly { hour: u32 },
}

/// What one tick did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TickReport {
    /// The Beijing date the tick ran for.
    pub today: NaiveDate,
    /// Set when the day or the hour allowed no reminders.
    pub quiet: Option<Quiet>,
    /// Cases with a deadline within the digest horizon or past.
    pub due_cases: usize,
    /// Reminder and digest emails today's rules call for.
    pub reminders: usize,
    pub digests: usize,
    /// Of those, how many were new in the outbox (the rest an earlier tick queued).
    pub queued: u64,
    /// Staff sessions removed because they had expired.
    pub purged_sessions: u64,
}

/// Runs one tick at `now`: purges expired sessions, and on a working day from the reminder
/// hour on queues the reminders and digests due. Sends nothing (see [`send_queued`]).
#[tracing::instrument(name = "tick", level = "debug", skip_all, fields(queued = tracing::field::Empty))]
pub async fn run(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<TickReport> {
    let purged_sessions = crate::access::session::purge_expired(
        &state.db,
        now,
        crate::access::session::SessionPolicy::of(&state.settings),
    )
    .await?;
    crate::intake::purge_expired_receipts(&state.db, now).await?;
    let today = china_today(now);
    let mut report = TickReport {
        today,
        quiet: None,
        due_cases: 0,
        reminders: 0,
        digests: 0,
        queued: 0,
        purged_sessions,
    };
    let rules = state.sla.rules(&state.db, now).await?;
    let calendar = &rules.calendar;
    let hour = state.settings.reminder_hour;
    if !calendar.is_working_day(today) {
        report.quiet = Some(Quiet::DayOff);
        return Ok(report);
    }
    if now.with_timezone(&BEIJING).hour() < hour {
        report.quiet = Some(Quiet::TooEarly { hour });
        return Ok(report);
    }

    let horizon = calendar.add_working_days(today, DIGEST_DAYS);
    let due = due_cases(&state.db, horizon).await?;
    let staff = Staff::new(recipients(&state.db).await?);
    let reminders = rules::reminders(calendar, &staff, &due, today);
    let digests: Vec<(&Recipient, String, Vec<&DueCase>)> = staff
        .inspectors()
        .filter_map(|person| {
            rules::digest(calendar, person, &due, today).map(|(key, cases)| (person, key, cases))
        })
        .collect();
    report.due_cases = due.len();
    report.reminders = reminders.len();
    report.digests = digests.len();

    let keys: Vec<String> = reminders
        .iter()
        .map(|r| r.key.clone())
        .chain(digests.iter().map(|(_, key, _)| key.clone()))
        .collect();
    let known = mail::existing_keys(&state.db, &keys).await?;
    let by_id: HashMap<i64, &DueCase> = due.iter().map(|c| (c.id, c)).collect();
    let mut jobs = Vec::new();
    for reminder in reminders.into_iter().filter(|r| !known.contains(&r.key)) {
        if let Some(case) = by_id.get(&reminder.case_id) {
            jobs.push(Job::Reminder(reminder, (*case).clone()));
        }
    }
    for (person, key, cases) in digests
        .into_iter()
        .filter(|(_, key, _)| !known.contains(key))
    {
        let cases = cases.into_iter().cloned().collect();
        jobs.push(Job::Digest(person.clone(), key, cases));
    }
    let compose = Compose {
        views: state.views.clone(),
        base: state
            .settings
            .public_base_url
            .as_str()
            .trim_end_matches('/')
            .to_string(),
        rules: rules.clone(),
        today,
        staff: Arc::new(staff),
    };
    let emails = render_all(compose, jobs).await?;
    if !emails.is_empty() {
        let txn = state.writes.begin().await?;
        report.queued = mail::enqueue_many(&*txn, emails, now).await?;
        txn.commit().await?;
        // Right after a tick has filled a fresh outbox PostgreSQL's statistics still say
        // "empty", and the next tick's key lookup would scan the table (15 s instead of 0.1 s
        // at the benchmark's size): refresh them now rather than wait for autovacuum.
        if report.queued > 0 && state.db.get_database_backend() == DbBackend::Postgres {
            state.db.execute_unprepared("ANALYZE email_outbox").await?;
        }
    }
    tracing::Span::current().record("queued", report.queued);
    Ok(report)
}

/// Sends what is queued and due at `now`, pass after pass until a pass comes back short
/// (the command line's "then send"; `serve` has its own sender loop).
pub async fn send_queued(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<SendReport> {
    let sender = Sender::new(&state.settings)?;
    let mut total = SendReport::default();
    if !sender.is_configured() {
        return Ok(total);
    }
    loop {
        let pass = sender.send_due(&state.writes, now).await?;
        total.claimed += pass.claimed;
        total.sent += pass.sent;
        total.retrying += pass.retrying;
        total.failed += pass.failed;
        total.released += pass.released;
        if pass.claimed < state.settings.mail_batch as usize || pass.sent == 0 {
            return Ok(total);
        }
    }
}

/// The tick of a running server: every `tick_interval_seconds` (the first one interval
/// after start) until `stop` reads true or its sender is dropped.
pub async fn run_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = StdDuration::from_secs(u64::from(state.settings.tick_interval_seconds));
    while crate::server::pause(every, &mut stop).await {
        match run(&state, state.clock.now()).await {
            Ok(report) if report.queued > 0 || report.purged_sessions > 0 => tracing::info!(
                queued = report.queued,
                reminders = report.reminders,
                digests = report.digests,
                purged_sessions = report.purged_sessions,
                "deadline tick"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("deadline tick failed: {e:#}"),
        }
    }
}

/// The open deadlines up to `horizon`, overdue ones included, earliest first.
async fn due_cases(db: &impl ConnectionTrait, horizon: NaiveDate) -> Result<Vec<DueCase>, DbErr> {
    cases::Entity::find()
        .select_only()
        .columns([
            cases::Column::Id,
            cases::Column::Number,
            cases::Column::Status,
            cases::Column::UnitId,
            cases::Column::AssigneeId,
            cases::Column::DueOn,
        ])
        .filter(cases::Column::DueOn.lte(horizon))
        .order_by_asc(cases::Column::DueOn)
        .order_by_asc(cases::Column::Id)
        .into_model::<DueCase>()
        .all(db)
        .await
}

/// The active staff with an email address.
async fn recipients(db: &impl ConnectionTrait) -> Result<Vec<Recipient>, DbErr> {
    let people = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Email.is_not_null())
        .all(db)
        .await?;
    Ok(people
        .into_iter()
        .filter_map(|user| {
            let email = user.email.filter(|e| !e.trim().is_empty())?;
            Some(Recipient {
                id: user.id,
                role: user.role,
                unit_id: user.unit_id,
                email,
                display_name: user.display_name,
            })
        })
        .collect())
}

/// `12月3日（周四）`: a deadline as the emails write it.
pub fn chinese_date(day: NaiveDate) -> String {
    let weekday = match day.weekday() {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!("{}月{}日（周{weekday}）", day.month(), day.day())
}

/// A digest line's state: `逾期 2 个工作日`, `今天到期`, `还剩 3 个工作日`.
fn state_label(calendar: &WorkingCalendar, today: NaiveDate, due: NaiveDate) -> String {
    let left = calendar.working_days_between(today, due);
    match left {
        0 => "今天到期".to_string(),
        n if n < 0 => format!("逾期 {} 个工作日", -n),
        n => format!("还剩 {n} 个工作日"),
    }
}

/// One email to render.
enum Job {
    Reminder(Reminder, DueCase),
    Digest(Recipient, String, Vec<DueCase>),
}

/// Renders the emails of one tick; cheap to clone (one per rendering thread).
#[derive(Clone)]
struct Compose {
    views: crate::web::Views,
    /// The public base URL without its trailing slash.
    base: String,
    rules: Arc<crate::deadlines::SlaRules>,
    today: NaiveDate,
    staff: Arc<Staff>,
}

/// Renders `jobs` on up to as many blocking threads as there are cores (a busy day is tens
/// of thousands of emails), keeping their order.
async fn render_all(compose: Compose, jobs: Vec<Job>) -> anyhow::Result<Vec<OutgoingEmail>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    let per = jobs.len().div_ceil(workers).max(256);
    let mut jobs = jobs.into_iter().peekable();
    let mut parts = Vec::new();
    while jobs.peek().is_some() {
        let part: Vec<Job> = jobs.by_ref().take(per).collect();
        let compose = compose.clone();
        parts.push(tokio::task::spawn_blocking(move || {
            part.iter()
                .map(|job| match job {
                    Job::Reminder(reminder, case) => compose.reminder(reminder, case),
                    Job::Digest(person, key, cases) => {
                        compose.digest(person, key, &cases.iter().collect::<Vec<_>>())
                    }
                })
                .collect::<anyhow::Result<Vec<_>>>()
        }));
    }
    let mut emails = Vec::new();
    for part in parts {
        emails.extend(part.await??);
    }
    Ok(emails)
}

#[derive(Serialize)]
struct DigestLine {
    number: String,
    stage: &'static str,
    due: String,
    state: String,
    overdue: bool,
    link: String,
}

impl Compose {
    fn link(&self, case_id: i64) -> String {
        format!("{}/staff/cases/{case_id}", self.base)
    }

    fn reminder(&self, reminder: &Reminder, case: &DueCase) -> anyhow::Result<OutgoingEmail> {
        let to = self
            .staff
            .get(reminder.to)
            .ok_or_else(|| anyhow::anyhow!("recipient {} vanished", reminder.to))?;
        let assignee = case
            .assignee_id
            .and_then(|id| self.staff.get(id))
            .map(|p| p.display_name.clone());
        let overdue_days = -self
            .rules
            .calendar
            .working_days_between(self.today, reminder.due_on);
        let ctx = minijinja::context! {
            name => to.display_name,
            number => case.number,
            stage => reminder.stage.label(Lang::Zh),
            rule => reminder.rule.as_str(),
            due => chinese_date(reminder.due_on),
            overdue_days => overdue_days.max(0),
            assignee => assignee,
            link => self.link(case.id),
        };
        let email = mail::render(&self.views, "reminder", ctx)?;
        let kind = match reminder.rule {
            Rule::Overdue => MailKind::Escalation,
            Rule::Before | Rule::Due => MailKind::Reminder,
        };
        Ok(email.addressed(to.email.clone(), reminder.key.clone(), kind, Some(case.id)))
    }

    fn digest(
        &self,
        person: &Recipient,
        key: &str,
        cases: &[&DueCase],
    ) -> anyhow::Result<OutgoingEmail> {
        let lines: Vec<DigestLine> = cases
            .iter()
            .filter_map(|case| {
                let stage = case.status.open_stage()?;
                let due = case.due_on?;
                Some(DigestLine {
                    number: case.number.clone(),
                    stage: stage.label(Lang::Zh),
                    due: chinese_date(due),
                    state: state_label(&self.rules.calendar, self.today, due),
                    overdue: due < self.today,
                    link: self.link(case.id),
                })
            })
            .collect();
        let overdue = lines.iter().filter(|l| l.overdue).count();
        let ctx = minijinja::context! {
            name => person.display_name,
            date => chinese_date(self.today),
            cases => lines,
            overdue => overdue,
            list_link => format!("{}/staff/cases", self.base),
        };
        let email = mail::render(&self.views, "digest", ctx)?;
        Ok(email.addressed(
            person.email.clone(),
            key.to_string(),
            MailKind::Digest,
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_written_with_month_day_and_weekday() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        assert_eq!(chinese_date(day), "12月3日（周四）");
    }

    #[test]
    fn a_digest_line_says_how_far_off_or_overdue_a_deadline_is() {
        let calendar = crate::deadlines::calendar::shipped().expect("calendar");
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        // Wed 2 Dec: due Mon 7 Dec is three working days off; Fri 27 Nov three overdue.
        assert_eq!(state_label(&calendar, day(2), day(7)), "还剩 3 个工作日");
        assert_eq!(state_label(&calendar, day(2), day(2)), "今天到期");
        let nov = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        assert_eq!(state_label(&calendar, day(2), nov), "逾期 3 个工作日");
    }
}
