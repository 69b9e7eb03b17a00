//! The dossier as an A4 PDF, in the cards' PDF writer and fonts: a cover (the case's facts,
//! a QR code of the fingerprint), then the report, the timeline, the messages with the
//! reporter, the internal notes, the files with their SHA-256, and the case's audit rows
//! with their chain hashes. Every page carries the commission's name, the case number, the
//! fingerprint and its number; the seal is embedded as a small text file.

use std::io::Write;

use crate::cards::render::template::Rgb;
use crate::cards::render::{A4, Assets, Document, Item};
use crate::clock::beijing;
use crate::entities::enums::Direction;
use crate::i18n::{Lang, Locales};

use super::model::{Dossier, FilePlace};
use super::seal::FILE_NAME;

const LEFT: f32 = 20.0;
const RIGHT: f32 = A4.0 - 20.0;
const TOP: f32 = 26.0;
const BOTTOM: f32 = A4.1 - 22.0;
const WIDTH: f32 = RIGHT - LEFT;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
const BLACK: Rgb = Rgb(0, 0, 0);
const GREY: Rgb = Rgb(85, 85, 85);
const RULE: Rgb = Rgb(170, 170, 170);
/// Millimetres per point.
const MM: f32 = 25.4 / 72.0;

/// Words of the reader's language.
struct Words {
    locales: &'static Locales,
    lang: Lang,
}

impl Words {
    fn t(&self, key: &str) -> String {
        self.locales.t(self.lang, key).to_string()
    }

    /// `text` in brackets, as the language writes them.
    fn paren(&self, text: &str) -> String {
        format!("{}{text}{}", self.t("paren_open"), self.t("paren_close"))
    }
}

/// Lines set from the top of a page down, a new page whenever one is full.
struct Flow<'d, 'a> {
    doc: &'d mut Document<'a>,
    pages: Vec<Vec<Item>>,
    y: f32,
}

impl<'d, 'a> Flow<'d, 'a> {
    fn new(doc: &'d mut Document<'a>) -> Self {
        Self {
            doc,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Room for `height` mm more on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// One line of text at `x`, no wrapping.
    fn line(&mut self, x: f32, text: &str, size: f32, bold: bool, color: Rgb) {
        let height = size * 1.45 * MM;
        self.room(height);
        self.y += height;
        self.push(Item::Text {
            x,
            baseline: self.y - size * 0.3 * MM,
            size,
            bold,
            color,
            text: text.to_string(),
        });
    }

    /// Text wrapped to the width from `indent` mm on.
    fn para(
        &mut self,
        indent: f32,
        text: &str,
        size: f32,
        bold: bool,
        color: Rgb,
    ) -> anyhow::Result<()> {
        for line in self.doc.wrap(text, bold, size, WIDTH - indent)? {
            self.line(LEFT + indent, &line, size, bold, color);
        }
        Ok(())
    }

    /// `label：value`, the value wrapped beside the label.
    fn fact(&mut self, label: &str, value: &str) -> anyhow::Result<()> {
        const COLUMN: f32 = 34.0;
        let lines = self.doc.wrap(value, false, BODY, WIDTH - COLUMN)?;
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                self.line(LEFT, label, BODY, false, GREY);
                self.y -= BODY * 1.45 * MM;
            }
            self.line(LEFT + COLUMN, line, BODY, false, BLACK);
        }
        Ok(())
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with the first lines below it.
        self.room(30.0);
        self.y += 4.0;
        self.line(LEFT, text, 13.0, true, BLACK);
        self.y += 1.0;
        self.push(Item::Rule {
            from: [LEFT, self.y],
            to: [RIGHT, self.y],
            width: 0.5,
            color: RULE,
        });
        self.y += 2.0;
    }

    fn gap(&mut self, mm: f32) {
        self.y += mm;
    }
}

/// Writes the dossier's PDF to `out`; returns the number of pages.
pub fn write(
    assets: &Assets,
    dossier: &Dossier,
    org_name: &str,
    verify_url: &str,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let locales = Locales::embedded().ok_or_else(|| anyhow::anyhow!("the locales did not load"))?;
    let w = Words { locales, lang };
    let fingerprint = dossier.seal.fingerprint();
    let mut doc = Document::start(assets, A4, out)?;
    let pages = {
        let mut flow = Flow::new(&mut doc);
        cover(&mut flow, dossier, org_name, &fingerprint, verify_url, &w)?;
        flow.new_page();
        report(&mut flow, dossier, &w)?;
        timeline(&mut flow, dossier, &w)?;
        exchange(&mut flow, dossier, &w)?;
        files(&mut flow, dossier, &w)?;
        audit(&mut flow, dossier, &fingerprint, &w)?;
        flow.pages
    };
    let total = pages.len();
    for (i, mut items) in pages.into_iter().enumerate() {
        frame(
            &mut items,
            dossier,
            org_name,
            &fingerprint,
            i + 1,
            total,
            &w,
        );
        doc.page(&items)?;
    }
    doc.attach(
        FILE_NAME,
        &w.t("dossier_seal_description"),
        dossier.seal.to_block().as_bytes(),
    )?;
    let mut id = [0u8; 16];
    let digest = crate::crypto::sha256_hex(dossier.seal.to_block().as_bytes());
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(digest.get(2 * i..2 * i + 2).unwrap_or("00"), 16).unwrap_or(0);
    }
    doc.finish(id)
}

/// What every page carries: the commission and the case above, the fingerprint and the page
/// number below.
fn frame(
    items: &mut Vec<Item>,
    dossier: &Dossier,
    org_name: &str,
    fingerprint: &str,
    page: usize,
    total: usize,
    w: &Words,
) {
    let text = |x: f32, baseline: f32, text: String| Item::Text {
        x,
        baseline,
        size: SMALL,
        bold: false,
        color: GREY,
        text,
    };
    items.push(text(LEFT, 14.0, org_name.to_string()));
    items.push(text(
        LEFT + WIDTH * 0.55,
        14.0,
        format!("{} {}", w.t("dossier_title"), dossier.case.number),
    ));
    items.push(Item::Rule {
        from: [LEFT, 16.5],
        to: [RIGHT, 16.5],
        width: 0.4,
        color: RULE,
    });
    items.push(Item::Rule {
        from: [LEFT, A4.1 - 17.5],
        to: [RIGHT, A4.1 - 17.5],
        width: 0.4,
        color: RULE,
    });
    items.push(text(
        LEFT,
        A4.1 - 12.5,
        format!("{} {fingerprint}", w.t("dossier_fingerprint")),
    ));
    items.push(text(
        LEFT + WIDTH * 0.75,
        A4.1 - 12.5,
        w.t("dossier_page")
            .replace("{page}", &page.to_string())
            .replace("{total}", &total.to_string()),
    ));
}

fn cover(
    flow: &mut Flow<'_, '_>,
    d: &Dossier,
    org_name: &str,
    fingerprint: &str,
    verify_url: &str,
    w: &Words,
) -> anyhow::Result<()> {
    let c = &d.case;
    flow.gap(6.0);
    flow.line(LEFT, org_name, 14.0, true, BLACK);
    flow.gap(4.0);
    flow.line(LEFT, &w.t("dossier_title"), 24.0, true, BLACK);
    flow.gap(2.0);
    flow.line(LEFT, &c.number, 18.0, true, BLACK);
    // The QR code of the fingerprint, top right, with the fingerprint under it.
    const QR: f32 = 32.0;
    flow.push(Item::Qr {
        x: RIGHT - QR,
        y: TOP + 4.0,
        size: QR,
        data: format!("{} {}", c.number, fingerprint),
    });
    flow.push(Item::Text {
        x: RIGHT - QR,
        baseline: TOP + QR + 10.0,
        size: SMALL,
        bold: false,
        color: GREY,
        text: w.t("dossier_fingerprint"),
    });
    flow.push(Item::Text {
        x: RIGHT - QR,
        baseline: TOP + QR + 14.0,
        size: SMALL,
        bold: true,
        color: BLACK,
        text: fingerprint.to_string(),
    });
    flow.y = flow.y.max(TOP + QR + 20.0);
    let none = || "—".to_string();
    let triage = w.t("dossier_triage");
    let rating = c.rating.as_ref().map(|r| {
        let mut text = w.t(&format!("case_rating_{r}"));
        if let Some(comment) = &c.rating_comment {
            text.push_str(&format!("{}{comment}", w.t("colon")));
        }
        text
    });
    let facts: Vec<(&str, Option<String>)> = vec![
        ("dossier_status", Some(c.status_label.clone())),
        ("dossier_unit", Some(c.unit.clone().unwrap_or(triage))),
        (
            "dossier_assignee",
            Some(c.assignee.clone().unwrap_or_else(none)),
        ),
        (
            "dossier_received",
            Some(format!(
                "{}{}",
                c.received_at,
                w.paren(&w.t("beijing_time"))
            )),
        ),
        ("dossier_accept_due", c.accept_due_on.clone()),
        ("dossier_conclude_due", c.conclude_due_on.clone()),
        ("dossier_feedback_due", c.feedback_due_on.clone()),
        ("dossier_decline_reason", c.decline_reason.clone()),
        ("dossier_finding", c.finding.clone()),
        ("dossier_summary", c.summary.clone()),
        ("dossier_feedback", c.feedback.clone()),
        ("dossier_rating", rating),
        (
            "dossier_exported_at",
            Some(format!(
                "{}{}",
                beijing(d.seal.exported_at),
                w.paren(&w.t("beijing_time"))
            )),
        ),
        ("dossier_exported_by", Some(d.exported_by.clone())),
    ];
    for (key, value) in facts {
        if let Some(value) = value {
            flow.fact(&w.t(key), &value)?;
            flow.gap(1.0);
        }
    }
    flow.gap(6.0);
    let hint = w.t("dossier_verify_hint").replace("{url}", verify_url);
    flow.para(0.0, &hint, SMALL, false, GREY)?;
    flow.gap(1.0);
    flow.line(
        LEFT + 4.0,
        &w.t("dossier_verify_command"),
        SMALL,
        true,
        BLACK,
    );
    Ok(())
}

fn report(flow: &mut Flow<'_, '_>, d: &Dossier, w: &Words) -> anyhow::Result<()> {
    let c = &d.case;
    flow.heading(&w.t("dossier_report"));
    flow.fact(&w.t("dossier_items"), &c.items.join("\n"))?;
    if let Some(on) = &c.occurred_on {
        flow.fact(&w.t("dossier_occurred"), on)?;
    }
    if let Some(department) = &c.department {
        flow.fact(&w.t("dossier_department"), department)?;
    }
    let mut provenance = vec![c.district.clone().unwrap_or_else(|| "—".into())];
    provenance.push(w.t(&format!("case_source_{}", c.source)));
    if let Some(point) = &c.service_point {
        provenance.push(point.clone());
    }
    flow.fact(&w.t("dossier_provenance"), &provenance.join(" · "))?;
    let reporter = if c.anonymous {
        w.t("dossier_anonymous")
    } else {
        [&c.contact_name, &c.contact_phone, &c.contact_email]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    };
    flow.fact(&w.t("dossier_reporter"), &reporter)?;
    if let Some(enterprise) = &c.enterprise {
        flow.fact(&w.t("dossier_enterprise"), enterprise)?;
    }
    flow.gap(2.0);
    flow.para(0.0, &c.description, BODY, false, BLACK)?;
    file_names(
        flow,
        d,
        &c.files.iter().map(|f| f.id).collect::<Vec<_>>(),
        w,
    )
}

/// "附件：…" under an entry.
fn file_names(flow: &mut Flow<'_, '_>, d: &Dossier, ids: &[i64], w: &Words) -> anyhow::Result<()> {
    let names: Vec<String> = d
        .files
        .iter()
        .filter(|f| ids.contains(&f.id))
        .map(|f| format!("#{} {}", f.id, f.filename))
        .collect();
    if !names.is_empty() {
        flow.para(
            6.0,
            &format!(
                "{}{}{}",
                w.t("dossier_attached"),
                w.t("colon"),
                names.join(&w.t("dossier_list_comma"))
            ),
            SMALL,
            false,
            GREY,
        )?;
    }
    Ok(())
}

fn timeline(flow: &mut Flow<'_, '_>, d: &Dossier, w: &Words) -> anyhow::Result<()> {
    flow.heading(&w.t("dossier_timeline"));
    for e in &d.case.events {
        let mut text = format!("{}  {}", e.at, e.label);
        if let Some(actor) = &e.actor {
            text.push_str(&format!(" · {actor}"));
        }
        if let Some(note) = &e.note {
            text.push_str(&format!("{}{note}", w.t("colon")));
        }
        flow.para(0.0, &text, BODY, false, BLACK)?;
        flow.gap(0.8);
    }
    for e in &d.case.extensions {
        let text = format!(
            "{}  {} · {} +{} · {}{}{}",
            e.requested_at,
            w.t(&format!("case_ext_{}", e.state)),
            e.stage,
            e.working_days,
            e.requested_by,
            w.t("colon"),
            e.reason
        );
        flow.para(0.0, &text, BODY, false, BLACK)?;
        flow.gap(0.8);
    }
    Ok(())
}

fn exchange(flow: &mut Flow<'_, '_>, d: &Dossier, w: &Words) -> anyhow::Result<()> {
    flow.heading(&w.t("dossier_messages"));
    if d.case.messages.is_empty() {
        flow.para(0.0, &w.t("dossier_none"), BODY, false, GREY)?;
    }
    for m in &d.case.messages {
        let who = match (m.direction, &m.author) {
            (Direction::Office, Some(author)) => {
                format!("{} · {author}", w.t("dossier_from_office"))
            }
            (Direction::Office, None) => w.t("dossier_from_office"),
            (Direction::Reporter, _) => w.t("dossier_from_reporter"),
        };
        flow.room(12.0);
        flow.line(LEFT, &format!("{}  {who}", m.at), SMALL, true, GREY);
        flow.para(4.0, &m.body, BODY, false, BLACK)?;
        let ids: Vec<i64> = m.files.iter().map(|f| f.id).collect();
        file_names(flow, d, &ids, w)?;
        flow.gap(2.0);
    }
    flow.heading(&w.t("dossier_notes"));
    if d.case.notes.is_empty() {
        flow.para(0.0, &w.t("dossier_none"), BODY, false, GREY)?;
    }
    for n in &d.case.notes {
        flow.room(12.0);
        flow.line(LEFT, &format!("{}  {}", n.at, n.author), SMALL, true, GREY);
        flow.para(4.0, &n.body, BODY, false, BLACK)?;
        let ids: Vec<i64> = n.files.iter().map(|f| f.id).collect();
        file_names(flow, d, &ids, w)?;
        flow.gap(2.0);
    }
    Ok(())
}

fn files(flow: &mut Flow<'_, '_>, d: &Dossier, w: &Words) -> anyhow::Result<()> {
    flow.heading(&w.t("dossier_files"));
    if d.files.is_empty() {
        flow.para(0.0, &w.t("dossier_none"), BODY, false, GREY)?;
    }
    for f in &d.files {
        let place = match f.place {
            FilePlace::Report => w.t("dossier_file_in_report"),
            FilePlace::Message => w.t("dossier_file_in_message"),
            FilePlace::Note => w.t("dossier_file_in_note"),
        };
        flow.room(10.0);
        flow.para(
            0.0,
            &format!(
                "#{} {} · {} KB · {} · {place}",
                f.id,
                f.filename,
                (f.size + 1023) / 1024,
                f.uploaded_at
            ),
            BODY,
            false,
            BLACK,
        )?;
        flow.line(
            LEFT + 4.0,
            &format!("SHA-256 {}", f.sha256),
            SMALL,
            false,
            GREY,
        );
        flow.gap(1.2);
    }
    Ok(())
}

fn audit(flow: &mut Flow<'_, '_>, d: &Dossier, fingerprint: &str, w: &Words) -> anyhow::Result<()> {
    flow.heading(&w.t("dossier_audit"));
    flow.para(0.0, &w.t("dossier_audit_hint"), SMALL, false, GREY)?;
    flow.gap(1.5);
    for row in &d.audit {
        flow.room(10.0);
        flow.para(
            0.0,
            &format!(
                "#{}  {}  {}  {}",
                row.id,
                row.at,
                row.actor,
                crate::audit::words::action_label(w.locales, w.lang, &row.action)
            ),
            SMALL,
            false,
            BLACK,
        )?;
        flow.line(LEFT + 4.0, &row.hash, SMALL, false, GREY);
        flow.gap(0.8);
    }
    flow.gap(3.0);
    let (head_id, head_hash) = &d.seal.head;
    flow.para(
        0.0,
        &format!("{} #{head_id}", w.t("dossier_head")),
        SMALL,
        true,
        BLACK,
    )?;
    flow.line(LEFT + 4.0, head_hash, SMALL, false, GREY);
    flow.gap(2.0);
    flow.para(
        0.0,
        &format!("{} {fingerprint}", w.t("dossier_fingerprint")),
        BODY,
        true,
        BLACK,
    )?;
    flow.para(0.0, &w.t("dossier_fingerprint_hint"), SMALL, false, GREY)?;
    Ok(())
}
