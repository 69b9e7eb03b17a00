//! Where the cards of one sheet sit, how far each one's bleed may reach, and where the cuts go.

use crate::cards::render::template::Template;

/// One card's place on a sheet, in mm from the sheet's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// Top-left corner of the card's trim box as it lies on the sheet.
    pub x: f32,
    pub y: f32,
    /// Turned half round (rows that meet their neighbours head to head).
    pub turned: bool,
    /// What this card may paint: its trim box plus the bleed, except towards a neighbour it
    /// shares a cut with (that neighbour's own edge is the bleed there).
    pub clip: [f32; 4],
}

/// The cards of one sheet and its cut lines.
pub struct Imposition {
    pub slots: Vec<Slot>,
    /// Cut positions across (x) and down (y) the sheet.
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    /// The block of cards: [left, top, right, bottom].
    pub grid: [f32; 4],
}

impl Imposition {
    /// The fronts' sheet, or (`mirrored`) the backs', mirrored left to right so each back
    /// lands behind its front on a long-edge flip.
    pub fn new(t: &Template, mirrored: bool) -> Self {
        let s = &t.sheet;
        let (cw, ch) = (t.card.width, t.card.height);
        let used_w = s.columns as f32 * cw + (s.columns - 1) as f32 * s.gap_x;
        let used_h = s.rows as f32 * ch + (s.rows - 1) as f32 * s.gap_y;
        let left = (s.width - used_w) / 2.0;
        let top = (s.height - used_h) / 2.0;
        // Bleed reaches into a gap (which the template keeps at least two bleeds wide) and
        // into the margin, but not across a shared cut.
        let reach = |gap: f32| if gap > 0.0 { s.bleed } else { 0.0 };
        let mut slots = Vec::new();
        let mut xs: Vec<f32> = Vec::new();
        let mut ys: Vec<f32> = Vec::new();
        for row in 0..s.rows {
            for col in 0..s.columns {
                let mut x = left + col as f32 * (cw + s.gap_x);
                if mirrored {
                    x = s.width - x - cw;
                }
                let y = top + row as f32 * (ch + s.gap_y);
                let first_col = if mirrored {
                    col + 1 == s.columns
                } else {
                    col == 0
                };
                let last_col = if mirrored {
                    col == 0
                } else {
                    col + 1 == s.columns
                };
                let l = if first_col { s.bleed } else { reach(s.gap_x) };
                let r = if last_col { s.bleed } else { reach(s.gap_x) };
                let t_ = if row == 0 { s.bleed } else { reach(s.gap_y) };
                let b = if row + 1 == s.rows {
                    s.bleed
                } else {
                    reach(s.gap_y)
                };
                slots.push(Slot {
                    x,
                    y,
                    turned: s.turn_every_other_row && row % 2 == 1,
                    clip: [x - l, y - t_, cw + l + r, ch + t_ + b],
                });
                for v in [x, x + cw] {
                    if !xs.iter().any(|e| (e - v).abs() < 0.01) {
                        xs.push(v);
                    }
                }
                for v in [y, y + ch] {
                    if !ys.iter().any(|e| (e - v).abs() < 0.01) {
                        ys.push(v);
                    }
                }
            }
        }
        let grid_left = if mirrored {
            s.width - left - used_w
        } else {
            left
        };
        let grid = [grid_left, top, grid_left + used_w, top + used_h];
        Self {
            slots,
            xs,
            ys,
            grid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id1() -> Template {
        let shipped = crate::cards::assets::PrintAssets::shipped();
        let mut all = crate::cards::render::template::load_all(&shipped).expect("templates load");
        all.remove("id1").expect("id1 is shipped")
    }

    #[test]
    fn id1_cards_meet_head_to_head_and_bleed_everywhere_but_across_a_shared_cut() {
        let t = id1();
        let fronts = Imposition::new(&t, false);
        assert_eq!(fronts.slots.len(), 10);
        // Five rows with shared cuts: six cut lines down the sheet, four across.
        assert_eq!((fronts.ys.len(), fronts.xs.len()), (6, 4));
        let b = t.sheet.bleed;
        assert!(b >= 2.0, "at least 2 mm of bleed");
        let top_left = fronts.slots[0];
        assert!(!top_left.turned && fronts.slots[2].turned);
        // Towards the margin and the gap between columns: the full bleed; below, a shared cut.
        assert_eq!(top_left.clip[0], top_left.x - b);
        assert_eq!(top_left.clip[1], top_left.y - b);
        assert_eq!(top_left.clip[2], t.card.width + 2.0 * b);
        assert_eq!(top_left.clip[3], t.card.height + b);
        // The backs mirror the fronts: the first card's back sits on the right, still bleeding
        // into the margin.
        let backs = Imposition::new(&t, true);
        let back = backs.slots[0];
        assert!((back.x + t.card.width + top_left.x - t.sheet.width).abs() < 0.01);
        assert!((back.clip[0] + back.clip[2] - (back.x + t.card.width + b)).abs() < 0.01);
    }
}
