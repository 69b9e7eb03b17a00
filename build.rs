//! Embeds every file under templates/ and locales/ into the binary, so one file is all a
//! deployment needs and adding a template needs no code change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn embed(root: &str, const_name: &str, code: &mut String) {
    // Read at run time: `env!` would bake in the path the build script was compiled at.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let base = Path::new(&manifest).join(root);
    println!("cargo:rerun-if-changed={root}");
    let mut files = Vec::new();
    collect(&base, &mut files);
    files.sort();
    let _ = writeln!(code, "pub static {const_name}: &[(&str, &str)] = &[");
    for file in files {
        let name = file
            .strip_prefix(&base)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
}

fn main() {
    let mut code = String::new();
    embed("templates", "TEMPLATES", &mut code);
    embed("locales", "LOCALES", &mut code);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
