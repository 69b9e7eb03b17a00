//! The case workspace through `/api/v1/cases` with a personal API token: the list with its
//! filters and cursor, a case read (and audited), each step of the workflow allowed and
//! refused, messages and notes — each answered as a client sees it and checked where stored.

use std::collections::BTreeSet;

use jianduka::access::Role;
use jianduka::entities::{audit_log, cases as case_rows, internal_notes, messages, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::support::cases::{api, member, report_from, token_for, unit_for};
use crate::support::{TestApp, on_each_database};

const EAST: &str = "暨阳街道";
const WEST: &str = "浣东街道";

/// Two units each covering a district, an inspector in each and a supervisor, with tokens.
struct Office {
    east_unit: i64,
    west_unit: i64,
    east: (users::Model, String),
    west: (users::Model, String),
    chief: (users::Model, String),
}

async fn office(app: &TestApp) -> Office {
    let east_unit = unit_for(app, "第一纪检监察室", EAST).await;
    let west_unit = unit_for(app, "第二纪检监察室", WEST).await;
    let mut people = Vec::new();
    for (name, role, unit) in [
        ("east", Role::Inspector, Some(east_unit)),
        ("west", Role::Inspector, Some(west_unit)),
        ("chief", Role::Supervisor, None),
    ] {
        let user = member(app, name, role, unit).await;
        let token = token_for(app, &user).await;
        people.push((user, token));
    }
    let chief = people.pop().expect("chief");
    let west = people.pop().expect("west");
    let east = people.pop().expect("east");
    Office {
        east_unit,
        west_unit,
        east,
        west,
        chief,
    }
}

async fn case(app: &TestApp, id: i64) -> case_rows::Model {
    case_rows::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the case")
}

/// The audit actions recorded on case `id`, oldest first.
async fn case_audit(app: &TestApp, id: i64) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::SubjectType.eq("case"))
        .filter(audit_log::Column::SubjectId.eq(id.to_string()))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|row| row.action)
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

/// Every page of `query` (following `next`); the ids in order.
async fn walk(app: &TestApp, token: &str, query: &str) -> (Vec<i64>, usize) {
    let mut all = Vec::new();
    let mut pages = 0;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(next) => format!("/api/v1/cases?{query}&after={next}"),
            None => format!("/api/v1/cases?{query}"),
        };
        let (status, page) = api(app, token, "GET", &path, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        all.extend(ids(&page));
        pages += 1;
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => return (all, pages),
        }
    }
}

#[tokio::test]
async fn the_case_list_filters_walks_pages_with_its_cursor_and_stays_in_scope() {
    on_each_database(async |app| {
        let office = office(&app).await;
        let mut east_cases = BTreeSet::new();
        for _ in 0..52 {
            east_cases.insert(report_from(&app, Some(EAST), &[1]).await.0.id);
        }
        let mut west_cases = BTreeSet::new();
        for _ in 0..3 {
            west_cases.insert(report_from(&app, Some(WEST), &[2, 5]).await.0.id);
        }
        let (triage, _) = report_from(&app, None, &[3]).await;

        // The east inspector sees the 52 cases of the unit, 50 then 2, in both orders.
        let east = &office.east.1;
        for query in ["", "sort=newest", "sort=oldest"] {
            let (seen, pages) = walk(&app, east, query).await;
            assert_eq!(pages, 2, "{query}");
            assert_eq!(seen.len(), 52, "{query}: no row twice, none lost");
            assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), east_cases);
        }
        let (status, first) = api(&app, east, "GET", "/api/v1/cases?sort=newest", None).await;
        assert_eq!(status, 200);
        assert_eq!(first["cases"][0]["id"], *east_cases.last().expect("newest"));
        let row = &first["cases"][0];
        assert_eq!(row["status"], "new");
        assert_eq!(row["district"], EAST);
        assert_eq!(row["unit_id"], office.east_unit);
        assert_eq!(row["item_numbers"], json!([1]));
        assert_eq!(row["version"], 0);
        assert!(row["due_on"].is_string() && row["tone"].is_string());

        // The supervisor sees everything, and each filter narrows it.
        let chief = &office.chief.1;
        let count = async |query: &str| walk(&app, chief, query).await.0;
        assert_eq!(count("").await.len(), 56);
        assert_eq!(
            count(&format!("district={WEST}"))
                .await
                .into_iter()
                .collect::<BTreeSet<_>>(),
            west_cases
        );
        assert_eq!(count("item=item-5").await.len(), 3);
        assert_eq!(count(&format!("unit={}", office.west_unit)).await.len(), 3);
        assert_eq!(count("unit=triage").await, vec![triage.id]);
        assert_eq!(count("status=new").await.len(), 56);
        assert_eq!(count("status=open").await.len(), 56);
        assert!(count("status=accepted").await.is_empty());
        assert!(count("due=overdue").await.is_empty());
        assert_eq!(count("assignee=none").await.len(), 56);
        assert!(count("assignee=me").await.is_empty());
        assert!(count("flagged=true&revoked=true").await.is_empty());
        // Two weeks later every new case is overdue.
        app.state.clock.advance(chrono::Duration::days(14));
        assert_eq!(count("due=overdue&lang=en").await.len(), 56);
        let (_, page) = api(&app, chief, "GET", "/api/v1/cases?lang=en", None).await;
        assert_eq!(page["cases"][0]["tone"], "overdue");
        assert!(
            page["cases"][0]["due_text"]
                .as_str()
                .is_some_and(|t| t.starts_with("overdue by")),
            "{page}"
        );

        // What the list cannot read is refused, not ignored.
        for query in [
            "status=approved",
            "sort=sideways",
            "after=nonsense",
            "colour=red",
            "flagged=yes",
            "unit=east",
            "assignee=someone",
        ] {
            let (status, body) =
                api(&app, chief, "GET", &format!("/api/v1/cases?{query}"), None).await;
            assert_eq!(status, 400, "{query}: {body}");
            assert!(body["error"].is_string(), "{query}: {body}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_case_reads_as_its_page_shows_it_and_each_read_is_audited() {
    on_each_database(async |app| {
        let office = office(&app).await;
        let (east_case, _) = report_from(&app, Some(EAST), &[2, 9]).await;
        let path = format!("/api/v1/cases/{}", east_case.id);
        let (status, detail) = api(&app, &office.east.1, "GET", &path, None).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["number"], east_case.number.as_str());
        assert_eq!(detail["status"], "new");
        assert_eq!(detail["version"], 0);
        assert_eq!(detail["unit"], "第一纪检监察室");
        assert_eq!(detail["description"], crate::support::intake::STORY);
        assert_eq!(detail["items"].as_array().expect("items").len(), 2);
        assert_eq!(detail["events"][0]["kind"], "received");
        let actions = detail["actions"].to_string();
        assert!(actions.contains("accept") && !actions.contains("reopen"));
        let viewed = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("case_viewed"))
            .all(&app.db)
            .await
            .expect("audit");
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0].actor_id, Some(office.east.0.id));
        assert_eq!(viewed[0].subject_id, Some(east_case.id.to_string()));

        // Out of scope is answered like a case that does not exist, and is not audited.
        let (status, body) = api(&app, &office.west.1, "GET", &path, None).await;
        assert_eq!(status, 404);
        assert!(body["error"].is_string());
        assert_eq!(
            api(&app, &office.chief.1, "GET", "/api/v1/cases/999999", None)
                .await
                .0,
            404
        );
        assert_eq!(
            api(&app, &office.chief.1, "GET", "/api/v1/cases/abc", None)
                .await
                .0,
            400
        );
        assert_eq!(case_audit(&app, east_case.id).await, vec!["case_viewed"]);
    })
    .await;
}

#[tokio::test]
async fn every_step_goes_through_the_api_and_each_refusal_says_why() {
    on_each_database(async |app| {
        let office = office(&app).await;
        let (east, west, chief) = (&office.east.1, &office.west.1, &office.chief.1);
        let (c, _) = report_from(&app, Some(EAST), &[4]).await;
        let path = format!("/api/v1/cases/{}/transition", c.id);
        let step =
            async |token: &str, body: Value| api(&app, token, "POST", &path, Some(body)).await;

        let (status, state) = step(east, json!({ "version": 0, "step": "accept" })).await;
        assert_eq!(status, 200, "{state}");
        assert_eq!(state["status"], "accepted");
        assert_eq!(state["version"], 1);
        assert!(state["due_on"].is_string());

        // 422: the workflow does not go there; 409: someone moved the case meanwhile.
        let (status, body) = step(east, json!({ "version": 1, "step": "accept" })).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"].is_string());
        let (status, body) = step(east, json!({ "version": 0, "step": "investigate" })).await;
        assert_eq!(status, 409, "{body}");
        // 404: an inspector of another unit cannot even see it.
        let (status, _) = step(west, json!({ "version": 1, "step": "investigate" })).await;
        assert_eq!(status, 404);
        // What the body lacks or does not name.
        let (status, body) = step(east, json!({ "version": 1, "step": "approve" })).await;
        assert_eq!(status, 422, "{body}");
        let (status, _) = step(east, json!({ "step": "investigate" })).await;
        assert_eq!(status, 422);
        let (status, body) = api_raw(&app, east, &path, "{not json").await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            case(&app, c.id).await.version,
            1,
            "refusals changed nothing"
        );

        let (status, state) = step(east, json!({ "version": 1, "step": "investigate" })).await;
        assert_eq!(
            (status, state["status"].as_str()),
            (200, Some("investigating"))
        );
        let (status, body) = step(east, json!({ "version": 2, "step": "conclude" })).await;
        assert_eq!(status, 422, "a finding is required: {body}");
        let conclude = json!({
            "version": 2,
            "step": "conclude",
            "finding": "partly_substantiated",
            "summary": "窗口人员暗示请客属实，已约谈。",
            "feedback": "经核查，反映情况部分属实，已责令整改。",
        });
        let (status, state) = step(east, conclude).await;
        assert_eq!((status, state["status"].as_str()), (200, Some("concluded")));
        let (status, state) = step(east, json!({ "version": 3, "step": "close" })).await;
        assert_eq!((status, state["status"].as_str()), (200, Some("closed")));

        // Reopening is a supervisor's, with a reason.
        let reopen = json!({ "version": 4, "step": "reopen", "reason": "补充调查" });
        let (status, body) = step(east, reopen.clone()).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = step(chief, json!({ "version": 4, "step": "reopen" })).await;
        assert_eq!(status, 422);
        let (status, state) = step(chief, reopen).await;
        assert_eq!(
            (status, state["status"].as_str()),
            (200, Some("investigating"))
        );

        let stored = case(&app, c.id).await;
        assert_eq!(stored.version, 5);
        assert_eq!(
            stored.feedback.as_deref(),
            Some("经核查，反映情况部分属实，已责令整改。")
        );
        assert_eq!(
            case_audit(&app, c.id).await,
            [
                "case_accepted",
                "case_investigating",
                "case_concluded",
                "case_closed",
                "case_reopened"
            ]
        );

        // By default an inspector's decline needs a supervisor's approval; this office lets
        // its inspectors decline directly. Declining needs the reason the reporter will read.
        let (d0, _) = report_from(&app, Some(EAST), &[4]).await;
        let direct = json!({ "version": 0, "step": "decline", "reason": "不属于受理范围" });
        let path0 = format!("/api/v1/cases/{}/transition", d0.id);
        let (status, body) = api(&app, east, "POST", &path0, Some(direct)).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"].as_str().unwrap_or("").contains("批准"),
            "{body}"
        );
        jianduka::cases::handling::set_inspectors_decline_directly(
            &app.state.writes,
            &app.stamp(),
            true,
        )
        .await
        .expect("rule set");
        let (d, _) = report_from(&app, Some(EAST), &[4]).await;
        let path = format!("/api/v1/cases/{}/transition", d.id);
        let (status, _) = api(
            &app,
            east,
            "POST",
            &path,
            Some(json!({ "version": 0, "step": "decline" })),
        )
        .await;
        assert_eq!(status, 422);
        let body = json!({ "version": 0, "step": "decline", "reason": "不属于受理范围" });
        let (status, state) = api(&app, east, "POST", &path, Some(body)).await;
        assert_eq!((status, state["status"].as_str()), (200, Some("declined")));
        assert_eq!(
            case(&app, d.id).await.decline_reason.as_deref(),
            Some("不属于受理范围")
        );
    })
    .await;
}

/// POSTs `body` as it is, labelled JSON.
async fn api_raw(app: &TestApp, token: &str, path: &str, body: &str) -> (u16, Value) {
    let response = crate::support::new_client()
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn messages_reach_the_reporter_and_notes_stay_inside() {
    on_each_database(async |app| {
        let office = office(&app).await;
        let (c, code) = report_from(&app, Some(EAST), &[6]).await;
        let east = &office.east.1;
        let messages_path = format!("/api/v1/cases/{}/messages", c.id);
        let notes_path = format!("/api/v1/cases/{}/notes", c.id);

        let body = json!({ "body": "请问具体是哪一天办理的？" });
        let (status, written) = api(&app, east, "POST", &messages_path, Some(body)).await;
        assert_eq!(status, 201, "{written}");
        let message = messages::Entity::find_by_id(written["id"].as_i64().expect("id"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(message.body, "请问具体是哪一天办理的？");
        assert_eq!(message.author_id, Some(office.east.0.id));

        let body = json!({ "body": "已电话联系窗口负责人。" });
        let (status, written) = api(&app, east, "POST", &notes_path, Some(body)).await;
        assert_eq!(status, 201);
        let note = internal_notes::Entity::find_by_id(written["id"].as_i64().expect("id"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored");
        assert_eq!(note.body, "已电话联系窗口负责人。");

        // The reporter reads the message with the query code, never the note.
        let status: Value = app
            .client
            .get(format!("{}/api/v1/reports/status", app.address))
            .header("X-Query-Code", &code)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert_eq!(status["messages"][0]["body"], "请问具体是哪一天办理的？");
        assert!(!status.to_string().contains("已电话联系窗口负责人"));
        // The case shows both to staff.
        let (_, detail) = api(&app, east, "GET", &format!("/api/v1/cases/{}", c.id), None).await;
        assert_eq!(detail["messages"][0]["body"], "请问具体是哪一天办理的？");
        assert_eq!(detail["notes"][0]["body"], "已电话联系窗口负责人。");

        // Empty, missing, not JSON, out of scope.
        for (path, body) in [
            (&messages_path, json!({ "body": "   " })),
            (&notes_path, json!({})),
            (&notes_path, json!({ "body": "x", "extra": 1 })),
        ] {
            let (status, answer) = api(&app, east, "POST", path, Some(body)).await;
            assert_eq!(status, 422, "{path}: {answer}");
            assert!(answer["error"].is_string());
        }
        let (status, _) = api_raw(&app, east, &notes_path, "body=plain").await;
        assert_eq!(status, 400);
        let body = json!({ "body": "越权留言" });
        let (status, _) = api(&app, &office.west.1, "POST", &messages_path, Some(body)).await;
        assert_eq!(status, 404);
        assert_eq!(
            case_audit(&app, c.id).await,
            ["message_sent", "note_added", "case_viewed"]
        );
    })
    .await;
}
