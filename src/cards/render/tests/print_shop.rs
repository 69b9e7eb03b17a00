//! What a print shop and a card holder see: bleed past every trim edge that carries colour,
//! crop marks on the cuts, long names whole (or shortened in the middle), a QR face that says
//! who issues the card and where to report without the code, PNG faces that scan.

use image::RgbImage;

use super::*;

/// A 60-character enterprise name: the longest the issue promises to print whole.
const SIXTY: &str = "浙江省绍兴市诸暨市山下湖镇华东国际珠宝城珍珠产业发展集团股份有限公司（诸暨）珍珠饰品设计研究院附属实验工厂暨第十三分公司";

fn is_red(p: [u8; 3]) -> bool {
    p[0] > 130 && p[1] < 90 && p[2] < 90
}

fn is_white(p: [u8; 3]) -> bool {
    p.iter().all(|&c| c > 240)
}

/// A page of `pdf` rasterised by poppler at `dpi`, or `None` when poppler is missing.
fn raster(pdf: &[u8], page: u32, dpi: u32, name: &str) -> Option<RgbImage> {
    let dir = scratch(name);
    let path = dir.join("in.pdf");
    std::fs::write(&path, pdf).expect("PDF written");
    let prefix = dir.join("page");
    let (p, r) = (page.to_string(), dpi.to_string());
    tool(
        "pdftoppm",
        &[
            "-r",
            &r,
            "-f",
            &p,
            "-l",
            &p,
            "-singlefile",
            "-png",
            path.to_str().expect("UTF-8 path"),
            prefix.to_str().expect("UTF-8 path"),
        ],
    )?;
    let image = image::open(dir.join("page.png"))
        .expect("poppler wrote a PNG")
        .to_rgb8();
    let _ = std::fs::remove_dir_all(&dir);
    Some(image)
}

/// The pixel at `x`, `y` millimetres from the top-left corner of an image at `dpi`.
fn at(image: &RgbImage, dpi: u32, x: f32, y: f32) -> [u8; 3] {
    let px = |mm: f32| (mm * dpi as f32 / 25.4).round() as u32;
    image.get_pixel(px(x), px(y)).0
}

/// Centres (mm) of the runs of inked pixels along a line across the image.
fn marks_along(image: &RgbImage, dpi: u32, across: bool, at_mm: f32) -> Vec<f32> {
    let px = (at_mm * dpi as f32 / 25.4).round() as u32;
    let len = if across {
        image.width()
    } else {
        image.height()
    };
    let inked = |i: u32| {
        let p = if across {
            image.get_pixel(i, px)
        } else {
            image.get_pixel(px, i)
        };
        p.0.iter().any(|&c| c < 200)
    };
    let mut centres = Vec::new();
    let mut i = 0;
    while i < len {
        if inked(i) {
            let start = i;
            while i < len && inked(i) {
                i += 1;
            }
            centres.push((start + i - 1) as f32 / 2.0 * 25.4 / dpi as f32);
        }
        i += 1;
    }
    centres
}

fn assert_near(found: &[f32], expected: &[f32], what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}: {found:?}");
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() < 0.3,
            "{what}: {found:?}, expected {expected:?}"
        );
    }
}

#[test]
fn the_red_band_bleeds_two_millimetres_past_every_cut_and_the_crop_marks_sit_on_the_cuts() {
    let mut pdf = Vec::new();
    render_pdf(&assets(), &job("id1"), &mut stream(&cards()), &mut pdf).expect("PDF renders");
    let dpi = 200;
    let Some(fronts) = raster(&pdf, 1, dpi, "bleed") else {
        return;
    };
    // Two columns 6 mm apart and five rows sharing their cuts, centred on A4.
    let (left, top) = (16.4, 13.5);
    let xs = [left, left + 85.6, left + 91.6, left + 177.2];
    let ys: Vec<f32> = (0..6).map(|i| top + 54.0 * i as f32).collect();
    // Crop marks start 3 mm out, beyond the 2 mm bleed: read them in the margins.
    assert_near(
        &marks_along(&fronts, dpi, true, top - 5.5),
        &xs,
        "marks above",
    );
    assert_near(
        &marks_along(&fronts, dpi, false, left - 5.5),
        &ys,
        "marks left",
    );

    // The top-left card's band runs 2 mm past its top and left edges, and stops there.
    assert!(
        is_red(at(&fronts, dpi, left + 40.0, top - 1.0)),
        "bleed above"
    );
    assert!(
        is_red(at(&fronts, dpi, left - 1.0, top + 6.0)),
        "bleed left"
    );
    assert!(
        is_white(at(&fronts, dpi, left + 40.0, top - 2.6)),
        "no more"
    );
    // Between the columns: each band's bleed, and white between them.
    assert!(is_red(at(&fronts, dpi, xs[1] + 1.0, top + 6.0)));
    assert!(is_red(at(&fronts, dpi, xs[2] - 1.0, top + 6.0)));
    assert!(is_white(at(&fronts, dpi, xs[1] + 3.0, top + 6.0)));
    // Rows 2 and 3 meet band to band: red on both sides of their shared cut.
    for dy in [-1.0, -0.3, 0.3, 1.0] {
        assert!(is_red(at(&fronts, dpi, left + 40.0, ys[2] + dy)), "{dy}");
    }
    // Rows 1 and 2 meet foot to foot: white on both sides, no red sliver.
    for dy in [-0.8, 0.8] {
        assert!(is_white(at(&fronts, dpi, left + 2.0, ys[1] + dy)), "{dy}");
    }
    // The last row's foot is white: nothing bleeds below it.
    assert!(is_white(at(&fronts, dpi, left + 40.0, ys[5] + 1.0)));
}

#[test]
fn a_desk_sign_is_cut_from_a4_with_its_band_bleeding_past_the_cut() {
    let sign = desk_sign(1);
    let mut pdf = Vec::new();
    render_pdf(
        &assets(),
        &job("desk-sign"),
        &mut std::iter::once(Ok(sign)),
        &mut pdf,
    )
    .expect("renders");
    let dpi = 100;
    let Some(page) = raster(&pdf, 2, dpi, "sign-bleed") else {
        return;
    };
    // A4 landscape, the A5 sign in the middle.
    assert_eq!((page.width(), page.height()), (1170, 827));
    let (left, top) = (43.5, 31.0);
    assert!(
        is_red(at(&page, dpi, left + 100.0, top - 1.0)),
        "bleed above"
    );
    assert!(is_red(at(&page, dpi, left - 1.0, top + 10.0)), "bleed left");
    assert!(
        is_red(at(&page, dpi, left + 211.0, top + 10.0)),
        "bleed right"
    );
    assert!(is_white(at(&page, dpi, left + 100.0, top - 2.7)));
    assert_near(
        &marks_along(&page, dpi, true, top - 5.5),
        &[left, left + 210.0],
        "marks above",
    );
}

#[test]
fn png_face_files_are_the_card_plus_two_millimetres_of_bleed() {
    let mut sink = MemorySink::default();
    render_faces(
        &assets(),
        &job("id1"),
        &mut stream(&cards()[..1]),
        FaceFormat::Png { dpi: 300 },
        &mut sink,
    )
    .expect("faces render");
    let front = image::load_from_memory(&sink.0[0].1)
        .expect("a PNG")
        .to_rgb8();
    // 89.6 × 58 mm at 300 dpi.
    assert_eq!((front.width(), front.height()), (1058, 685));
    // The trim lies 2 mm inside the edges; the band runs out to the edges of the file.
    assert!(is_red(at(&front, 300, 1.0, 8.0)));
    assert!(is_red(at(&front, 300, 44.8, 0.5)));
    assert!(is_red(at(&front, 300, 88.9, 8.0)));
    assert!(is_white(at(&front, 300, 1.0, 2.0 + 13.5)), "below the band");
}

#[test]
fn the_qr_face_names_the_issuer_and_the_address_to_type_when_the_code_will_not_scan() {
    let assets = assets();
    let card = &cards()[0];
    let svg = render_face(&assets, &job("id1"), card, Face::Back, FaceFormat::Svg).expect("SVG");
    // Text as an SVG viewer shows it: the escaper writes `/` as a character reference.
    let svg = String::from_utf8(svg)
        .expect("UTF-8")
        .replace("&#x2f;", "/");
    assert!(svg.contains("诸暨市纪委监委"), "the issuing body");
    assert!(
        svg.contains("jianduka.example.gov.cn/report"),
        "the fallback"
    );

    let mut pdf = Vec::new();
    render_pdf(
        &assets,
        &job("desk-sign"),
        &mut stream(&cards()[..1]),
        &mut pdf,
    )
    .expect("PDF");
    let dir = scratch("fallback");
    let path = dir.join("sign.pdf");
    std::fs::write(&path, &pdf).expect("written");
    let path = path.to_str().expect("UTF-8 path");
    if let Some(text) = tool("pdftotext", &["-f", "2", "-l", "2", "-raw", path, "-"]) {
        let text = without_spaces(&text);
        assert!(text.contains("诸暨市纪委监委") && text.contains("jianduka.example.gov.cn/report"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The lines of the holder's name on the back of `card`, as laid out.
fn name_lines(card: &PrintCard) -> Vec<text::Line> {
    let assets = assets();
    let template = assets.template("id1").expect("id1");
    let mut shaper = Shaper::new(&assets.fonts).expect("fonts");
    let marks = layout::face(
        &mut shaper,
        template,
        Face::Back,
        &job("id1"),
        Some(card),
        Part::PerCard,
    )
    .expect("lays out");
    marks
        .into_iter()
        .filter_map(|m| match m {
            layout::Mark::Text(line) if !line.text().starts_with("No.") => Some(line),
            _ => None,
        })
        .collect()
}

#[test]
fn a_sixty_character_name_prints_whole() {
    assert_eq!(SIXTY.chars().count(), 60);
    let mut cards = cards();
    cards[0].holder_name = Some(SIXTY.to_string());
    let lines = name_lines(&cards[0]);
    let shown: String = lines.iter().map(|l| l.text()).collect();
    assert_eq!(shown, SIXTY);
    assert!(lines.iter().all(|l| l.size >= template::MIN_FONT_PT));

    let assets = assets();
    let job = job("id1");
    let mut fit = NameFit::new(&assets, &job).expect("checker");
    assert_eq!(fit.shortened(SIXTY).expect("checks"), None);

    let mut pdf = Vec::new();
    render_pdf(&assets, &job, &mut stream(&cards[..1]), &mut pdf).expect("PDF");
    let dir = scratch("sixty");
    let path = dir.join("long.pdf");
    std::fs::write(&path, &pdf).expect("written");
    if let Some(text) = tool("pdftotext", &["-raw", path.to_str().expect("UTF-8"), "-"]) {
        assert!(without_spaces(&text).contains(SIXTY), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_absurdly_long_name_is_shortened_in_the_middle_and_reported() {
    let name = format!("{}{}", SIXTY.repeat(2), "诸暨第三分公司");
    let mut card = cards()[0].clone();
    card.holder_name = Some(name.clone());
    let lines = name_lines(&card);
    let shown: String = lines.iter().map(|l| l.text()).collect();
    assert!(shown.contains('…'), "{shown}");
    assert!(shown.starts_with("浙江省绍兴市"), "{shown}");
    assert!(shown.ends_with("诸暨第三分公司"), "{shown}");
    let assets = assets();
    let template = assets.template("id1").expect("id1");
    for line in &lines {
        let width = text::width(&line.glyphs) * line.size * text::MM_PER_PT;
        assert!(
            line.x + width <= template.card.width - 2.0,
            "inside the card"
        );
    }
    let job = job("id1");
    let mut fit = NameFit::new(&assets, &job).expect("checker");
    assert_eq!(fit.shortened(&name).expect("checks"), Some(shown));
}

#[test]
fn png_back_faces_scan_with_zbar_and_every_card_shares_one_front() {
    let cards = cards();
    let mut sink = MemorySink::default();
    render_faces(
        &assets(),
        &job("id1"),
        &mut stream(&cards),
        FaceFormat::Png { dpi: 300 },
        &mut sink,
    )
    .expect("faces render");
    let fronts: BTreeSet<&[u8]> = sink
        .0
        .iter()
        .filter(|(n, _)| n.ends_with("-front.png"))
        .map(|(_, b)| b.as_slice())
        .collect();
    assert_eq!(fronts.len(), 1, "one front, drawn once");
    let dir = scratch("zbar");
    for (card, (name, png)) in cards
        .iter()
        .zip(sink.0.iter().filter(|(n, _)| n.ends_with("-back.png")))
    {
        assert!(name.starts_with(&card.serial), "in print order");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("written");
        let Some(out) = tool("zbarimg", &["--raw", "-q", path.to_str().expect("UTF-8")]) else {
            return;
        };
        assert_eq!(out.trim(), card.url);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
