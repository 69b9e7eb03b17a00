//! The case dossier (案卷): a case as one printable A4 PDF — cover, report, timeline,
//! messages with the reporter, internal notes, files with their SHA-256 and the case's audit
//! rows with their chain hashes — and the check that a dossier is genuine.
//!
//! Exporting is audited, in the same transaction that gathers the case (`model`). The PDF is
//! drawn with the cards' PDF writer and fonts (`render`). A seal (`seal`) — the audit rows'
//! ids and hashes, the chain head at export, the files' SHA-256 — is printed, embedded in
//! the PDF, and summed up in a short fingerprint on every page. `verify` compares a seal with
//! the live audit chain: genuine; genuine but changed since; or which row or file does not
//! match; a seal whose list does not give its fingerprint is refused. `routes` serves the
//! PDF and the page that checks an upload; `cli` is `jianduka audit verify-dossier FILE`.

pub mod cli;
mod model;
mod render;
mod routes;
pub mod seal;
mod verify;

pub use model::{AuditLine, Dossier, FileLine, FilePlace, Format, export, file_bytes};
pub use routes::staff_routes;
pub use verify::{Changes, Problem, Subject, Verdict, unreadable_sentence, verify, verify_bytes};
