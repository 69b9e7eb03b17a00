//! The print-ready PDF, written as a stream so memory stays flat however large the batch:
//!
//! - what every card shares (the whole front, the fixed parts of the back) is drawn once, as
//!   two Form XObjects that each card placement refers to;
//! - each sheet is a front page then a back page, written out as soon as its cards are read;
//!   backs are mirrored left to right so they land behind their fronts on a long-edge flip;
//! - fonts are subset at the end, once every glyph the batch uses is known.

mod content;
pub mod document;
mod fonts;
mod imposition;
mod objects;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;

use anyhow::{Context, bail};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref};

use self::content::PT;
use self::fonts::{FontUse, RESOURCE_NAMES};
use self::imposition::Imposition;
use self::objects::ObjectWriter;
use super::layout::{self, Part};
use super::template::Template;
use super::text::{Fonts, Shaper};
use super::{Face, RenderSummary};
use crate::cards::print::{PrintCard, PrintJob};

/// Zlib-compresses a stream; content streams of QR rectangles shrink about fivefold even at
/// the fastest level, which keeps a 10,000-card batch well under the time budget.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 1)
}

/// Renders the batch; see the module documentation.
pub fn render(
    fonts: &Fonts,
    template: &Template,
    job: &PrintJob,
    cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    out: &mut dyn Write,
) -> anyhow::Result<RenderSummary> {
    let mut shaper = Shaper::new(fonts)?;
    let mut used = FontUse::new(fonts.files.len());
    let mut w = ObjectWriter::start(out)?;
    let catalog = w.alloc();
    let pages = w.alloc();
    let resources = w.alloc();
    let font_refs: Vec<Ref> = fonts.files.iter().map(|_| w.alloc()).collect();

    let (card_w, card_h) = (template.card.width, template.card.height);
    let mut forms = Vec::new();
    for face in [Face::Front, Face::Back] {
        let marks = layout::face(&mut shaper, template, face, job, None, Part::Shared)?;
        if marks.is_empty() {
            forms.push(None);
            continue;
        }
        let mut c = Content::new();
        content::draw(&mut c, &marks, card_h, &mut used);
        let data = deflate(&c.finish());
        let form = w.alloc();
        let mut chunk = Chunk::new();
        let mut x = chunk.form_xobject(form, &data);
        // The bleed lies outside the card: the form's box takes it in.
        let b = template.sheet.bleed;
        x.bbox(Rect::new(
            -b * PT,
            -b * PT,
            (card_w + b) * PT,
            (card_h + b) * PT,
        ))
        .filter(Filter::FlateDecode);
        x.pair(Name(b"Resources"), resources);
        x.finish();
        w.write(&chunk)?;
        forms.push(Some(form));
    }

    let sheet = &template.sheet;
    let per_sheet = (sheet.columns * sheet.rows) as usize;
    let layouts = [
        Imposition::new(template, false),
        Imposition::new(template, true),
    ];
    let media = Rect::new(0.0, 0.0, sheet.width * PT, sheet.height * PT);
    let mut page_refs = Vec::new();
    let mut summary = RenderSummary::default();
    let mut batch: Vec<PrintCard> = Vec::with_capacity(per_sheet);
    loop {
        batch.clear();
        for card in &mut *cards {
            batch.push(card?);
            if batch.len() == per_sheet {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        for (i, face) in [Face::Front, Face::Back].into_iter().enumerate() {
            let imposition = &layouts[i];
            let mut c = Content::new();
            for (slot, (card, place)) in batch.iter().zip(&imposition.slots).enumerate() {
                let (x, y) = (place.x, place.y);
                let origin = if place.turned {
                    [
                        -1.0,
                        0.0,
                        0.0,
                        -1.0,
                        (x + card_w) * PT,
                        (sheet.height - y) * PT,
                    ]
                } else {
                    [1.0, 0.0, 0.0, 1.0, x * PT, (sheet.height - y - card_h) * PT]
                };
                c.save_state();
                let [cx, cy, cw, ch] = place.clip;
                c.rect(cx * PT, (sheet.height - cy - ch) * PT, cw * PT, ch * PT);
                c.clip_nonzero();
                c.end_path();
                c.transform(origin);
                if forms[i].is_some() {
                    c.x_object(Name(FORM_NAMES[i]));
                }
                let mut marks =
                    layout::face(&mut shaper, template, face, job, Some(card), Part::PerCard)
                        .with_context(|| format!("card {}", card.serial))?;
                nudge_qr(&mut marks, slot);
                content::draw(&mut c, &marks, card_h, &mut used);
                c.restore_state();
            }
            if sheet.crop_mark_length > 0.0 {
                content::crop_marks(
                    &mut c,
                    sheet.height,
                    &imposition.xs,
                    &imposition.ys,
                    imposition.grid,
                    sheet.crop_mark_offset,
                    sheet.crop_mark_length,
                );
            }
            let data = deflate(&c.finish());
            let (page, contents) = (w.alloc(), w.alloc());
            let mut chunk = Chunk::new();
            chunk.stream(contents, &data).filter(Filter::FlateDecode);
            w.write(&chunk)?;
            let mut chunk = Chunk::new();
            chunk
                .page(page)
                .parent(pages)
                .media_box(media)
                .contents(contents)
                .pair(Name(b"Resources"), resources);
            w.write(&chunk)?;
            page_refs.push(page);
            summary.pages += 1;
        }
        summary.cards += batch.len();
    }
    if summary.cards == 0 {
        bail!("the batch has no cards to print");
    }

    used.write(fonts, &font_refs, &mut w)?;
    let mut chunk = Chunk::new();
    let mut res = chunk
        .indirect(resources)
        .start::<pdf_writer::writers::Resources>();
    let mut font_dict = res.fonts();
    for (i, &r) in font_refs.iter().enumerate() {
        if used.is_used(i) {
            font_dict.pair(Name(RESOURCE_NAMES[i]), r);
        }
    }
    font_dict.finish();
    let mut xobjects = res.x_objects();
    for (name, form) in FORM_NAMES.iter().zip(&forms) {
        if let Some(form) = form {
            xobjects.pair(Name(name), *form);
        }
    }
    xobjects.finish();
    res.finish();
    w.write(&chunk)?;

    let mut chunk = Chunk::new();
    chunk
        .pages(pages)
        .kids(page_refs.iter().copied())
        .count(i32::try_from(page_refs.len()).context("too many pages for one PDF")?);
    w.write(&chunk)?;
    let mut chunk = Chunk::new();
    let mut root = chunk
        .indirect(catalog)
        .start::<pdf_writer::writers::Catalog>();
    root.pages(pages);
    // Print shops and office printers: actual size, and cards back to back flipped on the
    // long edge (a desk sign is one face).
    let mut prefs = root.viewer_preferences();
    prefs.pair(Name(b"PrintScaling"), Name(b"None"));
    prefs.pair(
        Name(b"Duplex"),
        Name(match job.kind {
            crate::cards::print::PrintKind::DeskSign => b"Simplex".as_slice(),
            _ => b"DuplexFlipLongEdge".as_slice(),
        }),
    );
    prefs.finish();
    root.finish();
    w.write(&chunk)?;

    w.finish(catalog, document_id(job, summary))?;
    Ok(summary)
}

/// Shifts each QR code on a sheet by a different fraction of a millimetre. Codes on a perfect
/// grid make zbar (the usual batch checker) miss about one in a hundred of them, a known zbar
/// weakness (mchehab/zbar#182); a shift this small is invisible once the cards are cut.
fn nudge_qr(marks: &mut [layout::Mark], slot: usize) {
    const STEPS: [f32; 7] = [0.0, 0.45, 0.2, 0.65, 0.1, 0.3, 0.55];
    for mark in marks {
        if let layout::Mark::Qr { x, y, .. } = mark {
            *x += STEPS[slot % STEPS.len()];
            *y += STEPS[(slot * 3 + 2) % STEPS.len()];
        }
    }
}

/// Names of the shared front and back drawings in page resources.
const FORM_NAMES: [&[u8]; 2] = [b"CardFront", b"CardBack"];

/// A stable document id: the same batch renders to the same file.
fn document_id(job: &PrintJob, summary: RenderSummary) -> [u8; 16] {
    let mut id = [0u8; 16];
    for (salt, half) in id.chunks_mut(8).enumerate() {
        let mut h = DefaultHasher::new();
        (
            salt,
            &job.template,
            &job.org_name,
            &job.items,
            summary.cards,
        )
            .hash(&mut h);
        half.copy_from_slice(&Hasher::finish(&h).to_be_bytes());
    }
    id
}
