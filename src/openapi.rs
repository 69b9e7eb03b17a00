//! The OpenAPI document of the JSON API, served at `/api/openapi.json`.

use axum::Json;
use serde_json::{Value, json};

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

/// The OpenAPI 3.1 description of `/api/v1`.
pub fn spec() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "jianduka API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Report a problem to the discipline-inspection commission and follow it with the query code. \
                The query code is never put in a URL: send it in the X-Query-Code header or in a JSON body. \
                Client addresses and user agents are never stored; rate limits are kept in memory."
        },
        "servers": [{ "url": "/api" }],
        "paths": {
            "/v1/reports": {
                "post": {
                    "operationId": "createReport",
                    "summary": "Send a report (anonymous unless contact details are given)",
                    "parameters": [{ "$ref": "#/components/parameters/Lang" }],
                    "requestBody": {
                        "required": true,
                        "content": {
                            "application/json": { "schema": { "$ref": "#/components/schemas/NewReport" } },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["report"],
                                    "properties": {
                                        "report": { "$ref": "#/components/schemas/NewReport" },
                                        "attachment": {
                                            "type": "array", "maxItems": 5,
                                            "items": { "type": "string", "contentMediaType": "application/octet-stream" },
                                            "description": "JPEG, PNG, WebP or PDF, 10 MB each, recognised by content; photos are re-encoded without metadata"
                                        }
                                    }
                                },
                                "encoding": { "report": { "contentType": "application/json" } }
                            }
                        }
                    },
                    "responses": {
                        "201": {
                            "description": "Stored; the query code is returned this once only",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Created" } } }
                        },
                        "400": error_response("The body is not valid JSON or has unknown fields"),
                        "413": error_response("An attachment is over 10 MB, or the request over its limit"),
                        "415": error_response("An attachment is not a JPEG, PNG, WebP or PDF"),
                        "422": error_response("A field or a file is refused; the message names each field"),
                        "429": error_response("Too many reports from this client or card; try later")
                    }
                }
            },
            "/v1/reports/status": {
                "get": {
                    "operationId": "reportStatusByHeader",
                    "summary": "A case's status and public timeline, code in a header",
                    "parameters": [
                        {
                            "name": "X-Query-Code", "in": "header", "required": true,
                            "description": "The 16-digit query code; spaces and dashes are ignored",
                            "schema": { "type": "string", "examples": ["1234 5678 9012 3456"] }
                        },
                        { "$ref": "#/components/parameters/Lang" }
                    ],
                    "responses": {
                        "200": {
                            "description": "The case",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Status" } } }
                        },
                        "404": error_response("No case for that code (the same answer whatever the reason)"),
                        "429": error_response("Too many wrong codes from this client; try again in 15 minutes")
                    }
                },
                "post": {
                    "operationId": "reportStatusByBody",
                    "summary": "A case's status and public timeline, code in the body",
                    "parameters": [{ "$ref": "#/components/parameters/Lang" }],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": {
                            "type": "object", "required": ["query_code"],
                            "properties": { "query_code": { "type": "string" } }
                        } } }
                    },
                    "responses": {
                        "200": {
                            "description": "The case",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Status" } } }
                        },
                        "404": error_response("No case for that code (the same answer whatever the reason)"),
                        "429": error_response("Too many wrong codes from this client; try again in 15 minutes")
                    }
                }
            }
        },
        "components": {
            "parameters": {
                "Lang": {
                    "name": "lang", "in": "query", "required": false,
                    "description": "Language of messages and labels (default: Accept-Language, then zh-CN)",
                    "schema": { "type": "string", "enum": ["zh-CN", "en"] }
                }
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": { "type": "string" } }
                },
                "NewReport": {
                    "type": "object",
                    "required": ["items", "description"],
                    "additionalProperties": false,
                    "properties": {
                        "items": {
                            "type": "array", "minItems": 1,
                            "items": { "type": "integer", "minimum": 1 },
                            "description": "Positions of the negative-list items (1–10 on the default list)"
                        },
                        "description": { "type": "string", "minLength": 10, "maxLength": 5000 },
                        "occurred_on": { "type": ["string", "null"], "format": "date", "description": "Not in the future" },
                        "department": { "type": ["string", "null"], "maxLength": 200 },
                        "contact": {
                            "type": ["object", "null"],
                            "description": "Leave out to stay anonymous; otherwise a phone or an email is required",
                            "properties": {
                                "name": { "type": ["string", "null"], "maxLength": 50 },
                                "phone": { "type": ["string", "null"] },
                                "email": { "type": ["string", "null"], "format": "email" }
                            }
                        },
                        "card_token": { "type": ["string", "null"], "description": "The token from the card's QR code, if any" },
                        "identify": { "type": "boolean", "default": false, "description": "Link the report to the card's enterprise" }
                    }
                },
                "Created": {
                    "type": "object",
                    "required": ["case_number", "query_code", "status"],
                    "properties": {
                        "case_number": { "type": "string", "examples": ["JD2026-000042"] },
                        "query_code": { "type": "string", "pattern": "^[0-9]{16}$" },
                        "status": { "$ref": "#/components/schemas/CaseStatus" }
                    }
                },
                "CaseStatus": {
                    "type": "string",
                    "enum": ["new", "accepted", "declined", "investigating", "concluded", "closed"]
                },
                "Status": {
                    "type": "object",
                    "required": ["case_number", "status", "status_label", "received_at", "timeline", "messages"],
                    "properties": {
                        "case_number": { "type": "string" },
                        "status": { "$ref": "#/components/schemas/CaseStatus" },
                        "status_label": { "type": "string" },
                        "received_at": { "type": "string", "description": "China Standard Time, YYYY-MM-DD HH:MM" },
                        "timeline": { "type": "array", "items": {
                            "type": "object",
                            "required": ["at", "kind", "label"],
                            "properties": {
                                "at": { "type": "string" },
                                "kind": { "type": "string", "enum": ["received", "status", "rated"] },
                                "status": { "oneOf": [{ "$ref": "#/components/schemas/CaseStatus" }, { "type": "null" }] },
                                "label": { "type": "string" },
                                "note": { "type": ["string", "null"], "description": "Decline reason or finding" }
                            }
                        } },
                        "messages": { "type": "array", "items": {
                            "type": "object",
                            "required": ["at", "direction", "body"],
                            "properties": {
                                "at": { "type": "string" },
                                "direction": { "type": "string", "enum": ["office", "reporter"] },
                                "body": { "type": "string" }
                            }
                        } }
                    }
                }
            }
        }
    })
}
