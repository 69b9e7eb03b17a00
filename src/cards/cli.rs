//! `jianduka cards …`.

use std::process::ExitCode;

use clap::Subcommand;

use crate::cli::CliError;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum CardsCommand {}

/// Runs one `cards` subcommand.
pub async fn run(_settings: Settings, command: CardsCommand) -> Result<ExitCode, CliError> {
    match command {}
}
