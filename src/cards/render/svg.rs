//! SVG faces. Every character is placed at the x the layout computed, so the SVG shows exactly
//! the lines and sizes the PDF and the PNG do.

use std::fmt::Write as _;

use super::layout::Mark;
use super::template::{Size, Weight};
use super::text::{Fonts, MM_PER_PT};

/// Writes one face, `card` millimetres in size plus `bleed` on every side, as a standalone SVG
/// document; the trim box keeps coordinates from (0, 0), so the file's own edges lie `bleed`
/// outside it.
pub fn face(fonts: &Fonts, card: Size, bleed: f32, marks: &[Mark]) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let (w, h) = (card.width + 2.0 * bleed, card.height + 2.0 * bleed);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="{o} {o} {w} {h}">"#,
        o = -bleed
    );
    let _ = write!(
        s,
        r##"<rect x="{o}" y="{o}" width="{w}" height="{h}" fill="#ffffff"/>"##,
        o = -bleed
    );
    for mark in marks {
        match mark {
            Mark::Rect { bbox, fill, stroke } => {
                let [x, y, w, h] = *bbox;
                let fill = fill.map_or("none".to_string(), |c| c.hex());
                let _ = write!(
                    s,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}""#
                );
                if let Some((color, width)) = stroke {
                    let _ = write!(
                        s,
                        r#" stroke="{}" stroke-width="{}""#,
                        color.hex(),
                        width * MM_PER_PT
                    );
                }
                s.push_str("/>");
            }
            Mark::Line {
                from,
                to,
                color,
                width,
            } => {
                let _ = write!(
                    s,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>"#,
                    from[0],
                    from[1],
                    to[0],
                    to[1],
                    color.hex(),
                    width * MM_PER_PT
                );
            }
            Mark::Text(line) => {
                let em = line.size * MM_PER_PT;
                let mut xs = String::new();
                let mut x = line.x;
                for g in &line.glyphs {
                    let _ = write!(xs, "{x:.3} ");
                    x += g.advance * em;
                }
                let weight = match line.weight {
                    Weight::Regular => 400,
                    Weight::Bold => 700,
                };
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{:.3}" font-family="{}" font-weight="{weight}" font-size="{em:.3}" fill="{}">"#,
                    xs.trim_end(),
                    line.baseline,
                    escape(&fonts.css_families(line.weight)),
                    line.color.hex()
                );
                s.push_str(&escape(&line.text()));
                s.push_str("</text>");
            }
            Mark::Qr {
                x,
                y,
                module,
                matrix,
                color,
            } => {
                let _ = write!(
                    s,
                    r#"<path transform="translate({x} {y}) scale({module})" fill="{}" shape-rendering="crispEdges" d=""#,
                    color.hex()
                );
                for r in matrix.rects() {
                    let _ = write!(s, "M{} {}h{}v{}h-{}z", r.x, r.y, r.w, r.h, r.w);
                }
                s.push_str(r#""/>"#);
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Text and attribute values escaped as in HTML (valid XML: only numeric references beyond
/// the five named ones), by the same escaper the templates use.
fn escape(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}
