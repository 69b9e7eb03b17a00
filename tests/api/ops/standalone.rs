//! The release binary copied alone into an empty folder does everything: no print-assets
//! folder beside it, no checkout around it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{stderr, stdout, tool};
use crate::helpers::temp_dir;

/// A folder holding a copy of the binary and nothing else.
fn lone_binary() -> (PathBuf, PathBuf) {
    let folder = temp_dir("standalone");
    let binary = folder.join("jianduka");
    std::fs::copy(env!("CARGO_BIN_EXE_jianduka"), &binary).expect("copy the binary");
    (folder, binary)
}

/// The copied binary, run in its folder, blind to the test process's settings.
fn run_in(folder: &Path, binary: &Path) -> Command {
    let mut command = Command::new(binary);
    command.current_dir(folder);
    for (key, _) in std::env::vars() {
        if key.starts_with("JIANDUKA_") {
            command.env_remove(key);
        }
    }
    command
        .env("JIANDUKA_PUBLIC_BASE_URL", "https://jb.example.gov.cn")
        .env("JIANDUKA_ORG_NAME", "诸暨市纪委监委")
        .env("JIANDUKA_LOG", "warn");
    command
}

#[test]
fn a_copied_binary_alone_imports_issues_and_prints_cards_whose_codes_scan() {
    let (folder, binary) = lone_binary();
    let register =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/register-gb18030.csv");
    let import = run_in(&folder, &binary)
        .args(["enterprises", "import"])
        .arg(&register)
        .output()
        .expect("runs");
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(
        stdout(&import).contains("imported:  8"),
        "{}",
        stdout(&import)
    );

    let issue = run_in(&folder, &binary)
        .args(["cards", "issue", "--all"])
        .output()
        .expect("runs");
    assert!(issue.status.success(), "{}", stderr(&issue));

    let pdf = folder.join("batch-1.pdf");
    let render = run_in(&folder, &binary)
        .args([
            "cards", "render", "--batch", "1", "--format", "pdf", "--out",
        ])
        .arg(&pdf)
        .output()
        .expect("runs");
    assert!(render.status.success(), "{}", stderr(&render));
    assert!(pdf.metadata().expect("the PDF exists").len() > 10_000);
    // Only what the program made itself: its data dir and the PDF.
    let mut entries: Vec<String> = std::fs::read_dir(&folder)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["batch-1.pdf", "data", "jianduka"]);

    // Whole A4 sheets of ten codes each: zbar now and then misses one code at a given
    // resolution, so each sheet is read at two and the codes found are put together.
    let mut links = Vec::new();
    for dpi in ["300", "200"] {
        let prefix = folder.join(format!("page{dpi}"));
        let Some(raster) = tool(
            "pdftoppm",
            &[
                "-r",
                dpi,
                "-png",
                pdf.to_str().expect("utf-8"),
                prefix.to_str().expect("utf-8"),
            ],
        ) else {
            return;
        };
        assert!(raster.status.success(), "{}", stderr(&raster));
        for entry in std::fs::read_dir(&folder).expect("folder") {
            let path = entry.expect("entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with(&format!("page{dpi}")) && n.ends_with(".png")) {
                let Some(scan) = tool("zbarimg", &["--raw", "-q", path.to_str().expect("utf-8")])
                else {
                    return;
                };
                links.extend(stdout(&scan).lines().map(str::to_string));
            }
        }
    }
    links.sort();
    links.dedup();
    assert_eq!(links.len(), 8, "one code per enterprise: {links:?}");
    assert!(
        links
            .iter()
            .all(|l| l.starts_with("https://jb.example.gov.cn/r/")),
        "{links:?}"
    );
}

#[tokio::test]
async fn a_copied_binary_alone_serves_until_healthz_answers() {
    let (folder, binary) = lone_binary();
    let mut child = run_in(&folder, &binary)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let out = child.stdout.take().expect("stdout");
    // The address is on the line that says it listens (the first start also prints the
    // admin's password before it).
    let address = tokio::task::spawn_blocking(move || {
        BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("jianduka listening on ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(str::to_string)
            })
    })
    .await
    .expect("reader");
    let Some(address) = address else {
        let _ = child.kill();
        let output = child.wait_with_output().expect("ended");
        panic!("serve did not start: {}", stderr(&output));
    };
    let health = reqwest::get(format!("{address}/healthz")).await;
    let _ = child.kill();
    let _ = child.wait();
    let health = health.expect("healthz answers");
    assert!(health.status().is_success(), "{}", health.status());
}

#[test]
fn an_office_print_assets_folder_that_does_not_exist_is_named_when_printing() {
    let (folder, binary) = lone_binary();
    let register =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/register-gb18030.csv");
    let import = run_in(&folder, &binary)
        .args(["enterprises", "import"])
        .arg(&register)
        .env("JIANDUKA_PRINT_ASSETS", folder.join("no-such-folder"))
        .output()
        .expect("runs");
    assert!(!import.status.success());
    let err = stderr(&import);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("JIANDUKA_PRINT_ASSETS"), "{err}");
    assert!(err.contains("no-such-folder"), "{err}");
}
