//! Subset fonts for the streamed PDF. Content streams refer to glyphs by their id in the
//! subset, which `GlyphRemapper` hands out as glyphs are first used; the subset itself, its
//! widths and its ToUnicode map are written once at the very end.

use std::hash::{DefaultHasher, Hash, Hasher};

use anyhow::Context;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use super::deflate;
use super::objects::ObjectWriter;
use crate::cards::render::text::{FontFile, Fonts, Glyph};

const IDENTITY: SystemInfo<'static> = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// Resource names of the fonts in content streams, by font index.
pub const RESOURCE_NAMES: [&[u8]; 3] = [b"F0", b"F1", b"F2"];

/// Glyphs used so far, per font.
pub struct FontUse {
    fonts: Vec<Used>,
}

struct Used {
    remapper: GlyphRemapper,
    /// By subset glyph id: the character it stands for and its advance in ems.
    glyphs: Vec<(char, f32)>,
}

impl FontUse {
    /// Nothing used yet, for `count` fonts.
    pub fn new(count: usize) -> Self {
        let fonts = (0..count)
            .map(|_| Used {
                remapper: GlyphRemapper::new(),
                // .notdef is always subset glyph 0.
                glyphs: vec![(' ', 0.0)],
            })
            .collect();
        Self { fonts }
    }

    /// The subset glyph id (the CID in content streams) for a glyph.
    pub fn cid(&mut self, glyph: &Glyph) -> u16 {
        let used = &mut self.fonts[usize::from(glyph.font)];
        let cid = used.remapper.remap(glyph.gid);
        if usize::from(cid) == used.glyphs.len() {
            used.glyphs.push((glyph.ch, glyph.advance));
        }
        cid
    }

    /// Whether any glyph of font `index` was drawn.
    pub fn is_used(&self, index: usize) -> bool {
        self.fonts.get(index).is_some_and(|u| u.glyphs.len() > 1)
    }

    /// Writes every used font as a Type 0 font at the reference reserved for it.
    pub fn write(
        &self,
        fonts: &Fonts,
        refs: &[Ref],
        w: &mut ObjectWriter<'_>,
    ) -> anyhow::Result<()> {
        for (i, used) in self.fonts.iter().enumerate() {
            if used.glyphs.len() > 1 {
                embed(&fonts.files[i], used, refs[i], w).with_context(|| {
                    format!("embedding font {}", fonts.files[i].postscript_name)
                })?;
            }
        }
        Ok(())
    }
}

fn embed(font: &FontFile, used: &Used, type0: Ref, w: &mut ObjectWriter<'_>) -> anyhow::Result<()> {
    let subset = subsetter::subset(&font.bytes, 0, &used.remapper)
        .map_err(|e| anyhow::anyhow!("subsetting failed: {e:?}"))?;
    let raw = ttf_parser::RawFace::parse(&subset, 0)
        .map_err(|e| anyhow::anyhow!("the font subset is unreadable: {e}"))?;
    // A CFF-based font embeds its bare CFF program; subsetter makes its CIDs equal to the
    // subset glyph ids. A TrueType font embeds whole and maps CIDs to glyphs one to one.
    let cff = raw.table(ttf_parser::Tag::from_bytes(b"CFF "));

    // The six-letter tag marks a subset; derive it from the glyphs so output is reproducible.
    let mut hasher = DefaultHasher::new();
    used.remapper
        .remapped_gids()
        .collect::<Vec<_>>()
        .hash(&mut hasher);
    font.postscript_name.hash(&mut hasher);
    let mut h = Hasher::finish(&hasher);
    let tag: String = (0..6)
        .map(|_| {
            let c = char::from(b'A' + (h % 26) as u8);
            h /= 26;
            c
        })
        .collect();
    let base = format!("{tag}+{}", font.postscript_name);

    let cid_ref = w.alloc();
    let descriptor_ref = w.alloc();
    let file_ref = w.alloc();
    let cmap_ref = w.alloc();

    let mut chunk = Chunk::new();
    chunk
        .type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_ref)
        .to_unicode(cmap_ref);
    w.write(&chunk)?;

    let mut chunk = Chunk::new();
    let mut cid = chunk.cid_font(cid_ref);
    cid.subtype(if cff.is_some() {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    })
    .base_font(Name(base.as_bytes()))
    .system_info(IDENTITY)
    .font_descriptor(descriptor_ref)
    .default_width(0.0);
    if cff.is_none() {
        cid.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    cid.widths()
        .consecutive(1, used.glyphs[1..].iter().map(|&(_, adv)| adv * 1000.0));
    cid.finish();
    w.write(&chunk)?;

    let [x0, y0, x1, y1] = font.bbox.map(|v| v * 1000.0);
    let mut chunk = Chunk::new();
    let mut descriptor = chunk.font_descriptor(descriptor_ref);
    descriptor
        .name(Name(base.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(font.ascender * 1000.0)
        .descent(font.descender * 1000.0)
        .cap_height(font.ascender * 1000.0)
        .stem_v(if font.bold { 140.0 } else { 80.0 });
    if cff.is_some() {
        descriptor.font_file3(file_ref);
    } else {
        descriptor.font_file2(file_ref);
    }
    descriptor.finish();
    w.write(&chunk)?;

    let program = deflate(cff.unwrap_or(&subset));
    let mut chunk = Chunk::new();
    let mut stream = chunk.stream(file_ref, &program);
    stream.filter(Filter::FlateDecode);
    if cff.is_some() {
        stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
    }
    stream.finish();
    w.write(&chunk)?;

    let mut cmap = UnicodeCmap::new(Name(b"Adobe-Identity-UCS"), IDENTITY);
    for (cid, &(ch, _)) in used.glyphs.iter().enumerate().skip(1) {
        if let Ok(cid) = u16::try_from(cid) {
            cmap.pair(cid, ch);
        }
    }
    let cmap = deflate(&cmap.finish());
    let mut chunk = Chunk::new();
    chunk
        .cmap(cmap_ref, &cmap)
        .name(Name(b"Adobe-Identity-UCS"))
        .system_info(IDENTITY)
        .filter(Filter::FlateDecode);
    w.write(&chunk)
}
