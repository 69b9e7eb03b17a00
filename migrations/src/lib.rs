//! Schema migrations for jianduka. They run unchanged on SQLite and PostgreSQL. One file per
//! change, named for what it adds; an applied migration is never edited.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_initial;
mod m20261130_000001_audit_append_only;
mod m20261130_000002_case_tracker;
mod m20261201_000001_report_receipts;
mod m20261207_000001_drop_duplicate_due_index;
mod m20261207_000002_workday;
mod m20261207_000003_totp_enrolments;
mod m20261207_000004_reporter_actions;
mod m20261207_000005_one_pending_request;
mod m20261207_000006_decline_requests;
mod m20261207_000007_objections_follow_ups;
mod m20261207_000008_appraisal_indexes;
mod m20261207_000009_statistics_days;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_initial::Migration),
            Box::new(m20261130_000001_audit_append_only::Migration),
            Box::new(m20261130_000002_case_tracker::Migration),
            Box::new(m20261201_000001_report_receipts::Migration),
            Box::new(m20261207_000001_drop_duplicate_due_index::Migration),
            Box::new(m20261207_000002_workday::Migration),
            Box::new(m20261207_000003_totp_enrolments::Migration),
            Box::new(m20261207_000004_reporter_actions::Migration),
            Box::new(m20261207_000005_one_pending_request::Migration),
            Box::new(m20261207_000006_decline_requests::Migration),
            Box::new(m20261207_000007_objections_follow_ups::Migration),
            Box::new(m20261207_000008_appraisal_indexes::Migration),
            Box::new(m20261207_000009_statistics_days::Migration),
        ]
    }
}
