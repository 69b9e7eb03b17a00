//! Cards: issuing, revoke and reissue, the print-staff pages and the `cards` commands.

mod cli;
mod issuing;
mod pages;
mod streaming;

use chrono::Utc;
use jianduka::auth::Role;
use jianduka::entities::{card_batches, cards, enterprises, service_points};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::support::TestApp;

/// (USCC, name, district) of the register the tests issue to.
pub const REGISTER: [(&str, &str, &str); 3] = [
    ("91330681MA2B000001", "诸暨市鑫垚机械有限公司", "暨阳街道"),
    ("91330681MA2B000002", "诸暨市淼燊纺织有限公司", "暨阳街道"),
    ("91330681MA2B000003", "浙江翀彧科技有限公司", "店口镇"),
];

/// A 60-character enterprise name: the longest a card promises to print whole.
pub const SIXTY: &str = "浙江省绍兴市诸暨市山下湖镇华东国际珠宝城珍珠产业发展集团股份有限公司（诸暨）珍珠饰品设计研究院附属实验工厂暨第十三分公司";

/// A name no card can hold, even in the smallest type with one more line.
pub fn absurd_name() -> String {
    format!("{}{}", SIXTY.repeat(2), "诸暨第三分公司")
}

/// Puts the test register in the database, as an import would.
pub async fn seed_register(db: &impl sea_orm::ConnectionTrait) {
    for (uscc, name, district) in REGISTER {
        add_enterprise(db, uscc, name, district).await;
    }
}

/// One more enterprise.
pub async fn add_enterprise(
    db: &impl sea_orm::ConnectionTrait,
    uscc: &str,
    name: &str,
    district: &str,
) -> enterprises::Model {
    enterprises::ActiveModel {
        uscc: Set(uscc.into()),
        name: Set(name.into()),
        district: Set(district.into()),
        address: Set(None),
        contact_name: Set(None),
        contact_phone: Set(None),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("enterprise inserted")
}

/// Two windows of the service hall.
pub async fn seed_service_points(db: &impl sea_orm::ConnectionTrait) -> Vec<i64> {
    let mut ids = Vec::new();
    for name in ["1号窗口 企业开办", "2号窗口 工程建设"] {
        let point = service_points::ActiveModel {
            name: Set(name.into()),
            hall: Set("市民中心一楼".into()),
            district: Set(Some("暨阳街道".into())),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("service point inserted");
        ids.push(point.id);
    }
    ids
}

/// Creates an account with `role` and logs the app's client in as it; returns the CSRF token.
pub async fn login_as(app: &TestApp, username: &str, role: Role) -> String {
    app.login_as(username, role).await
}

/// Issues through the page as a person does: posts the form, reads the count it shows and
/// confirms it. A form refused at the first step answers with that refusal.
pub async fn post_issue(app: &TestApp, csrf: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let first = app.post_form("/staff/cards/issue", &form).await;
    let (status, headers) = (first.status(), first.headers().clone());
    let body = first.text().await.expect("body");
    let Some(count) = shown_count(&body) else {
        let mut again = axum::http::Response::new(body);
        *again.status_mut() = status;
        *again.headers_mut() = headers;
        return reqwest::Response::from(again);
    };
    assert_eq!(status, 200, "the count is shown before anything is made");
    let count = count.to_string();
    form.push(("expected", &count));
    app.post_form("/staff/cards/issue", &form).await
}

/// The batch size an issuing page offers to confirm (its hidden `expected` field).
pub fn shown_count(page: &str) -> Option<usize> {
    let (_, rest) = page.split_once("name=\"expected\" value=\"")?;
    rest.split('"').next()?.parse().ok()
}

/// The batch id a successful issue redirected to.
pub fn batch_id_of(response: &reqwest::Response) -> i64 {
    assert_eq!(response.status(), 303, "issue redirects to its batch");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a location");
    location
        .strip_prefix("/staff/batches/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .expect("location names the batch")
}

/// The cards of a batch in print order.
pub async fn cards_of(app: &TestApp, batch_id: i64) -> Vec<cards::Model> {
    cards::Entity::find()
        .filter(cards::Column::BatchId.eq(batch_id))
        .order_by_asc(cards::Column::PositionInBatch)
        .all(&app.db)
        .await
        .expect("cards")
}

/// A batch row.
pub async fn batch(app: &TestApp, batch_id: i64) -> card_batches::Model {
    card_batches::Entity::find_by_id(batch_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the batch exists")
}
