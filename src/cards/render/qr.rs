//! The QR code of a card, as a module matrix and as merged rectangles for vector output.

use anyhow::Context;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of light margin every QR code needs around it to be found by a reader.
pub const QUIET_ZONE: usize = 4;

/// A square QR code: `width` × `width` modules, dark where `true`.
#[derive(Debug, Clone)]
pub struct QrMatrix {
    pub width: usize,
    dark: Vec<bool>,
}

/// A filled rectangle in module units, from the top-left of the symbol (quiet zone excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleRect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

impl QrMatrix {
    /// Encodes `url` with error correction M: a torn or dirty card still scans, and the symbol
    /// stays small enough for large modules on an ID-1 card.
    pub fn encode(url: &str) -> anyhow::Result<Self> {
        let code =
            QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).with_context(|| {
                format!(
                    "the card link is too long for a QR code ({} bytes)",
                    url.len()
                )
            })?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Self { width, dark })
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// Width including the quiet zone on both sides.
    pub fn outer_width(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// Dark modules merged into horizontal runs, and runs that repeat on the next rows merged
    /// into taller rectangles: about a third of the path operators of one square per module.
    pub fn rects(&self) -> Vec<ModuleRect> {
        let n = self.width;
        let mut done: Vec<ModuleRect> = Vec::new();
        // Rectangles still growing downwards, keyed by their column span.
        let mut open: Vec<ModuleRect> = Vec::new();
        for y in 0..n {
            let mut runs = Vec::new();
            let mut x = 0;
            while x < n {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < n && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start as u16, (x - start) as u16));
                } else {
                    x += 1;
                }
            }
            let mut next = Vec::with_capacity(runs.len());
            for (x, w) in runs {
                if let Some(i) = open.iter().position(|r| r.x == x && r.w == w) {
                    let mut r = open.swap_remove(i);
                    r.h += 1;
                    next.push(r);
                } else {
                    next.push(ModuleRect {
                        x,
                        y: y as u16,
                        w,
                        h: 1,
                    });
                }
            }
            done.append(&mut open);
            open = next;
        }
        done.append(&mut open);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_rectangles_cover_exactly_the_dark_modules() {
        let qr = QrMatrix::encode("https://jianduka.example.gov.cn/r/AbCdEfGhIjKlMnOpQrStUv")
            .expect("a card link fits a QR code");
        let mut covered = vec![false; qr.width * qr.width];
        for r in qr.rects() {
            for y in r.y..r.y + r.h {
                for x in r.x..r.x + r.w {
                    let i = y as usize * qr.width + x as usize;
                    assert!(!covered[i], "rectangles overlap");
                    covered[i] = true;
                }
            }
        }
        for y in 0..qr.width {
            for x in 0..qr.width {
                assert_eq!(covered[y * qr.width + x], qr.is_dark(x, y));
            }
        }
    }
}
