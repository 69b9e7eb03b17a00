//! sea-orm entities, one per table, in the shape `sea-orm-cli generate entity` gives.
//! Logic lives in the domain modules, never here.

pub mod api_tokens;
pub mod attachments;
pub mod audit_head;
pub mod audit_log;
pub mod calendar_days;
pub mod calendar_years;
pub mod card_batches;
pub mod cards;
pub mod case_events;
pub mod case_reads;
pub mod cases;
pub mod email_outbox;
pub mod enterprises;
pub mod enums;
pub mod extensions;
pub mod follow_ups;
pub mod internal_notes;
pub mod mail_muted;
pub mod messages;
pub mod negative_list_items;
pub mod negative_list_versions;
pub mod objections;
pub mod report_items;
pub mod report_receipts;
pub mod reporter_actions;
pub mod reports;
pub mod service_points;
pub mod sessions;
pub mod settings;
pub mod sla_policies;
pub mod totp_enrolments;
pub mod unit_districts;
pub mod units;
pub mod urgings;
pub mod users;
