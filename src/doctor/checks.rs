//! The checks themselves. Each reads only, and says in one line what it found.

use chrono::{DateTime, Utc};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use sea_orm::{DatabaseConnection, DbBackend};

use super::Finding;
use crate::config::Settings;

/// How far the database's clock may be from this machine's before deadlines and sessions
/// would be judged on different times.
const CLOCK_TOLERANCE_SECONDS: i64 = 5;

/// How long the SMTP check waits for each step.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reachable, and every migration this program knows applied (none unknown to it).
pub async fn database(db: &DatabaseConnection) -> Finding {
    let engine = match db.get_database_backend() {
        DbBackend::Postgres => "PostgreSQL",
        _ => "SQLite",
    };
    let status = match crate::db::migration_status(db).await {
        Ok(status) => status,
        Err(e) => return Finding::fail("database", format!("{engine}: {e:#}")),
    };
    let pending: Vec<&str> = status
        .iter()
        .filter(|(_, applied)| !applied)
        .map(|(name, _)| name.as_str())
        .collect();
    if pending.is_empty() {
        Finding::ok(
            "database",
            format!(
                "{engine} reachable, all {} migrations applied",
                status.len()
            ),
        )
    } else {
        Finding::fail(
            "database",
            format!(
                "{engine} reachable, {} of {} migrations pending ({}): run `jianduka migrate`",
                pending.len(),
                status.len(),
                pending.join(", ")
            ),
        )
    }
}

/// The configured key is the one the database was first used with.
pub async fn secret_key(db: &DatabaseConnection, settings: &Settings) -> Finding {
    let expected = crate::db::key_fingerprint(settings.secret_key.expose());
    match crate::db::stored_key_fingerprint(db).await {
        Ok(Some(stored)) if stored == expected => {
            Finding::ok("secret key", "matches the fingerprint the database keeps")
        }
        Ok(Some(_)) => Finding::fail(
            "secret key",
            "JIANDUKA_SECRET_KEY differs from the key this database was first used with \
             (query codes, sessions and the audit chain would not verify)",
        ),
        Ok(None) => Finding::ok(
            "secret key",
            "no fingerprint yet: the first `jianduka serve` records this key's",
        ),
        Err(e) => Finding::fail("secret key", format!("cannot read the settings table: {e}")),
    }
}

/// The official holidays of this year and the next (Beijing time) are loaded.
pub async fn calendar(db: &DatabaseConnection, now: DateTime<Utc>) -> Finding {
    let this_year = crate::clock::beijing_year(now);
    let years = match crate::deadlines::calendar_file::status(db).await {
        Ok(years) => years,
        Err(e) => return Finding::fail("calendar", format!("cannot read the calendar: {e}")),
    };
    let missing: Vec<String> = [this_year, this_year + 1]
        .into_iter()
        .filter(|year| !years.iter().any(|y| y.year == *year && y.published))
        .map(|year| year.to_string())
        .collect();
    if missing.is_empty() {
        Finding::ok(
            "calendar",
            format!(
                "official holidays of {this_year} and {} loaded",
                this_year + 1
            ),
        )
    } else {
        Finding::fail(
            "calendar",
            format!(
                "the official holidays of {} are not loaded: deadlines would count Monday to \
                 Friday only; load them with `jianduka calendar load FILE`",
                missing.join(" and ")
            ),
        )
    }
}

/// The database server's clock agrees with this machine's.
pub async fn clock(db: &DatabaseConnection) -> Finding {
    let before = Utc::now();
    let theirs = match crate::db::database_clock(db).await {
        Ok(time) => time,
        Err(e) => return Finding::fail("clock", format!("cannot read the database's clock: {e}")),
    };
    let after = Utc::now();
    // Compared with the middle of the round trip, so a slow network is not a wrong clock.
    let ours = before + (after - before) / 2;
    let skew = (theirs - ours).num_milliseconds();
    let shown = format!("{:.1} s", skew as f64 / 1000.0);
    if skew.abs() <= CLOCK_TOLERANCE_SECONDS * 1000 {
        Finding::ok("clock", format!("agrees with the database's ({shown})"))
    } else {
        Finding::fail(
            "clock",
            format!(
                "this machine's clock is {shown} off the database's (at most \
                 {CLOCK_TOLERANCE_SECONDS} s): synchronise both with NTP"
            ),
        )
    }
}

/// Connects, greets, secures and logs in as the mail sender would; sends nothing.
pub async fn smtp(settings: &Settings) -> Finding {
    let Some(url) = &settings.smtp_url else {
        return Finding::fail(
            "smtp",
            "JIANDUKA_SMTP_URL is not set: reminders and escalations would wait in the outbox",
        );
    };
    if settings.mail_from.is_none() {
        return Finding::fail("smtp", "JIANDUKA_MAIL_FROM is not set");
    }
    let shown = crate::config::mask_url_password(url.expose());
    let transport: AsyncSmtpTransport<Tokio1Executor> =
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose()) {
            // lettre's parse errors can quote the URL, password included: say only where.
            Ok(builder) => builder.timeout(Some(SMTP_TIMEOUT)).build(),
            Err(_) => {
                return Finding::fail("smtp", format!("JIANDUKA_SMTP_URL {shown} cannot be used"));
            }
        };
    match transport.test_connection().await {
        Ok(true) => Finding::ok(
            "smtp",
            format!("{shown}: connected, greeted, secured and logged in as configured"),
        ),
        Ok(false) => Finding::fail("smtp", format!("{shown}: the server did not answer NOOP")),
        Err(e) => Finding::fail("smtp", format!("{shown}: {}", error_chain(&e))),
    }
}

/// Well-formed (the settings parsed it) and an address an enterprise's phone can open.
pub fn public_url(settings: &Settings) -> Finding {
    let url = settings.base_url();
    let local = settings
        .public_base_url
        .host()
        .is_none_or(|host| crate::cards::address::is_local_host(&host));
    if local {
        return Finding::fail(
            "public url",
            format!(
                "JIANDUKA_PUBLIC_BASE_URL {url} is local: no enterprise's phone could open \
                 the QR codes"
            ),
        );
    }
    if settings.public_base_url.scheme() != "https" {
        return Finding::fail(
            "public url",
            format!(
                "JIANDUKA_PUBLIC_BASE_URL {url} is not https: reports would cross the network readable"
            ),
        );
    }
    Finding::ok("public url", format!("{url} (QR codes point here)"))
}

/// The card templates and fonts load, as the renderer would load them.
pub async fn print_assets(settings: &Settings) -> Finding {
    let source = crate::cards::assets::PrintAssets::with_folder(settings.print_assets.as_deref());
    let font = settings.card_font.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        crate::cards::shared_assets(&source, font.as_deref())
            .map(|assets| (assets.template_names(), source.describe()))
            .map_err(|e| source.blame(e))
    })
    .await;
    match loaded {
        Ok(Ok((names, from))) => Finding::ok(
            "print assets",
            format!("templates {} from {from}; fonts load", names.join(", ")),
        ),
        Ok(Err(e)) => Finding::fail("print assets", format!("{e:#}")),
        Err(e) => Finding::fail("print assets", format!("loading stopped: {e}")),
    }
}

/// An error and its causes on one line (lettre puts the useful part in the source).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text.lines().collect::<Vec<_>>().join(" ")
}
