//! `jianduka audit verify-dossier FILE`: one line, and the exit status says it all — 0
//! genuine (changed since the export or not), 1 not genuine, 2 the file cannot be read as a
//! dossier.

use std::path::Path;
use std::process::ExitCode;

use super::verify::{unreadable_sentence, verify_bytes};
use crate::config::Settings;
use crate::console::{CliError, say};
use crate::i18n::{Lang, Locales};

/// Checks the dossier at `file` against the database of `settings`.
pub async fn verify_dossier(settings: &Settings, file: &Path) -> Result<ExitCode, CliError> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            say!("unreadable: cannot read {}: {e}", file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let locales = Locales::shared().map_err(CliError::Other)?;
    let db = crate::db::connect(settings).await?;
    match verify_bytes(&db, settings.secret_key.expose(), &bytes).await? {
        Ok(verdict) => {
            say!("{}", verdict.sentence(locales, Lang::En));
            Ok(ExitCode::from(if verdict.is_genuine() { 0 } else { 1 }))
        }
        Err(problem) => {
            say!("{}", unreadable_sentence(&problem, locales, Lang::En));
            Ok(ExitCode::from(2))
        }
    }
}
