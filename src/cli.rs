//! The command line: `jianduka [serve|migrate|config|users|enterprises|cards] …`.
//! Each domain owns its subcommands; this file only parses, prepares the database and
//! dispatches. What commands share lives below the domains, in `console.rs`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use crate::console::CliError;
pub(crate) use crate::console::say;

use crate::app::{Application, StartupError};
use crate::config::{self, Overrides, Settings};

/// Business-environment supervision cards: print, intake, cases, deadlines.
#[derive(Debug, Parser)]
#[command(name = "jianduka", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: DATA_DIR/jianduka.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder for the SQLite database, the secret key and outputs [default: ./data].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default when no command is given).
    Serve(ServeArgs),
    /// Apply database migrations, or show their status.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Print the effective settings, secrets masked.
    Config,
    /// Manage staff accounts and their API tokens.
    #[command(subcommand)]
    Users(crate::auth::cli::UsersCommand),
    /// Manage units (inspection offices) and the districts they cover.
    #[command(subcommand)]
    Units(crate::auth::cli::UnitsCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The working-day calendar: load a year, show what is stored.
    #[command(subcommand)]
    Calendar(crate::reminders::cli::CalendarCommand),
    /// Deadlines: run the reminder tick once (for cron, or to see what a day would send).
    #[command(subcommand)]
    Sla(crate::reminders::cli::SlaCommand),
    /// Import and list the enterprise register.
    #[command(subcommand)]
    Enterprises(crate::enterprises::cli::EnterprisesCommand),
    /// Issue, render, revoke and reissue cards.
    #[command(subcommand)]
    Cards(crate::cards::cli::CardsCommand),
    /// Manage the service hall's windows that get desk signs.
    #[command(subcommand)]
    ServicePoints(crate::enterprises::cli::ServicePointsCommand),
    /// Check the deployment: settings, database, secret key, mail, calendar, public address,
    /// print assets, clock. One line each; exit 1 if any fails.
    Doctor,
    /// Write a consistent snapshot of every table to a file (safe while the server runs).
    Backup(crate::backup::cli::BackupArgs),
    /// Restore a backup into a new, empty database (SQLite or PostgreSQL).
    Restore(crate::backup::cli::RestoreArgs),
    /// Statistics: the monthly report (通报) as a PDF.
    #[command(subcommand)]
    Stats(crate::cases::cli::StatsCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole audit chain: prints "ok, N rows" or the first broken row (exit 1).
    Verify {
        /// A head printed earlier by `audit head`: the log must still hold that row, unchanged
        /// (catches rows cut off with an older head put back).
        #[arg(long, value_name = "COUNT:HASH")]
        expect: Option<crate::audit::anchor::Anchor>,
    },
    /// Check the chain, then print its head as COUNT:HASH, to keep outside the database.
    Head,
    /// Check a case dossier (PDF) against the live audit chain: exit 0 genuine (changed
    /// since the export or not), 1 not genuine, 2 not readable as a dossier.
    VerifyDossier {
        /// The dossier PDF.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// List migrations and whether each is applied.
    Status,
}

impl From<StartupError> for CliError {
    fn from(e: StartupError) -> Self {
        match e {
            StartupError::Setting(e) => CliError::Setting(e),
            StartupError::Other(e) => CliError::Other(e),
        }
    }
}

/// Parses the command line, runs the command and turns its outcome into an exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Loads the settings the command line and environment describe.
pub fn settings_for(cli: &Cli, bind: Option<String>) -> Result<Settings, config::SettingError> {
    config::load(&Overrides {
        config_file: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        bind,
    })
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let bind = match &cli.command {
        Some(Command::Serve(args)) => args.bind.clone(),
        _ => None,
    };
    if matches!(cli.command, Some(Command::Doctor)) {
        // Settings that do not load are the doctor's first finding, not the end of the run.
        crate::telemetry::init("warn", false);
        return crate::doctor::run(|| settings_for(&cli, None)).await;
    }
    let settings = settings_for(&cli, bind)?;
    // One-shot commands print their own results; their logs stay at warnings unless the
    // operator asks for more with JIANDUKA_LOG.
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    let log_set = std::env::var("JIANDUKA_LOG").is_ok_and(|v| !v.trim().is_empty());
    crate::telemetry::init(
        if serving || log_set {
            &settings.log
        } else {
            "warn"
        },
        serving,
    );
    match cli.command {
        None => serve(settings).await,
        Some(Command::Serve(_)) => serve(settings).await,
        Some(Command::Migrate { action }) => migrate(settings, action).await,
        Some(Command::Config) => {
            say!("{}", settings.describe().trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Users(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::auth::cli::run(&state, command).await
        }
        Some(Command::Units(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::auth::cli::run_units(&state, command).await
        }
        Some(Command::Audit(AuditCommand::VerifyDossier { file })) => {
            crate::dossier::cli::verify_dossier(&settings, &file).await
        }
        Some(Command::Audit(command)) => audit_verify(settings, command).await,
        Some(Command::Calendar(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::reminders::cli::run_calendar(&state, command).await
        }
        Some(Command::Sla(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::reminders::cli::run_sla(&state, command).await
        }
        Some(Command::Enterprises(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::enterprises::cli::run(&state, command).await
        }
        Some(Command::Cards(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::cards::cli::run(&state, command).await
        }
        Some(Command::ServicePoints(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::enterprises::cli::run_service_points(&state, command).await
        }
        Some(Command::Doctor) => crate::doctor::run(|| Ok(settings)).await,
        Some(Command::Backup(args)) => crate::backup::cli::backup(settings, args).await,
        Some(Command::Restore(args)) => crate::backup::cli::restore(settings, args).await,
        Some(Command::Stats(command)) => {
            let state = crate::app::state_for_command(settings).await?;
            crate::cases::cli::run(&state, command).await
        }
    }
}

async fn serve(settings: Settings) -> Result<ExitCode, CliError> {
    let app = Application::build(settings).await?;
    if let Some(password) = &app.first_admin_password {
        // Printed once, to the operator's terminal, never logged.
        say!();
        say!("  First run: created the administrator account.");
        say!("    username: admin");
        say!("    password: {password}");
        say!("  Write it down now; it is not shown again. You will be asked to change it.");
        say!();
    }
    say!(
        "jianduka listening on http://{} (public address {})",
        app.address(),
        app.state().settings.base_url()
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(settings: Settings, action: Option<MigrateAction>) -> Result<ExitCode, CliError> {
    let db = crate::db::connect(&settings).await?;
    match action.unwrap_or(MigrateAction::Up) {
        MigrateAction::Up => {
            crate::app::migrate(&db, settings.secret_key.expose()).await?;
            for (name, _) in crate::db::migration_status(&db).await? {
                say!("applied  {name}");
            }
        }
        MigrateAction::Status => {
            for (name, applied) in crate::db::migration_status(&db).await? {
                say!("{}  {name}", if applied { "applied" } else { "pending" });
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit_verify(settings: Settings, command: AuditCommand) -> Result<ExitCode, CliError> {
    use crate::audit::{Verification, anchor};
    let db = crate::db::connect(&settings).await?;
    let mut outcome = crate::audit::verify(&db, settings.secret_key.expose()).await?;
    if let (
        Verification::Intact { entries },
        AuditCommand::Verify {
            expect: Some(anchor),
        },
    ) = (&outcome, &command)
    {
        outcome = anchor::check(&db, *entries, anchor).await?;
    }
    match (outcome, command) {
        (Verification::Intact { entries }, AuditCommand::Head) => {
            let head = anchor::head(&db).await?.unwrap_or(anchor::Anchor {
                entries,
                hash: String::new(),
            });
            say!("{head}");
            Ok(ExitCode::SUCCESS)
        }
        (Verification::Intact { entries }, _) => {
            say!("ok, {entries} rows");
            Ok(ExitCode::SUCCESS)
        }
        (Verification::Broken { id, reason }, _) => {
            say!("broken at row {id}: {reason}");
            Ok(ExitCode::from(1))
        }
    }
}
