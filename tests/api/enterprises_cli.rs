//! `jianduka enterprises import|list` as an operator meets them.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::temp_dir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn jianduka(data_dir: &Path, args: &[&str]) -> Output {
    let mut cmd = crate::support::jianduka_binary();
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env("JIANDUKA_LOG", "warn");
    cmd.output().expect("the binary runs")
}

#[test]
fn cli_import_prints_the_counts_and_each_rejected_line() {
    let dir = temp_dir("cli-import");
    let file = fixture("register-bad-rows.csv");
    let output = jianduka(
        &dir,
        &["enterprises", "import", file.to_str().expect("utf-8")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("imported:  2"), "{stdout}");
    assert!(stdout.contains("rejected:  7"), "{stdout}");
    assert!(
        stdout.contains("line 7: name would print as empty boxes: 𠀀"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: duplicate USCC: already on line 2"),
        "{stdout}"
    );
    let again = jianduka(
        &dir,
        &["enterprises", "import", file.to_str().expect("utf-8")],
    );
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("imported:  0") && stdout.contains("unchanged: 2"),
        "{stdout}"
    );
    let listed = jianduka(&dir, &["enterprises", "list", "--district", "大唐街道"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(
        stdout.trim(),
        "91330681MA2Q7R8T9R  大唐街道  诸暨市小写代码有限公司"
    );
}

#[test]
fn cli_import_of_an_unreadable_file_exits_2_with_one_line() {
    let dir = temp_dir("cli-import");
    for file in [dir.join("missing.csv"), {
        let path = dir.join("random.bin");
        std::fs::write(&path, [0u8, 1, 2, 3, 0, 255]).expect("write");
        path
    }] {
        let output = jianduka(
            &dir,
            &["enterprises", "import", file.to_str().expect("utf-8")],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(file.file_name().and_then(|f| f.to_str()).expect("name")));
        assert!(!stderr.contains("panicked"));
    }
}
