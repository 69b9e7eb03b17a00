//! The negative list (负面清单): the kinds of official misconduct a card lists. Versioned:
//! a card keeps the version it was printed with, and its report form offers exactly those items.

mod cache;

pub use cache::ListCache;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entities::{negative_list_items, negative_list_versions};

/// Version 1, as first run in Zhuji: (Chinese, English) for items 1 to 10.
pub const DEFAULT_ITEMS: [(&str, &str); 10] = [
    (
        "门难进、脸难看、话难听、事难办",
        "Obstructive, hostile service",
    ),
    (
        "吃拿卡要，索取、收受企业财物",
        "Extortion; soliciting or taking money and gifts",
    ),
    (
        "推诿扯皮、敷衍塞责、办事拖拉",
        "Passing the buck, perfunctory or slow handling",
    ),
    (
        "不作为、慢作为、乱作为",
        "Inaction, delay or arbitrary action",
    ),
    (
        "违规收费、乱摊派、乱检查、乱罚款",
        "Illegal fees, levies, inspections or fines",
    ),
    (
        "惠企政策不落实、承诺不兑现",
        "Support policies not applied, promises broken",
    ),
    (
        "违规插手干预企业生产经营和工程项目",
        "Meddling in business operations and projects",
    ),
    (
        "接受企业宴请、让企业报销应由个人支付的费用",
        "Banquets, or personal expenses billed to firms",
    ),
    (
        "以权谋私、与企业搞利益输送",
        "Abuse of power, improper benefit transfers",
    ),
    (
        "泄露企业商业秘密、打击报复反映问题的企业和人员",
        "Leaking business secrets, retaliating against reporters",
    ),
];

/// Title of the default version.
pub const DEFAULT_TITLE: &str = "营商环境负面清单";

/// One published version with its items in order.
#[derive(Clone, Debug)]
pub struct NegativeListVersion {
    pub id: i64,
    pub version: i32,
    pub title: String,
    pub items: Vec<negative_list_items::Model>,
}

/// Publishes version 1 when no version exists yet. Returns whether it did.
pub async fn seed_default(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    if negative_list_versions::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let version = negative_list_versions::ActiveModel {
        version: Set(1),
        title: Set(DEFAULT_TITLE.to_string()),
        published_at: Set(now),
        published_by: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let items =
        DEFAULT_ITEMS
            .iter()
            .enumerate()
            .map(|(i, (zh, en))| negative_list_items::ActiveModel {
                version_id: Set(version.id),
                position: Set(i as i32 + 1),
                text_zh: Set(zh.to_string()),
                text_en: Set(en.to_string()),
                item_key: Set(format!("item-{}", i + 1)),
                ..Default::default()
            });
    negative_list_items::Entity::insert_many(items)
        .exec(db)
        .await?;
    Ok(true)
}

/// The newest published version (what new cards are printed with).
pub async fn current(db: &impl ConnectionTrait) -> Result<NegativeListVersion, sea_orm::DbErr> {
    let version = negative_list_versions::Entity::find()
        .order_by_desc(negative_list_versions::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("no negative list is published".into()))?;
    with_items(db, version).await
}

/// A version by its row id, with items.
pub async fn by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<NegativeListVersion>, sea_orm::DbErr> {
    match negative_list_versions::Entity::find_by_id(id)
        .one(db)
        .await?
    {
        Some(version) => Ok(Some(with_items(db, version).await?)),
        None => Ok(None),
    }
}

async fn with_items(
    db: &impl ConnectionTrait,
    version: negative_list_versions::Model,
) -> Result<NegativeListVersion, sea_orm::DbErr> {
    let items = negative_list_items::Entity::find()
        .filter(negative_list_items::Column::VersionId.eq(version.id))
        .order_by_asc(negative_list_items::Column::Position)
        .all(db)
        .await?;
    Ok(NegativeListVersion {
        id: version.id,
        version: version.version,
        title: version.title,
        items,
    })
}
