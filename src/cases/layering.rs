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
    "statistics.rs",
    "workflow/mod.rs",
    "workflow/assignment.rs",
    "workflow/conclusion.rs",
    "workflow/extensions.rs",
    "workflow/intake.rs",
    "workflow/reopen.rs",
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
