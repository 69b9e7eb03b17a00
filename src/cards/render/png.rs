//! PNG faces, drawn straight into pixels ([`raster`](super::raster)). For a batch, what every
//! card shares is drawn once per face — a face with nothing of its own (the negative list) is
//! even encoded once — and each card's own marks (QR code, name, serial) go onto a copy. The
//! cards are spread over the cores; their files still reach the sink in print order, and no
//! more than a few cards per core are in flight, so memory stays flat however large the batch.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc;

use anyhow::{Context, bail};

use super::layout::{self, Part};
use super::raster::{Effort, Page, Painter};
use super::template::Template;
use super::text::{Fonts, Shaper};
use super::{Face, FaceSink, RenderSummary};
use crate::cards::print::{PrintCard, PrintJob};

/// The highest resolution accepted: 1200 dpi is already more than any card printer resolves.
pub const MAX_DPI: u32 = 1200;
/// Most worker threads one render uses.
const MAX_THREADS: usize = 8;
/// Cards in flight (read but not yet written) per worker.
const IN_FLIGHT_PER_THREAD: usize = 4;
/// Pixels the workers' pages may hold at once: a large sign at a high resolution gets fewer
/// workers rather than more memory.
const PAGE_BUDGET_BYTES: usize = 256 << 20;

fn check_dpi(dpi: u32) -> anyhow::Result<()> {
    if !(36..=MAX_DPI).contains(&dpi) {
        bail!("a PNG resolution of {dpi} dpi is out of range (36 to {MAX_DPI})");
    }
    Ok(())
}

/// One face of one card as PNG, with `bleed` mm around the trim box (0 for a preview).
pub fn face(
    fonts: &Fonts,
    template: &Template,
    job: &PrintJob,
    card: &PrintCard,
    face: Face,
    dpi: u32,
    bleed: f32,
) -> anyhow::Result<Vec<u8>> {
    check_dpi(dpi)?;
    let mut shaper = Shaper::new(fonts)?;
    let marks = layout::face(&mut shaper, template, face, job, Some(card), Part::All)?;
    let mut page = Page::new(template.card, bleed, dpi)?;
    Painter::new(fonts)?.draw(&mut page, &marks);
    page.encode(Effort::Once)
}

/// What one face of every card of the batch starts from.
struct Base {
    face: Face,
    /// The shared marks, drawn.
    page: Page,
    /// The whole face, encoded, when nothing on it differs from card to card.
    fixed: Option<Vec<u8>>,
}

/// A card's files, made by a worker.
struct Drawn {
    seq: usize,
    serial: String,
    /// Per face: the PNG, or `None` where the batch's fixed face is used.
    faces: anyhow::Result<Vec<Option<Vec<u8>>>>,
}

/// Every face of the batch as PNG files (trim box plus the template's bleed) into `sink`.
pub fn batch(
    fonts: &Fonts,
    template: &Template,
    job: &PrintJob,
    cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    dpi: u32,
    sink: &mut dyn FaceSink,
) -> anyhow::Result<RenderSummary> {
    check_dpi(dpi)?;
    let mut shaper = Shaper::new(fonts)?;
    let mut painter = Painter::new(fonts)?;
    let mut bases = Vec::with_capacity(2);
    for face in [Face::Front, Face::Back] {
        let shared = layout::face(&mut shaper, template, face, job, None, Part::Shared)?;
        let mut page = Page::new(template.card, template.sheet.bleed, dpi)?;
        painter.draw(&mut page, &shared);
        let elements = match face {
            Face::Front => &template.front,
            Face::Back => &template.back,
        };
        let fixed = if elements.iter().any(|e| e.is_per_card()) {
            None
        } else {
            Some(page.encode(Effort::Once)?)
        };
        bases.push(Base { face, page, fixed });
    }
    let page_bytes = bases
        .iter()
        .map(|b| b.page.bytes())
        .max()
        .unwrap_or(1)
        .max(1);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(PAGE_BUDGET_BYTES / page_bytes)
        .clamp(1, MAX_THREADS);
    let limit = threads * IN_FLIGHT_PER_THREAD;
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, PrintCard)>(limit);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Drawn>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work_rx, done_tx, bases) = (&work_rx, done_tx.clone(), &bases);
            scope.spawn(move || worker(fonts, template, job, bases, work_rx, done_tx));
        }
        drop(done_tx);
        feed(cards, work_tx, &done_rx, limit, &bases, sink)
    })
}

/// Reads cards, hands them to the workers and writes their files in order. Dropping
/// `work_tx` on return (also on an error) lets the workers finish.
fn feed(
    cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    work_tx: mpsc::SyncSender<(usize, PrintCard)>,
    done_rx: &mpsc::Receiver<Drawn>,
    limit: usize,
    bases: &[Base],
    sink: &mut dyn FaceSink,
) -> anyhow::Result<RenderSummary> {
    let mut summary = RenderSummary::default();
    let (mut sent, mut written, mut exhausted) = (0, 0, false);
    let mut ready: BTreeMap<usize, Drawn> = BTreeMap::new();
    loop {
        while let Some(drawn) = ready.remove(&written) {
            let faces = drawn
                .faces
                .with_context(|| format!("card {}", drawn.serial))?;
            for (base, own) in bases.iter().zip(&faces) {
                let bytes = own
                    .as_deref()
                    .or(base.fixed.as_deref())
                    .context("a card face was not drawn")?;
                let name = format!("{}-{}.png", drawn.serial, base.face.file_part());
                sink.put(&name, bytes)?;
                summary.pages += 1;
            }
            summary.cards += 1;
            written += 1;
        }
        if !exhausted && sent - written < limit {
            match cards.next() {
                Some(card) => {
                    work_tx
                        .send((sent, card?))
                        .map_err(|_| anyhow::anyhow!("the PNG workers stopped"))?;
                    sent += 1;
                    continue;
                }
                None => exhausted = true,
            }
        }
        if exhausted && written == sent {
            return Ok(summary);
        }
        let drawn = done_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the PNG workers stopped"))?;
        ready.insert(drawn.seq, drawn);
    }
}

/// Draws cards until the work runs out: each face that differs per card is a copy of its
/// base with the card's own marks on it.
fn worker(
    fonts: &Fonts,
    template: &Template,
    job: &PrintJob,
    bases: &[Base],
    work: &Mutex<mpsc::Receiver<(usize, PrintCard)>>,
    done: mpsc::Sender<Drawn>,
) {
    let setup = Shaper::new(fonts).and_then(|s| Ok((s, Painter::new(fonts)?)));
    let (mut shaper, mut painter) = match setup {
        Ok(both) => both,
        Err(e) => {
            // Reported against the first card this worker would have drawn.
            let Some((seq, card)) = next(work) else {
                return;
            };
            let _ = done.send(Drawn {
                seq,
                serial: card.serial,
                faces: Err(e),
            });
            return;
        }
    };
    while let Some((seq, card)) = next(work) {
        let faces = bases
            .iter()
            .map(|base| {
                if base.fixed.is_some() {
                    return Ok(None);
                }
                let own = layout::face(
                    &mut shaper,
                    template,
                    base.face,
                    job,
                    Some(&card),
                    Part::PerCard,
                )?;
                let mut page = base.page.clone();
                painter.draw(&mut page, &own);
                Ok(Some(page.encode(Effort::PerCard)?))
            })
            .collect();
        let drawn = Drawn {
            seq,
            serial: card.serial,
            faces,
        };
        if done.send(drawn).is_err() {
            return;
        }
    }
}

fn next(work: &Mutex<mpsc::Receiver<(usize, PrintCard)>>) -> Option<(usize, PrintCard)> {
    work.lock().ok()?.recv().ok()
}
