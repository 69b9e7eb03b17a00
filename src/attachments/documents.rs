//! Word (.docx), Excel (.xlsx) and OFD files as staff attach them: recognised by what the
//! ZIP holds (never by the name), macro-enabled files refused, and the rest copied without
//! who made them.
//!
//! - Word and Excel: the core properties (`docProps/core.xml`: author, last modified by,
//!   title, dates, revision) and custom properties are replaced by empty ones; the company,
//!   manager and hyperlink base of `docProps/app.xml` are emptied; the authors of tracked
//!   changes and comments become "Author" and their initials and account ids are emptied
//!   (what Word's own "remove personal information" does); Excel's comment authors, people,
//!   shared-workbook user names and the folder the workbook was saved in go the same way.
//! - OFD (GB/T 33190): the document information of `OFD.xml` (title, author, subject,
//!   abstract, creator, dates, keywords, custom data) is removed. A signed OFD (an electronic
//!   seal, as on an e-invoice) is kept exactly as it came: any change would break its seal,
//!   and the seal is what makes it worth attaching.

use super::FileProblem;
use super::archive::{self, Checked};
use super::xml_clean::{self, Rules};

/// A document format staff may attach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    Word,
    Excel,
    Ofd,
}

impl Document {
    /// The content type it is stored and served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Document::Word => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Document::Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Document::Ofd => "application/ofd",
        }
    }

    /// Its usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Document::Word => "docx",
            Document::Excel => "xlsx",
            Document::Ofd => "ofd",
        }
    }
}

/// Largest `[Content_Types].xml` or `OFD.xml` read to decide what a file is.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Signs of macros (VBA, Excel 4 macro sheets) or ActiveX controls, in part names and
/// content types, compared without case.
const ACTIVE_CONTENT: [&str; 6] = [
    "vbaproject",
    "macroenabled",
    "macrosheet",
    "vbadata",
    "activex",
    "xl/macrosheets/",
];

/// What the ZIP in `bytes` is, if staff may attach it.
fn classify(zip: &mut Checked) -> Result<Document, FileProblem> {
    let active = |text: &str| {
        let lower = text.to_lowercase();
        ACTIVE_CONTENT.iter().any(|sign| lower.contains(sign))
    };
    if zip.names.iter().any(|n| active(n)) {
        return Err(FileProblem::Macro);
    }
    if let Some(types) = zip.read("[Content_Types].xml", MAX_MANIFEST_BYTES)? {
        let types = String::from_utf8_lossy(&types);
        if active(&types) {
            return Err(FileProblem::Macro);
        }
        if types.contains("wordprocessingml.document.main+xml") {
            return Ok(Document::Word);
        }
        if types.contains("spreadsheetml.sheet.main+xml") {
            return Ok(Document::Excel);
        }
        return Err(FileProblem::NotAllowed);
    }
    if zip.has("OFD.xml") {
        return Ok(Document::Ofd);
    }
    Err(FileProblem::NotAllowed)
}

const EMPTY_CORE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\r\n",
    r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
    r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
    r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>"#,
);

const EMPTY_CUSTOM: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\r\n",
    r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" "#,
    r#"xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>"#,
);

/// Company, manager and the folder links are relative to.
const APP: Rules = Rules {
    attributes: &[],
    texts: &[("Company", ""), ("Manager", ""), ("HyperlinkBase", "")],
    dropped: &[],
};

/// Tracked changes, comments and the people list of a Word document.
const WORD: Rules = Rules {
    attributes: &[
        ("author", "Author"),
        ("initials", ""),
        ("userId", ""),
        ("providerId", "None"),
    ],
    texts: &[],
    dropped: &[],
};

/// Comment authors of a workbook.
const EXCEL_COMMENTS: Rules = Rules {
    attributes: &[],
    texts: &[("author", "Author")],
    dropped: &[],
};

/// The people of threaded comments.
const EXCEL_PERSONS: Rules = Rules {
    attributes: &[
        ("displayName", "Author"),
        ("userId", ""),
        ("providerId", "None"),
    ],
    texts: &[],
    dropped: &[],
};

/// The folder the workbook was saved in (`x15ac:absPath`) and who reserved it.
const EXCEL_WORKBOOK: Rules = Rules {
    attributes: &[("url", ""), ("userName", "")],
    texts: &[],
    dropped: &[],
};

/// Shared-workbook revision logs and their user list.
const EXCEL_REVISIONS: Rules = Rules {
    attributes: &[("userName", "Author"), ("name", "Author")],
    texts: &[],
    dropped: &[],
};

/// The document information of an OFD.
const OFD: Rules = Rules {
    attributes: &[],
    texts: &[],
    dropped: &[
        "Title",
        "Author",
        "Subject",
        "Abstract",
        "Creator",
        "CreatorVersion",
        "Keywords",
        "CustomDatas",
        "CreationDate",
        "ModDate",
    ],
};

/// What happens to the part `name` (lower case) of a `kind` document.
enum Treatment {
    Keep,
    Replace(&'static str),
    Rewrite(Rules<'static>),
}

fn treatment(kind: Document, name: &str) -> Treatment {
    let xml = name.ends_with(".xml");
    match (kind, name) {
        (Document::Ofd, "ofd.xml") => Treatment::Rewrite(OFD),
        (Document::Ofd, _) => Treatment::Keep,
        (_, "docprops/core.xml") => Treatment::Replace(EMPTY_CORE),
        (_, "docprops/custom.xml") => Treatment::Replace(EMPTY_CUSTOM),
        (_, "docprops/app.xml") => Treatment::Rewrite(APP),
        (Document::Word, n) if xml && n.starts_with("word/") => Treatment::Rewrite(WORD),
        (Document::Excel, "xl/workbook.xml") => Treatment::Rewrite(EXCEL_WORKBOOK),
        (Document::Excel, n) if xml && n.starts_with("xl/comments") => {
            Treatment::Rewrite(EXCEL_COMMENTS)
        }
        (Document::Excel, n) if xml && n.starts_with("xl/persons/") => {
            Treatment::Rewrite(EXCEL_PERSONS)
        }
        (Document::Excel, n) if xml && n.starts_with("xl/revisions/") => {
            Treatment::Rewrite(EXCEL_REVISIONS)
        }
        _ => Treatment::Keep,
    }
}

fn clean_part(kind: Document, name: &str, data: Vec<u8>) -> Result<Vec<u8>, FileProblem> {
    match treatment(kind, &name.to_lowercase()) {
        Treatment::Keep => Ok(data),
        Treatment::Replace(text) => Ok(text.as_bytes().to_vec()),
        Treatment::Rewrite(rules) => {
            // Office writes its parts in UTF-8; one in another encoding cannot be cleaned.
            let text = std::str::from_utf8(&data).map_err(|_| FileProblem::Unreadable)?;
            xml_clean::rewrite(text, &rules)
                .map(String::into_bytes)
                .map_err(|_| FileProblem::Unreadable)
        }
    }
}

/// Whether an OFD carries a signature or seal.
fn is_signed(zip: &mut Checked) -> Result<bool, FileProblem> {
    if zip
        .names
        .iter()
        .any(|n| n.to_lowercase().ends_with("/signatures.xml"))
    {
        return Ok(true);
    }
    let manifest = zip.read("OFD.xml", MAX_MANIFEST_BYTES)?.unwrap_or_default();
    Ok(String::from_utf8_lossy(&manifest).contains("Signatures"))
}

/// Checks and cleans a ZIP-based document: what it is and its bytes to store.
/// CPU-heavy: call from a pool thread.
pub fn prepare(bytes: Vec<u8>) -> Result<(Document, Vec<u8>), FileProblem> {
    let mut zip = archive::open(&bytes)?;
    let kind = classify(&mut zip)?;
    if kind == Document::Ofd && is_signed(&mut zip)? {
        // Decompressed once through the limits, so a bomb with a seal is still refused.
        zip.rewrite(|_| false, |_, data| Ok(data))?;
        return Ok((kind, bytes));
    }
    let wants = |name: &str| !matches!(treatment(kind, &name.to_lowercase()), Treatment::Keep);
    let cleaned = zip.rewrite(wants, |name, data| clean_part(kind, name, data))?;
    Ok((kind, cleaned))
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::archive::tests::zip_of;
    use super::*;

    pub const CONTENT_TYPES_DOCX: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

    pub const CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>谈话记录</dc:title><dc:creator>王小明</dc:creator><cp:lastModifiedBy>李燕</cp:lastModifiedBy><cp:revision>7</cp:revision><dcterms:created>2026-11-30T08:00:00Z</dcterms:created></cp:coreProperties>"#;

    pub const APP_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Company>诸暨某某建设有限公司</Company><Manager>赵经理</Manager></Properties>"#;

    const DOCUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>谈话内容</w:t></w:r><w:ins w:id="1" w:author="王小明" w:date="2026-11-30T08:00:00Z"><w:r><w:t>补充</w:t></w:r></w:ins></w:p></w:body></w:document>"#;

    /// A Word document whose properties name 王小明, 李燕 and a company.
    pub fn docx() -> Vec<u8> {
        zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES_DOCX.as_bytes()),
            ("docProps/core.xml", CORE.as_bytes()),
            ("docProps/app.xml", APP_XML.as_bytes()),
            ("word/document.xml", DOCUMENT.as_bytes()),
        ])
    }

    fn text_of(bytes: &[u8], name: &str) -> String {
        let mut zip = archive::open(bytes).expect("opens");
        String::from_utf8(zip.read(name, 1 << 20).expect("reads").expect("present")).expect("utf-8")
    }

    #[test]
    fn a_word_documents_author_company_and_revision_authors_are_removed_and_its_text_kept() {
        let (kind, cleaned) = prepare(docx()).expect("accepted");
        assert_eq!(kind, Document::Word);
        let all: String = ["docProps/core.xml", "docProps/app.xml", "word/document.xml"]
            .iter()
            .map(|n| text_of(&cleaned, n))
            .collect();
        for gone in [
            "王小明",
            "李燕",
            "诸暨某某建设",
            "赵经理",
            "2026-11-30T08:00:00Z</",
        ] {
            assert!(!all.contains(gone), "{gone} left in {all}");
        }
        for kept in [
            "谈话内容",
            "补充",
            "w:author=\"Author\"",
            "<Company></Company>",
        ] {
            assert!(all.contains(kept), "{kept} lost in {all}");
        }
        assert_eq!(text_of(&cleaned, "docProps/core.xml"), EMPTY_CORE);
    }

    #[test]
    fn a_macro_enabled_document_is_refused_by_its_content_type_or_its_vba_part() {
        let docm_types = CONTENT_TYPES_DOCX.replace(
            "officedocument.wordprocessingml.document.main+xml",
            "ms-word.document.macroEnabled.main+xml",
        );
        let docm = zip_of(&[
            ("[Content_Types].xml", docm_types.as_bytes()),
            ("word/document.xml", DOCUMENT.as_bytes()),
        ]);
        assert_eq!(prepare(docm).err(), Some(FileProblem::Macro));
        // A .docx renamed part by part still carries its project.
        let hidden = zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES_DOCX.as_bytes()),
            ("word/document.xml", DOCUMENT.as_bytes()),
            ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0"),
        ]);
        assert_eq!(prepare(hidden).err(), Some(FileProblem::Macro));
        let xlsm_types = r#"<Types><Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>"#;
        let xlsm = zip_of(&[("[Content_Types].xml", xlsm_types.as_bytes())]);
        assert_eq!(prepare(xlsm).err(), Some(FileProblem::Macro));
    }

    #[test]
    fn an_excel_workbooks_comment_authors_people_and_saved_folder_are_removed() {
        let types = r#"<Types><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
        let workbook = r#"<workbook><mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="x" url="C:\Users\wangxm\Desktop\"/></mc:Choice></mc:AlternateContent><sheets><sheet name="台账" sheetId="1"/></sheets></workbook>"#;
        let comments =
            r#"<comments><authors><author>王小明</author></authors><commentList/></comments>"#;
        let persons = r#"<personList><person displayName="王小明" id="{1}" userId="wangxm@corp" providerId="AD"/></personList>"#;
        let xlsx = zip_of(&[
            ("[Content_Types].xml", types.as_bytes()),
            ("docProps/core.xml", CORE.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/comments1.xml", comments.as_bytes()),
            ("xl/persons/person.xml", persons.as_bytes()),
        ]);
        let (kind, cleaned) = prepare(xlsx).expect("accepted");
        assert_eq!(kind, Document::Excel);
        let all: String = [
            "docProps/core.xml",
            "xl/workbook.xml",
            "xl/comments1.xml",
            "xl/persons/person.xml",
        ]
        .iter()
        .map(|n| text_of(&cleaned, n))
        .collect();
        for gone in ["王小明", "wangxm", "李燕"] {
            assert!(!all.contains(gone), "{gone} left in {all}");
        }
        assert!(all.contains(r#"<sheet name="台账" sheetId="1"/>"#), "{all}");
    }

    const OFD_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>5a1c</ofd:DocID><ofd:Title>谈话记录</ofd:Title><ofd:Author>王小明</ofd:Author><ofd:CreationDate>2026-11-30</ofd:CreationDate><ofd:Creator>某某OFD版式软件</ofd:Creator><ofd:Keywords><ofd:Keyword>诸暨</ofd:Keyword></ofd:Keywords><ofd:CustomDatas><ofd:CustomData Name="部门">第一纪检监察室</ofd:CustomData></ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#;

    #[test]
    fn an_ofds_document_information_is_removed_and_its_pages_kept() {
        let page = "<ofd:Page><ofd:TextObject>第一页</ofd:TextObject></ofd:Page>";
        let ofd = zip_of(&[
            ("OFD.xml", OFD_XML.as_bytes()),
            ("Doc_0/Pages/Page_0/Content.xml", page.as_bytes()),
        ]);
        let (kind, cleaned) = prepare(ofd).expect("accepted");
        assert_eq!(kind, Document::Ofd);
        let manifest = text_of(&cleaned, "OFD.xml");
        for gone in [
            "王小明",
            "谈话记录",
            "2026-11-30",
            "某某OFD",
            "诸暨",
            "第一纪检",
        ] {
            assert!(!manifest.contains(gone), "{gone} left in {manifest}");
        }
        assert!(manifest.contains("<ofd:DocInfo><ofd:DocID>5a1c</ofd:DocID></ofd:DocInfo>"));
        assert!(manifest.contains("<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"));
        assert_eq!(text_of(&cleaned, "Doc_0/Pages/Page_0/Content.xml"), page);
    }

    #[test]
    fn a_signed_ofd_is_kept_byte_for_byte_so_its_seal_still_verifies() {
        let signed = OFD_XML.replace(
            "</ofd:DocBody>",
            "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>",
        );
        let ofd = zip_of(&[
            ("OFD.xml", signed.as_bytes()),
            ("Doc_0/Signs/Signatures.xml", b"<ofd:Signatures/>"),
        ]);
        let (kind, kept) = prepare(ofd.clone()).expect("accepted");
        assert_eq!((kind, kept), (Document::Ofd, ofd));
    }

    #[test]
    fn a_zip_that_is_no_office_document_or_a_presentation_is_not_allowed() {
        let plain = zip_of(&[("readme.txt", b"hello")]);
        assert_eq!(prepare(plain).err(), Some(FileProblem::NotAllowed));
        let pptx_types = r#"<Types><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#;
        let pptx = zip_of(&[("[Content_Types].xml", pptx_types.as_bytes())]);
        assert_eq!(prepare(pptx).err(), Some(FileProblem::NotAllowed));
    }
}
