//! Integration tests: one binary, a real server on port 0 and a fresh database per test,
//! on SQLite always and on PostgreSQL when JIANDUKA_TEST_DATABASE_URL names a server.

mod support;
// The paths these modules had before the support folder, for test files written on other
// branches meanwhile; new tests name `crate::support::…`.
#[allow(unused_imports)]
use support::{app as helpers, cases as case_support, intake as intake_support, smtp_server};

mod access;
mod accessibility;
mod accounts;
mod accounts_edit;
mod api_tokens;
mod appraisal;
mod audit;
mod audit_anchor;
mod audit_page;
mod browser;
mod calendar_gaps;
mod cards;
mod case_model;
mod cases_api;
mod cli;
mod deadlines;
mod decision_races;
mod decline_approval;
mod dossier;
mod e2e;
mod e2e_tracker;
mod enterprises;
mod enterprises_access;
mod enterprises_cli;
mod feedback_one_step;
mod follow_up_visits;
mod foundation;
mod fuzz;
mod input_rule;
mod instances;
mod intake;
mod intake_api;
mod intake_files;
mod intake_follow_up;
mod intake_lang;
mod intake_limits;
mod intake_privacy;
mod intake_receipt;
mod leases;
mod login;
mod mail;
mod mail_pages;
mod objection;
mod one_language;
mod openapi;
mod ops;
mod reminders;
mod returns;
mod server;
mod service_points;
mod sessions;
mod small_errors;
mod staff_documents;
mod staff_uploads;
mod statistics_days;
mod statistics_sql;
mod token_lifetime;
mod totp;
mod tracker;
mod unit_districts;
mod workday;
mod workday_mail;
