//! Randomness and keyed hashes shared by cards (tokens), intake (query codes) and auth
//! (sessions).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(buf)
}

/// A URL-safe random token of `N` bytes (base64url, no padding).
pub fn random_token<const N: usize>() -> anyhow::Result<String> {
    Ok(data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<N>()?))
}

/// HMAC-SHA256 of `data` under `key`, as lowercase hex.
pub fn keyed_hash(key: &[u8], purpose: &str, data: &[u8]) -> String {
    // `new_from_slice` accepts any key length for HMAC; the fallback is unreachable.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return sha256_hex(data),
    };
    // Domain separation: a query-code hash can never collide with a session hash.
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(data);
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// SHA-256 of `data`, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(data))
}

/// Compares two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_url_safe_and_distinct() {
        let a = random_token::<16>().expect("token");
        let b = random_token::<16>().expect("token");
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn keyed_hashes_depend_on_key_and_purpose() {
        let h1 = keyed_hash(b"key-one", "query-code", b"1234");
        assert_ne!(h1, keyed_hash(b"key-two", "query-code", b"1234"));
        assert_ne!(h1, keyed_hash(b"key-one", "session", b"1234"));
        assert_eq!(h1, keyed_hash(b"key-one", "query-code", b"1234"));
    }
}
