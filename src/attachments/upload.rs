//! Reading a multipart form: text fields, and the files of its `attachment` field into
//! bounded buffers. Never fails: a refused file never loses the text around it.

use axum::extract::Multipart;

use super::{FileProblem, MAX_FILE_BYTES, MAX_FILES};

// Longest text field kept; longer ones are cut (and then fail validation, kept visible).
use crate::limits::bytes::TEXT_FIELD_BYTES as MAX_TEXT_BYTES;

/// Everything one multipart form carried.
#[derive(Debug, Default)]
pub struct Upload {
    /// Text fields by name, in order (a name may repeat, as `item` does).
    pub fields: Vec<(String, String)>,
    /// The non-empty files of the `attachment` field, each at most [`MAX_FILE_BYTES`].
    pub files: Vec<Vec<u8>>,
    /// The first problem with the files, if any.
    pub file_problem: Option<FileProblem>,
    /// The names the browser gave the files of the `attachment` field, kept or not (so a
    /// refused form can say which files to choose again). Never stored.
    pub file_names: Vec<String>,
    /// The names the browser gave the kept files, one for each of [`Upload::files`] ("" when
    /// it gave none). Staff files keep theirs; a reporter's are never stored.
    pub kept_names: Vec<String>,
    /// The body was not valid multipart at all.
    pub malformed: bool,
}

impl Upload {
    /// The first value of text field `name`, or "".
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// Reads every part. Never fails: problems are recorded so the form can come back filled in.
pub async fn read_upload(multipart: Multipart) -> Upload {
    read_parts(multipart, true).await
}

/// Reads the text fields only; files are passed over without being kept (for a form that is
/// refused anyway, but must come back filled in).
pub async fn read_text(multipart: Multipart) -> Upload {
    read_parts(multipart, false).await
}

async fn read_parts(mut multipart: Multipart, keep_files: bool) -> Upload {
    let mut upload = Upload::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                note_stream_error(&mut upload, e.status());
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(display_name);
        let is_file = file_name.is_some();
        let mut buffer = Vec::new();
        // A file that is not kept counts as over its limit: read past, never buffered.
        let mut over = is_file && !keep_files;
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
                    note_stream_error(&mut upload, e.status());
                    return upload;
                }
            }
        }
        if is_file {
            if name != "attachment" {
                continue;
            }
            if let Some(file_name) = file_name.as_ref().filter(|n| !n.is_empty()) {
                upload.file_names.push(file_name.clone());
            }
            if !keep_files {
                continue;
            }
            if over {
                upload.file_problem.get_or_insert(FileProblem::TooLarge);
            } else if !buffer.is_empty() {
                if upload.files.len() >= MAX_FILES {
                    upload.file_problem.get_or_insert(FileProblem::TooMany);
                } else {
                    upload.files.push(buffer);
                    upload.kept_names.push(file_name.unwrap_or_default());
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
            upload.fields.push((name, crate::text::clean_owned(text)));
        }
    }
    upload
}

/// A file name as a page may show it: the last path segment, cleaned, at most 100 characters.
fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    crate::text::clean_owned(last.chars().take(100).collect())
}

fn note_stream_error(upload: &mut Upload, status: axum::http::StatusCode) {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        // Over the whole-request limit: that is what the reporter needs to hear first.
        upload.file_problem = Some(FileProblem::TooLarge);
    } else {
        upload.malformed = true;
    }
}
