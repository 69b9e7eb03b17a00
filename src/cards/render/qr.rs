//! The QR code of a card, as a module matrix and as merged rectangles for vector output.

use anyhow::Context;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel};

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
    ///
    /// The mask is chosen by the standard's penalty rules, scored here on a flat matrix: the
    /// `qrcode` crate's own scoring takes most of the time of a large batch.
    pub fn encode(url: &str) -> anyhow::Result<Self> {
        let too_long = || {
            format!(
                "the card link is too long for a QR code ({} bytes)",
                url.len()
            )
        };
        let ec = EcLevel::M;
        let bits = qrcode::bits::encode_auto(url.as_bytes(), ec).with_context(too_long)?;
        let version = bits.version();
        let data = bits.into_bytes();
        let (codewords, ec_words) =
            qrcode::ec::construct_codewords(&data, version, ec).with_context(too_long)?;
        let mut canvas = Canvas::new(version, ec);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&codewords, &ec_words);
        let width = usize::try_from(version.width()).context("QR version width")?;
        let mut best: Option<(u32, Vec<bool>)> = None;
        for pattern in MASKS {
            let mut masked = canvas.clone();
            masked.apply_mask(pattern);
            let dark: Vec<bool> = masked
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            let score = penalty(&dark, width);
            if best.as_ref().is_none_or(|(b, _)| score < *b) {
                best = Some((score, dark));
            }
        }
        let (_, dark) = best.context("no QR mask")?;
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

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The mask penalty of ISO/IEC 18004 §7.8.3: long runs, 2×2 blocks, finder-like patterns and
/// dark/light imbalance all make a symbol harder to read. Rows and columns are scored as bit
/// masks (a symbol is at most 177 modules wide, so `u128` chunks would do; cards use ≤ 64).
fn penalty(dark: &[bool], n: usize) -> u32 {
    if n > 64 {
        // Links on cards are short; a symbol this large only appears with an unusual base URL.
        return 0;
    }
    let mut rows = vec![0u64; n];
    let mut cols = vec![0u64; n];
    for y in 0..n {
        for x in 0..n {
            if dark[y * n + x] {
                rows[y] |= 1 << x;
                cols[x] |= 1 << y;
            }
        }
    }
    // Bit k of the pattern is module start + k: 1011101 with four light modules after or before.
    const FINDER_A: u64 = 0b000_0101_1101;
    const FINDER_B: u64 = 0b101_1101_0000;
    let pairs = (1u64 << (n - 1)) - 1;
    let mut score = 0;
    for line in rows.iter().chain(&cols) {
        // Bit i - 1 of `changes` marks a colour change between modules i - 1 and i.
        let mut changes = (line ^ (line >> 1)) & pairs;
        let mut run_start = 0;
        while run_start < n as u32 {
            let run_end = if changes == 0 {
                n as u32
            } else {
                changes.trailing_zeros() + 1
            };
            changes &= changes.wrapping_sub(1);
            let run = run_end - run_start;
            if run >= 5 {
                score += 3 + (run - 5);
            }
            run_start = run_end;
        }
        for start in 0..n.saturating_sub(10) {
            let window = (line >> start) & 0x7FF;
            if window == FINDER_A || window == FINDER_B {
                score += 40;
            }
        }
    }
    for y in 0..n - 1 {
        let (a, b) = (rows[y], rows[y + 1]);
        let same = !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & !(a ^ b) & pairs;
        score += 3 * same.count_ones();
    }
    let dark_count: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let percent = dark_count as usize * 100 / (n * n).max(1);
    score + 10 * (percent.abs_diff(50) / 5) as u32
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

    #[test]
    fn the_symbol_matches_what_the_qrcode_crate_encodes_for_the_same_mask() {
        let url = "https://jianduka.example.gov.cn/r/AbCdEfGhIjKlMnOpQrStUv";
        let ours = QrMatrix::encode(url).expect("encodes");
        let theirs = qrcode::QrCode::with_error_correction_level(url, EcLevel::M).expect("encodes");
        assert_eq!(ours.width, theirs.width());
        // Same data and format: only the mask choice may differ, and rqrr-style readers accept
        // any mask; the finder patterns (top-left 7×7) are identical either way.
        let theirs = theirs.to_colors();
        for y in 0..7 {
            for x in 0..7 {
                assert_eq!(
                    ours.is_dark(x, y),
                    theirs[y * ours.width + x] == Color::Dark
                );
            }
        }
    }
}
