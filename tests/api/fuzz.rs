//! Every route the router declares — public pages, staff pages (as an admin, with a valid
//! CSRF token, so each handler really reads what it is sent) and the JSON API (with an admin's
//! token) — is sent malformed path parameters, queries, forms and JSON. No answer may be a
//! 5xx and no request may end without one (a panicking worker closes the connection). Bounded:
//! a fixed set of inputs per route, so it runs in seconds on two cores.

use std::time::Instant;

use jianduka::access::Role;
use reqwest::{Client, Method};

use crate::helpers::{TEST_PASSWORD, TestApp, new_client, on_each_database};

/// What `{id}`-like path parameters become: a real row, nothing, and nonsense.
const PATH_VALUES: &[&str] = &["1", "0", "-1", "99999999999999999999", "x%00y", "%E4%B8"];

/// Query strings sent to every GET route (the dates are the ones chrono cannot do sums on).
const QUERIES: &[&str] = &[
    "to=-262143-01&from=%2B262142-12",
    "to=%2B262142-12-31&from=-262143-01-01&before=-1&case=x",
    "done=x&page=-1&after=zz&status=%00&sort=%FF&due=soon%1B&unit=99999&assignee=-5",
    "q=%E4%B8&next=%2F%2Fevil.example&item=item-999&lang=xx&id[]=1&format=pdf%00",
];

/// Field names the staff and public forms use, each sent with every hostile value.
const FIELDS: &[&str] = &[
    "id",
    "unit",
    "role",
    "value",
    "action",
    "reason",
    "summary",
    "feedback",
    "finding",
    "message",
    "note",
    "text",
    "date",
    "from",
    "to",
    "due",
    "days",
    "step",
    "version",
    "code",
    "password",
    "new_password",
    "confirm",
    "current",
    "current_code",
    "secret",
    "name",
    "district",
    "hall",
    "email",
    "username",
    "display_name",
    "channel",
    "template",
    "format",
    "dpi",
    "enterprise",
    "batch",
    "serial",
    "items",
    "item",
    "description",
    "contact",
    "phone",
    "when",
    "department",
    "rating",
    "comment",
    "assignee",
    "until",
    "kind",
    "token",
    "query_code",
    "totp_role",
    "decision",
    "target",
    "again",
    "all",
    "service_point",
    "year",
    "lang",
    "next",
];

/// Values for those fields: numbers out of range, dates out of range, control characters,
/// a long text.
fn hostile_values() -> Vec<String> {
    vec![
        "99999".into(),
        "-99999999999999999999".into(),
        "+262142-12-31".into(),
        "x\u{0}\u{1b}[2J\u{7f}".into(),
        "中".repeat(2_000),
    ]
}

/// JSON bodies for API POSTs.
fn hostile_json() -> Vec<String> {
    vec![
        "{".into(),
        "[]".into(),
        "null".into(),
        r#"{"step":"nope","version":-1,"reason":"a\u0000b\u001b[2J"}"#.into(),
        r#"{"text":"a\u0000b","internal":"yes","version":99999999999999999999}"#.into(),
        r#"{"step":"accept","version":0,"finding":{},"items":[1e400],"description":"\u0000"}"#
            .into(),
        format!(r#"{{"text":"{}"}}"#, "x".repeat(3 * 1024 * 1024)),
    ]
}

/// The route's path with every `{param}` set to `value`.
fn fill(template: &str, value: &str) -> String {
    template
        .split('/')
        .map(|part| if part.starts_with('{') { value } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// The public routes (the staff and API routes are enumerated from the router).
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/r/{token}"),
    ("POST", "/r/{token}"),
    ("GET", "/report"),
    ("POST", "/report"),
    ("GET", "/receipt"),
    ("GET", "/q"),
    ("POST", "/q"),
    ("POST", "/q/reply"),
    ("POST", "/q/evidence"),
    ("POST", "/q/rate"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/reports/status"),
    ("POST", "/api/v1/reports/status"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
];

/// One request; its status, or a failure naming it when no answer came. A request that finds
/// its pooled connection closed (the server closes one after refusing an oversized body
/// unread) is sent once more; a handler that panics fails both times.
async fn status_of(request: reqwest::RequestBuilder, what: &str) -> Result<u16, String> {
    let again = request.try_clone();
    match request.send().await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(first) => match again {
            Some(again) => match again.send().await {
                Ok(response) => Ok(response.status().as_u16()),
                Err(e) => Err(format!("{what}: no answer ({first}; again: {e})")),
            },
            None => Err(format!("{what}: no answer ({first})")),
        },
    }
}

struct Door<'a> {
    client: &'a Client,
    bearer: Option<&'a str>,
    csrf: Option<&'a str>,
    json: bool,
}

/// Sends every malformed input to `method template`; collects what went wrong.
async fn walk(app: &TestApp, door: &Door<'_>, method: &str, template: &str) -> Vec<String> {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut failures = Vec::new();
    let mut requests = Vec::new();
    let paths: Vec<String> = if template.contains('{') {
        PATH_VALUES.iter().map(|v| fill(template, v)).collect()
    } else {
        vec![template.to_string()]
    };
    for path in &paths {
        let url = format!("{}{path}", app.address);
        let base = || {
            let mut request = door.client.request(method.clone(), &url);
            if let Some(token) = door.bearer {
                request = request.bearer_auth(token);
            }
            request
        };
        if method == Method::GET {
            requests.push((format!("GET {path}"), base()));
            // Hostile queries on the real row only: the parameters are walked above.
            if path == &paths[0] {
                for query in QUERIES {
                    let request = door
                        .client
                        .request(method.clone(), format!("{url}?{query}"));
                    let request = match door.bearer {
                        Some(token) => request.bearer_auth(token),
                        None => request,
                    };
                    requests.push((format!("GET {path}?{query}"), request));
                }
            }
            continue;
        }
        if door.json {
            let bodies = if path == &paths[0] {
                hostile_json()
            } else {
                vec!["{}".into()]
            };
            for body in bodies {
                let shown: String = body.chars().take(60).collect();
                let what = format!("POST {path} JSON {shown}");
                let request = base().header("content-type", "application/json").body(body);
                requests.push((what, request));
            }
            continue;
        }
        let csrf = door.csrf.unwrap_or_default();
        let mut forms: Vec<Vec<(String, String)>> = vec![vec![("csrf".into(), csrf.into())]];
        if path == &paths[0] {
            for value in hostile_values() {
                let mut form = vec![("csrf".to_string(), csrf.to_string())];
                form.extend(FIELDS.iter().map(|f| (f.to_string(), value.clone())));
                forms.push(form);
            }
        }
        for form in forms {
            let what = format!(
                "POST {path} form {}",
                form.last()
                    .map_or(String::new(), |(_, v)| v.chars().take(20).collect())
            );
            requests.push((what, base().form(&form)));
        }
    }
    for (what, request) in requests {
        match status_of(request, &what).await {
            Ok(status) if status >= 500 => {
                failures.push(format!("{what} answered {status} on {}", app.backend));
            }
            Ok(_) => {}
            Err(failure) => failures.push(failure),
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_answers_malformed_input_with_a_server_error() {
    on_each_database(async |app| {
        let started = Instant::now();
        crate::cards::seed_register(&app.db).await;
        crate::case_support::report_from(&app, None, &[1]).await;
        let admin = app.add_user("fuzz-admin", Role::Admin).await;
        let token = crate::case_support::token_for(&app, &admin).await;
        let (session, csrf) = app.client_for("fuzz-admin", TEST_PASSWORD).await;
        let stranger = new_client();
        let mut failures = Vec::new();
        let mut routes = 0;

        for (method, path) in PUBLIC {
            let json = path.starts_with("/api/");
            let door = Door {
                client: &stranger,
                bearer: None,
                csrf: None,
                json,
            };
            failures.extend(walk(&app, &door, method, path).await);
            routes += 1;
        }
        let api = Door {
            client: &stranger,
            bearer: Some(&token),
            csrf: None,
            json: true,
        };
        for route in jianduka::app::api_routes() {
            failures.extend(walk(&app, &api, route.method, route.path).await);
            routes += 1;
        }
        let staff = Door {
            client: &session,
            bearer: None,
            csrf: Some(&csrf),
            json: false,
        };
        // Logging out would end the walk's own session.
        for route in jianduka::app::staff_routes()
            .into_iter()
            .filter(|r| r.path != "/logout")
        {
            failures.extend(walk(&app, &staff, route.method, route.path).await);
            routes += 1;
        }
        assert!(routes >= 60, "only {routes} routes walked");
        assert!(
            failures.is_empty(),
            "{} server errors:\n{}",
            failures.len(),
            failures.join("\n")
        );
        eprintln!(
            "fuzz: {routes} routes on {} in {:.1} s",
            app.backend,
            started.elapsed().as_secs_f64()
        );
    })
    .await;
}
