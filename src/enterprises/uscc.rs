//! The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters whose
//! last one is a check character over the first 17.

use std::fmt;

/// The 31 characters a code may use: digits and upper-case letters without I, O, S, V, Z.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 positions.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code whose check character is correct, in upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// Why a text is not a valid unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("must be 18 characters, not {0}")]
    Length(usize),
    #[error("'{0}' is not allowed (digits and letters except I, O, S, V, Z)")]
    Character(char),
    #[error("check character should be {expected}, not {found}")]
    CheckCharacter { expected: char, found: char },
}

/// `０`…`９`, `Ａ`…`ｚ` as their ASCII forms; anything else unchanged.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

fn value_of(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    CHARSET
        .iter()
        .position(|&b| b == byte)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first 17 characters of a code (all from the charset).
fn check_character(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    char::from(CHARSET[check as usize])
}

impl Uscc {
    /// Parses a code, ignoring surrounding whitespace, letter case and full-width forms
    /// (typed with a Chinese input method).
    pub fn parse(text: &str) -> Result<Self, UsccError> {
        let code: String = text
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .chars()
            .map(half_width)
            .collect::<String>()
            .to_uppercase();
        let count = code.chars().count();
        if count != 18 {
            return Err(UsccError::Length(count));
        }
        let mut values = Vec::with_capacity(17);
        let mut chars = code.chars();
        for c in chars.by_ref().take(17) {
            values.push(value_of(c).ok_or(UsccError::Character(c))?);
        }
        let found = chars.next().ok_or(UsccError::Length(count))?;
        if value_of(found).is_none() {
            return Err(UsccError::Character(found));
        }
        let expected = check_character(&values);
        if found != expected {
            return Err(UsccError::CheckCharacter { expected, found });
        }
        Ok(Self(code))
    }

    /// Completes the first 17 characters of a code with its check character (for fixtures and
    /// tests).
    pub fn complete(first_17: &str) -> Result<Self, UsccError> {
        let mut values = Vec::with_capacity(17);
        for c in first_17.trim().to_uppercase().chars() {
            values.push(value_of(c).ok_or(UsccError::Character(c))?);
        }
        if values.len() != 17 {
            return Err(UsccError::Length(values.len() + 1));
        }
        let mut code = first_17.trim().to_uppercase();
        code.push(check_character(&values));
        Ok(Self(code))
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Codes as printed on two well-known published business licences.
    #[test]
    fn published_codes_are_valid() {
        for code in ["91330100799655058B", "9144030071526726XG"] {
            assert_eq!(Uscc::parse(code).expect(code).as_str(), code);
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused_and_the_right_one_named() {
        assert_eq!(
            Uscc::parse("91330100799655058C"),
            Err(UsccError::CheckCharacter {
                expected: 'B',
                found: 'C'
            })
        );
    }

    #[test]
    fn codes_of_the_wrong_length_are_refused() {
        assert_eq!(Uscc::parse("91330100799655058"), Err(UsccError::Length(17)));
        assert_eq!(
            Uscc::parse("91330100799655058BB"),
            Err(UsccError::Length(19))
        );
        assert_eq!(Uscc::parse(""), Err(UsccError::Length(0)));
    }

    #[test]
    fn letters_outside_the_charset_are_refused() {
        assert_eq!(
            Uscc::parse("9133010079965505IB"),
            Err(UsccError::Character('I'))
        );
        assert_eq!(
            Uscc::parse("9133010079965505OB"),
            Err(UsccError::Character('O'))
        );
        assert_eq!(
            Uscc::parse("9133010079965505-B"),
            Err(UsccError::Character('-'))
        );
    }

    #[test]
    fn lower_case_and_surrounding_spaces_are_normalised() {
        let code = Uscc::parse("  9144030071526726xg\u{3000}").expect("valid");
        assert_eq!(code.as_str(), "9144030071526726XG");
        let full_width = Uscc::parse("９１３３０１００７９９６５５０５８ｂ").expect("valid");
        assert_eq!(full_width.as_str(), "91330100799655058B");
    }

    #[test]
    fn completing_a_prefix_gives_a_valid_code() {
        let code = Uscc::complete("91330681MA2BCDEF1").expect("charset");
        assert_eq!(Uscc::parse(code.as_str()), Ok(code));
    }
}
