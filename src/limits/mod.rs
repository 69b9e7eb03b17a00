//! Limits, each declared once: the in-memory abuse limits (`rate`: reports per client and
//! per card, the query-code back-off, the login throttle) and how many bytes a request body,
//! a form and a file may have ([`bytes`]).

pub mod bytes;
mod rate;

pub use bytes::{MAX_FILE_BYTES, MAX_FILES};
pub use rate::{
    CodeGate, Gate, LOGIN_FREE_FAILURES, LOGIN_LONGEST_WAIT, Limits, account_key, card_key,
    client_key,
};
