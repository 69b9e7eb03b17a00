//! `jianduka calendar …` and `jianduka sla tick`: the working-day calendar and the deadline
//! tick from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::audit::Actor;
use crate::console::{CliError, say};
use crate::deadlines::calendar_file::{self, CalendarError};
use crate::state::AppState;

use super::tick::{self, Quiet};

/// `jianduka calendar` subcommands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load a year's official holidays and swapped working days (the shipped TOML shape, or
    /// holiday-cn JSON), replacing what the database holds for that year.
    Load { file: PathBuf },
    /// Each stored year: official arrangement or weekends only, and its source.
    Status,
}

/// `jianduka sla` subcommands.
#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Run one deadline tick: queue the digests due, purge expired sessions,
    /// then send what is queued (over JIANDUKA_SMTP_URL). Safe to run again: nothing is
    /// queued or sent twice.
    Tick {
        /// Run as if it were this instant (RFC 3339, e.g. 2026-12-02T09:00:00+08:00).
        #[arg(long, value_name = "RFC3339", value_parser = instant)]
        now: Option<DateTime<Utc>>,
    },
}

fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| format!("'{text}' is not an RFC 3339 instant, e.g. 2026-12-02T09:00:00+08:00"))
}

/// Runs one `sla` subcommand.
pub async fn run_sla(state: &AppState, command: SlaCommand) -> Result<ExitCode, CliError> {
    let SlaCommand::Tick { now } = command;
    if let Some(at) = now {
        state.clock.set(at);
    }
    let now = state.clock.now();
    let report = tick::run(state, now)
        .await
        .map_err(|e| CliError::Other(e.context("the tick failed")))?;
    let day = tick::chinese_date(report.today);
    match report.quiet {
        Some(Quiet::DayOff) => say!("{} {day}: not a working day, no digests", report.today),
        Some(Quiet::TooEarly { hour }) => say!(
            "{} {day}: before {hour:02}:00 Beijing time, today's digests go out from then",
            report.today
        ),
        None => say!(
            "{} {day}: {} staff with an email address, {} digests queued earlier today, {} composed, {} newly queued",
            report.today,
            report.staff,
            report.already,
            report.digests,
            report.queued
        ),
    }
    if report.purged_sessions > 0 {
        say!("removed {} expired sessions", report.purged_sessions);
    }
    if state.settings.smtp_url.is_none() {
        let waiting = crate::mail::counts(&state.db).await?.queued;
        say!("JIANDUKA_SMTP_URL is not set: {waiting} emails wait in the outbox");
        return Ok(ExitCode::SUCCESS);
    }
    let sent = tick::send_queued(state, now)
        .await
        .map_err(|e| CliError::Other(e.context("sending failed")))?;
    say!(
        "mail: {} sent, {} to retry later, {} failed",
        sent.sent,
        sent.retrying,
        sent.failed
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs one `calendar` subcommand.
pub async fn run_calendar(
    state: &AppState,
    command: CalendarCommand,
) -> Result<ExitCode, CliError> {
    match command {
        CalendarCommand::Load { file } => {
            let shown = file.display().to_string();
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.clone());
            let stamp = state.stamp(Actor::System("cli"));
            let years = calendar_file::load_file(&state.writes, &stamp, &bytes, &name)
                .await
                .map_err(|e| match e {
                    CalendarError::Db(e) => CliError::from(e),
                    other => CliError::Usage(format!("{shown}: {other}")),
                })?;
            state.sla.forget();
            for year in years {
                say!("loaded {year}");
            }
        }
        CalendarCommand::Status => {
            for year in calendar_file::status(&state.db).await? {
                let kind = if year.published {
                    format!(
                        "official: {} days off, {} weekend working days",
                        year.days_off, year.working_weekend_days
                    )
                } else {
                    "NOT PUBLISHED: Monday to Friday only until it is loaded".to_string()
                };
                say!("{}\t{kind}\t{}", year.year, year.source);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
