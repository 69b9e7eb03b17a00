//! Fonts and line setting. Chinese needs no complex shaping: a cmap lookup and the advance
//! widths are enough, which keeps the PDF, SVG and PNG outputs glyph-for-glyph identical.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::template::{Rgb, Weight};
use crate::cards::assets::PrintAssets;

/// Millimetres per point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// One font file, kept in memory for the life of the [`super::Assets`].
pub struct FontFile {
    /// Built-in fonts are borrowed from the program; a configured file is read into memory.
    pub bytes: Arc<Cow<'static, [u8]>>,
    pub family: String,
    pub postscript_name: String,
    pub units_per_em: f32,
    /// Ascender and descender as fractions of the em (descender negative).
    pub ascender: f32,
    pub descender: f32,
    pub bbox: [f32; 4],
    pub bold: bool,
}

impl FontFile {
    fn read(path: &Path, bold: bool) -> anyhow::Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading font {}", path.display()))?;
        Self::parse(Cow::Owned(bytes), &path.display().to_string(), bold)
    }

    /// Parses a font's bytes; `origin` names it in messages.
    fn parse(bytes: Cow<'static, [u8]>, origin: &str, bold: bool) -> anyhow::Result<Self> {
        let face = ttf_parser::Face::parse(&bytes, 0)
            .map_err(|e| anyhow::anyhow!("font {origin} is not usable: {e}"))?;
        let name = |id: u16| {
            face.names()
                .into_iter()
                .filter(|n| n.name_id == id && n.is_unicode())
                .find_map(|n| n.to_string())
        };
        let family = name(ttf_parser::name_id::TYPOGRAPHIC_FAMILY)
            .or_else(|| name(ttf_parser::name_id::FAMILY))
            .unwrap_or_else(|| "sans-serif".to_string());
        let postscript_name = name(ttf_parser::name_id::POST_SCRIPT_NAME)
            .unwrap_or_else(|| "CardFont".to_string())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let upem = f32::from(face.units_per_em());
        let b = face.global_bounding_box();
        let font = Self {
            family,
            postscript_name,
            units_per_em: upem,
            ascender: f32::from(face.ascender()) / upem,
            descender: f32::from(face.descender()) / upem,
            bbox: [b.x_min, b.y_min, b.x_max, b.y_max].map(|v| f32::from(v) / upem),
            bold,
            bytes: Arc::new(Cow::Borrowed(&[])),
        };
        Ok(Self {
            bytes: Arc::new(bytes),
            ..font
        })
    }
}

/// The configured fonts: an optional extra font first, then the shipped regular and bold faces.
pub struct Fonts {
    pub files: Vec<FontFile>,
    regular: Vec<usize>,
    bold: Vec<usize>,
}

impl Fonts {
    /// Every font's tables, parsed (once per render or per painting thread).
    pub fn faces(&self) -> anyhow::Result<Vec<ttf_parser::Face<'_>>> {
        self.files
            .iter()
            .map(|f| {
                ttf_parser::Face::parse(&f.bytes, 0)
                    .map_err(|e| anyhow::anyhow!("font {} is not usable: {e}", f.family))
            })
            .collect()
    }

    /// Loads the regular and bold faces of `print_assets`, and `extra` (tried first) if given.
    pub fn load(print_assets: &PrintAssets, extra: Option<&Path>) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        if let Some(extra) = extra {
            files.push(FontFile::read(extra, false)?);
        }
        let first = files.len();
        for (name, bold) in [
            (crate::cards::fonts::REGULAR, false),
            (crate::cards::fonts::BOLD, true),
        ] {
            let (bytes, origin) = print_assets.file(name)?;
            files.push(FontFile::parse(bytes, &origin, bold)?);
        }
        let extra: Vec<usize> = (0..first).collect();
        Ok(Self {
            regular: extra.iter().copied().chain([first]).collect(),
            bold: extra.iter().copied().chain([first + 1]).collect(),
            files,
        })
    }

    /// The font files tried, in order, for a weight.
    pub fn chain(&self, weight: Weight) -> &[usize] {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// The CSS font-family list for a weight (SVG output).
    pub fn css_families(&self, weight: Weight) -> String {
        let mut names: Vec<String> = Vec::new();
        for &i in self.chain(weight) {
            let quoted = format!("'{}'", self.files[i].family);
            if !names.contains(&quoted) {
                names.push(quoted);
            }
        }
        names.join(", ")
    }
}

/// A positioned character: which font, which glyph, how wide (in ems).
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub font: u8,
    pub gid: u16,
    pub advance: f32,
    pub ch: char,
}

/// One set line of text, ready for any output. Lengths in mm, size in points.
#[derive(Debug, Clone)]
pub struct Line {
    pub x: f32,
    pub baseline: f32,
    pub size: f32,
    pub weight: Weight,
    pub color: Rgb,
    pub glyphs: Vec<Glyph>,
}

impl Line {
    /// The line's characters.
    pub fn text(&self) -> String {
        self.glyphs.iter().map(|g| g.ch).collect()
    }
}

/// Looks characters up in the fonts, with a cache: the same few hundred characters repeat on
/// every card of a batch.
pub struct Shaper<'a> {
    fonts: &'a Fonts,
    faces: Vec<ttf_parser::Face<'a>>,
    cache: HashMap<(char, Weight), Option<Glyph>>,
}

impl<'a> Shaper<'a> {
    /// Parses the font tables once per render.
    pub fn new(fonts: &'a Fonts) -> anyhow::Result<Self> {
        let faces = fonts.faces()?;
        Ok(Self {
            fonts,
            faces,
            cache: HashMap::new(),
        })
    }

    /// Glyphs for `text`; a character no font has is an error (never an empty box on a card).
    pub fn glyphs(&mut self, text: &str, weight: Weight) -> anyhow::Result<Vec<Glyph>> {
        let mut out = Vec::with_capacity(text.len());
        for ch in text.chars() {
            let ch = if ch.is_whitespace() { ' ' } else { ch };
            let glyph = match self.cache.get(&(ch, weight)) {
                Some(g) => *g,
                None => {
                    let g = self.lookup(ch, weight);
                    self.cache.insert((ch, weight), g);
                    g
                }
            };
            match glyph {
                Some(g) => out.push(g),
                None => bail!(
                    "no card font has the character {ch:?} (U+{:04X})",
                    ch as u32
                ),
            }
        }
        Ok(out)
    }

    /// Glyphs for `text`, a character no font has drawn as a white square (□) instead: for
    /// documents that print what people typed (an emoji in a report), where refusing the
    /// whole document would be worse than one visible stand-in.
    pub fn glyphs_or_box(&mut self, text: &str, weight: Weight) -> anyhow::Result<Vec<Glyph>> {
        let mut out = Vec::with_capacity(text.len());
        for ch in text.chars() {
            let glyphs = match self.glyphs(ch.encode_utf8(&mut [0; 4]), weight) {
                Ok(glyphs) => glyphs,
                Err(_) => self.glyphs("\u{25A1}", weight)?,
            };
            out.extend(glyphs);
        }
        Ok(out)
    }

    fn lookup(&self, ch: char, weight: Weight) -> Option<Glyph> {
        self.fonts.chain(weight).iter().find_map(|&i| {
            let face = &self.faces[i];
            let gid = face.glyph_index(ch)?;
            let advance =
                f32::from(face.glyph_hor_advance(gid)?) / self.fonts.files[i].units_per_em;
            Some(Glyph {
                font: u8::try_from(i).ok()?,
                gid: gid.0,
                advance,
                ch,
            })
        })
    }

    /// Ascender and descender (em fractions) of the main face of a weight.
    pub fn metrics(&self, weight: Weight) -> (f32, f32) {
        let chain = self.fonts.chain(weight);
        let f = &self.fonts.files[chain[chain.len() - 1]];
        (f.ascender, f.descender)
    }
}

/// Width of glyphs in ems.
pub fn width(glyphs: &[Glyph]) -> f32 {
    glyphs.iter().map(|g| g.advance).sum()
}

fn closing(c: char) -> bool {
    "，。、；：！？）」』》〉】’”,.;:!?)]}%…·".contains(c)
}

fn opening(c: char) -> bool {
    "（「『《〈【‘“([{".contains(c)
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Breaks glyphs into lines no wider than `max` ems. Chinese breaks between any two characters,
/// except before closing or after opening punctuation and inside Latin words or numbers.
pub fn wrap(glyphs: &[Glyph], max: f32) -> Vec<Vec<Glyph>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < glyphs.len() {
        while start < glyphs.len() && glyphs[start].ch == ' ' {
            start += 1;
        }
        let mut w = 0.0;
        let mut end = start;
        let mut last_break = None;
        while end < glyphs.len() {
            if end > start && can_break(glyphs[end - 1].ch, glyphs[end].ch) {
                last_break = Some(end);
            }
            if w + glyphs[end].advance > max + 1e-4 && end > start {
                break;
            }
            w += glyphs[end].advance;
            end += 1;
        }
        if end < glyphs.len() {
            end = last_break.unwrap_or(end);
        }
        let mut line: Vec<Glyph> = glyphs[start..end].to_vec();
        while line.last().is_some_and(|g| g.ch == ' ') {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(line);
        }
        start = end;
    }
    lines
}

fn can_break(before: char, after: char) -> bool {
    !(closing(after) || opening(before) || (word(before) && word(after)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(ch: char) -> Glyph {
        Glyph {
            font: 0,
            gid: 1,
            advance: 1.0,
            ch,
        }
    }

    fn lines(text: &str, max: f32) -> Vec<String> {
        let glyphs: Vec<Glyph> = text.chars().map(g).collect();
        wrap(&glyphs, max)
            .iter()
            .map(|l| l.iter().map(|g| g.ch).collect())
            .collect()
    }

    #[test]
    fn chinese_wraps_anywhere_but_never_starts_a_line_with_a_comma() {
        assert_eq!(lines("门难进脸难看", 3.0), vec!["门难进", "脸难看"]);
        assert_eq!(lines("门难进，脸难看", 3.0), vec!["门难", "进，脸", "难看"]);
    }

    #[test]
    fn latin_words_and_numbers_stay_whole() {
        assert_eq!(lines("公司ABC12", 4.0), vec!["公司", "ABC1", "2"]);
        assert_eq!(lines("公司AB C", 4.0), vec!["公司AB", "C"]);
    }
}
