//! Turns a template face and the job's data into marks (rectangles, lines, set text lines, QR
//! codes) positioned in millimetres. Every output format draws the same marks.

use anyhow::{Context, bail};

use super::Face;
use super::fit::{set_text, sizes};
use super::qr::{QUIET_ZONE, QrMatrix};
use super::template::{Element, ListStyle, MIN_QR_MODULE_MM, Rgb, Size, Template, TextStyle};
use super::text::{Glyph, Line, MM_PER_PT, Shaper, width, wrap};
use crate::cards::print::{PrintCard, PrintJob};

/// Something drawn on a face, in millimetres from the card's top-left corner.
#[derive(Debug, Clone)]
pub enum Mark {
    Rect {
        bbox: [f32; 4],
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        from: [f32; 2],
        to: [f32; 2],
        color: Rgb,
        width: f32,
    },
    Text(Line),
    /// `x`, `y`: top-left of the symbol itself; the quiet zone around it stays blank.
    Qr {
        x: f32,
        y: f32,
        module: f32,
        matrix: QrMatrix,
        color: Rgb,
    },
}

/// Which elements of a face to lay out: the PDF draws the shared ones once per batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    All,
    Shared,
    PerCard,
}

/// Lays out one face. `card` may be `None` only for [`Part::Shared`].
pub fn face(
    shaper: &mut Shaper<'_>,
    template: &Template,
    face: Face,
    job: &PrintJob,
    card: Option<&PrintCard>,
    part: Part,
) -> anyhow::Result<Vec<Mark>> {
    let elements = match face {
        Face::Front => &template.front,
        Face::Back => &template.back,
    };
    let mut marks = Vec::new();
    for element in elements {
        let wanted = match part {
            Part::All => true,
            Part::Shared => !element.is_per_card(),
            Part::PerCard => element.is_per_card(),
        };
        if !wanted {
            continue;
        }
        match element {
            Element::Rect {
                bbox,
                fill,
                stroke,
                stroke_width,
            } => marks.push(Mark::Rect {
                bbox: *bbox,
                fill: *fill,
                stroke: stroke.map(|c| (c, *stroke_width)),
            }),
            Element::Line {
                from,
                to,
                color,
                width,
            } => marks.push(Mark::Line {
                from: *from,
                to: *to,
                color: *color,
                width: *width,
            }),
            Element::Text(style) => {
                if let Some(text) = fill_in(&style.text, job, card) {
                    let set = set_text(shaper, style, &text)?;
                    marks.extend(set.lines.into_iter().map(Mark::Text));
                }
            }
            Element::List(style) => {
                marks.extend(
                    set_list(shaper, style, &job.items)?
                        .into_iter()
                        .map(Mark::Text),
                );
            }
            Element::Qr { bbox, color } => {
                let card = card.context("a QR code needs a card")?;
                marks.push(qr(bbox, *color, &card.url)?);
            }
        }
    }
    bleed(&mut marks, template.card, template.sheet.bleed);
    Ok(marks)
}

/// Runs colour that touches a trim edge `bleed` mm past it: filled rectangles, and lines
/// that end on the edge they run towards.
fn bleed(marks: &mut [Mark], card: Size, bleed: f32) {
    if bleed <= 0.0 {
        return;
    }
    let on = |v: f32, edge: f32| (v - edge).abs() < 0.01;
    let out = |v: f32, far: f32| {
        if on(v, 0.0) {
            -bleed
        } else if on(v, far) {
            far + bleed
        } else {
            v
        }
    };
    for mark in marks {
        match mark {
            Mark::Rect {
                bbox,
                fill: Some(_),
                stroke: None,
            } => {
                let [x, y, w, h] = *bbox;
                let (x0, y0) = (out(x, card.width), out(y, card.height));
                let (x1, y1) = (out(x + w, card.width), out(y + h, card.height));
                *bbox = [x0, y0, x1 - x0, y1 - y0];
            }
            Mark::Line { from, to, .. } if on(from[1], to[1]) => {
                from[0] = out(from[0], card.width);
                to[0] = out(to[0], card.width);
            }
            Mark::Line { from, to, .. } if on(from[0], to[0]) => {
                from[1] = out(from[1], card.height);
                to[1] = out(to[1], card.height);
            }
            _ => {}
        }
    }
}

/// Checks how holders' names print with one template: whole, or shortened in the middle.
pub struct NameCheck<'a> {
    shaper: Shaper<'a>,
    styles: Vec<&'a TextStyle>,
}

impl<'a> NameCheck<'a> {
    /// A checker for the name boxes (`{holder_name}`) of `template`.
    pub fn new(shaper: Shaper<'a>, template: &'a Template) -> Self {
        let styles = template
            .front
            .iter()
            .chain(&template.back)
            .filter_map(|e| match e {
                Element::Text(style) if style.text.contains("{holder_name}") => Some(style),
                _ => None,
            })
            .collect();
        Self { shaper, styles }
    }

    /// `None` when `name` prints whole; else the shortened text that prints instead.
    pub fn shortened(&mut self, job: &PrintJob, name: &str) -> anyhow::Result<Option<String>> {
        let card = PrintCard {
            serial: "0".to_string(),
            url: String::new(),
            holder_name: Some(name.to_string()),
            holder_detail: Some(String::new()),
            sample: false,
        };
        for style in &self.styles {
            let Some(text) = fill_in(&style.text, job, Some(&card)) else {
                continue;
            };
            if super::fit::fits_one_line(&mut self.shaper, style, &text)? {
                continue;
            }
            let set = set_text(&mut self.shaper, style, &text)?;
            if set.shortened {
                let printed = set.lines.iter().map(Line::text).collect();
                return Ok(Some(printed));
            }
        }
        Ok(None)
    }
}

/// Replaces the placeholders; `None` when the text names something this card does not show.
fn fill_in(text: &str, job: &PrintJob, card: Option<&PrintCard>) -> Option<String> {
    let holder = card
        .and_then(|c| c.holder_name.as_deref())
        .filter(|_| job.show_holder_name);
    let detail = card.and_then(|c| c.holder_detail.as_deref());
    let mut out = text
        .replace("{org_name}", &job.org_name)
        .replace("{list_title}", &job.list_title)
        .replace("{hotline}", &job.hotline)
        .replace("{report_address}", &job.report_address);
    let serial = card.map(|c| {
        if c.sample {
            format!("{} {}", c.serial, crate::cards::print::SAMPLE_MARK)
        } else {
            c.serial.clone()
        }
    });
    for (key, value) in [
        ("{serial}", serial.as_deref()),
        ("{holder_name}", holder),
        ("{holder_detail}", detail),
    ] {
        if out.contains(key) {
            let value = value.map(str::trim).filter(|v| !v.is_empty())?;
            out = out.replace(key, value);
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

/// Sets the numbered list with right-aligned numbers and a hanging indent, at the largest size
/// that fits; spare height opens up the space between items so the list fills its box evenly.
fn set_list(
    shaper: &mut Shaper<'_>,
    style: &ListStyle,
    items: &[String],
) -> anyhow::Result<Vec<Line>> {
    let [bx, by, bw, bh] = style.bbox;
    let mut numbers = Vec::with_capacity(items.len());
    let mut texts = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        numbers.push(shaper.glyphs(&format!("{}.", i + 1), style.weight)?);
        texts.push(shaper.glyphs(item.trim(), style.weight)?);
    }
    let number_em = numbers.iter().map(|n| width(n)).fold(0.0, f32::max) + 0.35;
    let gaps = items.len().saturating_sub(1) as f32;
    for size in sizes(style.size, style.min_size) {
        let em = size * MM_PER_PT;
        let line_h = em * style.line_height;
        let text_em = bw / em - number_em;
        let wrapped: Vec<Vec<Vec<Glyph>>> = texts.iter().map(|t| wrap(t, text_em)).collect();
        let line_count: usize = wrapped.iter().map(Vec::len).sum();
        let height = line_count as f32 * line_h + gaps * style.item_gap * em;
        if height > bh + 0.01 {
            continue;
        }
        let spare = if gaps > 0.0 {
            (bh - height) / gaps
        } else {
            0.0
        };
        let gap = style.item_gap * em + spare.min(0.45 * em);
        let block = line_count as f32 * line_h + gaps * gap;
        let (asc, desc) = shaper.metrics(style.weight);
        let mut y = by + (bh - block) / 2.0;
        let mut lines = Vec::new();
        for (number, item_lines) in numbers.into_iter().zip(wrapped) {
            let baseline = y + (line_h - (asc - desc) * em) / 2.0 + asc * em;
            lines.push(Line {
                x: bx + (number_em - 0.35 - width(&number)) * em,
                baseline,
                size,
                weight: style.weight,
                color: style.number_color,
                glyphs: number,
            });
            for glyphs in item_lines {
                let baseline = y + (line_h - (asc - desc) * em) / 2.0 + asc * em;
                lines.push(Line {
                    x: bx + number_em * em,
                    baseline,
                    size,
                    weight: style.weight,
                    color: style.color,
                    glyphs,
                });
                y += line_h;
            }
            y += gap;
        }
        return Ok(lines);
    }
    bail!(
        "the {} negative-list items do not fit the template's list box even at {} pt",
        items.len(),
        style.min_size
    )
}

fn qr(bbox: &[f32; 4], color: Rgb, url: &str) -> anyhow::Result<Mark> {
    let matrix = QrMatrix::encode(url)?;
    let [bx, by, bw, bh] = *bbox;
    let outer = matrix.outer_width() as f32;
    let module = bw.min(bh) / outer;
    if module < MIN_QR_MODULE_MM {
        bail!(
            "the QR code would have {module:.2} mm modules (at least {MIN_QR_MODULE_MM} mm needed): \
             the card link is too long or the template's QR box too small"
        );
    }
    let quiet = QUIET_ZONE as f32 * module;
    Ok(Mark::Qr {
        x: bx + (bw - outer * module) / 2.0 + quiet,
        y: by + (bh - outer * module) / 2.0 + quiet,
        module,
        matrix,
        color,
    })
}
