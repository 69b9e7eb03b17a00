//! A small rewriter for the XML parts of an office document: the values of named attributes
//! and the text of named elements are replaced, and named elements are dropped whole, while
//! every other byte is copied as it was (no parser re-serialises the part, so nothing the
//! rules do not name can change). Names are compared by their local part (`w:author` and
//! `w15:author` are both `author`), as producers pick their own prefixes.
//!
//! A part with a document type declaration is refused: office parts never carry one, and
//! entities are not something to copy along unread.

/// What to remove from one part.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules<'a> {
    /// Attributes (local name, new value) whose value is replaced, on every element.
    pub attributes: &'a [(&'a str, &'a str)],
    /// Elements (local name, new text) whose content is replaced.
    pub texts: &'a [(&'a str, &'a str)],
    /// Elements (local name) removed with everything inside them.
    pub dropped: &'a [&'a str],
}

impl Rules<'_> {
    fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.texts.is_empty() && self.dropped.is_empty()
    }
}

/// Why a part could not be rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The name of a tag's element: `<w:ins w:author="x">` → `w:ins`.
fn tag_name(tag: &str) -> &str {
    let inner = tag.trim_start_matches(['<', '/']);
    let end = inner
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(inner.len());
    &inner[..end]
}

/// Where the tag starting at `at` (a `<`) ends, one past its `>`; quotes are skipped, as an
/// attribute value may hold a `>`.
fn tag_end(xml: &str, at: usize) -> Option<usize> {
    let bytes = xml.as_bytes();
    let mut i = at + 1;
    loop {
        // The next byte that matters, found by the standard library's fast search.
        let next = i + bytes
            .get(i..)?
            .iter()
            .position(|b| matches!(b, b'>' | b'<' | b'"' | b'\''))?;
        match bytes[next] {
            b'>' => return Some(next + 1),
            b'<' => return None,
            quote => {
                // Skip to the closing quote.
                i = next + 1 + bytes.get(next + 1..)?.iter().position(|b| *b == quote)? + 1;
            }
        }
    }
}

/// Writes `tag` to `out` with the values of `rules.attributes` replaced.
fn rewrite_attributes(tag: &str, rules: &Rules, out: &mut String) -> Result<(), Malformed> {
    // Most tags name none of the attributes: copied at once.
    if !rules.attributes.iter().any(|(name, _)| tag.contains(name)) {
        out.push_str(tag);
        return Ok(());
    }
    let bytes = tag.as_bytes();
    let name_end = 1 + tag_name(tag).len();
    out.push_str(&tag[..name_end]);
    let mut i = name_end;
    while i < bytes.len() {
        // Whitespace, `/` and `>` are copied; an attribute starts anywhere else.
        if bytes[i].is_ascii_whitespace() || bytes[i] == b'/' || bytes[i] == b'>' {
            out.push(char::from(bytes[i]));
            i += 1;
            continue;
        }
        let eq = tag[i..].find('=').map(|n| n + i).ok_or(Malformed)?;
        let name = tag[i..eq].trim();
        let mut q = eq + 1;
        while bytes.get(q).is_some_and(u8::is_ascii_whitespace) {
            q += 1;
        }
        let quote = *bytes.get(q).ok_or(Malformed)?;
        if quote != b'"' && quote != b'\'' {
            return Err(Malformed);
        }
        let close = tag[q + 1..]
            .find(char::from(quote))
            .map(|n| n + q + 1)
            .ok_or(Malformed)?;
        out.push_str(&tag[i..=q]);
        match rules.attributes.iter().find(|(n, _)| *n == local(name)) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&tag[q + 1..close]),
        }
        out.push(char::from(quote));
        i = close + 1;
    }
    Ok(())
}

/// An element being replaced or dropped: its name, how deep inside it the scan is, and
/// whether its tags are kept (replaced text) or not (dropped).
struct Skipping<'x> {
    name: &'x str,
    depth: usize,
    keep_tags: bool,
}

/// `xml` under `rules`.
pub fn rewrite(xml: &str, rules: &Rules) -> Result<String, Malformed> {
    if rules.is_empty() {
        return Ok(xml.to_string());
    }
    let mut out = String::with_capacity(xml.len());
    let mut skipping: Option<Skipping> = None;
    let mut i = 0;
    while i < xml.len() {
        let Some(lt) = xml[i..].find('<').map(|n| n + i) else {
            if skipping.is_some() {
                return Err(Malformed);
            }
            out.push_str(&xml[i..]);
            break;
        };
        if skipping.is_none() {
            out.push_str(&xml[i..lt]);
        }
        let rest = &xml[lt..];
        // Comments, character data and processing instructions are copied whole.
        let verbatim = [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")]
            .iter()
            .find(|(open, _)| rest.starts_with(open));
        if let Some((open, close)) = verbatim {
            let end = rest[open.len()..]
                .find(close)
                .map(|n| lt + open.len() + n + close.len())
                .ok_or(Malformed)?;
            if skipping.is_none() {
                out.push_str(&xml[lt..end]);
            }
            i = end;
            continue;
        }
        if rest.starts_with("<!") {
            // A document type declaration (or anything else an office part never has).
            return Err(Malformed);
        }
        let end = tag_end(xml, lt).ok_or(Malformed)?;
        let tag = &xml[lt..end];
        let name = tag_name(tag);
        let closing = tag.starts_with("</");
        let empty = tag.ends_with("/>");
        if let Some(skip) = skipping.as_mut() {
            if name == skip.name && !empty {
                if closing {
                    skip.depth -= 1;
                } else {
                    skip.depth += 1;
                }
            }
            if skip.depth == 0 {
                if skip.keep_tags {
                    out.push_str(tag);
                }
                skipping = None;
            }
            i = end;
            continue;
        }
        if !closing {
            if rules.dropped.contains(&local(name)) {
                if !empty {
                    skipping = Some(Skipping {
                        name,
                        depth: 1,
                        keep_tags: false,
                    });
                }
                i = end;
                continue;
            }
            rewrite_attributes(tag, rules, &mut out)?;
            if !empty && let Some((_, text)) = rules.texts.iter().find(|(n, _)| *n == local(name)) {
                out.push_str(text);
                skipping = Some(Skipping {
                    name,
                    depth: 1,
                    keep_tags: true,
                });
            }
        } else {
            out.push_str(tag);
        }
        i = end;
    }
    if skipping.is_some() {
        return Err(Malformed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_attributes_texts_and_elements_go_and_everything_else_stays_byte_for_byte() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="x"><!-- <w:ins w:author="in a comment"> --><w:body><w:p>
<w:ins w:id="1" w:author="王小明" w:date="2026-11-01T10:00:00Z"><w:r><w:t>author="not an attribute" &gt; 1</w:t></w:r></w:ins>
<w:comment w:initials = 'WXM' w:author='Wang &apos;X&apos;'/></w:p></w:body>
<Company>某某科技有限公司</Company><Manager><b>Li</b></Manager>
<ofd:Keywords><ofd:Keyword>a</ofd:Keyword><ofd:Keywords>nested</ofd:Keywords></ofd:Keywords><ofd:DocID>42</ofd:DocID></w:document>"#;
        let rules = Rules {
            attributes: &[("author", "Author"), ("initials", "")],
            texts: &[("Company", ""), ("Manager", "")],
            dropped: &["Keywords"],
        };
        let out = rewrite(xml, &rules).expect("rewrites");
        for gone in ["王小明", "WXM", "Wang", "某某科技", "<b>Li", "Keyword"] {
            assert!(!out.contains(gone), "{gone} left in {out}");
        }
        for kept in [
            r#"<w:ins w:id="1" w:author="Author" w:date="2026-11-01T10:00:00Z">"#,
            r#"<w:comment w:initials = '' w:author='Author'/>"#,
            r#"<w:t>author="not an attribute" &gt; 1</w:t>"#,
            "<!-- <w:ins w:author=\"in a comment\"> -->",
            "<Company></Company><Manager></Manager>",
            "<ofd:DocID>42</ofd:DocID></w:document>",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        ] {
            assert!(out.contains(kept), "{kept} lost in {out}");
        }
    }

    #[test]
    fn a_cut_part_or_one_with_a_doctype_is_refused() {
        let rules = Rules {
            attributes: &[("author", "Author")],
            ..Rules::default()
        };
        assert_eq!(rewrite("<a author=\"x", &rules), Err(Malformed));
        assert_eq!(
            rewrite("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", &rules),
            Err(Malformed)
        );
        let texts = Rules {
            texts: &[("Company", "")],
            ..Rules::default()
        };
        assert_eq!(rewrite("<Company>never closed", &texts), Err(Malformed));
    }
}
