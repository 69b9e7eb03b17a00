//! `jianduka enterprises …` and `jianduka service-points …`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::say;
use clap::Subcommand;

use super::import::ImportError;
use super::service_points::{self, NewServicePoint, ServicePointError};
use crate::audit::{Actor, AuditEvent};
use crate::cli::CliError;
use crate::config::Settings;

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
pub async fn run(settings: Settings, command: EnterprisesCommand) -> Result<ExitCode, CliError> {
    match command {
        EnterprisesCommand::Import { file } => import(settings, file).await,
        EnterprisesCommand::List { district, search } => list(settings, district, search).await,
    }
}

async fn import(settings: Settings, file: PathBuf) -> Result<ExitCode, CliError> {
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
    let db = crate::app::prepare_database(&settings).await?;
    let report = match super::import_file(&db, &settings, Actor::System("cli"), bytes).await {
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
    settings: Settings,
    district: Option<String>,
    search: Option<String>,
) -> Result<ExitCode, CliError> {
    let db = crate::app::prepare_database(&settings).await?;
    let mut query = super::register::Search {
        text: search,
        district,
        page: 1,
    };
    loop {
        let page = super::register::search(&db, &query)
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
    settings: Settings,
    command: ServicePointsCommand,
) -> Result<ExitCode, CliError> {
    let db = crate::app::prepare_database(&settings).await?;
    let refused = |e: ServicePointError| match e {
        ServicePointError::Db(e) => CliError::from(anyhow::Error::new(e)),
        other => CliError::Usage(other.to_string()),
    };
    let (action, point) = match command {
        ServicePointsCommand::List => {
            let points = service_points::list(&db)
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
        } => {
            let new = NewServicePoint {
                name,
                hall,
                district,
            };
            let point = service_points::create(&db, new).await.map_err(refused)?;
            say!("added {}  {}  {}", point.id, point.hall, point.name);
            ("service_point_created", point)
        }
        ServicePointsCommand::Rename { id, name } => {
            let point = service_points::rename(&db, id, &name)
                .await
                .map_err(refused)?;
            say!("renamed {}  {}  {}", point.id, point.hall, point.name);
            ("service_point_renamed", point)
        }
        ServicePointsCommand::Deactivate { id } => {
            let point = service_points::set_active(&db, id, false)
                .await
                .map_err(refused)?;
            say!("deactivated {}  {}  {}", point.id, point.hall, point.name);
            ("service_point_deactivated", point)
        }
    };
    crate::audit::append(
        &db,
        settings.secret_key.expose(),
        AuditEvent::new(Actor::System("cli"), action, "service_point", point.id).with_detail(
            serde_json::json!({ "hall": &point.hall, "name": &point.name, "active": point.active }),
        ),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
