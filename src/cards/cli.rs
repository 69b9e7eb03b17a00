//! `jianduka cards …`: issue, render, revoke, reissue, list batches.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use super::render::FaceFormat;
use super::{Channel, IssueRequest, IssuedBy, Target};
use crate::config::Settings;
use crate::console::{CliError, say};
use crate::state::AppState;

/// `jianduka cards` subcommands.
#[derive(Debug, Subcommand)]
pub enum CardsCommand {
    /// Issue a batch of new cards (or desk signs) and print its id and size.
    Issue(IssueArgs),
    /// Render a batch for print: one PDF, or PNG/SVG faces into a folder or a .zip.
    Render(RenderArgs),
    /// Revoke a lost card (its QR code still opens the form, flagged as revoked).
    Revoke {
        /// Card serial, e.g. C0012-00034.
        serial: String,
        /// Why (kept in the card's history).
        #[arg(long)]
        reason: String,
    },
    /// Replace a card: revoke it if needed and issue a new card with a new QR code.
    Reissue {
        /// Card serial, e.g. C0012-00034.
        serial: String,
    },
    /// List batches, newest first.
    Batches,
}

/// Who gets cards; exactly one of the targets.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["all", "district", "enterprise", "service_points"])))]
pub struct IssueArgs {
    /// Every enterprise in the register.
    #[arg(long)]
    all: bool,
    /// Every enterprise of one district (镇街).
    #[arg(long, value_name = "NAME")]
    district: Option<String>,
    /// Chosen enterprises by USCC (统一社会信用代码); repeat or list several.
    #[arg(long, value_name = "USCC", num_args = 1..)]
    enterprise: Vec<String>,
    /// Desk signs for service windows: every active one, or the given ids.
    #[arg(long, value_name = "ID", num_args = 0..)]
    service_points: Option<Vec<i64>>,
    /// Distribution channel [default: visit for cards, window for desk signs].
    #[arg(long, value_enum)]
    channel: Option<ChannelArg>,
    /// Issue again to holders that already have an active card.
    #[arg(long)]
    again: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ChannelArg {
    Visit,
    Window,
}

/// `cards render` options.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Batch id (see `cards batches`).
    #[arg(long)]
    batch: i64,
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Output: a .pdf file; for png/svg a folder, or a file ending in .zip.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Resolution of PNG faces.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(72..=1200))]
    dpi: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Pdf,
    Png,
    Svg,
}

/// Runs one `cards` subcommand.
pub async fn run(state: &AppState, command: CardsCommand) -> Result<ExitCode, CliError> {
    // Said after the command has done its work, so that a refusal stays one line.
    let mut notes = Vec::new();
    if matches!(command, CardsCommand::Issue(_) | CardsCommand::Render(_)) {
        if super::address::check(&state.settings)? == super::PrintAddress::Sample {
            notes.push(format!(
                "note: {} is a local address (JIANDUKA_ALLOW_LOCAL_URL): these cards are marked {}",
                state.settings.base_url(),
                super::SAMPLE_MARK
            ));
        }
        notes.extend(
            super::address::issuer_warning(&state.settings).map(|w| format!("warning: {w}")),
        );
    }
    run_command(state, command).await?;
    for note in notes {
        eprintln!("{note}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_command(state: &AppState, command: CardsCommand) -> Result<(), CliError> {
    let (db, key) = (&state.db, state.key());
    let by = IssuedBy::cli(state.clock.now());
    match command {
        CardsCommand::Issue(args) => {
            let target = if args.all {
                Target::AllEnterprises
            } else if let Some(name) = args.district {
                Target::District(name)
            } else if !args.enterprise.is_empty() {
                Target::Enterprises(args.enterprise)
            } else {
                Target::ServicePoints(args.service_points.filter(|ids| !ids.is_empty()))
            };
            let request = IssueRequest {
                target,
                channel: args.channel.map(|c| match c {
                    ChannelArg::Visit => Channel::Visit,
                    ChannelArg::Window => Channel::Window,
                }),
                again: args.again,
                expected: None,
                issued_by: by,
            };
            let issued = super::issue(&state.writes, key, request).await?;
            say!(
                "batch {}: {} issued, {} skipped (already hold an active card)",
                issued.batch_id,
                issued.count,
                issued.skipped
            );
            list_shortened(state, issued.batch_id).await;
        }
        CardsCommand::Render(args) => render(state, args, &by).await?,
        CardsCommand::Revoke { serial, reason } => {
            let card = super::card_by_serial(db, &serial).await?;
            let card = super::revoke(&state.writes, key, card.id, &reason, &by).await?;
            say!("revoked {}", card.serial);
        }
        CardsCommand::Reissue { serial } => {
            let card = super::card_by_serial(db, &serial).await?;
            let new = super::reissue(&state.writes, key, card.id, &by).await?;
            say!(
                "replaced {} by new card {} (batch {})",
                card.serial,
                new.serial,
                new.batch_id
            );
        }
        CardsCommand::Batches => {
            say!("id\tkind\tchannel\ttemplate\tlist\tcards\tby\tat\tscope");
            let mut page = 0;
            loop {
                let (rows, pages) = super::list_batches(db, page).await?;
                for b in rows {
                    say!(
                        "{}\t{}\t{}\t{}\tv{}\t{}\t{}\t{}\t{}",
                        b.id,
                        b.kind.as_str(),
                        b.channel,
                        b.template,
                        b.list_version,
                        b.card_count,
                        b.created_by,
                        b.created_at,
                        b.scope
                    );
                }
                page += 1;
                if page >= pages {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Lists the cards of a new batch whose names print shortened. The batch is issued already:
/// a failure here is a warning, not a failed command.
async fn list_shortened(state: &AppState, batch_id: i64) {
    match super::shortened_names(&state.db, &state.settings, batch_id).await {
        Ok(list) if list.is_empty() => {}
        Ok(list) => {
            say!(
                "names shortened on {} card(s): too long even in the smallest type with one \
                 more line, they print shortened in the middle",
                list.len()
            );
            for s in list {
                say!("  {}\t{}\t(full name: {})", s.serial, s.printed, s.name);
            }
        }
        Err(e) => {
            eprintln!("warning: the names could not be checked against the card template: {e}")
        }
    }
}

async fn render(state: &AppState, args: RenderArgs, by: &IssuedBy) -> Result<(), CliError> {
    let (db, settings) = (&state.db, &*state.settings);
    super::find_batch(db, args.batch).await?;
    let to_zip = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let to_file = to_zip || args.format == FormatArg::Pdf;
    let existed = args.out.exists();
    let (rendered, format) = match render_to(db, settings, &args, to_zip).await {
        Ok(done) => done,
        Err(e) => {
            // No half-written PDF or ZIP left behind to be printed by mistake.
            if to_file && !existed {
                let _ = std::fs::remove_file(&args.out);
            }
            return Err(e);
        }
    };
    super::output::audit_render(&state.writes, state.key(), by, rendered, format).await?;
    say!(
        "batch {}: {} cards, {} pages → {}",
        args.batch,
        rendered.summary.cards,
        rendered.summary.pages,
        args.out.display()
    );
    Ok(())
}

async fn render_to(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    args: &RenderArgs,
    to_zip: bool,
) -> Result<(super::Rendered, &'static str), CliError> {
    let create = |path: &PathBuf| {
        std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .map_err(|e| CliError::Usage(format!("--out {}: {e}", path.display())))
    };
    let face = match args.format {
        FormatArg::Pdf => {
            let out = create(&args.out)?;
            let (rendered, _) = super::render_batch_pdf(db, settings, args.batch, out).await?;
            return Ok((rendered, "pdf"));
        }
        FormatArg::Png => FaceFormat::Png { dpi: args.dpi },
        FormatArg::Svg => FaceFormat::Svg,
    };
    let name = if args.format == FormatArg::Png {
        "png"
    } else {
        "svg"
    };
    let rendered = if to_zip {
        let sink = super::ZipSink::new(create(&args.out)?);
        let (rendered, sink) =
            super::render_batch_faces(db, settings, args.batch, face, sink).await?;
        sink.finish()?;
        rendered
    } else {
        let sink = super::FolderSink::create(args.out.clone())
            .map_err(|e| CliError::Usage(format!("--out: {e:#}")))?;
        super::render_batch_faces(db, settings, args.batch, face, sink)
            .await?
            .0
    };
    Ok((rendered, name))
}
