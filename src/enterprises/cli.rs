//! `jianduka enterprises …`.

use std::process::ExitCode;

use clap::Subcommand;

use crate::cli::CliError;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum EnterprisesCommand {}

/// Runs one `enterprises` subcommand.
pub async fn run(_settings: Settings, command: EnterprisesCommand) -> Result<ExitCode, CliError> {
    match command {}
}
