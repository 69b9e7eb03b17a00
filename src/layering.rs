//! The layering the README's Architecture section draws, checked on every test run: the
//! top-level modules of `src/` import each other without a cycle, nothing in the library
//! imports the assembly (`app`) but the command line, nothing imports the command line, and
//! the card renderer stays a library that knows nothing of the server (it reads the print
//! settings, the print assets and the list's items, nothing else).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments and its test modules (a test may reach anywhere).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| match line.trim_start().starts_with("//") {
            true => "",
            false => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::x::…` path the code names, as `x::…` (the whole path, for the renderer rule).
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c};`
            let inner = group.split('}').next().unwrap_or_default();
            paths.extend(inner.split(',').map(|p| p.trim().to_string()));
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        paths.push(rest[..end].to_string());
    }
    paths.retain(|p| !p.is_empty());
    paths
}

/// `src/cards/render/pdf.rs` → `cards`; `src/app.rs` → `app`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src/");
    let first = rel.components().next().expect("a file");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

struct Imports {
    /// Top-level module → the top-level modules it names.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// File → the crate paths it names.
    paths: Vec<(PathBuf, Vec<String>)>,
}

fn imports() -> Imports {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut paths = Vec::new();
    for file in files {
        if file.ends_with("main.rs") || file.ends_with("lib.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source is readable");
        let named = crate_paths(&code(&text));
        let from = top_module(&src, &file);
        for path in &named {
            let to = path.split("::").next().unwrap_or_default().to_string();
            if to != from && !to.is_empty() && to != "self" {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
        paths.push((file, named));
    }
    Imports { edges, paths }
}

/// The cycles among the modules (strongly connected components of more than one module).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    // Reachability by repeated search: a few dozen modules, no need for Tarjan.
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.to_string()];
        while let Some(m) = stack.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|m| (m, reach(m))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for (m, from_m) in &reaches {
        let component: BTreeSet<String> = from_m
            .iter()
            .filter(|other| reaches.get(other).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        if !component.is_empty() && !found.contains(&component) {
            found.push(component);
        }
    }
    found
}

#[test]
fn top_level_modules_import_each_other_without_a_cycle() {
    let imports = imports();
    assert!(imports.edges.len() > 20, "the scan found too few modules");
    let cycles = cycles(&imports.edges);
    assert!(
        cycles.is_empty(),
        "import cycles between modules: {cycles:?}"
    );
}

#[test]
fn only_the_command_line_imports_the_assembly_and_nothing_imports_the_command_line() {
    let imports = imports();
    let wrong: Vec<_> = imports
        .edges
        .iter()
        .filter(|(from, to)| (to.contains("app") && *from != "cli") || to.contains("cli"))
        .map(|(from, _)| from)
        .collect();
    assert!(wrong.is_empty(), "import app or cli: {wrong:?}");
}

#[test]
fn the_card_renderer_knows_nothing_of_the_server() {
    let imports = imports();
    // The print settings, the print assets (fonts and templates, built in or an office's own)
    // and the negative list's items; itself.
    let allowed = [
        "cards::print",
        "cards::fonts",
        "cards::assets",
        "cards::render",
        "negative_list",
    ];
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (file, paths) in &imports.paths {
        if !file.components().any(|c| c.as_os_str() == "render") {
            continue;
        }
        seen += 1;
        for path in paths {
            if !allowed.iter().any(|a| path.starts_with(a)) {
                wrong.push(format!("{}: crate::{path}", file.display()));
            }
        }
    }
    assert!(seen > 5, "the scan found too few renderer files");
    assert!(wrong.is_empty(), "the renderer imports: {wrong:#?}");
}

#[test]
fn the_scan_sees_grouped_imports_and_skips_comments() {
    let text = "use crate::{a::b, c};\n// crate::d\nfn f() { crate::e::g(); }\n#[cfg(test)]\nuse crate::h;";
    assert_eq!(crate_paths(&code(text)), vec!["a::b", "c", "e::g"]);
    let mut edges = BTreeMap::new();
    edges.insert("x".to_string(), BTreeSet::from(["y".to_string()]));
    edges.insert("y".to_string(), BTreeSet::from(["x".to_string()]));
    assert_eq!(cycles(&edges).len(), 1);
}
