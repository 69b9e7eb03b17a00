//! `jianduka stats report`: the monthly report (通报) as a PDF file, the same document the
//! statistics page's button gives.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::appraisal::AppraisalPeriod;
use super::pages::appraisal::monthly_report;
use crate::console::{CliError, say};
use crate::i18n::Lang;
use crate::state::AppState;

/// `jianduka stats` subcommands.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Write the report (通报) of a month, or a quarter, as a printable A4 PDF: the
    /// appraisal of every unit and inspector, ranked.
    Report {
        /// The month, e.g. 2026-11 (or a quarter, e.g. 2026-Q4).
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// The report's language: zh-CN (the default) or en.
        #[arg(long, value_name = "LANG", default_value = "zh-CN")]
        lang: String,
    },
}

/// Runs one `stats` subcommand.
pub async fn run(state: &AppState, command: StatsCommand) -> Result<ExitCode, CliError> {
    let StatsCommand::Report { month, out, lang } = command;
    let period = AppraisalPeriod::parse(&month).ok_or_else(|| {
        CliError::Usage(format!(
            "'{month}' is not a month (e.g. 2026-11) or a quarter (e.g. 2026-Q4)"
        ))
    })?;
    let lang = Lang::parse(&lang)
        .ok_or_else(|| CliError::Usage(format!("'{lang}' is not a language: zh-CN or en")))?;
    let pdf = monthly_report(state, lang, period)
        .await
        .map_err(|e| CliError::Other(anyhow::anyhow!("the report could not be made: {e}")))?;
    std::fs::write(&out, &pdf)
        .map_err(|e| CliError::Other(anyhow::anyhow!("writing {}: {e}", out.display())))?;
    say!(
        "wrote the report of {} to {} ({} bytes)",
        period.code(),
        out.display(),
        pdf.len()
    );
    Ok(ExitCode::SUCCESS)
}
