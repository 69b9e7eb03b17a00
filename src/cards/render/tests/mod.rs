//! Renders real batches with the shipped templates and fonts, and reads them back the way a
//! person (or a phone) would: QR decoders, `pdftotext`, `pdffonts`, `pdftoppm`, `zbarimg`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::cards::print::PrintKind;

mod print_shop;

/// The shipped negative list (Chinese), as printed on every card front.
fn items() -> [&'static str; 10] {
    crate::negative_list::DEFAULT_ITEMS.map(|(zh, _)| zh)
}

const NAMES: [&str; 12] = [
    "诸暨市鑫垚贸易有限公司",
    "浙江犇淼机械制造有限公司",
    "诸暨燊彧纺织品有限公司",
    "绍兴翀宇智能科技有限公司",
    "诸暨市店口镇五金工具厂",
    "浙江省诸暨市大唐袜业集团股份有限公司暨浙江省袜艺创新研究院附属实验工厂",
    "诸暨珍珠产业发展有限公司",
    "诸暨市枫桥镇老街小吃店",
    "诸暨市㐀䶵文化传媒工作室",
    "浙江ABC国际贸易（诸暨）有限公司",
    "诸暨市山下湖镇淼鑫珍珠养殖场",
    "诸暨翀燊建设工程有限公司",
];

fn assets() -> Assets {
    Assets::load(&PrintAssets::shipped(), None).expect("shipped print assets load")
}

/// The desk sign of window `n` of the service hall.
fn desk_sign(n: u32) -> PrintCard {
    PrintCard {
        serial: format!("ZJ2026-W{n:04}"),
        url: format!("https://jianduka.example.gov.cn/r/WindowToken{n}AbCdEfGhIj"),
        holder_name: Some(format!("{n}号综合受理窗口")),
        holder_detail: Some("诸暨市行政服务中心一楼".to_string()),
        sample: false,
    }
}

fn job(template: &str) -> PrintJob {
    PrintJob {
        kind: if template == "desk-sign" {
            PrintKind::DeskSign
        } else {
            PrintKind::Card
        },
        template: template.to_string(),
        org_name: "诸暨市纪委监委".to_string(),
        hotline: "0575-87012345".to_string(),
        report_address: "jianduka.example.gov.cn/report".to_string(),
        list_title: "营商环境负面清单".to_string(),
        items: items().map(String::from).to_vec(),
        show_holder_name: true,
    }
}

fn cards() -> Vec<PrintCard> {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| PrintCard {
            serial: format!("ZJ2026-{:06}", i + 1),
            url: format!("https://jianduka.example.gov.cn/r/tok{i:02}-AbCdEfGhIjKlMnOpQr"),
            holder_name: Some((*name).to_string()),
            holder_detail: None,
            sample: false,
        })
        .collect()
}

fn stream(cards: &[PrintCard]) -> impl Iterator<Item = anyhow::Result<PrintCard>> + '_ {
    cards.iter().cloned().map(Ok)
}

#[derive(Default)]
struct MemorySink(Vec<(String, Vec<u8>)>);

impl FaceSink for MemorySink {
    fn put(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.0.push((name.to_string(), bytes.to_vec()));
        Ok(())
    }
}

fn decode_qr(png: &[u8]) -> Vec<String> {
    let image = image::load_from_memory(png)
        .expect("PNG decodes")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jianduka-render-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs a tool; `None` (after one line on stderr) when it is not installed.
fn tool(program: &str, args: &[&str]) -> Option<String> {
    match Command::new(program).args(args).output() {
        Ok(out) => {
            assert!(out.status.success(), "{program} {args:?} failed: {out:?}");
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) => {
            // Straight to stderr: the harness would swallow eprintln!.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "note: {program} is not installed; skipping this check (apt-get install poppler-utils zbar-tools)"
            );
            None
        }
    }
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_png_back_face_scans_to_its_own_card_link() {
    let assets = assets();
    let cards = cards();
    let mut sink = MemorySink::default();
    let summary = render_faces(
        &assets,
        &job("id1"),
        &mut stream(&cards),
        FaceFormat::Png { dpi: 300 },
        &mut sink,
    )
    .expect("faces render");
    assert_eq!(
        summary,
        RenderSummary {
            cards: 12,
            pages: 24
        }
    );
    assert_eq!(sink.0[0].0, "ZJ2026-000001-front.png");
    assert_eq!(sink.0[1].0, "ZJ2026-000001-back.png");

    let mut scanned = BTreeSet::new();
    for (name, png) in sink.0.iter().filter(|(n, _)| n.ends_with("-back.png")) {
        let found = decode_qr(png);
        assert_eq!(found.len(), 1, "{name} should show exactly one QR code");
        scanned.extend(found);
    }
    let expected: BTreeSet<String> = cards.iter().map(|c| c.url.clone()).collect();
    assert_eq!(scanned, expected);
}

#[test]
fn svg_back_face_shows_the_holder_name_serial_and_promise() {
    let assets = assets();
    let card = &cards()[0];
    let svg =
        render_face(&assets, &job("id1"), card, Face::Back, FaceFormat::Svg).expect("SVG renders");
    let svg = String::from_utf8(svg).expect("SVG is UTF-8");
    for text in [
        "诸暨市鑫垚贸易有限公司",
        "ZJ2026-000001",
        "扫码反映问题",
        "严格保密",
        "0575-87012345",
    ] {
        assert!(svg.contains(text), "the back face should show {text}");
    }
    let mut hidden = job("id1");
    hidden.show_holder_name = false;
    let svg = render_face(&assets, &hidden, card, Face::Back, FaceFormat::Svg).expect("renders");
    assert!(!String::from_utf8_lossy(&svg).contains("鑫垚"));
}

#[test]
fn a_very_long_name_shrinks_and_wraps_inside_its_box() {
    let assets = assets();
    let template = assets.template("id1").expect("id1 exists");
    let mut shaper = Shaper::new(&assets.fonts).expect("fonts parse");
    let card = &cards()[5];
    let marks = layout::face(
        &mut shaper,
        template,
        Face::Back,
        &job("id1"),
        Some(card),
        Part::All,
    )
    .expect("lays out");
    let name_lines: Vec<_> = marks
        .iter()
        .filter_map(|m| match m {
            layout::Mark::Text(line) if NAMES[5].contains(&line.text()) => Some(line),
            _ => None,
        })
        .collect();
    assert!(name_lines.len() > 1, "the long name wraps");
    let shown: String = name_lines.iter().map(|l| l.text()).collect();
    assert_eq!(shown, NAMES[5], "the whole name is printed");
    for line in name_lines {
        let width = text::width(&line.glyphs) * line.size * text::MM_PER_PT;
        assert!(line.size >= template::MIN_FONT_PT);
        assert!(
            line.x >= 0.0 && line.x + width <= template.card.width - 2.0,
            "inside the card"
        );
    }
}

#[test]
fn an_unknown_template_is_refused_with_the_names_of_the_real_ones() {
    let err = render_pdf(
        &assets(),
        &job("a3-poster"),
        &mut stream(&cards()),
        &mut Vec::new(),
    )
    .expect_err("unknown template");
    let message = format!("{err:#}");
    assert!(
        message.contains("a3-poster") && message.contains("id1"),
        "{message}"
    );
}

#[test]
fn a_name_no_font_can_draw_is_an_error_not_an_empty_box() {
    let mut cards = cards();
    cards[3].holder_name = Some("诸暨𠀀公司".to_string());
    let err = render_pdf(&assets(), &job("id1"), &mut stream(&cards), &mut Vec::new())
        .expect_err("missing glyph");
    let message = format!("{err:#}");
    assert!(
        message.contains("ZJ2026-000004") && message.contains("U+20000"),
        "{message}"
    );
}

#[test]
fn the_pdf_is_searchable_embeds_only_subset_fonts_and_every_qr_scans_at_200_dpi() {
    let dir = scratch("pdf");
    let pdf = dir.join("batch.pdf");
    let cards = cards();
    let mut bytes = Vec::new();
    let summary =
        render_pdf(&assets(), &job("id1"), &mut stream(&cards), &mut bytes).expect("PDF renders");
    // 12 cards: a full sheet of 10 and a second sheet of 2, each a front and a back page.
    assert_eq!(
        summary,
        RenderSummary {
            cards: 12,
            pages: 4
        }
    );
    // Viewers are asked for actual size and long-edge duplex.
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"/ViewerPreferences"), "viewer preferences");
    assert!(has(b"/PrintScaling /None"), "actual size");
    assert!(has(b"/Duplex /DuplexFlipLongEdge"), "long-edge duplex");
    std::fs::write(&pdf, &bytes).expect("PDF written");
    let pdf_path = pdf.to_str().expect("UTF-8 path");

    let Some(text) = tool("pdftotext", &["-raw", pdf_path, "-"]) else {
        return;
    };
    let text = without_spaces(&text);
    for item in items().iter().chain(&NAMES) {
        assert!(
            text.contains(&without_spaces(item)),
            "pdftotext should find {item}"
        );
    }
    assert!(text.contains("ZJ2026-000012") && text.contains("扫码反映问题"));

    let Some(fonts) = tool("pdffonts", &[pdf_path]) else {
        return;
    };
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "the PDF uses fonts");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(
            cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+',
            "subset name: {row}"
        );
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "emb sub uni: {row}"
        );
    }

    let prefix = dir.join("page");
    let prefix = prefix.to_str().expect("UTF-8 path");
    if tool("pdftoppm", &["-r", "200", "-png", pdf_path, prefix]).is_none() {
        return;
    }
    let mut scanned = BTreeSet::new();
    for page in ["page-2.png", "page-4.png"] {
        let path = dir.join(page);
        let Some(out) = tool(
            "zbarimg",
            &["--raw", "-q", path.to_str().expect("UTF-8 path")],
        ) else {
            return;
        };
        scanned.extend(out.lines().map(str::to_string));
    }
    let expected: BTreeSet<String> = cards.iter().map(|c| c.url.clone()).collect();
    assert_eq!(scanned, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_desk_sign_is_one_sheet_with_the_window_and_hall_on_it() {
    let sign = desk_sign(3);
    let mut bytes = Vec::new();
    let summary = render_pdf(
        &assets(),
        &job("desk-sign"),
        &mut std::iter::once(Ok(sign.clone())),
        &mut bytes,
    )
    .expect("desk sign renders");
    assert_eq!(summary, RenderSummary { cards: 1, pages: 2 });
    let png = render_face(
        &assets(),
        &job("desk-sign"),
        &sign,
        Face::Back,
        FaceFormat::Png { dpi: 100 },
    )
    .expect("PNG renders");
    assert_eq!(decode_qr(&png), vec![sign.url.clone()]);
    let dir = scratch("sign");
    let pdf = dir.join("sign.pdf");
    std::fs::write(&pdf, &bytes).expect("PDF written");
    if let Some(text) = tool(
        "pdftotext",
        &["-raw", pdf.to_str().expect("UTF-8 path"), "-"],
    ) {
        let text = without_spaces(&text);
        assert!(text.contains("3号综合受理窗口") && text.contains("诸暨市行政服务中心一楼"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loaded_assets_can_be_shared_between_request_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Assets>();
}

#[test]
fn svg_faces_download_as_a_zip_named_by_serial_and_face() {
    let cards = cards();
    let mut sink = ZipSink::new(std::io::Cursor::new(Vec::new()));
    let summary = render_faces(
        &assets(),
        &job("id1"),
        &mut stream(&cards[..2]),
        FaceFormat::Svg,
        &mut sink,
    )
    .expect("faces render");
    assert_eq!(summary, RenderSummary { cards: 2, pages: 4 });
    let zip = sink.finish().expect("archive finishes").into_inner();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a valid ZIP");
    let mut names: Vec<&str> = archive.file_names().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "ZJ2026-000001-back.svg",
            "ZJ2026-000001-front.svg",
            "ZJ2026-000002-back.svg",
            "ZJ2026-000002-front.svg"
        ]
    );
}

#[test]
fn a_serial_that_would_leave_the_folder_is_refused() {
    let mut card = cards()[0].clone();
    card.serial = "../../etc/x".to_string();
    let dir = scratch("unsafe");
    let mut sink = DirSink::new(&dir).expect("folder");
    let err = render_faces(
        &assets(),
        &job("id1"),
        &mut std::iter::once(Ok(card)),
        FaceFormat::Svg,
        &mut sink,
    )
    .expect_err("unsafe name refused");
    assert!(format!("{err:#}").contains("not a safe file name"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_configured_extra_font_is_tried_first_and_embedded_as_a_subset() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("print-assets");
    // Any OpenType font will do as the "extra" one; the shipped bold face is at hand.
    let extra = root.join(crate::cards::fonts::BOLD);
    let assets =
        Assets::load(&PrintAssets::shipped(), Some(&extra)).expect("assets with an extra font");
    let mut bytes = Vec::new();
    render_pdf(&assets, &job("id1"), &mut stream(&cards()[..3]), &mut bytes).expect("renders");
    let dir = scratch("extra-font");
    let pdf = dir.join("extra.pdf");
    std::fs::write(&pdf, &bytes).expect("PDF written");
    let Some(fonts) = tool("pdffonts", &[pdf.to_str().expect("UTF-8 path")]) else {
        return;
    };
    // Every character is found in the extra font first, so it is the only font used.
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{fonts}");
    assert!(rows[0].contains("+NotoSansCJKsc-Bold"), "{fonts}");
    let _ = std::fs::remove_dir_all(&dir);
}
