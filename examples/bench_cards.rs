//! Benchmark and sample renderer for print batches.
//!
//! ```text
//! cargo run --release --example bench_cards -- 10000 /tmp/cards.pdf
//! cargo run --release --example bench_cards -- 10000 /tmp/cards.zip       # PNG faces, 300 dpi
//! cargo run --release --example bench_cards -- 12 /tmp/faces/            # PNG faces in a folder
//! cargo run --release --example bench_cards -- 1 /tmp/sign.pdf desk-sign [PRINT_ASSETS_DIR]
//! ```
//!
//! Cards are generated on the fly (as the issuing side streams them from the database), so the
//! figures measure the renderer alone. Each run prints its wall time and its peak memory (the
//! process's VmHWM, the same figure as `/usr/bin/time -v`'s maximum resident set size).

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use jianduka::cards::assets::PrintAssets;
use jianduka::cards::print::{PrintCard, PrintJob, PrintKind};
use jianduka::cards::render::{Assets, DirSink, FaceFormat, ZipSink, render_faces, render_pdf};

const NAMES: [&str; 8] = [
    "诸暨市鑫垚贸易有限公司",
    "浙江犇淼机械制造有限公司",
    "诸暨燊彧纺织品有限公司",
    "绍兴翀宇智能科技有限公司",
    "诸暨市店口镇五金工具厂",
    "浙江省诸暨市大唐袜业集团股份有限公司暨浙江省袜艺创新研究院附属实验工厂",
    "诸暨珍珠产业发展有限公司",
    "诸暨市枫桥镇老街小吃店",
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let out = args.get(2).map_or("/tmp/cards.pdf", String::as_str);
    let template = args.get(3).map_or("id1", String::as_str);
    // A fourth argument names an office's print-assets folder laid over the built-in one.
    let source = PrintAssets::with_folder(args.get(4).map(Path::new));
    let assets = Assets::load(&source, None)?;
    let job = PrintJob {
        kind: if template == "desk-sign" {
            PrintKind::DeskSign
        } else {
            PrintKind::Card
        },
        template: template.to_string(),
        org_name: "中共诸暨市纪律检查委员会 诸暨市监察委员会".to_string(),
        hotline: "0575-87012345".to_string(),
        report_address: "jianduka.zhuji.gov.cn/report".to_string(),
        list_title: "营商环境负面清单（十条）".to_string(),
        items: default_items(),
        show_holder_name: true,
    };
    let mut cards = (0..count).map(|i| {
        Ok(PrintCard {
            serial: format!("ZJ2026-{:06}", i + 1),
            url: format!("https://jianduka.zhuji.gov.cn/r/{}", token(i as u64)),
            holder_name: Some(if template == "desk-sign" {
                format!("{}号综合受理窗口", i % 40 + 1)
            } else {
                NAMES[i % NAMES.len()].to_string()
            }),
            holder_detail: Some("诸暨市行政服务中心 一楼企业服务专区".to_string()),
            sample: false,
        })
    });
    let started = Instant::now();
    let png = FaceFormat::Png { dpi: 300 };
    let (summary, what) = if let Some(dir) = out.strip_suffix('/') {
        // A folder: PNG faces at 300 dpi, as the print-staff download offers them.
        let mut sink = DirSink::new(dir)?;
        (
            render_faces(&assets, &job, &mut cards, png, &mut sink)?,
            "PNG faces",
        )
    } else if out.ends_with(".zip") {
        let file = std::fs::File::create(out)?;
        let mut sink = ZipSink::new(BufWriter::with_capacity(1 << 20, file));
        let summary = render_faces(&assets, &job, &mut cards, png, &mut sink)?;
        sink.finish()?;
        (summary, "PNG faces (ZIP)")
    } else {
        let file = std::fs::File::create(out)?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        (render_pdf(&assets, &job, &mut cards, &mut writer)?, "pages")
    };
    let elapsed = started.elapsed();
    let size = std::fs::metadata(out).map_or(0, |m| m.len());
    println!(
        "{} cards, {} {what} -> {out}: {:.2} s, {:.1} MB, peak memory {}",
        summary.cards,
        summary.pages,
        elapsed.as_secs_f64(),
        size as f64 / 1e6,
        peak_memory().unwrap_or_else(|| "unknown".to_string()),
    );
    Ok(())
}

/// The process's peak resident memory (VmHWM), on Linux.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MB", kb / 1024.0))
}

/// A 22-character URL-safe token (128 bits), deterministic so runs are comparable.
fn token(i: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..22)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ALPHABET[(x % 64) as usize])
        })
        .collect()
}

fn default_items() -> Vec<String> {
    jianduka::negative_list::DEFAULT_ITEMS
        .iter()
        .map(|(zh, _)| zh.to_string())
        .collect()
}
