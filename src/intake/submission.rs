//! The one-time submission id that makes sending a report idempotent, and the sealing of a
//! query code under it.
//!
//! The form carries a fresh id (128 random bits) in a hidden field; the JSON API takes an
//! `Idempotency-Key` header. The database keeps only a keyed hash of it (to find the first
//! submission's row) and the query code sealed (ChaCha20-Poly1305) under a key derived from
//! the id and the server key, so neither the database alone nor the server key alone opens
//! it: only the browser (or API client) that holds the id does, and only while the row keeps
//! the sealed code.

use ring::aead::{self, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;

use super::query_code::QueryCode;
use crate::crypto;

/// Characters of a form's submission id: 16 random bytes, base64url.
const FORM_ID_LEN: usize = 22;

/// Where a submission id came from: the two namespaces never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// The hidden field of the HTML form (or a server-made id for a form without one).
    Form,
    /// The JSON API's `Idempotency-Key` header.
    Api,
}

/// A submission id. Never logged, never put in a URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SubmissionId {
    door: Door,
    id: String,
}

impl std::fmt::Debug for SubmissionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SubmissionId({:?}, ****)", self.door)
    }
}

impl SubmissionId {
    /// A fresh id for a form about to be rendered.
    pub fn generate() -> anyhow::Result<Self> {
        Ok(Self {
            door: Door::Form,
            id: crypto::random_token::<16>()?,
        })
    }

    /// The id a form sent back: exactly what [`generate`](Self::generate) makes, or nothing.
    pub fn from_form(text: &str) -> Option<Self> {
        let text = text.trim();
        let well_formed = text.len() == FORM_ID_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self {
            door: Door::Form,
            id: text.to_string(),
        })
    }

    /// An API client's `Idempotency-Key`: 16 to 200 visible ASCII characters (a UUID fits).
    pub fn from_api_key(text: &str) -> Option<Self> {
        let well_formed =
            (16..=200).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
        well_formed.then(|| Self {
            door: Door::Api,
            id: text.to_string(),
        })
    }

    /// The id itself, for the hidden field and the receipt cookie.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// What the database keeps to find the submission: HMAC-SHA256 under the server key.
    pub fn hash(&self, server_key: &[u8]) -> String {
        crypto::keyed_hash(server_key, self.purpose(), self.id.as_bytes())
    }

    /// What the database keeps for a follow-up action (a reply, new evidence) sent with this
    /// id, so that the same form sent twice stores one action.
    pub fn action_hash(&self, server_key: &[u8]) -> String {
        crypto::keyed_hash(server_key, "reporter-action", self.id.as_bytes())
    }

    fn purpose(&self) -> &'static str {
        match self.door {
            Door::Form => "submission-id",
            Door::Api => "idempotency-key",
        }
    }

    fn sealing_key(&self, server_key: &[u8]) -> Option<LessSafeKey> {
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, server_key);
        let info = [self.purpose().as_bytes()];
        let prk = salt.extract(self.id.as_bytes());
        let okm = prk.expand(&info, &CHACHA20_POLY1305).ok()?;
        Some(LessSafeKey::new(UnboundKey::from(okm)))
    }

    /// The query code sealed under this id: `nonce ‖ ciphertext ‖ tag`, base64url.
    pub fn seal(&self, server_key: &[u8], code: &QueryCode) -> anyhow::Result<String> {
        let key = self
            .sealing_key(server_key)
            .ok_or_else(|| anyhow::anyhow!("deriving a sealing key"))?;
        let nonce_bytes = crypto::random_bytes::<{ aead::NONCE_LEN }>()?;
        let mut sealed = code.digits().as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(self.purpose()),
            &mut sealed,
        )
        .map_err(|_| anyhow::anyhow!("sealing a query code"))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(data_encoding::BASE64URL_NOPAD.encode(&out))
    }

    /// The query code `sealed` holds, if it was sealed under this id (and this server key).
    pub fn open(&self, server_key: &[u8], sealed: &str) -> Option<QueryCode> {
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(sealed.as_bytes())
            .ok()?;
        if bytes.len() <= aead::NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(aead::NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let key = self.sealing_key(server_key)?;
        let mut buffer = ciphertext.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(self.purpose()), &mut buffer)
            .ok()?;
        QueryCode::parse(std::str::from_utf8(plain).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a server key of at least thirty-two bytes";

    #[test]
    fn a_sealed_code_opens_only_under_its_own_id_and_key() {
        let id = SubmissionId::generate().expect("id");
        let code = QueryCode::generate().expect("code");
        let sealed = id.seal(KEY, &code).expect("sealed");
        assert!(!sealed.contains(code.digits()));
        assert_eq!(id.open(KEY, &sealed), Some(code));
        let other = SubmissionId::generate().expect("id");
        assert_eq!(other.open(KEY, &sealed), None);
        assert_eq!(
            id.open(b"another server key entirely, also long", &sealed),
            None
        );
        assert_eq!(id.open(KEY, "not base64 at all!"), None);
    }

    #[test]
    fn form_ids_are_checked_and_never_shown_in_debug_output() {
        let id = SubmissionId::generate().expect("id");
        assert_eq!(SubmissionId::from_form(id.as_str()), Some(id.clone()));
        assert!(!format!("{id:?}").contains(id.as_str()));
        assert_eq!(SubmissionId::from_form("short"), None);
        assert_eq!(SubmissionId::from_form("0123456789abcdef01234+"), None);
        assert!(SubmissionId::from_api_key("550e8400-e29b-41d4-a716-446655440000").is_some());
        assert!(SubmissionId::from_api_key("too short").is_none());
        assert!(SubmissionId::from_api_key("spaces are not allowed in keys").is_none());
    }

    #[test]
    fn the_same_text_hashes_apart_by_door() {
        let form = SubmissionId::from_form("abcdefghijklmnopqrstuv").expect("form id");
        let api = SubmissionId::from_api_key("abcdefghijklmnopqrstuv").expect("api key");
        assert_ne!(form.hash(KEY), api.hash(KEY));
    }
}
