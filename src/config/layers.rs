//! The layers settings come from, reduced to text as the environment carries it, and the
//! serde plumbing that hands them to a struct's derived `Deserialize` as one map. A setting
//! no layer sets is left out, so the field's serde default applies.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

use super::SettingError;

/// The environment variable of setting `name`: `intake_card_limit` → `JIANDUKA_INTAKE_CARD_LIMIT`.
pub(super) fn env_name(name: &str) -> String {
    format!("JIANDUKA_{}", name.to_ascii_uppercase())
}

/// The field names of `T`, in declaration order, as its derived `Deserialize` lists them.
pub(super) fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(FieldsFound(names)) => names,
        Ok(_) => &[],
    }
}

/// Every setting's text so far, by name; `None` where no layer has set it.
pub(super) struct Layers {
    names: &'static [&'static str],
    values: Vec<Option<Layered>>,
    /// The file read, for messages about values that came from it.
    file: Option<PathBuf>,
}

struct Layered {
    text: String,
    from_file: bool,
}

impl Layers {
    /// No layer yet for the settings `names`.
    pub fn new(names: &'static [&'static str]) -> Self {
        Self {
            names,
            values: names.iter().map(|_| None).collect(),
            file: None,
        }
    }

    /// Reads the TOML file at `path`; one the operator named (`required`) must exist. A key
    /// that is no setting is refused, so a typo does not silently leave a default in place.
    pub fn read_file(&mut self, path: &Path, required: bool) -> Result<(), SettingError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            // An implicit file that cannot exist (no such dir) is simply absent; the data
            // dir itself is checked, with its own message, when it is first written.
            Err(e)
                if !required
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
            {
                return Ok(());
            }
            Err(e) => {
                return Err(SettingError::new(
                    "JIANDUKA_CONFIG",
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            SettingError::new(
                "JIANDUKA_CONFIG",
                format!("{} is not valid: {}", path.display(), e.message()),
            )
        })?;
        for (key, value) in table {
            let Some(index) = self.index(&key) else {
                return Err(SettingError::new(
                    "JIANDUKA_CONFIG",
                    format!(
                        "{} has an unknown key '{key}' (keys are the JIANDUKA_* names in lower case)",
                        path.display()
                    ),
                ));
            };
            let text = match value {
                toml::Value::String(text) => text,
                toml::Value::Array(_) | toml::Value::Table(_) => {
                    return Err(SettingError::new(
                        env_name(&key),
                        format!(
                            "{} gives a list or table; expected one value",
                            path.display()
                        ),
                    ));
                }
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Float(x) => x.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Datetime(d) => d.to_string(),
            };
            self.values[index] = Some(Layered {
                text,
                from_file: true,
            });
        }
        self.file = Some(path.to_path_buf());
        Ok(())
    }

    /// Takes every setting `env` knows under its variable name; other variables are never
    /// asked for, so `JIANDUKA_*` names that are no setting are ignored.
    pub fn read_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        for (name, value) in self.names.iter().zip(&mut self.values) {
            if let Some(text) = env(&env_name(name)) {
                *value = Some(Layered {
                    text,
                    from_file: false,
                });
            }
        }
    }

    /// Sets `name` above every layer so far (the command line).
    pub fn set(&mut self, name: &str, text: String) {
        if let Some(index) = self.index(name) {
            self.values[index] = Some(Layered {
                text,
                from_file: false,
            });
        }
    }

    /// Sets `name` below every layer: only if none has set it.
    pub fn default_to(&mut self, name: &str, text: impl FnOnce() -> String) {
        if let Some(index) = self.index(name) {
            self.values[index].get_or_insert_with(|| Layered {
                text: text(),
                from_file: false,
            });
        }
    }

    /// The text a layer gave `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        let index = self.index(name)?;
        self.values[index].as_ref().map(|v| v.text.as_str())
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    /// Builds `T` from the layers; a failure names the setting's environment variable.
    pub fn deserialize<T: DeserializeOwned>(self) -> Result<T, SettingError> {
        let pending: Vec<(&'static str, Layered)> = self
            .names
            .iter()
            .zip(self.values)
            .filter_map(|(name, value)| Some((*name, value?)))
            .collect();
        let entries = Entries {
            pending: pending.into_iter(),
            current: None,
            file: self.file,
        };
        T::deserialize(entries).map_err(|problem| match problem.setting {
            Some(name) => SettingError::new(env_name(name), problem.message),
            None => SettingError::new("JIANDUKA_CONFIG", problem.message),
        })
    }
}

/// What went wrong, and with which setting once known.
#[derive(Debug)]
struct Problem {
    setting: Option<&'static str>,
    message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl de::Error for Problem {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            setting: None,
            message: message.to_string(),
        }
    }
}

/// The layered settings as a map, in declaration order (so the first error is the first
/// setting's); each value's problem is tagged with its setting.
struct Entries {
    pending: std::vec::IntoIter<(&'static str, Layered)>,
    current: Option<(&'static str, Layered)>,
    file: Option<PathBuf>,
}

impl<'de> de::Deserializer<'de> for Entries {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Problem> {
        let Some((name, value)) = self.pending.next() else {
            return Ok(None);
        };
        self.current = Some((name, value));
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        let Some((name, value)) = self.current.take() else {
            return Err(de::Error::custom("a value without a setting"));
        };
        let from_file = value.from_file.then_some(self.file.as_deref()).flatten();
        seed.deserialize(Text(value.text))
            .map_err(|problem| Problem {
                setting: Some(name),
                message: match from_file {
                    Some(path) => format!("{} (in {})", problem.message, path.display()),
                    None => problem.message,
                },
            })
    }
}

/// One setting's text. Asked for a number or a boolean, it parses itself; asked for anything
/// else, it stays text, so `JIANDUKA_HOTLINE=12388` is the string "12388".
struct Text(String);

impl Text {
    fn parse<T: FromStr>(&self, what: &str) -> Result<T, Problem> {
        self.0
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format!("'{}' is not {what}", self.0)))
    }
}

macro_rules! parse_text_as {
    ($($method:ident => $visit:ident($ty:ty, $what:literal);)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
            visitor.$visit(self.parse::<$ty>($what)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Text {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_string(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    parse_text_as! {
        deserialize_bool => visit_bool(bool, "true or false");
        deserialize_i8 => visit_i8(i8, "a whole number");
        deserialize_i16 => visit_i16(i16, "a whole number");
        deserialize_i32 => visit_i32(i32, "a whole number");
        deserialize_i64 => visit_i64(i64, "a whole number");
        deserialize_u8 => visit_u8(u8, "a whole number");
        deserialize_u16 => visit_u16(u16, "a whole number");
        deserialize_u32 => visit_u32(u32, "a whole number");
        deserialize_u64 => visit_u64(u64, "a whole number");
        deserialize_f32 => visit_f32(f32, "a number");
        deserialize_f64 => visit_f64(f64, "a number");
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}

/// A deserializer that only learns the field names serde's derive passes it, then stops.
struct FieldNames;

#[derive(Debug)]
struct FieldsFound(&'static [&'static str]);

impl fmt::Display for FieldsFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fields {:?}", self.0)
    }
}

impl std::error::Error for FieldsFound {}

impl de::Error for FieldsFound {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self(&[])
    }
}

impl<'de> de::Deserializer<'de> for FieldNames {
    type Error = FieldsFound;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, FieldsFound> {
        Err(FieldsFound(fields))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, FieldsFound> {
        Err(FieldsFound(&[]))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
