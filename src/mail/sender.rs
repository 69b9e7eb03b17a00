//! The sender: claims due rows, hands each to the SMTP server outside any transaction, and
//! records what became of it under the lease it holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DbErr;
use tokio::sync::watch;

use super::outbox::{self, Mark, backoff};
use crate::config::Settings;
use crate::db::WriteGate;
use crate::entities::email_outbox;

/// How long a claim holds its rows, in real time whatever the domain clock says. A pass starts
/// no new email after a third of it, and the SMTP timeout bounds the email in flight, so a
/// pass ends well inside its lease.
pub const LEASE: Duration = Duration::minutes(5);

/// Per SMTP command (connect, EHLO, MAIL, RCPT, DATA…).
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Why a sender cannot be built from the settings.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("JIANDUKA_SMTP_URL cannot be used: {0}")]
    SmtpUrl(String),
    #[error("JIANDUKA_MAIL_FROM: {0}")]
    From(String),
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Rows this pass took.
    pub claimed: usize,
    /// Accepted by the SMTP server.
    pub sent: usize,
    /// Failed this time; queued again with a later `next_attempt_at`.
    pub retrying: usize,
    /// Given up (out of attempts, or not sendable).
    pub failed: usize,
    /// Given back untried (the pass ran out of time or was stopped).
    pub released: usize,
    /// Outcomes not recorded because the lease had meanwhile passed to another sender.
    pub lost_leases: usize,
}

/// What became of one email sent at once (the admin's test email).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The SMTP server accepted it.
    Accepted,
    /// It did not; the row stays queued (or failed) with this error.
    Refused(String),
    /// No SMTP server is configured: the row stays queued.
    NotConfigured,
    /// Another sender holds it right now (or it is not queued).
    Busy,
}

/// Sends due outbox rows over SMTP. Cheap to keep, one per process and loop; the SMTP
/// connections are pooled.
pub struct Sender {
    smtp: Option<Smtp>,
    instance: String,
    message_id_domain: String,
    batch: u64,
    max_attempts: i32,
    passes: AtomicU64,
    stop: Option<watch::Receiver<bool>>,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Sender {
    /// A sender configured by `settings`: without `smtp_url` it sends nothing and every row
    /// stays queued. Builds the connection pool, so it needs the tokio runtime.
    pub fn new(settings: &Settings) -> Result<Self, SetupError> {
        let smtp = match &settings.smtp_url {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    // lettre's message names no secret, but say only what kind it was.
                    .map_err(|e| SetupError::SmtpUrl(kind_of(&e).to_string()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                let from = settings
                    .mail_from
                    .as_deref()
                    .ok_or_else(|| SetupError::From("not set".into()))?
                    .parse::<Mailbox>()
                    .map_err(|e| SetupError::From(e.to_string()))?;
                Some(Smtp { transport, from })
            }
        };
        let instance = format!(
            "{}-{}",
            std::process::id(),
            crate::crypto::random_token::<6>().unwrap_or_default()
        );
        Ok(Self {
            smtp,
            instance,
            message_id_domain: settings
                .public_base_url
                .host_str()
                .unwrap_or("jianduka.invalid")
                .to_string(),
            batch: u64::from(settings.mail_batch),
            max_attempts: i32::try_from(settings.mail_max_attempts).unwrap_or(i32::MAX),
            passes: AtomicU64::new(0),
            stop: None,
        })
    }

    /// Names this sender in the leases it takes (by default the process id and a random
    /// suffix, unique per sender).
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = instance.into();
        self
    }

    /// Ends a pass early, between two emails, once `stop` reads true: the untried rows are
    /// given back at once.
    pub fn with_stop(mut self, stop: watch::Receiver<bool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Whether an SMTP server is configured.
    pub fn is_configured(&self) -> bool {
        self.smtp.is_some()
    }

    /// One pass: claims up to `mail_batch` due rows, sends each, records each outcome.
    /// Without an SMTP server it does nothing.
    #[tracing::instrument(name = "send", level = "debug", skip_all)]
    pub async fn send_due(
        &self,
        writes: &WriteGate,
        now: DateTime<Utc>,
    ) -> Result<SendReport, DbErr> {
        let Some(smtp) = &self.smtp else {
            return Ok(SendReport::default());
        };
        let token = self.next_token();
        let rows = outbox::claim(writes, &token, None, self.batch, now, wall_now(), LEASE).await?;
        self.deliver(smtp, writes, &token, rows, now).await
    }

    /// Sends row `id` now if it is queued and free (the admin's test email), and says
    /// whether the server accepted it.
    pub async fn send_one(
        &self,
        writes: &WriteGate,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Delivery, DbErr> {
        let Some(smtp) = &self.smtp else {
            return Ok(Delivery::NotConfigured);
        };
        let token = self.next_token();
        let rows = outbox::claim(writes, &token, Some(id), 1, now, wall_now(), LEASE).await?;
        if rows.is_empty() {
            return Ok(Delivery::Busy);
        }
        let report = self.deliver(smtp, writes, &token, rows, now).await?;
        if report.sent == 1 {
            return Ok(Delivery::Accepted);
        }
        let error = outbox::find_by_id(writes.db(), id)
            .await?
            .and_then(|row| row.last_error)
            .unwrap_or_default();
        Ok(Delivery::Refused(error))
    }

    /// A claim token unique to this pass, so that a later pass of the same sender never
    /// mistakes an old lease for its own.
    fn next_token(&self) -> String {
        let pass = self.passes.fetch_add(1, Ordering::Relaxed);
        format!("{}/{pass}", self.instance)
    }

    async fn deliver(
        &self,
        smtp: &Smtp,
        writes: &WriteGate,
        token: &str,
        rows: Vec<email_outbox::Model>,
        now: DateTime<Utc>,
    ) -> Result<SendReport, DbErr> {
        let mut report = SendReport {
            claimed: rows.len(),
            ..SendReport::default()
        };
        // Wall time, not the domain clock: the lease is real time another sender waits out.
        let started = Instant::now();
        let budget = (LEASE / 3).to_std().unwrap_or_default();
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            if started.elapsed() > budget || self.stopping() {
                let mut untried = vec![row.id];
                untried.extend(rows.map(|r| r.id));
                report.released = untried.len();
                outbox::release(writes, &untried, token).await?;
                break;
            }
            let (mark, error) = match self.message(smtp, &row, now) {
                Err(why) => {
                    tracing::warn!(outbox_id = row.id, "email cannot be built: {why}");
                    (Mark::Failed, Some(why))
                }
                Ok(message) => match smtp.transport.send(message).await {
                    Ok(_) => (Mark::Sent, None),
                    Err(e) => {
                        let attempts = row.attempts + 1;
                        let mark = if attempts >= self.max_attempts {
                            Mark::Failed
                        } else {
                            Mark::Retry(now + backoff(attempts))
                        };
                        // The server's text may quote the address: the log gets the kind.
                        tracing::warn!(
                            outbox_id = row.id,
                            attempts,
                            "SMTP refused or unreachable: {}",
                            kind_of(&e)
                        );
                        (mark, Some(e.to_string()))
                    }
                },
            };
            if !outbox::record(writes, &row, token, mark, error.as_deref(), now).await? {
                tracing::warn!(
                    outbox_id = row.id,
                    "lease lost before the outcome was recorded"
                );
                report.lost_leases += 1;
                continue;
            }
            match mark {
                Mark::Sent => report.sent += 1,
                Mark::Retry(_) => report.retrying += 1,
                Mark::Failed => report.failed += 1,
            }
        }
        Ok(report)
    }

    fn stopping(&self) -> bool {
        self.stop.as_ref().is_some_and(|stop| *stop.borrow())
    }

    /// The email of `row`; an error text when it cannot be an email at all (a bad address).
    fn message(
        &self,
        smtp: &Smtp,
        row: &email_outbox::Model,
        now: DateTime<Utc>,
    ) -> Result<Message, String> {
        let to: Mailbox = row
            .to_addr
            .parse()
            .map_err(|_| "the recipient is not an email address".to_string())?;
        let builder = Message::builder()
            .from(smtp.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .date(now.into())
            .message_id(Some(message_id(&row.dedupe_key, &self.message_id_domain)))
            .header(AutoSubmitted);
        let built = match &row.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(row.body_text.clone())),
        };
        built.map_err(|e| format!("the email cannot be built: {e}"))
    }
}

/// The real time, to whole microseconds as the databases store it. Leases are promises between
/// processes, and every process reads the same wall clock; the domain clock (which tests and
/// `sla tick --now` set) only decides what is due.
pub fn wall_now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// `<sha256(dedupe_key) in hex@host of the public base URL>`: the same key always gives the
/// same Message-ID, so a resend after a crash between the server's acceptance and its
/// record is recognisable downstream.
pub fn message_id(dedupe_key: &str, domain: &str) -> String {
    format!(
        "<{}@{domain}>",
        crate::crypto::sha256_hex(dedupe_key.as_bytes())
    )
}

/// A lettre error by kind, without the server's text (which may quote an address).
fn kind_of(e: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = e.status() {
        format!("server answered {code}")
    } else if e.is_timeout() {
        "timed out".into()
    } else if e.is_tls() {
        "TLS failed".into()
    } else if e.is_client() {
        "client error".into()
    } else {
        "could not connect".into()
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): auto-responders do not answer it.
#[derive(Clone)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_the_same_for_the_same_key_and_differs_otherwise() {
        let a = message_id("reminder:case:1:accept", "jb.example.gov.cn");
        assert_eq!(a, message_id("reminder:case:1:accept", "jb.example.gov.cn"));
        assert_ne!(a, message_id("reminder:case:2:accept", "jb.example.gov.cn"));
        assert!(a.starts_with('<') && a.ends_with("@jb.example.gov.cn>"));
        assert_eq!(a.len(), 1 + 64 + 1 + "jb.example.gov.cn".len() + 1);
    }
}
