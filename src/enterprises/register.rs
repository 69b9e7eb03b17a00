//! Reading the register: search by name or USCC, filter by district, counts per district.

use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::entities::enterprises;

/// Rows on one page of the register.
pub const PAGE_SIZE: u64 = 50;

/// What the register is searched for.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Part of the name or of the USCC.
    pub text: Option<String>,
    /// Exactly this district.
    pub district: Option<String>,
    /// Page number from 1.
    pub page: u64,
}

/// One page of search results.
#[derive(Clone, Debug)]
pub struct Page {
    /// The rows of this page.
    pub enterprises: Vec<enterprises::Model>,
    /// How many enterprises match in all.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// How many pages there are (at least 1).
    pub pages: u64,
}

/// Enterprises and active cards of one district.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DistrictCount {
    /// The district (镇街) as the register spells it.
    pub district: String,
    /// Enterprises registered in it.
    pub enterprises: i64,
    /// Of those, how many hold a card whose status is active.
    pub with_active_card: i64,
}

/// `%text%` with the LIKE wildcards in `text` taken literally.
fn contains(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// One page of enterprises matching `search`, ordered by district then name.
pub async fn search(db: &impl ConnectionTrait, search: &Search) -> Result<Page, DbErr> {
    let mut query = enterprises::Entity::find();
    if let Some(text) = search
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        query = query.filter(
            Condition::any()
                .add(enterprises::Column::Name.like(contains(text)))
                .add(enterprises::Column::Uscc.like(contains(&text.to_uppercase()))),
        );
    }
    if let Some(district) = search.district.as_deref().filter(|d| !d.is_empty()) {
        query = query.filter(enterprises::Column::District.eq(district));
    }
    let paginator = query
        .order_by_asc(enterprises::Column::District)
        .order_by_asc(enterprises::Column::Name)
        .order_by_asc(enterprises::Column::Id)
        .paginate(db, PAGE_SIZE);
    let numbers = paginator.num_items_and_pages().await?;
    let pages = numbers.number_of_pages.max(1);
    let page = search.page.clamp(1, pages);
    let enterprises = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        enterprises,
        total: numbers.number_of_items,
        page,
        pages,
    })
}

/// Every district with its number of enterprises and of enterprises holding an active card.
pub async fn district_counts(db: &impl ConnectionTrait) -> Result<Vec<DistrictCount>, DbErr> {
    let counts = crate::cards::districts(db).await?;
    Ok(counts
        .into_iter()
        .map(|(district, enterprises, with_active_card)| DistrictCount {
            district,
            enterprises,
            with_active_card,
        })
        .collect())
}

/// How many enterprises the register holds.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    enterprises::Entity::find().count(db).await
}

/// The enterprise with this USCC, if registered.
pub async fn find_by_uscc(
    db: &impl ConnectionTrait,
    uscc: &str,
) -> Result<Option<enterprises::Model>, DbErr> {
    enterprises::Entity::find()
        .filter(enterprises::Column::Uscc.eq(uscc.trim().to_uppercase()))
        .one(db)
        .await
}
