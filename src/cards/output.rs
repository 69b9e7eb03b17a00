//! Rendering a whole batch off the async executor, into a file, a folder, a ZIP or a stream.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use sea_orm::DatabaseConnection;

use super::assets::PrintAssets;
use super::print::PrintJob;
use super::render::{self, FaceFormat, FaceSink, RenderSummary, safe_name};
use super::stream::{BatchCards, print_job};
use super::{CardError, IssuedBy};
use crate::config::Settings;
use crate::db::WriteGate;

/// Templates and fonts, loaded once per (assets folder, extra font) and shared by every
/// render: parsing the templates and ~33 MB of fonts is too much for each preview image. Call
/// from a blocking context.
pub fn shared_assets(
    assets: &PrintAssets,
    font: Option<&std::path::Path>,
) -> anyhow::Result<Arc<render::Assets>> {
    type Key = (PrintAssets, Option<PathBuf>);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<render::Assets>>>> = OnceLock::new();
    let key = (assets.clone(), font.map(|f| f.to_path_buf()));
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .map_err(|_| anyhow::anyhow!("the card assets cache is unusable"))?;
    if let Some(assets) = cache.get(&key) {
        return Ok(assets.clone());
    }
    let assets = Arc::new(render::Assets::load(assets, font)?);
    cache.insert(key, assets.clone());
    Ok(assets)
}

/// What a render produced, for the audit log and the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub batch_id: i64,
    pub summary: RenderSummary,
}

/// Renders batch `batch_id` as one PDF into `out`; returns the writer, flushed.
pub async fn render_batch_pdf<W: Write + Send + 'static>(
    db: &DatabaseConnection,
    settings: &Settings,
    batch_id: i64,
    out: W,
) -> Result<(Rendered, W), CardError> {
    render_batch(db, settings, batch_id, move |assets, job, cards| {
        let mut out = out;
        let summary = render::render_pdf(assets, job, cards, &mut out)?;
        out.flush()?;
        Ok((summary, out))
    })
    .await
}

/// Renders every face of batch `batch_id` as PNG or SVG files into `sink`; returns the sink.
pub async fn render_batch_faces<S: FaceSink + Send + 'static>(
    db: &DatabaseConnection,
    settings: &Settings,
    batch_id: i64,
    format: FaceFormat,
    sink: S,
) -> Result<(Rendered, S), CardError> {
    render_batch(db, settings, batch_id, move |assets, job, cards| {
        let mut sink = sink;
        let summary = render::render_faces(assets, job, cards, format, &mut sink)?;
        Ok((summary, sink))
    })
    .await
}

/// Runs `work` off the async executor with the shared assets, the batch's print job and
/// its cards streamed from the database; returns what `work` hands back.
async fn render_batch<T: Send + 'static>(
    db: &DatabaseConnection,
    settings: &Settings,
    batch_id: i64,
    work: impl FnOnce(&render::Assets, &PrintJob, &mut BatchCards) -> anyhow::Result<(RenderSummary, T)>
    + Send
    + 'static,
) -> Result<(Rendered, T), CardError> {
    let (summary, output) = with_batch(db, settings, batch_id, work).await?;
    Ok((Rendered { batch_id, summary }, output))
}

async fn with_batch<T: Send + 'static>(
    db: &DatabaseConnection,
    settings: &Settings,
    batch_id: i64,
    work: impl FnOnce(&render::Assets, &PrintJob, &mut BatchCards) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, CardError> {
    let (_, job) = print_job(db, settings, batch_id).await?;
    let mut cards = BatchCards::new(
        tokio::runtime::Handle::current(),
        db.clone(),
        settings,
        batch_id,
    );
    let source = PrintAssets::with_folder(settings.print_assets.as_deref());
    let font = settings.card_font.clone();
    let output = tokio::task::spawn_blocking(move || {
        let assets = shared_assets(&source, font.as_deref()).map_err(|e| source.blame(e))?;
        work(&assets, &job, &mut cards)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the render task failed: {e}"))??;
    Ok(output)
}

/// A card whose holder's name is too long for its template even in the smallest type with
/// one more line, and prints shortened in the middle.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ShortenedName {
    pub serial: String,
    /// The name in the register.
    pub name: String,
    /// What the card shows instead.
    pub printed: String,
}

/// The cards of batch `batch_id` whose holders' names print shortened, in print order. The
/// names are read as they are now, as a render would print them.
pub async fn shortened_names(
    db: &DatabaseConnection,
    settings: &Settings,
    batch_id: i64,
) -> Result<Vec<ShortenedName>, CardError> {
    with_batch(db, settings, batch_id, |assets, job, cards| {
        let mut fit = render::NameFit::new(assets, job)?;
        let mut shortened = Vec::new();
        for card in cards {
            let card = card?;
            let Some(name) = card.holder_name else {
                continue;
            };
            if let Some(printed) = fit.shortened(&name)? {
                shortened.push(ShortenedName {
                    serial: card.serial,
                    name,
                    printed,
                });
            }
        }
        Ok(shortened)
    })
    .await
}

/// Records a finished render in the audit log.
pub async fn audit_render(
    writes: &WriteGate,
    audit_key: &[u8],
    by: &IssuedBy,
    rendered: Rendered,
    format: &str,
) -> anyhow::Result<()> {
    let txn = writes.begin().await?;
    crate::audit::append(
        &*txn,
        &by.stamp(audit_key),
        crate::audit::AuditEvent::new(
            crate::audit::AuditAction::BatchRendered,
            "card_batch",
            rendered.batch_id,
        )
        .with_detail(serde_json::json!({
            "format": format,
            "cards": rendered.summary.cards,
            "pages": rendered.summary.pages,
        })),
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Face files written into a folder (created if missing).
pub struct FolderSink {
    dir: PathBuf,
}

impl FolderSink {
    /// A sink writing into `dir`.
    pub fn create(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        Ok(Self { dir })
    }
}

impl FaceSink for FolderSink {
    fn put(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(safe_name(name)?);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    }
}
