//! Downloads of a whole batch (PDF, PNG ZIP, SVG ZIP), streamed as they render, and the
//! preview image of one card face.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sea_orm::EntityTrait as _;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::StreamExt as _;

use super::render::{self, Face, FaceFormat};
use super::{IssuedBy, ZipSink};
use crate::access::CurrentUser;
use crate::error::{AppError, Msg, ResultExt};
use crate::state::AppState;

/// Bytes gathered before a chunk goes to the client.
const CHUNK: usize = 64 * 1024;
/// Resolution of preview images in the staff UI.
const PREVIEW_DPI: u32 = 150;

type Chunk = Result<Bytes, std::io::Error>;

/// A blocking writer whose bytes become the body of a streamed response.
struct ChannelWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn new(tx: mpsc::Sender<Chunk>) -> Self {
        Self {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[derive(Deserialize)]
pub(super) struct DownloadQuery {
    format: String,
    dpi: Option<u32>,
}

/// `GET /staff/batches/{id}/download?format=pdf|png|svg`: an attachment, streamed.
pub(super) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let (content_type, file_name, face) = match query.format.as_str() {
        "pdf" => ("application/pdf", format!("batch-{id}.pdf"), None),
        "png" => {
            let dpi = query.dpi.unwrap_or(300);
            // 600 dpi keeps an A5 desk sign under ~70 MB of pixels per face.
            if !(72..=600).contains(&dpi) {
                return Err(AppError::BadRequest(Msg::new("cards_error_dpi")));
            }
            (
                "application/zip",
                format!("batch-{id}-png.zip"),
                Some(FaceFormat::Png { dpi }),
            )
        }
        "svg" => (
            "application/zip",
            format!("batch-{id}-svg.zip"),
            Some(FaceFormat::Svg),
        ),
        other => {
            return Err(AppError::BadRequest(
                Msg::new("cards_error_format").arg("format", other),
            ));
        }
    };
    super::find_batch(&state.db, id).await?;
    let (tx, mut rx) = mpsc::channel::<Chunk>(8);
    let by = IssuedBy::user(user.user.id, &user.user.username, state.clock.now());
    let format_name = query.format.clone();
    tokio::spawn(async move {
        let writer = ChannelWriter::new(tx.clone());
        let result = render_to(&state, id, face, writer).await;
        match result {
            Ok(rendered) => {
                let key = state.key();
                if let Err(e) =
                    super::output::audit_render(&state.writes, key, &by, rendered, &format_name)
                        .await
                {
                    tracing::error!(error = format!("{e:#}"), "auditing a batch download");
                }
            }
            // The client closed the connection (a cancelled download): not an error.
            Err(_) if tx.is_closed() => {
                tracing::info!(batch = id, "batch download cancelled by the client");
            }
            Err(e) => {
                tracing::error!(
                    batch = id,
                    error = format!("{e:#}"),
                    "rendering a batch failed"
                );
                let _ = tx
                    .send(Err(std::io::Error::other("rendering the batch failed")))
                    .await;
            }
        }
    });
    // Wait for the first bytes, so a render that fails at once is a clean error page.
    let first = match rx.recv().await {
        Some(Ok(first)) => first,
        Some(Err(_)) | None => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "batch {id} could not be rendered"
            )));
        }
    };
    let rest = tokio_stream::wrappers::ReceiverStream::new(rx);
    let body = Body::from_stream(tokio_stream::once(Ok(first)).chain(rest));
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

async fn render_to(
    state: &AppState,
    id: i64,
    face: Option<FaceFormat>,
    writer: ChannelWriter,
) -> Result<super::Rendered, anyhow::Error> {
    match face {
        None => {
            let (rendered, _) = super::render_batch_pdf(&state.db, &state.settings, id, writer)
                .await
                .map_err(anyhow::Error::new)?;
            Ok(rendered)
        }
        Some(format) => {
            let sink = ZipSink::new(writer);
            let (rendered, sink) =
                super::render_batch_faces(&state.db, &state.settings, id, format, sink)
                    .await
                    .map_err(anyhow::Error::new)?;
            // Finishing writes (and may block on a slow client): off the executor.
            tokio::task::spawn_blocking(move || sink.finish()).await??;
            Ok(rendered)
        }
    }
}

/// `GET /staff/cards/{id}/front.png`.
pub(super) async fn front(state: State<AppState>, id: Path<i64>) -> Result<Response, AppError> {
    preview(state, id, Face::Front).await
}

/// `GET /staff/cards/{id}/back.png`.
pub(super) async fn back(state: State<AppState>, id: Path<i64>) -> Result<Response, AppError> {
    preview(state, id, Face::Back).await
}

async fn preview(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    face: Face,
) -> Result<Response, AppError> {
    let card = crate::entities::cards::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, job) = super::print_job(&state.db, &state.settings, card.batch_id).await?;
    let print_card = super::print_card_for(&state.db, &state.settings, &card).await?;
    let source = super::assets::PrintAssets::with_folder(state.settings.print_assets.as_deref());
    let font = state.settings.card_font.clone();
    let png = tokio::task::spawn_blocking(move || {
        let assets =
            super::output::shared_assets(&source, font.as_deref()).map_err(|e| source.blame(e))?;
        render::render_face(
            &assets,
            &job,
            &print_card,
            face,
            FaceFormat::Png { dpi: PREVIEW_DPI },
        )
    })
    .await
    .internal("the preview task failed")?
    .internal("rendering a card preview")?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        png,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_channel_writer_delivers_every_byte_in_order_in_bounded_chunks() {
        let (tx, mut rx) = mpsc::channel::<Chunk>(2);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut out = ChannelWriter::new(tx);
            for i in 0..300_000u32 {
                out.write_all(&[(i % 251) as u8])?;
            }
            out.flush()
        });
        let mut received = Vec::new();
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk.expect("no error");
            assert!(chunk.len() <= CHUNK);
            received.extend_from_slice(&chunk);
        }
        writer.await.expect("joined").expect("written");
        assert_eq!(received.len(), 300_000);
        assert!(
            received
                .iter()
                .enumerate()
                .all(|(i, b)| *b == (i % 251) as u8)
        );
    }

    #[tokio::test]
    async fn a_channel_writer_stops_when_the_client_goes_away() {
        let (tx, rx) = mpsc::channel::<Chunk>(1);
        drop(rx);
        let result = tokio::task::spawn_blocking(move || {
            let mut out = ChannelWriter::new(tx);
            out.write_all(&vec![0u8; CHUNK * 2])
        })
        .await
        .expect("joined");
        assert_eq!(
            result.expect_err("refused").kind(),
            std::io::ErrorKind::BrokenPipe
        );
    }
}
