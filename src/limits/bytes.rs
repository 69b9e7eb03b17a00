//! How large a request body, a form and a file may be: every byte limit of the server, here
//! and nowhere else. A route declares its body limit with one of these; the CSRF guard, which
//! must read a form's body to find its token, reads no more than the route declared.

/// One mebibyte: the unit people read limits in ("10 MB").
const MB: usize = 1024 * 1024;

/// At most this many files per report, per evidence upload, per staff message or note.
pub const MAX_FILES: usize = 5;
/// At most this many bytes per attached file.
pub const MAX_FILE_BYTES: usize = 10 * MB;
/// Room for the text of a form around its files (the fields, the multipart framing).
const FORM_ROOM: usize = MB;

/// Every request not declared otherwise: forms of text are small.
pub const DEFAULT_BODY: usize = 2 * MB;
/// A request that may carry a full set of attachments (a report, a reporter's evidence, a
/// staff message or internal note): five full files and the text around them.
pub const ATTACHMENTS_BODY: usize = MAX_FILES * MAX_FILE_BYTES + FORM_ROOM;
/// Largest enterprise-register file (CSV or XLSX).
pub const REGISTER_FILE_BYTES: usize = 10 * MB;
/// The register upload: the file plus the form around it.
pub const REGISTER_BODY: usize = REGISTER_FILE_BYTES + 64 * 1024;
/// The working-day calendar upload (a small TOML or JSON file).
pub const CALENDAR_BODY: usize = MB;
/// Largest text field of a multipart form (a message, a description).
pub const TEXT_FIELD_BYTES: usize = 64 * 1024;
/// Largest case dossier PDF a staff member may upload to have it verified (a dossier of a
/// long case with hundreds of audit rows is well under 1 MB; the fonts are subset).
pub const DOSSIER_FILE_BYTES: usize = 20 * MB;
/// The dossier upload: the file plus the form around it.
pub const DOSSIER_BODY: usize = DOSSIER_FILE_BYTES + 64 * 1024;

// A request with attachments always has room for the full set of files.
const _: () = assert!(ATTACHMENTS_BODY > MAX_FILES * MAX_FILE_BYTES);

/// `bytes` in whole megabytes, rounded up, as a refusal names a limit ("at most 51 MB").
pub const fn megabytes(bytes: usize) -> usize {
    bytes.div_ceil(MB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_attachments_has_room_for_five_full_files_and_its_text() {
        assert_eq!(ATTACHMENTS_BODY, 51 * MB);
        assert_eq!(megabytes(ATTACHMENTS_BODY), 51);
        assert_eq!(megabytes(ATTACHMENTS_BODY + 1), 52);
        assert_eq!(megabytes(REGISTER_BODY), 11);
    }
}
