//! The model returns data: its files import nothing of the request (the state, the logged-in
//! user, the language) and nothing of the pages, routes or labels that show it. Read from the
//! source, so a new import that would tie the model to a page fails here.

use std::path::Path;

/// Files of `src/cases` that hold model code.
const MODEL: &[&str] = &[
    "dashboard.rs",
    "deadlines.rs",
    "items.rs",
    "list.rs",
    "paging.rs",
    "statistics/mod.rs",
    "statistics/day.rs",
    "statistics/cache.rs",
    "workflow/mod.rs",
    "workflow/assignment.rs",
    "workflow/conclusion.rs",
    "workflow/extensions.rs",
    "workflow/intake.rs",
    "workflow/reopen.rs",
    "appraisal/mod.rs",
    "appraisal/tally.rs",
    "report_pdf.rs",
];

/// What model code must not name.
const FORBIDDEN: &[&str] = &[
    "AppState",
    "CurrentUser",
    "Lang",
    "minijinja",
    "pages",
    "routes",
    "labels",
    "api::",
];

#[test]
fn the_case_model_imports_nothing_of_the_request_or_of_the_pages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
    for file in MODEL {
        let source = std::fs::read_to_string(dir.join(file)).expect("a model file");
        for line in source
            .lines()
            .filter(|l| l.trim_start().starts_with("use "))
        {
            for word in FORBIDDEN {
                assert!(!line.contains(word), "{file} imports {word}: {line}");
            }
        }
        for word in ["AppState", "CurrentUser", "Lang"] {
            assert!(!source.contains(word), "{file} names {word}");
        }
    }
}

#[test]
fn no_file_of_the_cases_domain_is_over_450_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
    let mut stack = vec![dir];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/cases").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let lines = std::fs::read_to_string(&path)
                    .expect("a file")
                    .lines()
                    .count();
                assert!(lines <= 450, "{} has {lines} lines", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen > 10, "read {seen} files");
}

/// The module of `src/cases` a file belongs to (`pages/list.rs` → `pages`), and the modules
/// of `src/cases` its code (tests aside) names.
fn imports(dir: &Path) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut graph: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("src/cases").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(dir).expect("inside src/cases");
            let first = relative.components().next().expect("a name");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let source = std::fs::read_to_string(&path).expect("a file");
            let code = source.split("#[cfg(test)]").next().unwrap_or_default();
            let names = graph.entry(module.clone()).or_default();
            for prefix in ["super::", "crate::cases::"] {
                for (at, _) in code.match_indices(prefix) {
                    let rest = &code[at + prefix.len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != module {
                        names.insert(name);
                    }
                }
            }
        }
    }
    graph
}

#[test]
fn no_two_files_of_the_cases_domain_import_each_other_even_through_others() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
    let graph = imports(&dir);
    assert!(graph.contains_key("pages") && graph.contains_key("statistics"));
    // From each module, walk what it imports; reaching the module again is a cycle.
    for start in graph.keys() {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo: Vec<Vec<&String>> = vec![vec![start]];
        while let Some(path) = todo.pop() {
            let last = path[path.len() - 1];
            for next in graph.get(last).into_iter().flatten() {
                assert!(next != start, "an import cycle: {path:?} → {next}");
                if graph.contains_key(next) && seen.insert(next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    todo.push(longer);
                }
            }
        }
    }
}
