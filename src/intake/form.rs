//! Reading the multipart report form: text fields into a [`ReportDraft`], files into
//! bounded buffers. A refused file never loses the text around it.

use axum::extract::Multipart;

use super::attachments::{FileProblem, MAX_FILE_BYTES, MAX_FILES};
use super::draft::ReportDraft;

/// Longest text field kept; longer ones are cut (and then fail validation, kept visible).
const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Everything one multipart submission carried.
#[derive(Debug, Default)]
pub struct Submission {
    /// Text fields by name, in order (a name may repeat, as `item` does).
    pub fields: Vec<(String, String)>,
    /// The non-empty files of the `attachment` field, each at most [`MAX_FILE_BYTES`].
    pub files: Vec<Vec<u8>>,
    /// The first problem with the files, if any.
    pub file_problem: Option<FileProblem>,
    /// The body was not valid multipart at all.
    pub malformed: bool,
}

impl Submission {
    /// The first value of text field `name`, or "".
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// The report draft the text fields describe.
    pub fn draft(&self) -> ReportDraft {
        draft_from_fields(&self.fields)
    }
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

/// Reads every part. Never fails: problems are recorded so the form can come back filled in.
pub async fn read(mut multipart: Multipart) -> Submission {
    let mut submission = Submission::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                note_stream_error(&mut submission, e.status());
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let mut buffer = Vec::new();
        let mut over = false;
        let cap = if is_file {
            MAX_FILE_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if buffer.len() + chunk.len() > cap {
                        // Keep reading (and dropping) so the client gets a clean answer. A
                        // file over the limit is refused whole; text keeps its first part,
                        // so the reporter sees what they wrote and can shorten it.
                        if is_file {
                            over = true;
                            buffer.clear();
                            buffer.shrink_to_fit();
                        } else if !over {
                            over = true;
                            let room = cap.saturating_sub(buffer.len());
                            buffer.extend_from_slice(&chunk[..room.min(chunk.len())]);
                        }
                    } else if !over {
                        buffer.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    note_stream_error(&mut submission, e.status());
                    return submission;
                }
            }
        }
        if is_file {
            if name != "attachment" {
                continue;
            }
            if over {
                submission.file_problem.get_or_insert(FileProblem::TooLarge);
            } else if !buffer.is_empty() {
                if submission.files.len() >= MAX_FILES {
                    submission.file_problem.get_or_insert(FileProblem::TooMany);
                } else {
                    submission.files.push(buffer);
                }
            }
        } else {
            let mut text = String::from_utf8_lossy(&buffer).into_owned();
            if over && text.len() > MAX_TEXT_BYTES {
                // Cut at a character boundary: a multi-byte character is never split.
                let mut end = MAX_TEXT_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            submission.fields.push((name, text));
        }
    }
    submission
}

fn note_stream_error(submission: &mut Submission, status: axum::http::StatusCode) {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        // Over the whole-request limit: that is what the reporter needs to hear first.
        submission.file_problem = Some(FileProblem::TooLarge);
    } else {
        submission.malformed = true;
    }
}
