//! `jianduka enterprises …` and `jianduka service-points …`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::import::ImportError;
use super::service_points::{self, Change, NewServicePoint, ServicePointError};
use crate::audit::Actor;
use crate::console::{CliError, say};
use crate::state::AppState;

/// `jianduka enterprises …`: the register.
#[derive(Debug, Subcommand)]
pub enum EnterprisesCommand {
    /// Import the register from a CSV (UTF-8 or GB18030) or XLSX file; known USCCs are updated.
    Import {
        /// The file; its format is told from its content.
        file: PathBuf,
    },
    /// List registered enterprises (USCC, district, name), by district.
    List {
        /// Only this district.
        #[arg(long)]
        district: Option<String>,
        /// Only names or USCCs containing this text.
        #[arg(long)]
        search: Option<String>,
    },
}

/// Runs one `enterprises` subcommand.
pub async fn run(state: &AppState, command: EnterprisesCommand) -> Result<ExitCode, CliError> {
    match command {
        EnterprisesCommand::Import { file } => import(state, file).await,
        EnterprisesCommand::List { district, search } => list(state, district, search).await,
    }
}

async fn import(state: &AppState, file: PathBuf) -> Result<ExitCode, CliError> {
    let shown = file.display().to_string();
    let size = std::fs::metadata(&file)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?
        .len();
    if size > super::table::MAX_FILE_BYTES as u64 {
        return Err(CliError::Usage(format!(
            "{shown}: the file is larger than {} MB; split it into smaller files",
            super::table::MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let bytes =
        std::fs::read(&file).map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    let stamp = state.stamp(Actor::System("cli"));
    let report = match super::import_file(&state.writes, &state.settings, &stamp, bytes).await {
        Ok(report) => report,
        Err(ImportError::Other(e)) => return Err(e.into()),
        Err(ImportError::Busy) => return Err(anyhow::anyhow!("{}", ImportError::Busy).into()),
        Err(e) => return Err(CliError::Usage(format!("{shown}: {e}"))),
    };
    say!("imported:  {}", report.imported);
    say!("updated:   {}", report.updated);
    say!("unchanged: {}", report.unchanged);
    say!("rejected:  {}", report.rejected.len());
    for rejection in &report.rejected {
        say!("  line {}: {}", rejection.line, rejection.reason);
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(
    state: &AppState,
    district: Option<String>,
    search: Option<String>,
) -> Result<ExitCode, CliError> {
    let db = &state.db;
    let mut query = super::register::Search {
        text: search,
        district,
        page: 1,
    };
    loop {
        let page = super::register::search(db, &query)
            .await
            .map_err(anyhow::Error::new)?;
        for e in &page.enterprises {
            say!("{}  {}  {}", e.uscc, e.district, e.name);
        }
        if page.page >= page.pages {
            break;
        }
        query.page = page.page + 1;
    }
    Ok(ExitCode::SUCCESS)
}

/// `jianduka service-points …`: the windows that get desk signs.
#[derive(Debug, Subcommand)]
pub enum ServicePointsCommand {
    /// Add a window of a service hall (it can then get a desk sign).
    Add {
        /// The window's name, e.g. "企业开办综合窗口".
        name: String,
        /// The hall it is in, e.g. "诸暨市行政服务中心".
        #[arg(long)]
        hall: String,
        /// The district (镇街) it serves.
        #[arg(long)]
        district: Option<String>,
    },
    /// List every service point: id, active, hall, name, district.
    List,
    /// Rename a service point.
    Rename {
        /// The id `list` shows.
        id: i64,
        /// The new name.
        name: String,
    },
    /// Deactivate a service point: no new desk signs; printed ones keep working.
    Deactivate {
        /// The id `list` shows.
        id: i64,
    },
}

/// Runs one `service-points` subcommand.
pub async fn run_service_points(
    state: &AppState,
    command: ServicePointsCommand,
) -> Result<ExitCode, CliError> {
    let refused = |e: ServicePointError| match e {
        ServicePointError::Db(e) => CliError::from(e),
        other => CliError::Usage(other.to_string()),
    };
    let change = match command {
        ServicePointsCommand::List => {
            let points = service_points::list(&state.db)
                .await
                .map_err(anyhow::Error::new)?;
            for p in points {
                say!(
                    "{:>4}  {}  {}  {}  {}",
                    p.id,
                    if p.active { "active  " } else { "inactive" },
                    p.hall,
                    p.name,
                    p.district.as_deref().unwrap_or("-")
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        ServicePointsCommand::Add {
            name,
            hall,
            district,
        } => Change::Create(NewServicePoint {
            name,
            hall,
            district,
        }),
        ServicePointsCommand::Rename { id, name } => Change::Rename { id, name },
        ServicePointsCommand::Deactivate { id } => Change::SetActive { id, active: false },
    };
    let verb = match &change {
        Change::Create(_) => "added",
        Change::Rename { .. } => "renamed",
        Change::SetActive { .. } => "deactivated",
    };
    let stamp = state.stamp(Actor::System("cli"));
    let point = service_points::apply(&state.writes, &stamp, change)
        .await
        .map_err(refused)?;
    say!("{verb} {}  {}  {}", point.id, point.hall, point.name);
    Ok(ExitCode::SUCCESS)
}
