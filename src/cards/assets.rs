//! Where card templates and fonts come from. The shipped ones (`print-assets/` in the
//! repository) are built into the program, so a copied binary prints on its own; an office's
//! own folder (`JIANDUKA_PRINT_ASSETS`) is laid over them file by file: its templates add to or
//! replace the shipped ones by name, and a font file it holds replaces the shipped face.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/print_assets.rs"));
}

/// The setting that names an office's own print-assets folder.
pub const SETTING: &str = "JIANDUKA_PRINT_ASSETS";

/// The print assets in use: the shipped ones, with an office's folder over them if set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PrintAssets {
    folder: Option<PathBuf>,
}

/// One card template's text and where it came from (for messages).
pub struct TemplateSource {
    /// The template's name: its file name without `.toml`.
    pub name: String,
    /// `built-in templates/id1.toml` or the file's path.
    pub origin: String,
    /// The TOML text.
    pub text: String,
}

impl PrintAssets {
    /// The shipped assets alone.
    pub fn shipped() -> Self {
        Self { folder: None }
    }

    /// The shipped assets with `folder` (when given) laid over them.
    pub fn with_folder(folder: Option<&Path>) -> Self {
        Self {
            folder: folder.map(Path::to_path_buf),
        }
    }

    /// The office's folder, if one is set.
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    /// Checks that the office's folder, if set, is a folder.
    pub fn check_folder(&self) -> anyhow::Result<()> {
        match &self.folder {
            Some(folder) if !folder.is_dir() => anyhow::bail!(
                "{} is not a folder; name a folder of card templates (templates/*.toml) and \
                 fonts, or unset it to use the built-in ones",
                folder.display()
            ),
            _ => Ok(()),
        }
    }

    /// `e`, a failure to load these assets, as the operator should read it: naming the
    /// setting that chooses them, on one line.
    pub fn blame(&self, e: anyhow::Error) -> anyhow::Error {
        anyhow::anyhow!("{SETTING}: {e:#}")
    }

    /// The file at `relative` (e.g. `fonts/NotoSansCJKsc-Regular.otf`): the office's copy if its
    /// folder has one, else the built-in one. Returns the bytes and where they came from.
    pub fn file(&self, relative: &str) -> anyhow::Result<(Cow<'static, [u8]>, String)> {
        if let Some(folder) = &self.folder {
            let path = folder.join(relative);
            if path.is_file() {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                return Ok((Cow::Owned(bytes), path.display().to_string()));
            }
        }
        shipped_file(relative)
            .map(|bytes| (Cow::Borrowed(bytes), format!("built-in {relative}")))
            .with_context(|| format!("{relative} is not among the built-in print assets"))
    }

    /// Every card template: the built-in ones, then the office folder's `templates/*.toml`,
    /// which replace built-in ones of the same name. Sorted by name.
    pub fn templates(&self) -> anyhow::Result<Vec<TemplateSource>> {
        let mut found: BTreeMap<String, TemplateSource> = BTreeMap::new();
        for (path, bytes) in shipped::PRINT_ASSETS {
            let Some(name) = template_name(path) else {
                continue;
            };
            let text = std::str::from_utf8(bytes)
                .with_context(|| format!("built-in {path} is not UTF-8"))?;
            found.insert(
                name.to_string(),
                TemplateSource {
                    name: name.to_string(),
                    origin: format!("built-in {path}"),
                    text: text.to_string(),
                },
            );
        }
        if let Some(folder) = &self.folder {
            let dir = folder.join("templates");
            // A folder with fonts only (no templates/) keeps the built-in templates.
            if dir.is_dir() {
                let entries = std::fs::read_dir(&dir)
                    .with_context(|| format!("reading templates in {}", dir.display()))?;
                for entry in entries {
                    let path = entry?.path();
                    if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                        continue;
                    }
                    let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                        continue;
                    };
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading template {}", path.display()))?;
                    found.insert(
                        name.to_string(),
                        TemplateSource {
                            name: name.to_string(),
                            origin: path.display().to_string(),
                            text,
                        },
                    );
                }
            }
        }
        Ok(found.into_values().collect())
    }

    /// Where templates come from, for messages: `the built-in templates` or
    /// `the built-in templates and FOLDER/templates`.
    pub fn describe(&self) -> String {
        match &self.folder {
            None => "the built-in templates".into(),
            Some(folder) => format!(
                "the built-in templates and {}",
                folder.join("templates").display()
            ),
        }
    }
}

/// The built-in file at `relative`, if there is one.
pub fn shipped_file(relative: &str) -> Option<&'static [u8]> {
    shipped::PRINT_ASSETS
        .iter()
        .find(|(path, _)| *path == relative)
        .map(|(_, bytes)| *bytes)
}

fn template_name(path: &str) -> Option<&str> {
    path.strip_prefix("templates/")?.strip_suffix(".toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("jianduka-assets-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("templates")).expect("scratch dir");
        dir
    }

    #[test]
    fn the_shipped_fonts_and_templates_are_built_in() {
        let assets = PrintAssets::shipped();
        let (font, origin) = assets
            .file(crate::cards::fonts::REGULAR)
            .expect("regular face");
        assert!(font.len() > 1_000_000, "{} bytes", font.len());
        assert!(origin.starts_with("built-in"));
        let names: Vec<String> = assets
            .templates()
            .expect("templates")
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["desk-sign", "id1"]);
    }

    #[test]
    fn an_office_folder_adds_and_replaces_templates_by_name_and_keeps_the_shipped_fonts() {
        let dir = scratch("overlay");
        std::fs::write(dir.join("templates/id1.toml"), "# the office's id1\n").expect("write");
        std::fs::write(dir.join("templates/zhuji.toml"), "# a new one\n").expect("write");
        let assets = PrintAssets::with_folder(Some(&dir));
        let templates = assets.templates().expect("templates");
        let by_name = |n: &str| templates.iter().find(|t| t.name == n).expect("template");
        assert_eq!(by_name("id1").text, "# the office's id1\n");
        assert!(by_name("desk-sign").origin.starts_with("built-in"));
        assert!(by_name("zhuji").origin.ends_with("zhuji.toml"));
        let (_, origin) = assets.file(crate::cards::fonts::BOLD).expect("bold face");
        assert!(origin.starts_with("built-in"), "{origin}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_office_folder_is_reported_with_the_setting() {
        let assets = PrintAssets::with_folder(Some(Path::new("/nonexistent/print-assets")));
        let err = assets.check_folder().expect_err("refused");
        let err = assets.blame(err).to_string();
        assert!(err.starts_with("JIANDUKA_PRINT_ASSETS: "), "{err}");
        assert!(
            err.contains("/nonexistent/print-assets is not a folder"),
            "{err}"
        );
    }
}
