//! Marks drawn as PDF content operators. Card coordinates (mm from the top-left) become points
//! from the bottom-left, the PDF's way up.

use pdf_writer::{Content, Name, Str};

use super::fonts::{FontUse, RESOURCE_NAMES};
use crate::cards::render::layout::Mark;
use crate::cards::render::text::MM_PER_PT;

/// Points per millimetre.
pub const PT: f32 = 1.0 / MM_PER_PT;

/// Draws `marks` for a card `card_h` mm tall whose bottom-left corner is the current origin.
pub fn draw(content: &mut Content, marks: &[Mark], card_h: f32, used: &mut FontUse) {
    let y = |mm: f32| (card_h - mm) * PT;
    for mark in marks {
        match mark {
            Mark::Rect { bbox, fill, stroke } => {
                let [bx, by, bw, bh] = *bbox;
                if let Some(c) = fill {
                    let [r, g, b] = c.unit();
                    content.set_fill_rgb(r, g, b);
                    content
                        .rect(bx * PT, y(by + bh), bw * PT, bh * PT)
                        .fill_nonzero();
                }
                if let Some((c, width)) = stroke {
                    let [r, g, b] = c.unit();
                    content.set_stroke_rgb(r, g, b).set_line_width(*width);
                    content.rect(bx * PT, y(by + bh), bw * PT, bh * PT).stroke();
                }
            }
            Mark::Line {
                from,
                to,
                color,
                width,
            } => {
                let [r, g, b] = color.unit();
                content.set_stroke_rgb(r, g, b).set_line_width(*width);
                content
                    .move_to(from[0] * PT, y(from[1]))
                    .line_to(to[0] * PT, y(to[1]))
                    .stroke();
            }
            Mark::Text(line) => {
                let [r, g, b] = line.color.unit();
                content.set_fill_rgb(r, g, b);
                content.begin_text();
                // A line may mix fonts (an extra font, then the shipped one): one run each.
                let mut x = line.x * PT;
                let mut start = 0;
                while start < line.glyphs.len() {
                    let font = line.glyphs[start].font;
                    let mut end = start;
                    let mut bytes = Vec::with_capacity(2 * line.glyphs.len());
                    let mut advance = 0.0;
                    while end < line.glyphs.len() && line.glyphs[end].font == font {
                        let g = &line.glyphs[end];
                        bytes.extend(used.cid(g).to_be_bytes());
                        advance += g.advance;
                        end += 1;
                    }
                    let name = RESOURCE_NAMES
                        .get(usize::from(font))
                        .copied()
                        .unwrap_or(b"F0");
                    content
                        .set_font(Name(name), line.size)
                        .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y(line.baseline)])
                        .show(Str(&bytes));
                    x += advance * line.size;
                    start = end;
                }
                content.end_text();
            }
            Mark::Qr {
                x,
                y: top,
                module,
                matrix,
                color,
            } => {
                // Scale to module units, y pointing down, so every rectangle is small integers.
                let [r, g, b] = color.unit();
                content.save_state();
                content.set_fill_rgb(r, g, b);
                content.transform([module * PT, 0.0, 0.0, -module * PT, x * PT, y(*top)]);
                for rect in matrix.rects() {
                    content.rect(
                        f32::from(rect.x),
                        f32::from(rect.y),
                        f32::from(rect.w),
                        f32::from(rect.h),
                    );
                }
                // One fill for the whole symbol: no hairline seams between rectangles.
                content.fill_nonzero();
                content.restore_state();
            }
        }
    }
}

/// Crop marks in the sheet margin along every card edge line. `xs` and `ys` are the edge
/// positions in mm from the sheet's top-left; the grid spans `grid` = [left, top, right, bottom].
pub fn crop_marks(
    content: &mut Content,
    sheet_h: f32,
    xs: &[f32],
    ys: &[f32],
    grid: [f32; 4],
    offset: f32,
    length: f32,
) {
    let y = |mm: f32| (sheet_h - mm) * PT;
    let [left, top, right, bottom] = grid;
    content.set_stroke_rgb(0.0, 0.0, 0.0).set_line_width(0.25);
    for &x in xs {
        content
            .move_to(x * PT, y(top - offset))
            .line_to(x * PT, y(top - offset - length));
        content
            .move_to(x * PT, y(bottom + offset))
            .line_to(x * PT, y(bottom + offset + length));
    }
    for &v in ys {
        content
            .move_to((left - offset) * PT, y(v))
            .line_to((left - offset - length) * PT, y(v));
        content
            .move_to((right + offset) * PT, y(v))
            .line_to((right + offset + length) * PT, y(v));
    }
    content.stroke();
}
