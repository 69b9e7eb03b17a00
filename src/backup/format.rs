//! The backup file: JSON lines, readable by people and by either engine.
//!
//! ```text
//! {"jianduka_backup":1,"created_at":"…","engine":"sqlite","migrations":[…],"key_fingerprint":"…"}
//! {"table":"units","columns":["id","name",…],"kinds":["i64","string",…]}
//! [1,"第一纪检监察室",…]
//! …
//! {"end":{"tables":27,"rows":1234}}
//! ```
//!
//! Each value is written as JSON can carry it (bytes in base64, times in RFC 3339) and read
//! back by its column's kind, so a SQLite backup restores into PostgreSQL and the other way.
//! A file without its last line was cut short and is refused.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use sea_orm::Value;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The format version this program writes and reads.
pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    /// The format version ([`VERSION`]).
    pub jianduka_backup: u32,
    /// When the snapshot was taken (this machine's clock).
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`: where it was taken.
    pub engine: String,
    /// The migrations applied to the database backed up, in order.
    pub migrations: Vec<String>,
    /// The fingerprint of the secret key the database was used with, if it has one.
    pub key_fingerprint: Option<String>,
}

/// The line before a table's rows.
#[derive(Debug, Serialize, Deserialize)]
pub struct TableStart {
    pub table: String,
    pub columns: Vec<String>,
    /// One per column; empty for a table without rows.
    pub kinds: Vec<String>,
}

/// The last line.
#[derive(Debug, Serialize, Deserialize)]
pub struct End {
    pub end: Totals,
}

/// What the file holds, to tell a complete file from a cut one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub tables: u64,
    pub rows: u64,
}

/// A value's kind, as the header names it, and the value as JSON.
pub fn encode(value: &Value) -> anyhow::Result<(&'static str, Json)> {
    fn or_null<T>(v: &Option<T>, f: impl FnOnce(&T) -> Json) -> Json {
        v.as_ref().map_or(Json::Null, f)
    }
    Ok(match value {
        Value::Bool(v) => ("bool", or_null(v, |b| Json::from(*b))),
        Value::SmallInt(v) => ("i16", or_null(v, |n| Json::from(*n))),
        Value::Int(v) => ("i32", or_null(v, |n| Json::from(*n))),
        Value::BigInt(v) => ("i64", or_null(v, |n| Json::from(*n))),
        Value::Double(v) => ("f64", or_null(v, |n| Json::from(*n))),
        Value::String(v) => ("string", or_null(v, |s| Json::from(s.as_str()))),
        Value::Bytes(v) => (
            "bytes",
            or_null(v, |b| Json::from(data_encoding::BASE64.encode(b))),
        ),
        Value::ChronoDate(v) => ("date", or_null(v, |d| Json::from(d.to_string()))),
        Value::ChronoDateTime(v) => (
            "datetime",
            or_null(v, |t| {
                Json::from(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())
            }),
        ),
        Value::ChronoDateTimeUtc(v) => (
            "datetime_utc",
            or_null(v, |t| {
                Json::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }),
        ),
        other => anyhow::bail!("a column of an unsupported type ({other:?})"),
    })
}

/// The value of kind `kind` that `json` holds (`null` is SQL NULL of that kind).
pub fn decode(kind: &str, json: &Json) -> anyhow::Result<Value> {
    let null = json.is_null();
    let text = || {
        json.as_str()
            .ok_or_else(|| anyhow::anyhow!("expected text for a {kind}, found {json}"))
    };
    let int = || {
        json.as_i64()
            .ok_or_else(|| anyhow::anyhow!("expected a whole number, found {json}"))
    };
    Ok(match kind {
        "bool" => Value::Bool(if null {
            None
        } else {
            Some(
                json.as_bool()
                    .ok_or_else(|| anyhow::anyhow!("expected true or false, found {json}"))?,
            )
        }),
        "i16" => Value::SmallInt(if null {
            None
        } else {
            Some(i16::try_from(int()?)?)
        }),
        "i32" => Value::Int(if null {
            None
        } else {
            Some(i32::try_from(int()?)?)
        }),
        "i64" => Value::BigInt(if null { None } else { Some(int()?) }),
        "f64" => Value::Double(if null {
            None
        } else {
            Some(
                json.as_f64()
                    .ok_or_else(|| anyhow::anyhow!("expected a number, found {json}"))?,
            )
        }),
        "string" => Value::String(if null {
            None
        } else {
            Some(text()?.to_string())
        }),
        "bytes" => Value::Bytes(if null {
            None
        } else {
            Some(data_encoding::BASE64.decode(text()?.as_bytes())?)
        }),
        "date" => Value::ChronoDate(if null {
            None
        } else {
            Some(text()?.parse::<NaiveDate>()?)
        }),
        "datetime" => Value::ChronoDateTime(if null {
            None
        } else {
            Some(NaiveDateTime::parse_from_str(
                text()?,
                "%Y-%m-%dT%H:%M:%S%.f",
            )?)
        }),
        "datetime_utc" => Value::ChronoDateTimeUtc(if null {
            None
        } else {
            Some(DateTime::parse_from_rfc3339(text()?)?.with_timezone(&Utc))
        }),
        other => anyhow::bail!("unknown value kind {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_survives_a_round_trip_including_null() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T08:45:16.123456789Z")
            .expect("time")
            .with_timezone(&Utc);
        let values = [
            Value::Bool(Some(true)),
            Value::SmallInt(Some(-3)),
            Value::Int(Some(2026)),
            Value::BigInt(Some(i64::MAX)),
            Value::String(Some("诸暨市鑫垚贸易有限公司\n".into())),
            Value::String(None),
            Value::Bytes(Some(vec![0, 255, 1, 2])),
            Value::ChronoDate(NaiveDate::from_ymd_opt(2027, 2, 7)),
            Value::ChronoDateTimeUtc(Some(at)),
            Value::ChronoDateTimeUtc(None),
        ];
        for value in values {
            let (kind, json) = encode(&value).expect("encodes");
            let line = serde_json::to_string(&json).expect("json");
            let back: Json = serde_json::from_str(&line).expect("parses");
            assert_eq!(
                decode(kind, &back).expect("decodes"),
                value,
                "{kind} {line}"
            );
        }
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_refused_not_guessed() {
        assert!(decode("i64", &Json::from("12")).is_err());
        assert!(decode("i32", &Json::from(i64::MAX)).is_err());
        assert!(decode("bytes", &Json::from("not base64!")).is_err());
        assert!(decode("uuid", &Json::from("x")).is_err());
    }
}
