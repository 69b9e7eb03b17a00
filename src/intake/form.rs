//! The report form's text fields as a [`ReportDraft`] (the multipart body itself is read by
//! [`crate::attachments::read_upload`]).

use super::draft::ReportDraft;

/// Everything one multipart submission carried.
pub type Submission = crate::attachments::Upload;

/// The report draft a submission's text fields describe.
pub fn draft(submission: &Submission) -> ReportDraft {
    draft_from_fields(&submission.fields)
}

/// Reads the report form.
pub async fn read(multipart: axum::extract::Multipart) -> Submission {
    crate::attachments::read_upload(multipart).await
}

/// Reads the report form's text only, passing its files over (for a form that is refused
/// anyway, but must come back filled in).
pub async fn read_text(multipart: axum::extract::Multipart) -> Submission {
    crate::attachments::read_text(multipart).await
}

/// Builds a draft from form fields (multipart or urlencoded alike).
pub fn draft_from_fields(fields: &[(String, String)]) -> ReportDraft {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    ReportDraft {
        items: fields
            .iter()
            .filter(|(k, _)| k == "item")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect(),
        description: get("description"),
        occurred_on: get("occurred_on"),
        department: get("department"),
        with_contact: get("contact") == "yes",
        contact_name: get("contact_name"),
        contact_phone: get("contact_phone"),
        contact_email: get("contact_email"),
        identify: get("identify") == "yes",
    }
}
