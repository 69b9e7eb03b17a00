//! `jianduka calendar …` and `jianduka sla tick`: the working-day calendar and the deadline
//! tick from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::audit::Actor;
use crate::cli::output::{CliError, say};
use crate::sla::calendar_file::{self, CalendarError};
use crate::state::AppState;

/// `jianduka calendar` subcommands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load a year's official holidays and swapped working days (the shipped TOML shape, or
    /// holiday-cn JSON), replacing what the database holds for that year.
    Load { file: PathBuf },
    /// Each stored year: official arrangement or weekends only, and its source.
    Status,
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
