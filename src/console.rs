//! What every command shares, below the domains: printing that survives a closed pipe, and the
//! error that becomes a one-line message and an exit status.

/// `println!` that never panics: a closed pipe (`jianduka … | head`) just ends the output.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
pub(crate) use say;

use crate::config::SettingError;

/// A command's failure: one line on stderr, then exit status 2 for a setting or a usage
/// mistake, 1 for anything else.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A setting cannot be used (exit 2).
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The command line asks for something that cannot be done (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Anything else (exit 1).
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for CliError {
    fn from(e: sea_orm::DbErr) -> Self {
        CliError::Other(anyhow::Error::new(e))
    }
}

impl CliError {
    /// The process exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Setting(_) | CliError::Usage(_) => 2,
            CliError::Other(_) => 1,
        }
    }
}
