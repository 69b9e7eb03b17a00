//! Why a row of a register file was left out, in words a print-staff member can act on.

use std::fmt;

use super::import::Column;
use super::uscc::UsccError;

/// Why one row was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    Missing(Column),
    BadUscc(UsccError),
    DuplicateInFile {
        first_line: u64,
    },
    Unprintable(Vec<char>),
    TooLong(Column),
    TooManyFields {
        found: usize,
        expected: usize,
    },
    /// A value runs over several lines: a quote opened and never closed.
    Multiline(Column),
    /// A value holds a control character (NUL, a terminal escape …).
    ControlCharacter(Column),
    /// The CSV parser could not read the row at all.
    Unreadable,
}

impl Reason {
    /// The locale key of the reason (`ent_reason_*`); its text has `{a}` and `{b}` for
    /// [`Reason::args`].
    pub fn key(&self) -> &'static str {
        match self {
            Reason::Missing(_) => "ent_reason_missing",
            Reason::BadUscc(UsccError::Length(_)) => "ent_reason_uscc_length",
            Reason::BadUscc(UsccError::Character(_)) => "ent_reason_uscc_char",
            Reason::BadUscc(UsccError::CheckCharacter { .. }) => "ent_reason_uscc_check",
            Reason::DuplicateInFile { .. } => "ent_reason_duplicate",
            Reason::Unprintable(_) => "ent_reason_unprintable",
            Reason::TooLong(_) => "ent_reason_too_long",
            Reason::TooManyFields { .. } => "ent_reason_too_many_fields",
            Reason::Multiline(_) => "ent_reason_multiline",
            Reason::ControlCharacter(_) => "ent_reason_control",
            Reason::Unreadable => "ent_reason_unreadable",
        }
    }

    /// The values the translated text refers to as `{a}` and `{b}`.
    pub fn args(&self) -> (String, String) {
        match self {
            Reason::Missing(c) | Reason::Multiline(c) | Reason::ControlCharacter(c) => {
                (c.to_string(), String::new())
            }
            Reason::TooLong(c) => (c.to_string(), c.max_chars().to_string()),
            Reason::BadUscc(UsccError::Length(n)) => (n.to_string(), String::new()),
            Reason::BadUscc(UsccError::Character(c)) => (c.to_string(), String::new()),
            Reason::BadUscc(UsccError::CheckCharacter { expected, found }) => {
                (expected.to_string(), found.to_string())
            }
            Reason::DuplicateInFile { first_line } => (first_line.to_string(), String::new()),
            Reason::Unprintable(chars) => (code_points(chars), String::new()),
            Reason::TooManyFields { found, expected } => (found.to_string(), expected.to_string()),
            Reason::Unreadable => (String::new(), String::new()),
        }
    }
}

/// `𠀀 (U+20000)`: the character, and its code point for when the page cannot show it either.
fn code_points(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Missing(c) => write!(f, "{c} is empty"),
            Reason::BadUscc(e) => write!(f, "bad USCC: {e}"),
            Reason::DuplicateInFile { first_line } => {
                write!(f, "duplicate USCC: already on line {first_line}")
            }
            Reason::Unprintable(chars) => {
                write!(f, "name would print as empty boxes: {}", code_points(chars))
            }
            Reason::TooLong(c) => write!(f, "{c} is longer than {} characters", c.max_chars()),
            Reason::TooManyFields { found, expected } => write!(
                f,
                "{found} fields but the header has {expected} (an unquoted comma or a stray quote?)"
            ),
            Reason::Multiline(c) => write!(
                f,
                "{c} runs over several lines (a quote opened and never closed?)"
            ),
            Reason::ControlCharacter(c) => write!(
                f,
                "{c} holds a control character (NUL or a terminal escape); remove it"
            ),
            Reason::Unreadable => f.write_str("the row cannot be read as CSV"),
        }
    }
}

/// A row left out, by line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub reason: Reason,
}
