//! `jianduka backup --out FILE` and `jianduka restore FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::RestoreError;
use crate::config::Settings;
use crate::console::{CliError, say};

/// Where the backup goes.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (JSON lines; written as FILE.partial, renamed when complete).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Which backup to restore.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `jianduka backup` wrote.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Backs up the configured database; safe while the server runs.
pub async fn backup(settings: Settings, args: BackupArgs) -> Result<ExitCode, CliError> {
    let db = crate::db::connect(&settings).await?;
    let summary = super::backup(&db, &args.out).await?;
    say!(
        "backed up {} rows of {} tables to {}",
        summary.rows,
        summary.tables,
        args.out.display()
    );
    say!(
        "keep the secret key with it (DATA_DIR/secret.key or JIANDUKA_SECRET_KEY): the backup does not hold it"
    );
    Ok(ExitCode::SUCCESS)
}

/// Restores into the configured database, which must be empty.
pub async fn restore(settings: Settings, args: RestoreArgs) -> Result<ExitCode, CliError> {
    let db = crate::db::connect(&settings).await?;
    match super::restore(&db, settings.secret_key.expose(), &args.file).await {
        Ok(summary) => {
            say!(
                "restored {} rows of {} tables from {}; the audit chain verifies",
                summary.rows,
                summary.tables,
                args.file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(RestoreError::Setting(e)) => Err(CliError::Setting(e)),
        Err(RestoreError::Other(e)) => Err(CliError::Other(e)),
    }
}
