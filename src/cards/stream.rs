//! From the database to the renderer: the batch-wide [`PrintJob`] and the cards as an
//! iterator that fetches one page at a time (keyset on the position), so rendering a batch of
//! any size holds one page in memory.

use std::collections::VecDeque;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::runtime::Handle;

use super::print::{PrintCard, PrintJob};
use super::query::{holder_names, holder_of};
use super::{CardError, print_kind};
use crate::config::Settings;
use crate::entities::{card_batches, cards};
use crate::error::Msg;

/// Cards fetched per round trip while rendering.
const PAGE: u64 = 500;

/// The batch row and what every card of it shares.
pub async fn print_job(
    db: &DatabaseConnection,
    settings: &Settings,
    batch_id: i64,
) -> Result<(card_batches::Model, PrintJob), CardError> {
    let batch = card_batches::Entity::find_by_id(batch_id)
        .one(db)
        .await?
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_batch").arg("id", batch_id)))?;
    let kind = print_kind(batch.kind);
    let list = crate::negative_list::by_id(db, batch.list_version_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("batch {batch_id}: its negative list is missing"))?;
    let job = PrintJob {
        kind,
        template: batch.template.clone(),
        org_name: settings.org_name.clone(),
        hotline: settings.hotline.clone(),
        report_address: super::print::report_address(&settings.base_url()),
        list_title: list.title,
        items: list.items.into_iter().map(|i| i.text_zh).collect(),
        show_holder_name: true,
    };
    Ok((batch, job))
}

/// What the renderer prints for one card.
pub async fn print_card_for(
    db: &DatabaseConnection,
    settings: &Settings,
    card: &cards::Model,
) -> Result<PrintCard, CardError> {
    let names = holder_names(db, std::slice::from_ref(card)).await?;
    Ok(to_print_card(
        &settings.base_url(),
        sample(settings),
        card,
        &names,
    ))
}

/// Whether cards print as samples (a local address, allowed for trials).
fn sample(settings: &Settings) -> bool {
    super::address::check(settings).is_ok_and(|a| a == super::PrintAddress::Sample)
}

fn to_print_card(
    base_url: &str,
    sample: bool,
    card: &cards::Model,
    names: &std::collections::HashMap<super::Holder, (String, String)>,
) -> PrintCard {
    let holder = holder_of(card);
    let (name, detail) = holder
        .and_then(|h| names.get(&h).cloned())
        .map_or((None, None), |(n, d)| (Some(n), Some(d)));
    PrintCard {
        serial: card.serial.clone(),
        sample,
        url: format!("{base_url}/r/{}", card.token),
        holder_name: name,
        // Only desk signs print their hall under the window name.
        holder_detail: match holder {
            Some(super::Holder::ServicePoint(_)) => detail,
            _ => None,
        },
    }
}

/// The cards of one batch in print order, fetched a page at a time by blocking on the
/// runtime: use it from `spawn_blocking`, never on the async executor.
pub struct BatchCards {
    handle: Handle,
    db: DatabaseConnection,
    batch_id: i64,
    base_url: String,
    sample: bool,
    after: i32,
    buffer: VecDeque<PrintCard>,
    done: bool,
}

impl BatchCards {
    /// An iterator over batch `batch_id`; `handle` is the runtime the database lives on.
    pub fn new(handle: Handle, db: DatabaseConnection, settings: &Settings, batch_id: i64) -> Self {
        Self {
            handle,
            db,
            batch_id,
            base_url: settings.base_url(),
            sample: sample(settings),
            after: 0,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    async fn fetch(&self) -> Result<(Vec<PrintCard>, Option<i32>), CardError> {
        let page = cards::Entity::find()
            .filter(cards::Column::BatchId.eq(self.batch_id))
            .filter(cards::Column::PositionInBatch.gt(self.after))
            .order_by_asc(cards::Column::PositionInBatch)
            .limit(PAGE)
            .all(&self.db)
            .await?;
        let last = page.last().map(|c| c.position_in_batch);
        let names = holder_names(&self.db, &page).await?;
        Ok((
            page.iter()
                .map(|c| to_print_card(&self.base_url, self.sample, c, &names))
                .collect(),
            last,
        ))
    }
}

impl Iterator for BatchCards {
    type Item = anyhow::Result<PrintCard>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty() && !self.done {
            match self.handle.block_on(self.fetch()) {
                Ok((cards, Some(last))) => {
                    self.after = last;
                    self.done = (cards.len() as u64) < PAGE;
                    self.buffer.extend(cards);
                }
                Ok((_, None)) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(
                        anyhow::Error::new(e).context("reading the batch's cards")
                    ));
                }
            }
        }
        self.buffer.pop_front().map(Ok)
    }
}
