//! Typed settings, each declared once: as a field of [`Settings`], whose doc comment says what
//! it is, whose type says what it holds and whose serde attributes give its default and its
//! check. The field name is the `jianduka.toml` key; `JIANDUKA_` and the name in capitals is
//! the environment variable (`intake_client_limit` ↔ `JIANDUKA_INTAKE_CLIENT_LIMIT`).
//!
//! Layers, lowest first: built-in defaults, an optional `jianduka.toml` (in the data dir, or
//! named by `--config` / `JIANDUKA_CONFIG`), `JIANDUKA_*` environment variables, the command
//! line. Every failure names the setting's variable, so a broken configuration ends the
//! process with one clear line.

mod default;
mod layers;
mod mask;
mod parse;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize, Serializer};
use url::Url;

use layers::Layers;
pub use mask::mask_url_password;
use mask::{masked_optional_secret, masked_optional_url, masked_url};

/// A configuration problem, reported as `SETTING: what is wrong`.
/// The issuer name until one is configured: it names no city, so cards warn about it.
pub const DEFAULT_ORG_NAME: &str = "市纪委监委";
/// The English form of [`DEFAULT_ORG_NAME`].
pub const DEFAULT_ORG_NAME_EN: &str =
    "Municipal Commission for Discipline Inspection and Supervision";

#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct SettingError {
    /// The environment variable the problem is about (`JIANDUKA_CONFIG` for the file itself).
    pub setting: Cow<'static, str>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl SettingError {
    /// A problem with `setting`. The message is folded onto one line (parsers such as
    /// TOML's answer in several), so the operator always reads one line.
    pub fn new(setting: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let folded = message
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && *line != "|")
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            setting: setting.into(),
            message: folded,
        }
    }
}

/// A value that must never be printed or logged: its `Debug` and `Serialize` show `****`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The secret itself; call only where it is used, never to print it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl<T> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("****")
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

/// The server's key for query-code hashes, session tokens and CSRF tokens (32+ bytes).
pub type SecretKey = Secret<Vec<u8>>;

/// Where the data lives: embedded SQLite or a PostgreSQL server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// The effective settings of one process: one field per setting, and nothing else.
///
/// To add a setting, add a field: a doc comment, its type, `#[serde(default = …)]` unless
/// absent means `None`, and `deserialize_with` a check in `parse` if its text needs one.
/// The file key, the environment variable, the loader and `describe()` follow from it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server listens on.
    #[serde(default = "default::bind", deserialize_with = "parse::bind")]
    pub bind: SocketAddr,
    /// Folder for the SQLite database, the generated secret key and rendered output.
    #[serde(default = "default::data_dir")]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; includes credentials, so kept secret.
    /// Default: `sqlite://DATA_DIR/jianduka.db?mode=rwc` (see [`load_from`]).
    #[serde(
        deserialize_with = "parse::database_url",
        serialize_with = "masked_url"
    )]
    pub database_url: Secret<String>,
    /// What QR codes point to (`https://jb.example.gov.cn`, or a path behind a proxy).
    /// Default: `http://` and the bind address (see [`load_from`]).
    #[serde(
        deserialize_with = "parse::base_url",
        serialize_with = "url_without_slash"
    )]
    pub public_base_url: Url,
    /// The address of the staff pages, for every link in mail (staff pages may be reachable
    /// only inside the office network). Unset: the public base URL; see
    /// [`Settings::staff_base_url`].
    #[serde(
        default,
        deserialize_with = "parse::optional_base_url",
        serialize_with = "optional_url_without_slash"
    )]
    pub staff_base_url: Option<Url>,
    /// The SMTP server emails go through, in lettre's URL conventions: `smtp://host:25`
    /// (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`
    /// (TLS from the start). Unset: emails wait in the outbox until it is set.
    #[serde(
        default,
        deserialize_with = "parse::smtp_url",
        serialize_with = "masked_optional_url"
    )]
    pub smtp_url: Option<Secret<String>>,
    /// Who emails come from: `noreply@example.gov.cn` or `监督卡 <noreply@example.gov.cn>`.
    /// Required once `smtp_url` is set.
    #[serde(default, deserialize_with = "parse::mailbox")]
    pub mail_from: Option<String>,
    /// Seconds between two passes of the background mail sender.
    #[serde(default = "default::count::<30>", deserialize_with = "parse::positive")]
    pub mail_interval_seconds: u32,
    /// Emails one pass of the sender claims at most.
    #[serde(default = "default::count::<50>", deserialize_with = "parse::positive")]
    pub mail_batch: u32,
    /// Attempts after which an email that the server keeps refusing is marked failed
    /// (the waits between them double from one minute, up to an hour).
    #[serde(default = "default::count::<8>", deserialize_with = "parse::positive")]
    pub mail_max_attempts: u32,
    /// Seconds between two deadline ticks of `serve` (reminders, digests, session purge).
    #[serde(
        default = "default::count::<300>",
        deserialize_with = "parse::positive"
    )]
    pub tick_interval_seconds: u32,
    /// The hour (Beijing time, 0–23) from which a working day's reminders and digests go out.
    #[serde(default = "default::count::<8>", deserialize_with = "parse::hour")]
    pub reminder_hour: u32,
    /// Key for keyed hashes (query codes) and session tokens, 32+ characters.
    /// Default: generated once into `DATA_DIR/secret.key` (mode 0600; see [`load_from`]).
    #[serde(default, deserialize_with = "parse::secret_key")]
    pub secret_key: SecretKey,
    /// Lets cards be issued and rendered while the public base URL is a loopback, private or
    /// `.local` address (no phone outside could open it): for tests and trial prints, which
    /// then carry a 样卡 (sample) mark.
    #[serde(default, deserialize_with = "parse::flag")]
    pub allow_local_url: bool,
    /// The issuing body, shown at the top of every public page and on the cards.
    #[serde(default = "default::org_name")]
    pub org_name: String,
    /// The issuing body's English name, shown on English pages instead of `org_name`.
    /// Unset: the English form of the default name, or else `org_name` itself (a name is
    /// never guessed into English); see [`Settings::org_name_in_english`].
    #[serde(default)]
    pub org_name_en: Option<String>,
    /// The hotline printed on cards and shown on public pages.
    #[serde(default = "default::hotline")]
    pub hotline: String,
    /// `tracing` filter, e.g. `info` or `jianduka=debug`.
    #[serde(default = "default::log", deserialize_with = "parse::log_filter")]
    pub log: String,
    /// Optional extra font for cards (a TTF/OTF path) tried before the shipped one.
    #[serde(default)]
    pub card_font: Option<PathBuf>,
    /// An office's folder of card templates and fonts, laid over the built-in ones (checked
    /// when the server starts). Unset: the built-in print assets alone.
    #[serde(default)]
    pub print_assets: Option<PathBuf>,
    /// Reports accepted per client address per hour (in-memory limit).
    #[serde(default = "default::count::<10>", deserialize_with = "parse::positive")]
    pub intake_client_limit: u32,
    /// Reports accepted per card per hour (in-memory limit; desk signs serve many people).
    #[serde(default = "default::count::<60>", deserialize_with = "parse::positive")]
    pub intake_card_limit: u32,
    /// Behind a reverse proxy: the header carrying the client's address (`X-Real-IP`,
    /// `X-Forwarded-For`), used for in-memory rate limits only. Unset: the TCP peer.
    #[serde(default, deserialize_with = "parse::header_name")]
    pub client_ip_header: Option<String>,
    /// Minutes without a request after which a staff login ends.
    #[serde(default = "default::count::<30>", deserialize_with = "parse::positive")]
    pub session_idle_minutes: u32,
    /// Hours after which a staff login ends however busy it is.
    #[serde(default = "default::count::<12>", deserialize_with = "parse::positive")]
    pub session_hours: u32,
    /// Jobs of each CPU-heavy pool (image cleaning, password hashing) run at once.
    /// Default: the number of cores.
    #[serde(default = "default::workers", deserialize_with = "parse::positive")]
    pub workers: u32,
    /// Jobs of each pool that may wait for a worker; beyond them the answer is 503.
    #[serde(default = "default::count::<32>", deserialize_with = "parse::positive")]
    pub work_queue: u32,
    /// An anonymous report keeps its district, batch and channel only when at least this
    /// many active card holders share all three.
    #[serde(default = "default::count::<10>", deserialize_with = "parse::positive")]
    pub anonymity_threshold: u32,
    /// `/metrics` answers only with `Authorization: Bearer <token>` (16+ characters).
    #[serde(
        default,
        deserialize_with = "parse::metrics_token",
        serialize_with = "masked_optional_secret"
    )]
    pub metrics_token: Option<Secret<String>>,
    /// Serve `/metrics` (without a token) on this separate address instead.
    #[serde(default, deserialize_with = "parse::optional_bind")]
    pub metrics_bind: Option<SocketAddr>,
    /// Open connections served at once; further ones wait in the kernel's backlog.
    #[serde(
        default = "default::count::<512>",
        deserialize_with = "parse::positive"
    )]
    pub max_connections: u32,
    /// Seconds a client has to send a request's headers; also how long an idle keep-alive
    /// connection waits for its next request.
    #[serde(default = "default::count::<10>", deserialize_with = "parse::positive")]
    pub header_timeout_secs: u32,
    /// Seconds a client has to send a request's body (five 10 MB photos over a weak mobile
    /// link must still arrive).
    #[serde(
        default = "default::count::<300>",
        deserialize_with = "parse::positive"
    )]
    pub body_timeout_secs: u32,
    /// Requests the public pages handle at once; beyond them the answer is a quick 503.
    #[serde(
        default = "default::count::<256>",
        deserialize_with = "parse::positive"
    )]
    pub inflight_public: u32,
    /// Requests the staff pages handle at once.
    #[serde(default = "default::count::<64>", deserialize_with = "parse::positive")]
    pub inflight_staff: u32,
    /// Requests the JSON API handles at once.
    #[serde(
        default = "default::count::<128>",
        deserialize_with = "parse::positive"
    )]
    pub inflight_api: u32,
}

/// Shows the base URL as links use it: without a trailing slash.
fn url_without_slash<S: Serializer>(url: &Url, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(url.as_str().trim_end_matches('/'))
}

fn optional_url_without_slash<S: Serializer>(
    url: &Option<Url>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => url_without_slash(url, serializer),
        None => serializer.serialize_none(),
    }
}

impl Settings {
    /// The issuing body as English pages name it: `org_name_en` if set, the English form of
    /// the default name while `org_name` is the default, else `org_name` as it is.
    pub fn org_name_in_english(&self) -> &str {
        match self.org_name_en.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name,
            _ if self.org_name == DEFAULT_ORG_NAME => DEFAULT_ORG_NAME_EN,
            _ => &self.org_name,
        }
    }

    /// Which database engine the URL names.
    pub fn database_kind(&self) -> DatabaseKind {
        if self.database_url.expose().starts_with("sqlite:") {
            DatabaseKind::Sqlite
        } else {
            DatabaseKind::Postgres
        }
    }

    /// Every setting as a `key = value` line with secrets masked, for `jianduka config`.
    pub fn describe(&self) -> String {
        let values = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(values)) => values,
            Ok(_) => return "(the settings cannot be shown)\n".into(),
            Err(e) => return format!("(the settings cannot be shown: {e})\n"),
        };
        // Declaration order; a field that did not serialise would be missing, which a test
        // of every setting catches.
        let mut text = String::new();
        for name in layers::field_names::<Settings>() {
            let shown = match values.get(*name) {
                None => continue,
                Some(serde_json::Value::Null) => "(not set)".to_string(),
                Some(serde_json::Value::String(value)) => value.clone(),
                Some(value) => value.to_string(),
            };
            text.push_str(&format!("{name} = {shown}\n"));
        }
        text
    }

    /// The base URL as text without a trailing slash.
    pub fn base_url(&self) -> String {
        self.public_base_url
            .as_str()
            .trim_end_matches('/')
            .to_string()
    }

    /// The staff pages' base URL (the public one unless set) without a trailing slash.
    pub fn staff_base_url(&self) -> String {
        self.staff_base_url
            .as_ref()
            .unwrap_or(&self.public_base_url)
            .as_str()
            .trim_end_matches('/')
            .to_string()
    }
}

/// What the command line says about settings; overrides everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
}

/// Reads the settings from the process environment.
pub fn load(overrides: &Overrides) -> Result<Settings, SettingError> {
    load_from(overrides, |key| std::env::var(key).ok())
}

/// Reads the settings with `env` standing in for the environment (tests pass a map).
pub fn load_from(
    overrides: &Overrides,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, SettingError> {
    let env = |key: &str| env(key).filter(|v| !v.trim().is_empty());
    let mut layers = Layers::new(layers::field_names::<Settings>());

    // The file may live in the data dir, so find it from what can name the data dir without
    // the file: the command line, then the environment.
    let explicit = overrides
        .config_file
        .clone()
        .or_else(|| env("JIANDUKA_CONFIG").map(PathBuf::from));
    match explicit {
        Some(path) => layers.read_file(&path, true)?,
        None => {
            let data_dir = overrides
                .data_dir
                .clone()
                .or_else(|| env("JIANDUKA_DATA_DIR").map(PathBuf::from))
                .unwrap_or_else(default::data_dir);
            layers.read_file(&data_dir.join("jianduka.toml"), false)?;
        }
    }
    layers.read_env(env);
    if let Some(bind) = &overrides.bind {
        layers.set("bind", bind.clone());
    }
    if let Some(dir) = &overrides.data_dir {
        let text = dir.to_str().ok_or_else(|| {
            SettingError::new("JIANDUKA_DATA_DIR", "--data-dir must be valid UTF-8")
        })?;
        layers.set("data_dir", text.to_string());
    }

    // Two defaults follow from other settings, so they join below every layer once those
    // are known. An unparsable bind address leaves the base URL unset: its own error, which
    // comes first, is the one to show.
    let data_dir = layers
        .get("data_dir")
        .map_or_else(default::data_dir, PathBuf::from);
    layers.default_to("database_url", || {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("jianduka.db").display()
        )
    });
    let bind = layers
        .get("bind")
        .map_or(Some(default::bind()), |t| t.parse().ok());
    if let Some(bind) = bind {
        layers.default_to("public_base_url", || base_url_for(bind));
    }

    let mut settings: Settings = layers.deserialize()?;
    if settings.smtp_url.is_some() && settings.mail_from.is_none() {
        return Err(SettingError::new(
            "JIANDUKA_MAIL_FROM",
            "must be set when JIANDUKA_SMTP_URL is: the sender, e.g. noreply@example.gov.cn",
        ));
    }
    // The generated key is settled last: creating it writes to the data dir, which should
    // happen only once every other setting is known to be good.
    if settings.secret_key.expose().is_empty() {
        settings.secret_key = parse::key_file(&settings.data_dir)?;
    }
    Ok(settings)
}

/// `http://` and the bind address, with a reachable host for "every interface".
fn base_url_for(bind: SocketAddr) -> String {
    let host = if bind.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if bind.is_ipv6() {
        format!("[{}]", bind.ip())
    } else {
        bind.ip().to_string()
    };
    format!("http://{host}:{}", bind.port())
}
