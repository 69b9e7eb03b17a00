//! Card templates: TOML files under `print-assets/templates/` that hold the whole layout (sheet,
//! imposition, card size, colours, every element's box and text), so that a print office can
//! change the card without touching code. Lengths are in millimetres from the card's top-left
//! corner, font sizes in points.

use std::collections::HashMap;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::cards::assets::PrintAssets;

/// The smallest type allowed anywhere on a card: body text must stay legible at arm's length.
pub const MIN_FONT_PT: f32 = 6.0;
/// The smallest QR module that phone cameras still read reliably from a printed card.
pub const MIN_QR_MODULE_MM: f32 = 0.4;

/// A loaded, checked template.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub sheet: Sheet,
    pub card: Size,
    pub front: Vec<Element>,
    pub back: Vec<Element>,
}

/// The printed sheet and how cards are imposed on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    pub width: f32,
    pub height: f32,
    pub columns: u32,
    pub rows: u32,
    /// Space between neighbouring cards, so a slightly missed cut never shows the next card.
    #[serde(default)]
    pub gap_x: f32,
    #[serde(default)]
    pub gap_y: f32,
    /// Crop marks sit in the sheet margin, on every card edge line; zero length means none.
    #[serde(default)]
    pub crop_mark_length: f32,
    #[serde(default = "default_crop_offset")]
    pub crop_mark_offset: f32,
    /// How far colour that touches a trim edge runs past it, so that a cut a hair off leaves
    /// no white (or coloured) sliver. The imposition leaves room for it.
    #[serde(default)]
    pub bleed: f32,
    /// Every second row is turned half round, so neighbouring rows meet edge to edge where
    /// their edges look alike (foot to foot, head to head) and share one cut (`gap_y = 0`).
    #[serde(default)]
    pub turn_every_other_row: bool,
}

fn default_crop_offset() -> f32 {
    2.0
}

/// The most bleed a template may ask for.
const MAX_BLEED: f32 = 5.0;

impl Sheet {
    /// Checks that the cards, their bleed and the crop marks fit on the sheet without
    /// running into each other.
    fn check(&self, card: Size) -> anyhow::Result<()> {
        if self.columns == 0 || self.rows == 0 {
            bail!("the sheet needs at least one column and one row");
        }
        let b = self.bleed;
        if !(0.0..=MAX_BLEED).contains(&b) {
            bail!("bleed {b} mm is outside 0 to {MAX_BLEED} mm");
        }
        let used_w = self.columns as f32 * card.width + (self.columns - 1) as f32 * self.gap_x;
        let used_h = self.rows as f32 * card.height + (self.rows - 1) as f32 * self.gap_y;
        if used_w > self.width + 0.01 || used_h > self.height + 0.01 {
            bail!(
                "{}×{} cards do not fit on the sheet",
                self.columns,
                self.rows
            );
        }
        for (name, gap) in [("gap_x", self.gap_x), ("gap_y", self.gap_y)] {
            // A shared cut (no gap) is fine; otherwise both neighbours' bleed must fit.
            if gap < 0.0 || (gap > 0.0 && gap + 0.01 < 2.0 * b) {
                bail!(
                    "{name} = {gap} mm leaves no room for the {b} mm bleed of both neighbours: \
                     make it 0 (one shared cut) or at least {} mm",
                    2.0 * b
                );
            }
        }
        let margin_x = (self.width - used_w) / 2.0;
        let margin_y = (self.height - used_h) / 2.0;
        if margin_x + 0.01 < b || margin_y + 0.01 < b {
            bail!("the sheet leaves no margin for the {b} mm bleed around the cards");
        }
        if self.crop_mark_length > 0.0 {
            if self.crop_mark_offset + 0.01 < b {
                bail!(
                    "crop marks start {} mm from the cards, inside the {b} mm bleed",
                    self.crop_mark_offset
                );
            }
            let reach = self.crop_mark_offset + self.crop_mark_length;
            if margin_x + 0.01 < reach || margin_y + 0.01 < reach {
                bail!("crop marks reaching {reach} mm from the cards run off the sheet");
            }
        }
        Ok(())
    }
}

/// Width and height in millimetres.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Size {
    pub width: f32,
    pub height: f32,
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, as SVG wants it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Components in 0..=1, as PDF wants them.
    pub fn unit(self) -> [f32; 3] {
        [self.0, self.1, self.2].map(|c| f32::from(c) / 255.0)
    }

    fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Self(byte(0)?, byte(2)?, byte(4)?))
    }
}

/// Horizontal placement of text lines in their box.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Vertical placement of a text block in its box.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VAlign {
    #[default]
    Top,
    Middle,
    Bottom,
}

/// Font weight; each maps to one of the shipped faces.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    #[default]
    Regular,
    Bold,
}

/// One thing drawn on a face.
#[derive(Debug, Clone)]
pub enum Element {
    Rect {
        bbox: [f32; 4],
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
        /// Stroke width in points.
        stroke_width: f32,
    },
    Line {
        from: [f32; 2],
        to: [f32; 2],
        color: Rgb,
        /// Line width in points.
        width: f32,
    },
    Text(TextStyle),
    /// The numbered negative-list items.
    List(ListStyle),
    /// The card's QR code, centred in its box with a 4-module quiet zone inside the box.
    Qr {
        bbox: [f32; 4],
        color: Rgb,
    },
}

/// A text box; `text` may contain `{org_name}`, `{list_title}`, `{hotline}`,
/// `{report_address}`, `{serial}`, `{holder_name}`, `{holder_detail}`.
#[derive(Debug, Clone)]
pub struct TextStyle {
    pub bbox: [f32; 4],
    pub text: String,
    pub size: f32,
    pub min_size: f32,
    pub max_lines: usize,
    pub line_height: f32,
    pub weight: Weight,
    pub color: Rgb,
    pub align: Align,
    pub valign: VAlign,
}

/// The numbered list: numbers in `number_color`, items wrapped with a hanging indent.
#[derive(Debug, Clone)]
pub struct ListStyle {
    pub bbox: [f32; 4],
    pub size: f32,
    pub min_size: f32,
    pub line_height: f32,
    /// Extra space between items, as a fraction of the font size.
    pub item_gap: f32,
    pub color: Rgb,
    pub number_color: Rgb,
    pub weight: Weight,
}

impl Element {
    /// Whether the element differs from card to card (drawn per card rather than once).
    pub fn is_per_card(&self) -> bool {
        match self {
            Element::Qr { .. } => true,
            Element::Text(t) => ["{serial}", "{holder_name}", "{holder_detail}"]
                .iter()
                .any(|p| t.text.contains(p)),
            _ => false,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    #[serde(default)]
    #[allow(dead_code)] // shown to people reading the file
    description: String,
    sheet: Sheet,
    card: Size,
    #[serde(default)]
    colors: HashMap<String, String>,
    #[serde(default)]
    front: Vec<RawElement>,
    #[serde(default)]
    back: Vec<RawElement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "box")]
    bbox: Option<[f32; 4]>,
    from: Option<[f32; 2]>,
    to: Option<[f32; 2]>,
    fill: Option<String>,
    stroke: Option<String>,
    stroke_width: Option<f32>,
    width: Option<f32>,
    text: Option<String>,
    size: Option<f32>,
    min_size: Option<f32>,
    max_lines: Option<usize>,
    line_height: Option<f32>,
    item_gap: Option<f32>,
    weight: Option<Weight>,
    color: Option<String>,
    number_color: Option<String>,
    #[serde(default)]
    align: Align,
    #[serde(default)]
    valign: VAlign,
}

/// Parses every template `assets` holds (built-in, and an office's folder over them); the
/// file stem is the template name.
pub fn load_all(assets: &PrintAssets) -> anyhow::Result<HashMap<String, Template>> {
    let mut templates = HashMap::new();
    for source in assets.templates()? {
        let template = parse(&source.name, &source.text)
            .with_context(|| format!("card template {} is invalid", source.origin))?;
        templates.insert(source.name, template);
    }
    if templates.is_empty() {
        bail!("no card templates (*.toml) in {}", assets.describe());
    }
    Ok(templates)
}

/// Parses and checks one template.
pub fn parse(name: &str, text: &str) -> anyhow::Result<Template> {
    let raw: RawTemplate = toml::from_str(text)?;
    raw.sheet.check(raw.card)?;
    let colors = |c: &Option<String>, what: &str| -> anyhow::Result<Option<Rgb>> {
        let Some(c) = c else { return Ok(None) };
        let value = raw.colors.get(c).map(String::as_str).unwrap_or(c);
        Rgb::parse(value)
            .map(Some)
            .with_context(|| format!("{what} colour {c:?} is neither #rrggbb nor in [colors]"))
    };
    let mut faces = [Vec::new(), Vec::new()];
    for (face, raws) in faces.iter_mut().zip([&raw.front, &raw.back]) {
        for (i, e) in raws.iter().enumerate() {
            let element = element(e, &colors, raw.card)
                .with_context(|| format!("element {} ({})", i + 1, e.kind))?;
            face.push(element);
        }
    }
    let [front, back] = faces;
    if !back
        .iter()
        .chain(&front)
        .any(|e| matches!(e, Element::Qr { .. }))
    {
        bail!("the template has no qr element");
    }
    Ok(Template {
        name: name.to_string(),
        sheet: raw.sheet,
        card: raw.card,
        front,
        back,
    })
}

type ColorFn<'a> = dyn Fn(&Option<String>, &str) -> anyhow::Result<Option<Rgb>> + 'a;

fn element(e: &RawElement, colors: &ColorFn<'_>, card: Size) -> anyhow::Result<Element> {
    let bbox = || -> anyhow::Result<[f32; 4]> {
        let b = e.bbox.context("needs box = [x, y, width, height]")?;
        let inside = b[0] >= 0.0
            && b[1] >= 0.0
            && b[2] > 0.0
            && b[3] > 0.0
            && b[0] + b[2] <= card.width + 0.01
            && b[1] + b[3] <= card.height + 0.01;
        if !inside {
            bail!("box {b:?} is not inside the card");
        }
        Ok(b)
    };
    let size = || -> anyhow::Result<(f32, f32)> {
        let size = e.size.context("needs size (points)")?;
        let min = e.min_size.unwrap_or(size);
        if min < MIN_FONT_PT || size < min {
            bail!("type must be at least {MIN_FONT_PT} pt (size {size}, min_size {min})");
        }
        Ok((size, min))
    };
    let line_height = |default: f32| -> anyhow::Result<f32> {
        let lh = e.line_height.unwrap_or(default);
        if !(0.8..=3.0).contains(&lh) {
            bail!("line_height {lh} is outside 0.8 to 3");
        }
        Ok(lh)
    };
    let ink = Rgb(0x1f, 0x1f, 0x1f);
    Ok(match e.kind.as_str() {
        "rect" => Element::Rect {
            bbox: bbox()?,
            fill: colors(&e.fill, "fill")?,
            stroke: colors(&e.stroke, "stroke")?,
            stroke_width: e.stroke_width.unwrap_or(0.5),
        },
        "line" => Element::Line {
            from: e.from.context("needs from = [x, y]")?,
            to: e.to.context("needs to = [x, y]")?,
            color: colors(&e.color, "line")?.unwrap_or(ink),
            width: e.width.unwrap_or(0.5),
        },
        "text" => {
            let (size, min_size) = size()?;
            Element::Text(TextStyle {
                bbox: bbox()?,
                text: e.text.clone().context("needs text")?,
                size,
                min_size,
                max_lines: e.max_lines.unwrap_or(1).max(1),
                line_height: line_height(1.25)?,
                weight: e.weight.unwrap_or_default(),
                color: colors(&e.color, "text")?.unwrap_or(ink),
                align: e.align,
                valign: e.valign,
            })
        }
        "list" => {
            let (size, min_size) = size()?;
            let color = colors(&e.color, "text")?.unwrap_or(ink);
            Element::List(ListStyle {
                bbox: bbox()?,
                size,
                min_size,
                line_height: line_height(1.3)?,
                item_gap: e.item_gap.unwrap_or(0.0),
                color,
                number_color: colors(&e.number_color, "number")?.unwrap_or(color),
                weight: e.weight.unwrap_or_default(),
            })
        }
        "qr" => Element::Qr {
            bbox: bbox()?,
            color: colors(&e.color, "qr")?.unwrap_or(Rgb(0, 0, 0)),
        },
        other => bail!("unknown element type {other:?} (rect, line, text, list, qr)"),
    })
}

#[cfg(test)]
#[path = "tests/template.rs"]
mod tests;
