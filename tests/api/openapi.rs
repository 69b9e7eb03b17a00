//! The OpenAPI document: valid OpenAPI 3, in step with the routes the server really has (the
//! bearer-token routes enumerated from the router's declarations), and saying what the server
//! accepts.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use crate::support::{TestApp, spawn_app, temp_dir};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The public intake API, which is a plain router (nothing to enumerate it from).
const INTAKE_OPERATIONS: [(&str, &str); 3] = [
    ("post", "/v1/reports"),
    ("get", "/v1/reports/status"),
    ("post", "/v1/reports/status"),
];

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    response.json().await.expect("the document is JSON")
}

/// Every operation of the document as (method, path).
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut all = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                all.insert((method.to_string(), path.clone()));
            }
        }
    }
    all
}

/// Every `$ref` in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    out.push(v.as_str().expect("a $ref is a string").to_string());
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// The schema a `$ref` names.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_and_lists_every_route_of_both_apis() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1."), "{version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(doc["servers"][0]["url"], "/api");

    // Both ways: every declared route is described, and every described one is served.
    let mut expected: BTreeSet<(String, String)> = INTAKE_OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let api_routes = jianduka::app::api_routes();
    assert!(
        api_routes.len() >= 5,
        "only {} API routes",
        api_routes.len()
    );
    for route in &api_routes {
        let path = route.path.strip_prefix("/api").expect("under /api");
        expected.insert((route.method.to_lowercase(), path.to_string()));
        let operation = &doc["paths"][path][route.method.to_lowercase()];
        assert_eq!(
            operation["security"][0]["bearer"],
            serde_json::json!([]),
            "{} {path} requires the bearer token",
            route.method
        );
        for status in ["401", "403"] {
            assert!(
                operation["responses"][status].is_object(),
                "{path} {status}"
            );
        }
    }
    assert_eq!(operations(&doc), expected);
    for (method, path) in operations(&doc) {
        let url = format!("{}/api{}", app.address, path.replace("{id}", "1"));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("m");
        let response = app.client.request(method, url).send().await.expect("sent");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON answer");
        assert!(
            status != 405 && body["error"] != "没有这个 API 接口",
            "{path} is described but not served ({status})"
        );
    }

    // Sound: unique operation ids, every reference resolves, every path parameter declared.
    let mut ids = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][&method];
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty())
        );
        for name in path.split('/').filter_map(|s| s.strip_prefix('{')) {
            let name = name.trim_end_matches('}');
            let declared = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true);
            assert!(declared, "{method} {path} declares {{{name}}}");
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for reference in all {
        assert!(resolve(&doc, &reference).is_some(), "{reference} resolves");
    }
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
}

#[tokio::test]
async fn the_openapi_document_says_what_the_intake_accepts() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let report = schema(&doc, "NewReport");
    assert_eq!(report["additionalProperties"], false);
    let required: Vec<&str> = report["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.contains(&"items") && required.contains(&"description"));
    let items = &report["properties"]["items"];
    assert_eq!(items["minItems"], 1);
    assert_eq!(items["items"]["type"], "integer");
    assert_eq!(items["items"]["minimum"], 1);
    assert_eq!(items["items"]["maximum"], 10);
    assert_eq!(report["properties"]["description"]["minLength"], 10);
    assert_eq!(report["properties"]["description"]["maxLength"], 5000);
    // A contact, when given, needs a phone or an email.
    let contact = report["properties"]["contact"].to_string();
    assert!(
        contact.contains(r#""required":["phone"]"#) && contact.contains(r#""required":["email"]"#),
        "{contact}"
    );
    let status = &doc["paths"]["/v1/reports/status"]["get"];
    let header = status["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "X-Query-Code")
        .expect("X-Query-Code is documented");
    assert_eq!(header["in"], "header");
    assert_eq!(header["required"], true);
    assert!(status["responses"]["400"].is_object());
    let upload = &doc["paths"]["/v1/reports"]["post"]["requestBody"]["content"];
    assert!(upload["application/json"].is_object());
    assert!(upload["multipart/form-data"].is_object());
    let step = schema(&doc, "StepName")["enum"].to_string();
    for name in [
        "accept",
        "decline",
        "investigate",
        "conclude",
        "close",
        "reopen",
    ] {
        assert!(step.contains(name), "{step}");
    }
}

#[tokio::test]
async fn the_openapi_document_passes_a_real_validator_when_one_is_installed() {
    // `pip install openapi-spec-validator` provides it; JIANDUKA_OPENAPI_VALIDATOR may name it.
    let validator = std::env::var("JIANDUKA_OPENAPI_VALIDATOR")
        .unwrap_or_else(|_| "openapi-spec-validator".to_string());
    let runs = Command::new(&validator)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        eprintln!("note: {validator} not installed; the OpenAPI document was not validated by it");
        return;
    }
    let app = spawn_app().await;
    let doc = document(&app).await;
    let dir = temp_dir("openapi");
    let file = dir.join("openapi.json");
    std::fs::write(&file, doc.to_string()).expect("written");
    let output = Command::new(&validator)
        .arg(&file)
        .output()
        .expect("validator runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
