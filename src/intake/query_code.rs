//! The query code (查询码): 16 random digits given to the reporter once, stored only as a
//! keyed hash.

use crate::crypto;

/// Number of digits in a query code.
pub const DIGITS: usize = 16;

/// A query code, exactly 16 ASCII digits. Never logged, never put in a URL.
#[derive(Clone, PartialEq, Eq)]
pub struct QueryCode(String);

impl std::fmt::Debug for QueryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryCode(****)")
    }
}

impl QueryCode {
    /// A fresh random code (rejection sampling keeps every code equally likely).
    pub fn generate() -> anyhow::Result<Self> {
        const LIMIT: u64 = 10_000_000_000_000_000; // 10^16
        // The largest multiple of 10^16 that fits in a u64.
        let zone = u64::MAX - (u64::MAX % LIMIT);
        loop {
            let n = u64::from_le_bytes(crypto::random_bytes::<8>()?);
            if n < zone {
                return Ok(Self(format!("{:016}", n % LIMIT)));
            }
        }
    }

    /// Parses what a person typed: digits, with any spaces, dashes or dots between them.
    pub fn parse(text: &str) -> Option<Self> {
        let mut digits = String::with_capacity(DIGITS);
        for c in text.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                // Full-width digits from a Chinese input method.
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                ' ' | '-' | '.' | '\u{3000}' | '－' => {}
                _ => return None,
            }
            if digits.len() > DIGITS {
                return None;
            }
        }
        (digits.len() == DIGITS).then_some(Self(digits))
    }

    /// `1234 5678 9012 3456`: easy to read out and to copy.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The bare digits (for the JSON API).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// What is stored: HMAC-SHA256 under the server key.
    pub fn hash(&self, key: &[u8]) -> String {
        crypto::keyed_hash(key, "query-code", self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_have_sixteen_digits_and_differ() {
        let a = QueryCode::generate().expect("code");
        let b = QueryCode::generate().expect("code");
        assert_eq!(a.digits().len(), 16);
        assert!(a.digits().chars().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
    }

    #[test]
    fn typed_codes_may_carry_spaces_dashes_and_full_width_digits() {
        let code = QueryCode::parse("1234 5678-9012 3456").expect("parses");
        assert_eq!(code.grouped(), "1234 5678 9012 3456");
        assert_eq!(
            QueryCode::parse("１２３４５６７８９０１２３４５６"),
            Some(QueryCode("1234567890123456".into()))
        );
        assert!(QueryCode::parse("1234").is_none());
        assert!(QueryCode::parse("1234 5678 9012 3456 7").is_none());
        assert!(QueryCode::parse("abcd5678901234567").is_none());
    }

    #[test]
    fn debug_output_hides_the_code() {
        let code = QueryCode::parse("1234567890123456").expect("parses");
        assert!(!format!("{code:?}").contains("1234"));
    }
}
