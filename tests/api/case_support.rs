//! Moving a case along through the domain, as an office worker would, for tests whose subject
//! is what the reporter sees.

use jianduka::access::Role;
use jianduka::cases::{self, CaseActor, Finding, Step};
use jianduka::entities::{cases as case_rows, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::TestApp;

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
    let actor = CaseActor::new(&user, app.stamp());
    let version = case_rows::Entity::find_by_id(case_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("case")
        .version;
    let rules = app
        .state
        .sla
        .rules(&app.db, app.state.clock.now())
        .await
        .expect("rules");
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
    let actor = CaseActor::new(&user, app.stamp());
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
    let actor = CaseActor::new(&user, app.stamp());
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
