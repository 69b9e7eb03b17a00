//! Turns a template face and the job's data into marks (rectangles, lines, set text lines, QR
//! codes) positioned in millimetres. Every output format draws the same marks.

use anyhow::{Context, bail};

use super::Face;
use super::qr::{QUIET_ZONE, QrMatrix};
use super::template::{
    Align, Element, ListStyle, MIN_QR_MODULE_MM, Rgb, Template, TextStyle, VAlign,
};
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
                    marks.extend(set_text(shaper, style, &text)?.into_iter().map(Mark::Text));
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
    Ok(marks)
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
        .replace("{hotline}", &job.hotline);
    let serial = card.map(|c| {
        if c.sample {
            format!("{} {}", c.serial, crate::cards::SAMPLE_MARK)
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

/// Font sizes to try, largest first, in quarter points.
fn sizes(max: f32, min: f32) -> impl Iterator<Item = f32> {
    let steps = ((max - min) / 0.25).floor().max(0.0) as usize;
    (0..=steps).map(move |i| max - i as f32 * 0.25)
}

/// Sets text in its box: shrink first (down to 80 % of the size), then wrap, then shrink
/// further down to `min_size`; as a last resort the last line ends in "…". Nothing overflows.
fn set_text(shaper: &mut Shaper<'_>, style: &TextStyle, text: &str) -> anyhow::Result<Vec<Line>> {
    // "\n" in a template text forces a break: a writer can choose where a phrase turns.
    let paragraphs = text
        .split('\n')
        .map(|p| shaper.glyphs(p.trim(), style.weight))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let wrap_all = |max_em: f32| -> Vec<Vec<Glyph>> {
        paragraphs.iter().flat_map(|p| wrap(p, max_em)).collect()
    };
    let [_, _, bw, bh] = style.bbox;
    let soft_floor = style.min_size.max(style.size * 0.8);
    let fits =
        |size: f32, lines: usize| lines as f32 * size * MM_PER_PT * style.line_height <= bh + 0.01;
    for floor in [soft_floor, style.min_size] {
        for n in 1..=style.max_lines {
            for size in sizes(style.size, floor) {
                let lines = wrap_all(bw / (size * MM_PER_PT));
                if lines.len() <= n && fits(size, lines.len()) {
                    return Ok(place(shaper, style, size, lines));
                }
            }
        }
    }
    let size = style.min_size;
    let max_em = bw / (size * MM_PER_PT);
    let mut lines = wrap_all(max_em);
    let room = (bh / (size * MM_PER_PT * style.line_height)).floor() as usize;
    let keep = room.min(style.max_lines).max(1);
    if lines.len() > keep {
        lines.truncate(keep);
        let ellipsis = shaper.glyphs("…", style.weight)?;
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && width(last) + width(&ellipsis) > max_em {
                last.pop();
            }
            last.extend(ellipsis);
        }
    }
    Ok(place(shaper, style, size, lines))
}

fn place(shaper: &Shaper<'_>, style: &TextStyle, size: f32, lines: Vec<Vec<Glyph>>) -> Vec<Line> {
    let [bx, by, bw, bh] = style.bbox;
    let em = size * MM_PER_PT;
    let line_h = em * style.line_height;
    let block = line_h * lines.len() as f32;
    let top = match style.valign {
        VAlign::Top => by,
        VAlign::Middle => by + (bh - block) / 2.0,
        VAlign::Bottom => by + bh - block,
    };
    let (asc, desc) = shaper.metrics(style.weight);
    let first_baseline = top + (line_h - (asc - desc) * em) / 2.0 + asc * em;
    lines
        .into_iter()
        .enumerate()
        .map(|(i, glyphs)| {
            let w = width(&glyphs) * em;
            let x = match style.align {
                Align::Left => bx,
                Align::Center => bx + (bw - w) / 2.0,
                Align::Right => bx + bw - w,
            };
            Line {
                x,
                baseline: first_baseline + i as f32 * line_h,
                size,
                weight: style.weight,
                color: style.color,
                glyphs,
            }
        })
        .collect()
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
