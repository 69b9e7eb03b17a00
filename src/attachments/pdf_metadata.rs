//! Removing who made a PDF before it is stored: the values of the document information
//! dictionary (Author, Creator, Producer, Title, Subject, Keywords, dates) and the XMP
//! metadata packet are overwritten with spaces, in place. Every byte keeps its offset, so the
//! cross-reference table stays valid and the pages are untouched; no PDF library is needed
//! (and none holds the whole document as objects in memory).
//!
//! Limit, by design: metadata that a writer put inside a compressed object stream (PDF 1.5
//! object streams) cannot be blanked in place and is kept; the form says so.

/// Keys of the document information dictionary whose values are blanked.
const INFO_KEYS: [&[u8]; 9] = [
    b"/Author",
    b"/Creator",
    b"/Producer",
    b"/Title",
    b"/Subject",
    b"/Keywords",
    b"/CreationDate",
    b"/ModDate",
    b"/Company",
];

/// `bytes` with its information-dictionary values and XMP packets blanked.
pub fn strip(mut bytes: Vec<u8>) -> Vec<u8> {
    for key in INFO_KEYS {
        let mut from = 0;
        while let Some(at) = find(&bytes[from..], key).map(|i| i + from) {
            from = at + key.len();
            // `/Author` must not be the start of a longer name (`/AuthorX`).
            if bytes
                .get(from)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                continue;
            }
            from = blank_value(&mut bytes, from);
        }
    }
    blank_between(&mut bytes, b"<x:xmpmeta", b"</x:xmpmeta>");
    blank_between(&mut bytes, b"<rdf:RDF", b"</rdf:RDF>");
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Blanks the string value starting after whitespace at `at`; returns where scanning goes on.
fn blank_value(bytes: &mut [u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    match bytes.get(at) {
        Some(b'(') => {
            // A literal string: balanced parentheses, backslash escapes.
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => {
                        bytes[i] = b' ';
                        if i + 1 < bytes.len() {
                            bytes[i + 1] = b' ';
                        }
                        i += 2;
                        continue;
                    }
                    b'(' => {
                        depth += 1;
                        if depth > 1 {
                            bytes[i] = b' ';
                        }
                    }
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                        bytes[i] = b' ';
                    }
                    _ => bytes[i] = b' ',
                }
                i += 1;
            }
            bytes.len()
        }
        Some(b'<') if bytes.get(at + 1) != Some(&b'<') => {
            // A hex string: whitespace inside it is ignored, so it becomes empty.
            let mut i = at + 1;
            while i < bytes.len() && bytes[i] != b'>' {
                bytes[i] = b' ';
                i += 1;
            }
            i
        }
        _ => at,
    }
}

/// Overwrites every `start … end` span (markers included) with spaces.
fn blank_between(bytes: &mut [u8], start: &[u8], end: &[u8]) {
    let mut from = 0;
    while let Some(s) = find(&bytes[from..], start).map(|i| i + from) {
        let Some(e) = find(&bytes[s..], end).map(|i| i + s + end.len()) else {
            return;
        };
        bytes[s..e].fill(b' ');
        from = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &str = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>\nendobj\n\
        3 0 obj\n<< /Author (Wang \\(Xiao\\) Ming) /Creator <FEFF0057005000530020> \
        /Producer (WPS Office) /CreationDate (D:20261101120000+08'00') /Title (Secret plan) >>\nendobj\n\
        4 0 obj\n<< /Type /Metadata /Subtype /XML /Length 80 >>\nstream\n\
        <x:xmpmeta><dc:creator>Wang Xiao Ming</dc:creator><xmp:CreatorTool>WPS</xmp:CreatorTool></x:xmpmeta>\n\
        endstream\nendobj\ntrailer\n<< /Root 1 0 R /Info 3 0 R >>\n%%EOF\n";

    #[test]
    fn who_wrote_a_pdf_and_with_what_is_blanked_in_place() {
        let stripped = strip(PDF.as_bytes().to_vec());
        assert_eq!(stripped.len(), PDF.len(), "offsets are kept");
        let text = String::from_utf8(stripped).expect("still text");
        for gone in [
            "Wang",
            "Xiao",
            "WPS",
            "0057",
            "D:2026",
            "Secret plan",
            "xmpmeta",
        ] {
            assert!(!text.contains(gone), "{gone} left in {text}");
        }
        for kept in [
            "/Author (",
            "/Root 1 0 R",
            "/Info 3 0 R",
            "%%EOF",
            "/Type /Catalog",
        ] {
            assert!(text.contains(kept), "{kept} lost in {text}");
        }
    }
}
