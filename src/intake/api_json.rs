//! The JSON the intake API reads and writes, and the parts of its OpenAPI schema that a
//! derive cannot say (a contact needs a phone or an email; the multipart form's files).

use serde::{Deserialize, Serialize};

use super::draft::ReportDraft;
use crate::cases::{self, PublicEvent, PublicMessage};

/// Contact details in a JSON report: a phone number or an email address (or both) is
/// required. Its schema is written out in [`contact_schema`], because the rule "at least one
/// of" is not something a derive can say.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The body of `POST /api/v1/reports`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewReport)]
pub struct ReportJson {
    /// Positions (1–10) of the negative-list items on the card's list; repeats count once.
    #[schema(min_items = 1, minimum = 1, maximum = 10)]
    pub items: Vec<i32>,
    /// What happened, 10 to 5000 characters.
    #[schema(min_length = 10, max_length = 5000)]
    pub description: String,
    /// When: `YYYY-MM-DD` (`2026/11/3` and `2026年11月3日` are read too); not in the future.
    #[schema(format = Date)]
    pub occurred_on: Option<String>,
    /// Which department or official, if the reporter says.
    #[schema(max_length = 200)]
    pub department: Option<String>,
    /// Leave out (or null) to report anonymously.
    #[schema(schema_with = contact_schema)]
    pub contact: Option<ContactJson>,
    /// The token from the card's QR code (`/r/{token}`), if any.
    pub card_token: Option<String>,
    /// Link the report to the card's enterprise (only with an enterprise card).
    #[serde(default)]
    pub identify: bool,
}

impl ReportJson {
    /// The report as the form's draft describes one (the card token is read apart).
    pub fn into_draft(self) -> ReportDraft {
        let contact = self.contact;
        let field = |pick: fn(&ContactJson) -> &Option<String>| {
            contact
                .as_ref()
                .and_then(|c| pick(c).clone())
                .unwrap_or_default()
        };
        ReportDraft {
            items: self.items,
            description: self.description,
            occurred_on: self.occurred_on.unwrap_or_default(),
            department: self.department.unwrap_or_default(),
            with_contact: contact.is_some(),
            contact_name: field(|c| &c.name),
            contact_phone: field(|c| &c.phone),
            contact_email: field(|c| &c.email),
            identify: self.identify,
        }
    }
}

/// `multipart/form-data` form of a report: the JSON in a `report` part, up to five files in
/// `attachment` parts. Only for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReportUpload {
    report: ReportJson,
    #[schema(schema_with = attachments_schema, required = false)]
    attachment: Vec<Vec<u8>>,
}

/// `attachment`: up to five files.
fn attachments_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let file = ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/octet-stream");
    ArrayBuilder::new()
        .items(file)
        .max_items(Some(crate::attachments::MAX_FILES))
        .description(Some(
            "JPEG, PNG, WebP or PDF, up to 10 MB each, recognised by content; photos are \
             re-encoded without their metadata",
        ))
        .into()
}

/// The answer to a stored report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Created)]
pub struct CreatedJson {
    #[schema(example = "JD2026-000042")]
    pub case_number: String,
    /// 16 digits; shown once, stored only as a keyed hash.
    #[schema(pattern = "^[0-9]{16}$")]
    pub query_code: String,
    pub status: cases::CaseStatus,
}

/// The status of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Status)]
pub struct StatusJson {
    pub case_number: String,
    pub status: cases::CaseStatus,
    pub status_label: String,
    /// Beijing time, `YYYY-MM-DD HH:MM`.
    pub received_at: String,
    pub timeline: Vec<PublicEvent>,
    pub messages: Vec<PublicMessage>,
}

/// The body of `POST /api/v1/reports/status`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = QueryCodeBody)]
pub struct CodeJson {
    /// The 16-digit query code; spaces and dashes are ignored.
    #[schema(example = "1234 5678 9012 3456")]
    pub query_code: String,
}

/// `contact`: null, or an object with a phone or an email (blank counts as absent).
fn contact_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{
        AdditionalProperties, AllOfBuilder, AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat,
        SchemaType, Type,
    };
    let text = || SchemaType::from_iter([Type::String, Type::Null]);
    let fields = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .property(
            "name",
            ObjectBuilder::new()
                .schema_type(text())
                .max_length(Some(50)),
        )
        .property(
            "phone",
            ObjectBuilder::new()
                .schema_type(text())
                .pattern(Some(r"^[0-9 ()+-]*$"))
                .description(Some("5 to 20 digits; spaces, +, - and brackets allowed")),
        )
        .property(
            "email",
            ObjectBuilder::new()
                .schema_type(text())
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
                .max_length(Some(200)),
        );
    let given = |field: &str| {
        ObjectBuilder::new().required(field).property(
            field,
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"\S")),
        )
    };
    let reachable = AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(given("phone"))
        .item(given("email"));
    AllOfBuilder::new()
        .description(Some(
            "Leave out to stay anonymous. Otherwise a phone number or an email address (or both) \
             is required, so that the office can reach the reporter.",
        ))
        .item(fields)
        .item(reachable)
        .into()
}
