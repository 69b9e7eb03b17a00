//! Embeds every file under templates/, locales/ and print-assets/ into the binary, so one file
//! is all a deployment needs and adding a template needs no code change.

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

/// The shipped print assets (card templates, fonts) as bytes, in a file of their own so that
/// only the module that serves them includes ~33 MB of fonts.
fn embed_bytes(root: &str, const_name: &str, code: &mut String) {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let base = Path::new(&manifest).join(root);
    println!("cargo:rerun-if-changed={root}");
    let mut files = Vec::new();
    collect(&base, &mut files);
    files.sort();
    let _ = writeln!(code, "pub static {const_name}: &[(&str, &[u8])] = &[");
    for file in files {
        let name = file
            .strip_prefix(&base)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
}

fn write(name: &str, code: &str) {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join(name);
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}

fn main() {
    let mut code = String::new();
    embed("templates", "TEMPLATES", &mut code);
    embed("locales", "LOCALES", &mut code);
    write("embedded.rs", &code);
    let mut assets = String::new();
    embed_bytes("print-assets", "PRINT_ASSETS", &mut assets);
    write("print_assets.rs", &assets);
}
