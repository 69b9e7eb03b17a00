//! Which characters the card fonts can draw. Import uses it to report names that would print
//! as empty boxes; the renderer uses the same fonts.

use std::borrow::Cow;
use std::path::Path;

use super::assets::PrintAssets;

/// The shipped regular face, relative to the print-assets folder.
pub const REGULAR: &str = "fonts/NotoSansCJKsc-Regular.otf";
/// The shipped bold face, relative to the print-assets folder.
pub const BOLD: &str = "fonts/NotoSansCJKsc-Bold.otf";

/// The character coverage of the configured fonts (an optional extra font, then the regular
/// face of the print assets).
pub struct FontCoverage {
    fonts: Vec<Cow<'static, [u8]>>,
}

impl FontCoverage {
    /// The regular face of `print_assets` (the built-in one is borrowed from the program, not
    /// read), and `extra` first if given.
    pub fn load(print_assets: &PrintAssets, extra: Option<&Path>) -> anyhow::Result<Self> {
        print_assets.check_folder()?;
        let mut fonts = Vec::new();
        if let Some(extra) = extra {
            let bytes = std::fs::read(extra)
                .map_err(|e| anyhow::anyhow!("reading font {}: {e}", extra.display()))?;
            fonts.push((Cow::Owned(bytes), extra.display().to_string()));
        }
        fonts.push(print_assets.file(REGULAR)?);
        for (bytes, origin) in &fonts {
            ttf_parser::Face::parse(bytes, 0)
                .map_err(|e| anyhow::anyhow!("font {origin} is not usable: {e}"))?;
        }
        Ok(Self {
            fonts: fonts.into_iter().map(|(bytes, _)| bytes).collect(),
        })
    }

    /// The characters of `text` that no font has (whitespace ignored), in order, deduplicated.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let faces: Vec<ttf_parser::Face<'_>> = self
            .fonts
            .iter()
            .filter_map(|bytes| ttf_parser::Face::parse(bytes, 0).ok())
            .collect();
        let mut missing = Vec::new();
        for c in text.chars() {
            if c.is_whitespace() || missing.contains(&c) {
                continue;
            }
            if !faces.iter().any(|face| face.glyph_index(c).is_some()) {
                missing.push(c);
            }
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> FontCoverage {
        FontCoverage::load(&PrintAssets::shipped(), None).expect("shipped font loads")
    }

    #[test]
    fn the_shipped_font_covers_rare_name_characters_and_extension_a() {
        let coverage = shipped();
        assert!(
            coverage
                .missing("诸暨市鑫垚犇淼燊彧翀贸易有限公司（ABC）㐀䶵")
                .is_empty()
        );
    }

    #[test]
    fn characters_beyond_the_font_are_reported() {
        // U+20000 (CJK Extension B) is not in Noto Sans CJK SC.
        assert_eq!(shipped().missing("诸暨𠀀公司"), vec!['\u{20000}']);
    }
}
