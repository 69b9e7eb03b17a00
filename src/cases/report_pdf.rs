//! The monthly report (通报) as a printable A4 PDF, landscape so that a ranking's dozen
//! columns read at 8 pt: the commission's name and the period on top, the tables (their
//! header repeated on each page they run onto), at most one chart per page, and the page
//! number at the foot of every page. The words and figures come in ready to print; this
//! module only lays them out, in the cards' PDF writer and fonts.

use std::io::Write;

use crate::cards::render::Assets;
use crate::cards::render::document::PagedPdf;
use crate::cards::render::template::{Rgb, Weight};

const PAGE_W: f32 = 297.0;
const PAGE_H: f32 = 210.0;
const MARGIN: f32 = 15.0;
const BOTTOM: f32 = PAGE_H - 16.0;
const INK: Rgb = Rgb(0x1f, 0x23, 0x28);
const MUTED: Rgb = Rgb(0x59, 0x63, 0x6e);
const RULE: Rgb = Rgb(0xc8, 0xcd, 0xd3);
const SHADE: Rgb = Rgb(0xf2, 0xf3, 0xf5);
const ACCENT: Rgb = Rgb(0xa8, 0x20, 0x1a);

/// A table: its title, its column headers and widths (mm), and its rows of text. The first
/// `text_columns` columns are text (left-aligned); the others figures (right-aligned).
pub struct ReportTable {
    pub title: String,
    pub headers: Vec<String>,
    pub widths: Vec<f32>,
    pub text_columns: usize,
    pub rows: Vec<Vec<String>>,
    /// A last row in bold (the total), if any.
    pub total: Option<Vec<String>>,
}

/// A horizontal bar chart of percentages.
pub struct ReportChart {
    pub title: String,
    /// (label, value in percent); `None` is drawn as "—".
    pub bars: Vec<(String, Option<f64>)>,
}

/// Everything the report prints.
pub struct ReportContent {
    /// The commission's name.
    pub org: String,
    pub title: String,
    /// The period, as the reader writes it ("2026年11月").
    pub period: String,
    /// Lines under the title: what is counted and how.
    pub notes: Vec<String>,
    pub tables: Vec<ReportTable>,
    /// Drawn after the first table, on its own page if it does not fit.
    pub chart: Option<ReportChart>,
    /// "第 {n} 页": the page label, with `{n}` for the number.
    pub page_label: String,
}

struct Writer<'a> {
    pdf: PagedPdf<'a>,
    y: f32,
    page: usize,
    org: &'a str,
    page_label: &'a str,
}

impl Writer<'_> {
    fn foot(&mut self) -> anyhow::Result<()> {
        self.page += 1;
        let label = self.page_label.replace("{n}", &self.page.to_string());
        let w = self.pdf.measure(&label, 8.0, Weight::Regular);
        self.pdf.text(
            (PAGE_W - w) / 2.0,
            PAGE_H - 8.0,
            8.0,
            Weight::Regular,
            MUTED,
            &label,
        );
        self.pdf.end_page()?;
        self.y = MARGIN;
        // Every page after the first names the commission at the top.
        self.pdf
            .text(MARGIN, MARGIN, 8.0, Weight::Regular, MUTED, self.org);
        self.y = MARGIN + 6.0;
        Ok(())
    }

    fn room(&mut self, height: f32) -> anyhow::Result<()> {
        if self.y + height > BOTTOM {
            self.foot()?;
        }
        Ok(())
    }

    /// Lines of `text` no wider than `width` mm at `size` points (breaking between words,
    /// or anywhere in Chinese).
    fn wrap(&mut self, text: &str, width: f32, size: f32, weight: Weight) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for ch in text.chars() {
            let mut tried = line.clone();
            tried.push(ch);
            // A closing mark never starts a line: it may hang past the edge instead.
            let closing = "，。、；：！？）」』》〉】’”,.;:!?)]}%…".contains(ch);
            if !closing && !line.is_empty() && self.pdf.measure(&tried, size, weight) > width {
                // Break at the last space if the line has one (English), else here.
                match line.rfind(' ') {
                    Some(at) if ch != ' ' => {
                        let rest = line[at + 1..].to_string();
                        lines.push(line[..at].to_string());
                        line = rest;
                        line.push(ch);
                    }
                    _ => {
                        lines.push(line.trim_end().to_string());
                        line = if ch == ' ' { String::new() } else { ch.into() };
                    }
                }
            } else {
                line = tried;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// `text` as it fits in `width` mm: whole, or cut with an ellipsis (never run into the
    /// next column).
    fn fit(&mut self, text: &str, width: f32, size: f32, weight: Weight) -> String {
        if self.pdf.measure(text, size, weight) <= width {
            return text.to_string();
        }
        let mut chars: Vec<char> = text.chars().collect();
        let mut cut = String::from("…");
        while chars.pop().is_some() && !chars.is_empty() {
            cut = chars.iter().collect::<String>() + "…";
            if self.pdf.measure(&cut, size, weight) <= width {
                break;
            }
        }
        cut
    }

    fn header(&mut self, table: &ReportTable) -> anyhow::Result<()> {
        let size = 7.5;
        let wrapped: Vec<Vec<String>> = table
            .headers
            .iter()
            .zip(&table.widths)
            .map(|(h, w)| self.wrap(h, w - 2.0, size, Weight::Bold))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let height = lines * 3.4 + 2.6;
        self.room(height + 6.0)?;
        let total: f32 = table.widths.iter().sum();
        self.pdf
            .rect([MARGIN, self.y, total, height], Some(SHADE), None);
        let mut x = MARGIN;
        for (i, (lines, w)) in wrapped.iter().zip(&table.widths).enumerate() {
            for (n, line) in lines.iter().enumerate() {
                let lw = self.pdf.measure(line, size, Weight::Bold);
                let lx = if i < table.text_columns {
                    x + 1.0
                } else {
                    x + w - 1.0 - lw
                };
                let baseline = self.y + 3.6 + n as f32 * 3.4;
                self.pdf.text(lx, baseline, size, Weight::Bold, INK, line);
            }
            x += w;
        }
        self.y += height;
        self.pdf
            .line([MARGIN, self.y], [MARGIN + total, self.y], INK, 0.6);
        Ok(())
    }

    fn row(&mut self, table: &ReportTable, cells: &[String], weight: Weight) -> anyhow::Result<()> {
        let size = 8.0;
        let height = 5.2;
        if self.y + height > BOTTOM {
            self.foot()?;
            self.header(table)?;
        }
        let mut x = MARGIN;
        for (i, (cell, w)) in cells.iter().zip(&table.widths).enumerate() {
            let text = self.fit(cell, w - 2.0, size, weight);
            let tw = self.pdf.measure(&text, size, weight);
            let tx = if i < table.text_columns {
                x + 1.0
            } else {
                x + w - 1.0 - tw
            };
            self.pdf.text(tx, self.y + 3.7, size, weight, INK, &text);
            x += w;
        }
        self.y += height;
        let total: f32 = table.widths.iter().sum();
        self.pdf
            .line([MARGIN, self.y], [MARGIN + total, self.y], RULE, 0.3);
        Ok(())
    }

    fn table(&mut self, table: &ReportTable) -> anyhow::Result<()> {
        self.room(20.0)?;
        self.pdf
            .text(MARGIN, self.y + 5.0, 11.0, Weight::Bold, INK, &table.title);
        self.y += 8.0;
        self.header(table)?;
        for row in &table.rows {
            self.row(table, row, Weight::Regular)?;
        }
        if let Some(total) = &table.total {
            self.row(table, total, Weight::Bold)?;
        }
        self.y += 6.0;
        Ok(())
    }

    fn chart(&mut self, chart: &ReportChart) -> anyhow::Result<()> {
        let bar_h = 5.0;
        let height = 10.0 + bar_h * chart.bars.len().max(1) as f32;
        // One chart per page at most: it never shares a page with another chart, and goes to
        // a page of its own when the rest of this one is too short.
        self.room(height.min(BOTTOM - MARGIN - 6.0))?;
        self.pdf
            .text(MARGIN, self.y + 5.0, 11.0, Weight::Bold, INK, &chart.title);
        self.y += 9.0;
        let (label_w, full) = (60.0, 150.0);
        for (label, value) in &chart.bars {
            self.room(bar_h)?;
            let shown = self.fit(label, label_w - 3.0, 8.0, Weight::Regular);
            let lw = self.pdf.measure(&shown, 8.0, Weight::Regular);
            self.pdf.text(
                MARGIN + label_w - 2.0 - lw,
                self.y + 3.6,
                8.0,
                Weight::Regular,
                INK,
                &shown,
            );
            let x = MARGIN + label_w;
            self.pdf.rect(
                [x, self.y + 0.6, full, bar_h - 1.2],
                None,
                Some((RULE, 0.3)),
            );
            let text = match value {
                Some(v) => {
                    let w = (*v as f32).clamp(0.0, 100.0) / 100.0 * full;
                    if w > 0.0 {
                        self.pdf
                            .rect([x, self.y + 0.6, w, bar_h - 1.2], Some(ACCENT), None);
                    }
                    format!("{v:.1}%")
                }
                None => "—".to_string(),
            };
            self.pdf.text(
                x + full + 2.0,
                self.y + 3.6,
                8.0,
                Weight::Regular,
                INK,
                &text,
            );
            self.y += bar_h;
        }
        self.y += 6.0;
        Ok(())
    }
}

/// Writes the report to `out`; returns the number of pages.
pub fn write_report(
    assets: &Assets,
    content: &ReportContent,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let pdf = PagedPdf::start(assets, out, PAGE_W, PAGE_H)?;
    let mut w = Writer {
        pdf,
        y: MARGIN,
        page: 0,
        org: &content.org,
        page_label: &content.page_label,
    };
    let org_w = w.pdf.measure(&content.org, 16.0, Weight::Bold);
    w.pdf.text(
        (PAGE_W - org_w) / 2.0,
        w.y + 8.0,
        16.0,
        Weight::Bold,
        ACCENT,
        &content.org,
    );
    let title = format!("{} · {}", content.title, content.period);
    let title_w = w.pdf.measure(&title, 14.0, Weight::Bold);
    w.pdf.text(
        (PAGE_W - title_w) / 2.0,
        w.y + 17.0,
        14.0,
        Weight::Bold,
        INK,
        &title,
    );
    w.y += 21.0;
    w.pdf
        .line([MARGIN, w.y], [PAGE_W - MARGIN, w.y], ACCENT, 1.0);
    w.y += 5.0;
    for note in &content.notes {
        for line in w.wrap(note, PAGE_W - 2.0 * MARGIN, 8.5, Weight::Regular) {
            w.room(4.5)?;
            w.pdf
                .text(MARGIN, w.y + 3.5, 8.5, Weight::Regular, MUTED, &line);
            w.y += 4.5;
        }
    }
    w.y += 3.0;
    for (i, table) in content.tables.iter().enumerate() {
        w.table(table)?;
        if i == 0
            && let Some(chart) = &content.chart
        {
            w.chart(chart)?;
        }
    }
    // The last page's number.
    w.page += 1;
    let label = w.page_label.replace("{n}", &w.page.to_string());
    let lw = w.pdf.measure(&label, 8.0, Weight::Regular);
    w.pdf.text(
        (PAGE_W - lw) / 2.0,
        PAGE_H - 8.0,
        8.0,
        Weight::Regular,
        MUTED,
        &label,
    );
    let id = document_id(&content.org, &content.period);
    w.pdf.finish(id)
}

fn document_id(org: &str, period: &str) -> [u8; 16] {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut id = [0u8; 16];
    for (salt, half) in id.chunks_mut(8).enumerate() {
        let mut h = DefaultHasher::new();
        (salt, org, period, "appraisal-report").hash(&mut h);
        half.copy_from_slice(&h.finish().to_be_bytes());
    }
    id
}
