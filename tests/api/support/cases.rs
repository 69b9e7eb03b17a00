//! Moving a case along through the domain, as an office worker would, for tests whose subject
//! is what the reporter sees.

use jianduka::access::Role;
use jianduka::cases::{self, CaseActor, Finding, Step};
use jianduka::entities::{cases as case_rows, users};
use jianduka::mail::events::Mailer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::support::TestApp;

/// The supervisor `officer`, created the first time it is needed.
pub async fn officer(app: &TestApp) -> users::Model {
    let existing = users::Entity::find()
        .filter(users::Column::Username.eq("officer"))
        .one(&app.db)
        .await
        .expect("query");
    match existing {
        Some(user) => user,
        None => app.add_user("officer", Role::Supervisor).await,
    }
}

/// The newest case.
pub async fn newest_case(app: &TestApp) -> case_rows::Model {
    case_rows::Entity::find()
        .order_by_desc(case_rows::Column::Id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a case")
}

/// Takes `step` on case `case_id` as the officer.
pub async fn step(app: &TestApp, case_id: i64, step: Step) -> case_rows::Model {
    let user = officer(app).await;
    let actor = CaseActor::new(&user, app.stamp()).mailing(Mailer::of(&app.state));
    let version = case_rows::Entity::find_by_id(case_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
        .version;
    let rules = app.rules().await;
    cases::take_step(&app.state.writes, &rules, &actor, case_id, version, step)
        .await
        .expect("the step is allowed")
}

/// Accepts, concludes with `feedback` for the reporter, and closes case `case_id`.
pub async fn conclude_and_close(app: &TestApp, case_id: i64, feedback: &str) {
    step(app, case_id, Step::Accept).await;
    step(
        app,
        case_id,
        Step::Conclude {
            finding: Finding::Substantiated,
            summary: "经核查，情况属实。".into(),
            feedback: feedback.into(),
        },
    )
    .await;
    step(app, case_id, Step::Close).await;
}

/// The office writes `body` to the reporter of case `case_id`.
pub async fn message(app: &TestApp, case_id: i64, body: &str) {
    let user = officer(app).await;
    let actor = CaseActor::new(&user, app.stamp()).mailing(Mailer::of(&app.state));
    cases::post_message(&app.state.writes, &actor, case_id, body, &[])
        .await
        .expect("message sent");
}

/// A supervisor assigns case `case_id` to the account `username`.
pub async fn assign_to(app: &TestApp, case_id: i64, username: &str) {
    let person = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&app.db)
        .await
        .expect("query")
        .expect("user");
    let user = officer(app).await;
    let actor = CaseActor::new(&user, app.stamp()).mailing(Mailer::of(&app.state));
    let version = case_rows::Entity::find_by_id(case_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
        .version;
    cases::assign(
        &app.state.writes,
        &actor,
        case_id,
        version,
        cases::Assignment::Person(Some(person.id)),
    )
    .await
    .expect("assigned");
}

/// A unit (inspection office) covering `district`; returns its id.
#[allow(dead_code)]
pub async fn unit_for(app: &TestApp, name: &str, district: &str) -> i64 {
    use jianduka::entities::{unit_districts, units};
    use sea_orm::{ActiveModelTrait, Set};
    let unit = units::ActiveModel {
        name: Set(name.into()),
        created_at: Set(app.state.clock.now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("unit");
    unit_districts::ActiveModel {
        unit_id: Set(unit.id),
        district: Set(district.into()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("unit district");
    unit.id
}

/// A staff member with `role` in unit `unit_id` (if any).
#[allow(dead_code)]
pub async fn member(
    app: &TestApp,
    username: &str,
    role: Role,
    unit_id: Option<i64>,
) -> users::Model {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let user = app.add_user(username, role).await;
    let mut update = user.into_active_model();
    update.unit_id = Set(unit_id);
    update.update(&app.db).await.expect("unit set")
}

/// A report from `district` about `items`, stored through the intake use case (limits
/// raised); returns its case and query code. A report from a district comes through an
/// enterprise card held there, and keeps its district however few hold cards there.
#[allow(dead_code)]
pub async fn report_from(
    app: &TestApp,
    district: Option<&str>,
    items: &[i32],
) -> (case_rows::Model, String) {
    use jianduka::entities::enums::ReportSource;
    use jianduka::intake::{IntakeDeps, ReportDraft, ReportSubmission, submit_report};
    let card_token = match district {
        Some(district) => Some(card_held_in(app, district).await),
        None => None,
    };
    let deps = IntakeDeps {
        client_limit: 100_000,
        card_limit: 100_000,
        anonymity_threshold: 0,
        ..IntakeDeps::of(&app.state)
    };
    let reservation = deps
        .reserve(std::net::IpAddr::from([127, 0, 0, 1]), None)
        .unwrap_or_else(|_| panic!("within the raised limit"));
    let receipt = submit_report(
        &deps,
        reservation,
        ReportSubmission {
            draft: ReportDraft {
                items: items.to_vec(),
                description: crate::support::intake::STORY.into(),
                ..Default::default()
            },
            files: Vec::new(),
            file_problem: None,
            card_token,
            door: ReportSource::Api,
            lang: jianduka::i18n::Lang::Zh,
            id: None,
        },
    )
    .await
    .unwrap_or_else(|_| panic!("report stored on {}", app.backend));
    let case = case_rows::Entity::find()
        .filter(case_rows::Column::Number.eq(receipt.case_number.as_str()))
        .one(&app.db)
        .await
        .expect("query")
        .expect("its case");
    let code = receipt
        .query_code
        .expect("a new report's receipt shows its code");
    (case, code.digits().to_string())
}

/// The token of a new enterprise card held in `district` (by an enterprise with a Latin
/// name, so that English pages quote no Chinese name but the district's).
async fn card_held_in(app: &TestApp, district: &str) -> String {
    use jianduka::entities::enterprises;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let card =
        crate::intake_support::insert_card(&app.db, crate::intake_support::CardKind::Enterprise)
            .await;
    let enterprise =
        enterprises::Entity::find_by_id(card.enterprise_id.expect("an enterprise card"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("its enterprise");
    let mut moved = enterprise.into_active_model();
    moved.district = Set(district.to_string());
    moved.name = Set("Test Hosiery Co".into());
    moved.update(&app.db).await.expect("district set");
    card.token
}

/// A personal API token for `user`, issued through the domain.
#[allow(dead_code)]
pub async fn token_for(app: &TestApp, user: &users::Model) -> String {
    let (_, secret) = jianduka::auth::issue_token(&app.state.writes, &app.stamp(), user.id, "test")
        .await
        .expect("token issued");
    secret.expose().clone()
}

/// `method path` with `token` as a bearer token and `body` as JSON (if any).
#[allow(dead_code)]
pub async fn api(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = crate::support::new_client()
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{path} answered {status} with non-JSON: {text}"));
    (status, json)
}
