//! Setting text in its box: shrink, wrap, and only as a last resort shorten in the middle, so
//! that a long enterprise name keeps both its start and the end that tells it apart
//! ("浙江某某集团…第三分公司").

use super::template::{Align, TextStyle, VAlign};
use super::text::{Glyph, Line, MM_PER_PT, Shaper, width, wrap};

/// Font sizes to try, largest first, in quarter points.
pub fn sizes(max: f32, min: f32) -> impl Iterator<Item = f32> {
    let steps = ((max - min) / 0.25).floor().max(0.0) as usize;
    (0..=steps).map(move |i| max - i as f32 * 0.25)
}

/// Text set in its box.
pub struct SetText {
    pub lines: Vec<Line>,
    /// Whether the text had to be shortened (an ellipsis stands for what is left out).
    pub shortened: bool,
}

/// Sets text in its box: shrink first (down to 80 % of the size), then wrap up to `max_lines`,
/// then shrink further down to `min_size`; then, at `min_size`, allow one line more than
/// `max_lines` if the box is tall enough. Only text longer still is shortened, in the middle.
/// Nothing overflows.
pub fn set_text(shaper: &mut Shaper<'_>, style: &TextStyle, text: &str) -> anyhow::Result<SetText> {
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
    let whole = |size: f32, lines: Vec<Vec<Glyph>>| SetText {
        lines: place(shaper, style, size, lines),
        shortened: false,
    };
    for floor in [soft_floor, style.min_size] {
        for n in 1..=style.max_lines {
            for size in sizes(style.size, floor) {
                let lines = wrap_all(bw / (size * MM_PER_PT));
                if lines.len() <= n && fits(size, lines.len()) {
                    return Ok(whole(size, lines));
                }
            }
        }
    }
    let size = style.min_size;
    let max_em = bw / (size * MM_PER_PT);
    let lines = wrap_all(max_em);
    let room = (bh / (size * MM_PER_PT * style.line_height) + 0.001).floor() as usize;
    let keep = room.min(style.max_lines + 1).max(1);
    if lines.len() <= keep {
        return Ok(whole(size, lines));
    }
    let all: Vec<Glyph> = paragraphs.join(&[][..]);
    let ellipsis = shaper.glyphs("…", style.weight)?;
    let lines = shorten_in_the_middle(&all, &ellipsis, max_em, keep);
    Ok(SetText {
        lines: place(shaper, style, size, lines),
        shortened: true,
    })
}

/// The longest "start…end" of `glyphs` that wraps into at most `keep` lines of `max_em`; the
/// end gets the odd character, since it is what tells similar names apart.
fn shorten_in_the_middle(
    glyphs: &[Glyph],
    ellipsis: &[Glyph],
    max_em: f32,
    keep: usize,
) -> Vec<Vec<Glyph>> {
    let n = glyphs.len();
    // No more characters than could fill the lines even if all were the narrowest.
    let narrowest = glyphs
        .iter()
        .map(|g| g.advance)
        .fold(f32::INFINITY, f32::min)
        .max(0.1);
    let most = ((keep as f32 * max_em / narrowest) as usize + 1).min(n.saturating_sub(1));
    for k in (0..=most).rev() {
        let head = trim_end(&glyphs[..k / 2]);
        let tail = trim_start(&glyphs[n - (k - k / 2)..]);
        let mut candidate = Vec::with_capacity(k + ellipsis.len());
        candidate.extend_from_slice(head);
        candidate.extend_from_slice(ellipsis);
        candidate.extend_from_slice(tail);
        let lines = wrap(&candidate, max_em);
        if lines.len() <= keep {
            return lines;
        }
    }
    // Not even the ellipsis alone fits: a box too small for any text; show it anyway.
    vec![ellipsis.to_vec()]
}

fn trim_end(glyphs: &[Glyph]) -> &[Glyph] {
    let end = glyphs
        .iter()
        .rposition(|g| g.ch != ' ')
        .map_or(0, |i| i + 1);
    &glyphs[..end]
}

fn trim_start(glyphs: &[Glyph]) -> &[Glyph] {
    let start = glyphs
        .iter()
        .position(|g| g.ch != ' ')
        .unwrap_or(glyphs.len());
    &glyphs[start..]
}

/// Whether `text` fits on one line of the box at its smallest size: then it is never
/// shortened, and the full setting can be skipped (checking a whole batch's names).
pub fn fits_one_line(
    shaper: &mut Shaper<'_>,
    style: &TextStyle,
    text: &str,
) -> anyhow::Result<bool> {
    if text.contains('\n') {
        return Ok(false);
    }
    let glyphs = shaper.glyphs(text.trim(), style.weight)?;
    let [_, _, bw, bh] = style.bbox;
    let em = style.min_size * MM_PER_PT;
    Ok(width(&glyphs) <= bw / em && em * style.line_height <= bh + 0.01)
}

/// Positions set lines in the box by the style's alignment.
pub fn place(
    shaper: &Shaper<'_>,
    style: &TextStyle,
    size: f32,
    lines: Vec<Vec<Glyph>>,
) -> Vec<Line> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(text: &str) -> Vec<Glyph> {
        text.chars()
            .map(|ch| Glyph {
                font: 0,
                gid: 1,
                advance: 1.0,
                ch,
            })
            .collect()
    }

    fn text(lines: &[Vec<Glyph>]) -> String {
        lines.iter().flatten().map(|g| g.ch).collect()
    }

    #[test]
    fn shortening_keeps_the_start_and_the_distinguishing_end() {
        let name = glyphs("浙江省某某控股集团有限公司诸暨第三分公司");
        let lines = shorten_in_the_middle(&name, &glyphs("…"), 10.0, 1);
        assert_eq!(text(&lines), "浙江省某…第三分公司");
        let two = shorten_in_the_middle(&name, &glyphs("…"), 8.0, 2);
        assert_eq!(two.len(), 2);
        assert_eq!(text(&two), "浙江省某某控股…司诸暨第三分公司");
    }
}
