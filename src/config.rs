//! Typed settings: built-in defaults, then an optional `jianduka.toml`, then `JIANDUKA_*`
//! environment variables. Every failure names the setting it is about, so a broken
//! configuration ends the process with one clear line.

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

/// A configuration problem, reported as `SETTING: what is wrong`.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct SettingError {
    /// The environment variable (or config key) the problem is about.
    pub setting: &'static str,
    /// What is wrong, in plain words.
    pub message: String,
}

impl SettingError {
    /// A problem with `setting`. The message is folded onto one line (parsers such as
    /// TOML's answer in several), so the operator always reads one line.
    pub fn new(setting: &'static str, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let folded = message
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && *line != "|")
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            setting,
            message: folded,
        }
    }
}

/// A value that must never be printed or logged.
#[derive(Clone, PartialEq, Eq)]
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

/// The server's key for query-code hashes, session tokens and CSRF tokens (32+ bytes).
pub type SecretKey = Secret<Vec<u8>>;

/// Where the data lives: embedded SQLite or a PostgreSQL server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// The effective settings of one process.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Folder for the SQLite database, the generated secret key and rendered output.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; includes credentials, so kept secret.
    pub database_url: Secret<String>,
    /// What QR codes point to, without a trailing slash (`https://jb.example.gov.cn`).
    pub public_base_url: Url,
    /// `smtp://user:pass@host:port`; optional until reminders are sent.
    pub smtp_url: Option<Secret<String>>,
    /// Key for keyed hashes (query codes) and session tokens.
    pub secret_key: SecretKey,
    /// The issuing body, shown at the top of every public page and on the cards.
    pub org_name: String,
    /// The hotline printed on cards and shown on public pages.
    pub hotline: String,
    /// `tracing` filter, e.g. `info` or `jianduka=debug`.
    pub log: String,
    /// Optional extra font for cards (a TTF/OTF path) tried before the shipped one.
    pub card_font: Option<PathBuf>,
    /// Folder with card templates and fonts.
    pub print_assets: PathBuf,
    /// Reports accepted per client address per hour (in-memory limit).
    pub intake_client_limit: u32,
    /// Reports accepted per card per hour (in-memory limit; desk signs serve many people).
    pub intake_card_limit: u32,
    /// Behind a reverse proxy: the header carrying the client's address (`X-Real-IP`,
    /// `X-Forwarded-For`), used for in-memory rate limits only. Unset: the TCP peer.
    pub client_ip_header: Option<String>,
}

impl Settings {
    /// Which database engine the URL names.
    pub fn database_kind(&self) -> DatabaseKind {
        if self.database_url.expose().starts_with("sqlite:") {
            DatabaseKind::Sqlite
        } else {
            DatabaseKind::Postgres
        }
    }

    /// The settings as `key = value` lines with secrets masked, for `jianduka config`.
    pub fn describe(&self) -> String {
        let smtp = match &self.smtp_url {
            Some(url) => mask_url_password(url.expose()),
            None => "(not set: reminder emails stay in the outbox)".into(),
        };
        let font = match &self.card_font {
            Some(path) => path.display().to_string(),
            None => "(shipped Noto Sans SC)".into(),
        };
        format!(
            "bind            = {}\n\
             data_dir        = {}\n\
             database_url    = {}\n\
             public_base_url = {}\n\
             smtp_url        = {}\n\
             secret_key      = **** ({} bytes)\n\
             org_name        = {}\n\
             hotline         = {}\n\
             log             = {}\n\
             card_font       = {}\n\
             print_assets    = {}\n\
             intake_client_limit = {} reports per hour\n\
             intake_card_limit   = {} reports per hour\n\
             client_ip_header    = {}\n",
            self.bind,
            self.data_dir.display(),
            mask_url_password(self.database_url.expose()),
            self.public_base_url.as_str().trim_end_matches('/'),
            smtp,
            self.secret_key.expose().len(),
            self.org_name,
            self.hotline,
            self.log,
            font,
            self.print_assets.display(),
            self.intake_client_limit,
            self.intake_card_limit,
            self.client_ip_header
                .as_deref()
                .unwrap_or("(not set: the TCP peer)"),
        )
    }

    /// The base URL as text without a trailing slash.
    pub fn base_url(&self) -> String {
        self.public_base_url
            .as_str()
            .trim_end_matches('/')
            .to_string()
    }
}

/// Replaces the password in `scheme://user:password@host` with `****`.
pub fn mask_url_password(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("****"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "(unparsable)".into(),
    }
}

/// What the command line says about settings; overrides everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
}

/// The shape of `jianduka.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_base_url: Option<String>,
    smtp_url: Option<String>,
    secret_key: Option<String>,
    org_name: Option<String>,
    hotline: Option<String>,
    log: Option<String>,
    card_font: Option<PathBuf>,
    print_assets: Option<PathBuf>,
    intake_client_limit: Option<u32>,
    intake_card_limit: Option<u32>,
    client_ip_header: Option<String>,
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

    // The config file may live in the data dir, so settle the data dir from what can name
    // it without the file first: the command line, then the environment.
    let early_data_dir = overrides
        .data_dir
        .clone()
        .or_else(|| env("JIANDUKA_DATA_DIR").map(PathBuf::from));
    let file = read_file_settings(overrides, early_data_dir.as_deref(), &env)?;

    let data_dir = early_data_dir
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("data"));

    let bind_text = overrides
        .bind
        .clone()
        .or_else(|| env("JIANDUKA_BIND"))
        .or(file.bind)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let bind: SocketAddr = bind_text.parse().map_err(|_| {
        SettingError::new(
            "JIANDUKA_BIND",
            format!("'{bind_text}' is not an address like 127.0.0.1:8080"),
        )
    })?;

    let database_url = match env("JIANDUKA_DATABASE_URL").or(file.database_url) {
        Some(url) => parse_database_url(&url)?,
        None => format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("jianduka.db").display()
        ),
    };

    let public_base_url = match env("JIANDUKA_PUBLIC_BASE_URL").or(file.public_base_url) {
        Some(text) => parse_base_url(&text)?,
        None => {
            let host = if bind.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else if bind.is_ipv6() {
                format!("[{}]", bind.ip())
            } else {
                bind.ip().to_string()
            };
            parse_base_url(&format!("http://{host}:{}", bind.port()))?
        }
    };

    let smtp_url = match env("JIANDUKA_SMTP_URL").or(file.smtp_url) {
        Some(text) => {
            let url = Url::parse(&text).map_err(|e| {
                SettingError::new(
                    "JIANDUKA_SMTP_URL",
                    format!("cannot parse it as a URL ({e})"),
                )
            })?;
            if !matches!(url.scheme(), "smtp" | "smtps") {
                return Err(SettingError::new(
                    "JIANDUKA_SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
            Some(Secret::new(text))
        }
        None => None,
    };

    let secret_key = match env("JIANDUKA_SECRET_KEY").or(file.secret_key) {
        Some(text) => {
            if text.len() < 32 {
                return Err(SettingError::new(
                    "JIANDUKA_SECRET_KEY",
                    "must be at least 32 characters (leave it unset to have one generated)",
                ));
            }
            Secret::new(text.into_bytes())
        }
        None => load_or_create_key_file(&data_dir)?,
    };

    Ok(Settings {
        bind,
        data_dir,
        database_url: Secret::new(database_url),
        public_base_url,
        smtp_url,
        secret_key,
        org_name: env("JIANDUKA_ORG_NAME")
            .or(file.org_name)
            .unwrap_or_else(|| "市纪委监委".into()),
        hotline: env("JIANDUKA_HOTLINE")
            .or(file.hotline)
            .unwrap_or_else(|| "12388".into()),
        log: env("JIANDUKA_LOG")
            .or(file.log)
            .unwrap_or_else(|| "info".into()),
        card_font: env("JIANDUKA_CARD_FONT")
            .map(PathBuf::from)
            .or(file.card_font),
        print_assets: env("JIANDUKA_PRINT_ASSETS")
            .map(PathBuf::from)
            .or(file.print_assets)
            .unwrap_or_else(default_print_assets),
        intake_client_limit: limit(&env, "JIANDUKA_INTAKE_CLIENT_LIMIT")?
            .or(file.intake_client_limit)
            .unwrap_or(10),
        intake_card_limit: limit(&env, "JIANDUKA_INTAKE_CARD_LIMIT")?
            .or(file.intake_card_limit)
            .unwrap_or(60),
        client_ip_header: env("JIANDUKA_CLIENT_IP_HEADER").or(file.client_ip_header),
    })
}

/// A positive whole number from the environment, if set.
fn limit(
    env: &impl Fn(&str) -> Option<String>,
    key: &'static str,
) -> Result<Option<u32>, SettingError> {
    match env(key) {
        None => Ok(None),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(SettingError::new(
                key,
                format!("'{text}' is not a positive whole number"),
            )),
        },
    }
}

/// `print-assets/` next to the working directory, else the one in the source tree.
fn default_print_assets() -> PathBuf {
    let local = PathBuf::from("print-assets");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("print-assets")
    }
}

fn read_file_settings(
    overrides: &Overrides,
    data_dir: Option<&Path>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<FileSettings, SettingError> {
    let explicit = overrides
        .config_file
        .clone()
        .or_else(|| env("JIANDUKA_CONFIG").map(PathBuf::from));
    let (path, required) = match explicit {
        Some(path) => (path, true),
        None => (
            data_dir
                .unwrap_or_else(|| Path::new("data"))
                .join("jianduka.toml"),
            false,
        ),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // An implicit file that cannot exist (no such dir) is simply absent; the data dir
        // itself is checked, with its own message, when it is first written.
        Err(e)
            if !required
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
        {
            return Ok(FileSettings::default());
        }
        Err(e) => {
            return Err(SettingError::new(
                "JIANDUKA_CONFIG",
                format!("cannot read {}: {e}", path.display()),
            ));
        }
    };
    toml::from_str(&text).map_err(|e| {
        SettingError::new(
            "JIANDUKA_CONFIG",
            format!("{} is not valid: {}", path.display(), e.message()),
        )
    })
}

fn parse_database_url(text: &str) -> Result<String, SettingError> {
    let url = Url::parse(text).map_err(|e| {
        SettingError::new(
            "JIANDUKA_DATABASE_URL",
            format!(
                "cannot parse it as a URL ({e}); expected sqlite://PATH or postgres://USER@HOST/DB"
            ),
        )
    })?;
    match url.scheme() {
        "sqlite" | "postgres" | "postgresql" => Ok(text.to_string()),
        other => Err(SettingError::new(
            "JIANDUKA_DATABASE_URL",
            format!("unsupported scheme '{other}'; use sqlite:// or postgres://"),
        )),
    }
}

fn parse_base_url(text: &str) -> Result<Url, SettingError> {
    let url = Url::parse(text.trim_end_matches('/')).map_err(|e| {
        SettingError::new(
            "JIANDUKA_PUBLIC_BASE_URL",
            format!("cannot parse '{text}' as a URL ({e})"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(SettingError::new(
            "JIANDUKA_PUBLIC_BASE_URL",
            format!("'{text}' must be an http:// or https:// address"),
        ));
    }
    Ok(url)
}

/// The data dir's `secret.key`, created with 0600 permissions when missing.
fn load_or_create_key_file(data_dir: &Path) -> Result<SecretKey, SettingError> {
    let dir_error = |e: std::io::Error| {
        SettingError::new(
            "JIANDUKA_DATA_DIR",
            format!("cannot write to {}: {e}", data_dir.display()),
        )
    };
    std::fs::create_dir_all(data_dir).map_err(dir_error)?;
    let path = data_dir.join("secret.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => return Ok(Secret::new(bytes)),
        Ok(_) => {
            return Err(SettingError::new(
                "JIANDUKA_SECRET_KEY",
                format!("{} is shorter than 32 bytes", path.display()),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(SettingError::new(
                "JIANDUKA_SECRET_KEY",
                format!("cannot read {}: {e}", path.display()),
            ));
        }
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| {
        SettingError::new("JIANDUKA_SECRET_KEY", format!("no system randomness: {e}"))
    })?;
    let encoded = data_encoding::HEXLOWER.encode(&key).into_bytes();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(dir_error)?;
    file.write_all(&encoded).map_err(dir_error)?;
    Ok(Secret::new(encoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load_with(vars: &[(&str, &str)], dir: &Path) -> Result<Settings, SettingError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let overrides = Overrides {
            data_dir: Some(dir.to_path_buf()),
            ..Default::default()
        };
        load_from(&overrides, |k| map.get(k).cloned())
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jd-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn defaults_give_sqlite_in_the_data_dir_and_a_base_url_from_the_bind_address() {
        let dir = temp_dir("defaults");
        let s = load_with(&[], &dir).expect("defaults load");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_kind(), DatabaseKind::Sqlite);
        assert_eq!(s.base_url(), "http://127.0.0.1:8080");
        assert!(dir.join("secret.key").exists());
    }

    #[test]
    fn the_generated_key_is_kept_private_and_reused() {
        let dir = temp_dir("key");
        let first = load_with(&[], &dir).expect("load").secret_key;
        let second = load_with(&[], &dir).expect("load").secret_key;
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secret.key"))
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        let dir = temp_dir("layers");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join("jianduka.toml"),
            "hotline = \"0575-1234\"\norg_name = \"诸暨市纪委监委\"\n",
        )
        .expect("write toml");
        let s = load_with(&[("JIANDUKA_HOTLINE", "12388-1")], &dir).expect("load");
        assert_eq!(s.hotline, "12388-1");
        assert_eq!(s.org_name, "诸暨市纪委监委");
    }

    #[test]
    fn a_bad_database_url_names_the_setting() {
        let dir = temp_dir("badurl");
        let err = load_with(&[("JIANDUKA_DATABASE_URL", "not a url")], &dir).unwrap_err();
        assert_eq!(err.setting, "JIANDUKA_DATABASE_URL");
        let err = load_with(&[("JIANDUKA_DATABASE_URL", "mysql://x/y")], &dir).unwrap_err();
        assert!(err.to_string().contains("unsupported scheme"));
    }

    #[test]
    fn describe_masks_every_secret() {
        let dir = temp_dir("mask");
        let s = load_with(
            &[
                ("JIANDUKA_DATABASE_URL", "postgres://jd:hunter2@db/jd"),
                ("JIANDUKA_SMTP_URL", "smtp://mail:pa55word@mx:25"),
                (
                    "JIANDUKA_SECRET_KEY",
                    "0123456789abcdef0123456789abcdef-topsecret",
                ),
            ],
            &dir,
        )
        .expect("load");
        let text = s.describe();
        assert!(!text.contains("hunter2"));
        assert!(!text.contains("pa55word"));
        assert!(!text.contains("topsecret"));
        assert!(text.contains("postgres://jd:****@db/jd"));
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        let dir = temp_dir("unknown");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("jianduka.toml"), "bnd = \"x\"\n").expect("write");
        let err = load_with(&[], &dir).unwrap_err();
        assert_eq!(err.setting, "JIANDUKA_CONFIG");
    }
}
