//! The checks settings pass on their way in (`deserialize_with`), and the generated key file.
//! Each turns a setting's text into its type or says, in one line, what is wrong with it;
//! the layers add which setting it was.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer};
use url::Url;

use super::{Secret, SecretKey, SettingError};

/// The setting's text, turned into `T` by `check`, whose message becomes the error.
fn checked<'de, D, T>(
    deserializer: D,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    check(&text).map_err(de::Error::custom)
}

pub fn bind<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    checked(d, |text| {
        text.parse()
            .map_err(|_| format!("'{text}' is not an address like 127.0.0.1:8080"))
    })
}

/// `sqlite:` followed by a path (not always a valid URL: the path may hold spaces) or a
/// `postgres://` URL. The text is never echoed: it may hold a password.
pub fn database_url<'de, D: Deserializer<'de>>(d: D) -> Result<Secret<String>, D::Error> {
    checked(d, |text| {
        if text.starts_with("sqlite:") {
            return Ok(Secret::new(text.to_string()));
        }
        let url = Url::parse(text).map_err(|e| {
            format!(
                "cannot parse it as a URL ({e}); expected sqlite://PATH or postgres://USER@HOST/DB"
            )
        })?;
        match url.scheme() {
            "postgres" | "postgresql" => Ok(Secret::new(text.to_string())),
            other => Err(format!(
                "unsupported scheme '{other}'; use sqlite:// or postgres://"
            )),
        }
    })
}

/// An http(s) address with a host, perhaps a path (behind a proxy), but no query or fragment:
/// QR codes and links append their own path to it.
pub fn base_url<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    checked(d, |text| {
        let url = Url::parse(text.trim_end_matches('/'))
            .map_err(|e| format!("cannot parse '{text}' as a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(format!("'{text}' must be an http:// or https:// address"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "'{text}' must not have a query (?…) or fragment (#…); links add their own path to it"
            ));
        }
        Ok(url)
    })
}

/// lettre's connection URL: `smtp://` (plain, or STARTTLS with `?tls=required` or
/// `?tls=opportunistic`) or `smtps://` (TLS from the start), with a host. The text is never
/// echoed: it may hold a password.
/// An optional [`base_url`].
pub fn optional_base_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    base_url(d).map(Some)
}

pub fn smtp_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    checked(d, |text| {
        let url = Url::parse(text).map_err(|e| format!("cannot parse it as a URL ({e})"))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err("must start with smtp:// or smtps://".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("names no host".into());
        }
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v);
        match (url.scheme(), tls.as_deref()) {
            (_, None) | ("smtp", Some("required" | "opportunistic")) => {}
            ("smtps", Some(_)) => return Err("smtps:// takes no tls= (it is TLS already)".into()),
            _ => return Err("tls= must be required or opportunistic".into()),
        }
        Ok(Some(Secret::new(text.to_string())))
    })
}

/// An email address, optionally with a display name (`监督卡 <noreply@example.gov.cn>`).
pub fn mailbox<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |text| {
        text.trim()
            .parse::<lettre::message::Mailbox>()
            .map(|_| Some(text.trim().to_string()))
            .map_err(|_| format!("'{text}' is not an email address like noreply@example.gov.cn"))
    })
}

pub fn secret_key<'de, D: Deserializer<'de>>(d: D) -> Result<SecretKey, D::Error> {
    checked(d, |text| {
        if text.len() < 32 {
            return Err(
                "must be at least 32 characters (leave it unset to have one generated)".into(),
            );
        }
        Ok(Secret::new(text.as_bytes().to_vec()))
    })
}

/// A `tracing` filter, checked now so a typo ends the start instead of silencing the log.
pub fn log_filter<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(d, |text| {
        tracing_subscriber::EnvFilter::try_new(text)
            .map(|_| text.to_string())
            .map_err(|e| format!("'{text}' is not a log filter ({e})"))
    })
}

pub fn optional_bind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    checked(d, |text| {
        text.trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("'{text}' is not an address like 127.0.0.1:9090"))
    })
}

pub fn metrics_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    checked(d, |text| {
        let token = text.trim();
        if token.len() < 16 {
            return Err("must be at least 16 characters".into());
        }
        Ok(Some(Secret::new(token.to_string())))
    })
}

pub fn header_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked(d, |text| {
        axum::http::HeaderName::from_bytes(text.as_bytes())
            .map(|_| Some(text.to_string()))
            .map_err(|_| format!("'{text}' is not an HTTP header name"))
    })
}

pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked(d, |text| match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("'{text}' is not a positive whole number")),
    })
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`).
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    checked(d, |text| match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" | "" => Ok(false),
        _ => Err(format!("'{text}' is not true or false")),
    })
}

/// An hour of the day, 0 to 23.
pub fn hour<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked(d, |text| match text.trim().parse::<u32>() {
        Ok(n) if n < 24 => Ok(n),
        _ => Err(format!("'{text}' is not an hour from 0 to 23")),
    })
}

/// The data dir's `secret.key`, created with 0600 permissions when missing.
pub fn key_file(data_dir: &Path) -> Result<SecretKey, SettingError> {
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
