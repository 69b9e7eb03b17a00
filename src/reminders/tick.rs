//! The deadline tick: queues each staff member's morning digest in the outbox, purges expired
//! staff sessions and report receipts, and (from the command line) sends what is queued.
//!
//! On a working day from `JIANDUKA_REMINDER_HOUR` (Beijing time) on, one tick reads the
//! active staff with an email address, skips those whose digest an earlier tick queued
//! today, lists each remaining person's queues ([`crate::cases::queues`], the same rows their
//! home page counts) and queues a digest for each person with anything in them, in one
//! transaction. Every digest's key is unique, so ticks that run twice, or on several servers
//! at once, queue each digest once (`ON CONFLICT DO NOTHING`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use tokio::sync::watch;

use super::digest::{Compose, Digest, Section};
use super::rules::{self, Recipient, SECTION_LINES};
use crate::cases::queues::{self, Day};
use crate::clock::{BEIJING, china_today};
use crate::entities::enums::Role;
use crate::entities::users;
use crate::mail::{self, SendReport, Sender};
use crate::state::AppState;

pub use super::digest::chinese_date;

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
    /// Set when the day or the hour allowed no digests.
    pub quiet: Option<Quiet>,
    /// Active staff members with an email address.
    pub staff: usize,
    /// Of those, whose digest an earlier tick queued today.
    pub already: usize,
    /// Digests this tick composed (people with something in their queues).
    pub digests: usize,
    /// Of those, how many were new in the outbox (another server may have been quicker).
    pub queued: u64,
    /// Staff sessions removed because they had expired.
    pub purged_sessions: u64,
}

/// Runs one tick at `now`: purges expired sessions, and on a working day from the reminder
/// hour on queues the digests due. Sends nothing (see [`send_queued`]).
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
        staff: 0,
        already: 0,
        digests: 0,
        queued: 0,
        purged_sessions,
    };
    let rules = state.sla.rules(&state.db, now).await?;
    let hour = state.settings.reminder_hour;
    if !rules.calendar.is_working_day(today) {
        report.quiet = Some(Quiet::DayOff);
        return Ok(report);
    }
    if now.with_timezone(&BEIJING).hour() < hour {
        report.quiet = Some(Quiet::TooEarly { hour });
        return Ok(report);
    }

    let people = recipients(&state.db).await?;
    let supervisor_mailed = people.iter().any(|p| p.role == Role::Supervisor);
    let keys: Vec<String> = people
        .iter()
        .map(|p| rules::digest_key(p.id, today))
        .collect();
    let known = mail::existing_keys(&state.db, &keys).await?;
    report.staff = people.len();
    report.already = known.len();
    let day = Day::of(&rules, now, today);
    // Only admins can load a year's calendar, so only they hear of the gaps.
    let calendar_gaps = if people.iter().any(|p| p.role == Role::Admin) {
        super::calendar_gaps::calendar_gaps(&state.db, &rules.calendar).await?
    } else {
        Vec::new()
    };
    let mut digests = Vec::new();
    for (person, key) in people.into_iter().zip(keys) {
        if known.contains(&key) {
            continue;
        }
        let mut sections = Vec::new();
        for queue in rules::sections(&person, supervisor_mailed) {
            let (cases, total) =
                queues::list(&state.db, queue, person.person(), day, SECTION_LINES).await?;
            if total > 0 {
                sections.push(Section {
                    queue,
                    cases,
                    total,
                });
            }
        }
        let calendar_gaps = match person.role {
            Role::Admin => calendar_gaps.clone(),
            _ => Vec::new(),
        };
        // Nothing needs them today: no email.
        if !sections.is_empty() || !calendar_gaps.is_empty() {
            digests.push(Digest {
                to: person,
                key,
                sections,
                calendar_gaps,
            });
        }
    }
    report.digests = digests.len();
    if !digests.is_empty() {
        let compose = Compose {
            views: state.views.clone(),
            base: state.settings.staff_base_url(),
            rules: rules.clone(),
            today,
            names: Arc::new(staff_names(&state.db).await?),
        };
        let emails = tokio::task::spawn_blocking(move || {
            digests
                .iter()
                .map(|d| compose.render(d))
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .await??;
        let txn = state.writes.begin().await?;
        report.queued = mail::enqueue_many(&*txn, emails, now).await?;
        txn.commit().await?;
        // Right after a tick has filled a fresh outbox PostgreSQL's statistics still say
        // "empty", and the next tick's key lookup would scan the table: refresh them now
        // rather than wait for autovacuum.
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
    count_statistics(&state).await;
    while crate::server::pause(every, &mut stop).await {
        match run(&state, state.clock.now()).await {
            Ok(report) if report.queued > 0 || report.purged_sessions > 0 => tracing::info!(
                queued = report.queued,
                digests = report.digests,
                purged_sessions = report.purged_sessions,
                "deadline tick"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("deadline tick failed: {e:#}"),
        }
        count_statistics(&state).await;
    }
}

/// Keeps the statistics page's default twelve months counted (see
/// [`crate::cases::count_statistics`]): a page over 1,000,000 cases then reads the kept days
/// instead of counting them.
async fn count_statistics(state: &AppState) {
    let today = china_today(state.clock.now());
    if let Err(e) = crate::cases::count_statistics(&state.db, today).await {
        tracing::warn!("counting the statistics' days failed: {e:#}");
    }
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

/// Every staff member's display name by id (an assignee may have no email address).
async fn staff_names(db: &impl ConnectionTrait) -> Result<HashMap<i64, String>, DbErr> {
    let rows: Vec<(i64, String)> = users::Entity::find()
        .select_only()
        .columns([users::Column::Id, users::Column::DisplayName])
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
