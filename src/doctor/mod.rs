//! `jianduka doctor`: checks a deployment before the first report arrives. One line per check,
//! `ok` or `FAIL` and what was found; exit status 1 if any check failed. It changes nothing: no
//! migration, no seeding, no email sent.

mod checks;

use std::process::ExitCode;

use crate::config::{self, Settings};
use crate::console::{CliError, say};

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The check's name, as printed (`database`, `smtp` …).
    pub check: &'static str,
    /// Whether the deployment passes it.
    pub ok: bool,
    /// What was found, or what to fix, in one line.
    pub detail: String,
}

impl Finding {
    fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            ok: true,
            detail: detail.into(),
        }
    }

    fn fail(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            ok: false,
            detail: detail.into(),
        }
    }

    /// `ok    smtp         reachable …` / `FAIL  calendar     2027 …`.
    pub fn line(&self) -> String {
        let status = if self.ok { "ok" } else { "FAIL" };
        let detail = self.detail.lines().next().unwrap_or_default();
        format!("{status:<5} {:<12} {detail}", self.check)
    }
}

/// Runs every check on the settings `load` gives; prints one line each. The settings are
/// loaded here rather than before the command, so that a broken configuration is a failed
/// check like any other instead of the end of the run.
pub async fn run(
    load: impl FnOnce() -> Result<Settings, config::SettingError>,
) -> Result<ExitCode, CliError> {
    let findings = match load() {
        Ok(settings) => {
            let mut findings = vec![Finding::ok(
                "config",
                format!("settings valid (data dir {})", settings.data_dir.display()),
            )];
            findings.extend(check_all(&settings).await);
            findings
        }
        Err(e) => vec![Finding::fail("config", e.to_string())],
    };
    for finding in &findings {
        say!("{}", finding.line());
    }
    Ok(if findings.iter().all(|f| f.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Every check after the configuration, in the order an administrator fixes them.
pub async fn check_all(settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    match crate::db::connect(settings).await {
        Err(e) => {
            findings.push(Finding::fail("database", e.to_string()));
            for check in ["secret key", "calendar", "clock"] {
                findings.push(Finding::fail(
                    check,
                    "not checked: the database is unreachable",
                ));
            }
        }
        Ok(db) => {
            let migrated = checks::database(&db).await;
            let usable = migrated.ok;
            findings.push(migrated);
            if usable {
                findings.push(checks::secret_key(&db, settings).await);
                findings.push(checks::calendar(&db, crate::clock::Clock::system().now()).await);
            } else {
                for check in ["secret key", "calendar"] {
                    findings.push(Finding::fail(
                        check,
                        "not checked: the database schema is not current",
                    ));
                }
            }
            findings.push(checks::clock(&db).await);
            db.close().await.ok();
        }
    }
    findings.push(checks::smtp(settings).await);
    findings.push(checks::public_url(settings));
    findings.push(checks::print_assets(settings).await);
    findings
}
