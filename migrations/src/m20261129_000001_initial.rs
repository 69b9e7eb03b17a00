//! The whole product's schema: the register and cards, intake, the case tracker, deadlines,
//! the mail outbox and the audit log. Column types are the portable subset that SQLite and
//! PostgreSQL both map the same way (times as timestamptz / ISO text, dates as date / text).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_initial"
    }
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}
fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
}
fn big_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().take()
}
fn int(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().take()
}
fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().take()
}
fn text_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().null().take()
}
fn flag(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(false)
        .take()
}
fn time(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}
fn time_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}
fn date_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).date().null().take()
}
fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .take()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    if unique {
        stmt.unique();
    }
    m.create_index(stmt).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // --- people -------------------------------------------------------------------------
        m.create_table(
            Table::create()
                .table(Units::Table)
                .if_not_exists()
                .col(id(Units::Id))
                .col(ColumnDef::new(Units::Name).text().not_null().unique_key())
                .col(time(Units::CreatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(id(Users::Id))
                .col(
                    ColumnDef::new(Users::Username)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .col(text(Users::DisplayName))
                .col(text_null(Users::Email))
                .col(text(Users::PasswordHash))
                .col(text(Users::Role))
                .col(big_null(Users::UnitId))
                .col(text_null(Users::TotpSecret))
                .col(int(Users::FailedLogins).default(0))
                .col(time_null(Users::LockedUntil))
                .col(flag(Users::MustChangePassword))
                .col(
                    ColumnDef::new(Users::Active)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(time(Users::CreatedAt))
                .foreign_key(&mut fk(
                    Users::Table,
                    Users::UnitId,
                    Units::Table,
                    Units::Id,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                // Keyed hash of the cookie value: a database dump cannot be replayed as a login.
                .col(ColumnDef::new(Sessions::Id).text().not_null().primary_key())
                .col(big(Sessions::UserId))
                .col(text(Sessions::CsrfToken))
                .col(time(Sessions::CreatedAt))
                .col(time(Sessions::LastSeenAt))
                .col(time(Sessions::ExpiresAt))
                .foreign_key(
                    &mut fk(Sessions::Table, Sessions::UserId, Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                )
                .take(),
        )
        .await?;
        index(m, "ix_sessions_user", Sessions::Table, &["user_id"], false).await?;
        index(
            m,
            "ix_sessions_expires",
            Sessions::Table,
            &["expires_at"],
            false,
        )
        .await?;

        // --- register, negative list, cards -------------------------------------------------
        m.create_table(
            Table::create()
                .table(Enterprises::Table)
                .if_not_exists()
                .col(id(Enterprises::Id))
                .col(
                    ColumnDef::new(Enterprises::Uscc)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .col(text(Enterprises::Name))
                .col(text(Enterprises::District))
                .col(text_null(Enterprises::Address))
                .col(text_null(Enterprises::ContactName))
                .col(text_null(Enterprises::ContactPhone))
                .col(time(Enterprises::CreatedAt))
                .col(time(Enterprises::UpdatedAt))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_enterprises_district",
            Enterprises::Table,
            &["district"],
            false,
        )
        .await?;
        index(
            m,
            "ix_enterprises_name",
            Enterprises::Table,
            &["name"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ServicePoints::Table)
                .if_not_exists()
                .col(id(ServicePoints::Id))
                .col(text(ServicePoints::Name))
                .col(text(ServicePoints::Hall))
                .col(text_null(ServicePoints::District))
                .col(
                    ColumnDef::new(ServicePoints::Active)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(time(ServicePoints::CreatedAt))
                .take(),
        )
        .await?;
        index(
            m,
            "ux_service_points_hall_name",
            ServicePoints::Table,
            &["hall", "name"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(NegativeListVersions::Table)
                .if_not_exists()
                .col(id(NegativeListVersions::Id))
                .col(
                    ColumnDef::new(NegativeListVersions::Version)
                        .integer()
                        .not_null()
                        .unique_key(),
                )
                .col(text(NegativeListVersions::Title))
                .col(time(NegativeListVersions::PublishedAt))
                .col(big_null(NegativeListVersions::PublishedBy))
                .foreign_key(&mut fk(
                    NegativeListVersions::Table,
                    NegativeListVersions::PublishedBy,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NegativeListItems::Table)
                .if_not_exists()
                .col(id(NegativeListItems::Id))
                .col(big(NegativeListItems::VersionId))
                .col(int(NegativeListItems::Position))
                .col(text(NegativeListItems::TextZh))
                .col(text(NegativeListItems::TextEn))
                .foreign_key(&mut fk(
                    NegativeListItems::Table,
                    NegativeListItems::VersionId,
                    NegativeListVersions::Table,
                    NegativeListVersions::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ux_negative_list_items_version_position",
            NegativeListItems::Table,
            &["version_id", "position"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CardBatches::Table)
                .if_not_exists()
                .col(id(CardBatches::Id))
                .col(text(CardBatches::Kind))
                .col(text(CardBatches::Channel))
                .col(text(CardBatches::Template))
                .col(big(CardBatches::ListVersionId))
                .col(text(CardBatches::Scope))
                .col(int(CardBatches::CardCount))
                .col(big_null(CardBatches::CreatedBy))
                .col(text(CardBatches::CreatedByLabel))
                .col(time(CardBatches::CreatedAt))
                .foreign_key(&mut fk(
                    CardBatches::Table,
                    CardBatches::ListVersionId,
                    NegativeListVersions::Table,
                    NegativeListVersions::Id,
                ))
                .foreign_key(&mut fk(
                    CardBatches::Table,
                    CardBatches::CreatedBy,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Cards::Table)
                .if_not_exists()
                .col(id(Cards::Id))
                .col(ColumnDef::new(Cards::Serial).text().not_null().unique_key())
                // The only place a card token is ever stored.
                .col(ColumnDef::new(Cards::Token).text().not_null().unique_key())
                .col(big(Cards::BatchId))
                .col(int(Cards::PositionInBatch))
                .col(big_null(Cards::EnterpriseId))
                .col(big_null(Cards::ServicePointId))
                .col(text(Cards::Status))
                .col(time(Cards::IssuedAt))
                .col(time_null(Cards::RevokedAt))
                .col(text_null(Cards::RevokedReason))
                .col(big_null(Cards::ReplacedByCardId))
                .foreign_key(&mut fk(
                    Cards::Table,
                    Cards::BatchId,
                    CardBatches::Table,
                    CardBatches::Id,
                ))
                .foreign_key(&mut fk(
                    Cards::Table,
                    Cards::EnterpriseId,
                    Enterprises::Table,
                    Enterprises::Id,
                ))
                .foreign_key(&mut fk(
                    Cards::Table,
                    Cards::ServicePointId,
                    ServicePoints::Table,
                    ServicePoints::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_cards_batch",
            Cards::Table,
            &["batch_id", "position_in_batch"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cards_enterprise",
            Cards::Table,
            &["enterprise_id", "status"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cards_service_point",
            Cards::Table,
            &["service_point_id"],
            false,
        )
        .await?;

        // --- intake and cases ---------------------------------------------------------------
        m.create_table(
            Table::create()
                .table(Reports::Table)
                .if_not_exists()
                .col(id(Reports::Id))
                .col(time(Reports::ReceivedAt))
                .col(big(Reports::ListVersionId))
                .col(text(Reports::Description))
                .col(date_null(Reports::OccurredOn))
                .col(text_null(Reports::Department))
                .col(
                    ColumnDef::new(Reports::Anonymous)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(text_null(Reports::ContactName))
                .col(text_null(Reports::ContactPhone))
                .col(text_null(Reports::ContactEmail))
                // Set only when the reporter chose to say which enterprise they are.
                .col(big_null(Reports::EnterpriseId))
                // Coarse provenance, kept for every report.
                .col(text(Reports::Source))
                .col(text_null(Reports::District))
                .col(big_null(Reports::BatchId))
                .col(text_null(Reports::Channel))
                .col(big_null(Reports::ServicePointId))
                .col(flag(Reports::FromRevokedCard))
                .col(text(Reports::Language))
                // HMAC of the query code under the server key; the code itself is never stored.
                .col(
                    ColumnDef::new(Reports::QueryCodeHash)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .foreign_key(&mut fk(
                    Reports::Table,
                    Reports::ListVersionId,
                    NegativeListVersions::Table,
                    NegativeListVersions::Id,
                ))
                .foreign_key(&mut fk(
                    Reports::Table,
                    Reports::EnterpriseId,
                    Enterprises::Table,
                    Enterprises::Id,
                ))
                .foreign_key(&mut fk(
                    Reports::Table,
                    Reports::BatchId,
                    CardBatches::Table,
                    CardBatches::Id,
                ))
                .foreign_key(&mut fk(
                    Reports::Table,
                    Reports::ServicePointId,
                    ServicePoints::Table,
                    ServicePoints::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_reports_received",
            Reports::Table,
            &["received_at"],
            false,
        )
        .await?;
        index(
            m,
            "ix_reports_district",
            Reports::Table,
            &["district"],
            false,
        )
        .await?;
        index(m, "ix_reports_batch", Reports::Table, &["batch_id"], false).await?;

        m.create_table(
            Table::create()
                .table(ReportItems::Table)
                .if_not_exists()
                .col(big(ReportItems::ReportId))
                .col(big(ReportItems::ItemId))
                .primary_key(
                    Index::create()
                        .col(ReportItems::ReportId)
                        .col(ReportItems::ItemId),
                )
                .foreign_key(
                    &mut fk(
                        ReportItems::Table,
                        ReportItems::ReportId,
                        Reports::Table,
                        Reports::Id,
                    )
                    .on_delete(ForeignKeyAction::Cascade)
                    .take(),
                )
                .foreign_key(&mut fk(
                    ReportItems::Table,
                    ReportItems::ItemId,
                    NegativeListItems::Table,
                    NegativeListItems::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_report_items_item",
            ReportItems::Table,
            &["item_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Cases::Table)
                .if_not_exists()
                .col(id(Cases::Id))
                .col(ColumnDef::new(Cases::Number).text().not_null().unique_key())
                .col(
                    ColumnDef::new(Cases::ReportId)
                        .big_integer()
                        .not_null()
                        .unique_key(),
                )
                .col(text(Cases::Status))
                .col(big_null(Cases::UnitId))
                .col(big_null(Cases::AssigneeId))
                .col(text_null(Cases::Finding))
                .col(text_null(Cases::DeclineReason))
                .col(time(Cases::ReceivedAt))
                .col(time_null(Cases::AcceptedAt))
                .col(time_null(Cases::ConcludedAt))
                .col(time_null(Cases::ClosedAt))
                // The deadline of the current stage (accept, conclude or feedback); the SLA
                // scan reads it through ix_cases_due.
                .col(date_null(Cases::DueOn))
                .col(date_null(Cases::AcceptDueOn))
                .col(date_null(Cases::ConcludeDueOn))
                .col(date_null(Cases::FeedbackDueOn))
                .col(flag(Cases::NeedsSupervisor))
                .col(text_null(Cases::Rating))
                .col(text_null(Cases::RatingComment))
                .col(time_null(Cases::RatedAt))
                .col(time(Cases::UpdatedAt))
                .foreign_key(&mut fk(
                    Cases::Table,
                    Cases::ReportId,
                    Reports::Table,
                    Reports::Id,
                ))
                .foreign_key(&mut fk(
                    Cases::Table,
                    Cases::UnitId,
                    Units::Table,
                    Units::Id,
                ))
                .foreign_key(&mut fk(
                    Cases::Table,
                    Cases::AssigneeId,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_cases_due",
            Cases::Table,
            &["due_on", "status"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_status",
            Cases::Table,
            &["status", "received_at"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_assignee",
            Cases::Table,
            &["assignee_id", "status"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_unit",
            Cases::Table,
            &["unit_id", "status"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseEvents::Table)
                .if_not_exists()
                .col(id(CaseEvents::Id))
                .col(big(CaseEvents::CaseId))
                .col(time(CaseEvents::At))
                .col(big_null(CaseEvents::ActorId))
                .col(text(CaseEvents::Kind))
                .col(text_null(CaseEvents::FromStatus))
                .col(text_null(CaseEvents::ToStatus))
                .col(text_null(CaseEvents::Note))
                // Whether the reporter sees this event on the query-code timeline.
                .col(flag(CaseEvents::Public))
                .foreign_key(&mut fk(
                    CaseEvents::Table,
                    CaseEvents::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .foreign_key(&mut fk(
                    CaseEvents::Table,
                    CaseEvents::ActorId,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_case_events_case",
            CaseEvents::Table,
            &["case_id", "at"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Messages::Table)
                .if_not_exists()
                .col(id(Messages::Id))
                .col(big(Messages::CaseId))
                .col(time(Messages::At))
                // office (to the reporter) or reporter (a reply through the query code)
                .col(text(Messages::Direction))
                .col(big_null(Messages::AuthorId))
                .col(text(Messages::Body))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::AuthorId,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_messages_case",
            Messages::Table,
            &["case_id", "at"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(InternalNotes::Table)
                .if_not_exists()
                .col(id(InternalNotes::Id))
                .col(big(InternalNotes::CaseId))
                .col(time(InternalNotes::At))
                .col(big(InternalNotes::AuthorId))
                .col(text(InternalNotes::Body))
                .foreign_key(&mut fk(
                    InternalNotes::Table,
                    InternalNotes::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .foreign_key(&mut fk(
                    InternalNotes::Table,
                    InternalNotes::AuthorId,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_internal_notes_case",
            InternalNotes::Table,
            &["case_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .if_not_exists()
                .col(id(Attachments::Id))
                .col(big(Attachments::CaseId))
                .col(big_null(Attachments::MessageId))
                .col(time(Attachments::UploadedAt))
                // reporter or office
                .col(text(Attachments::Origin))
                .col(big_null(Attachments::UploadedBy))
                .col(text(Attachments::Filename))
                .col(text(Attachments::ContentType))
                .col(big(Attachments::Size))
                .col(text(Attachments::Sha256))
                .col(ColumnDef::new(Attachments::Data).blob().not_null())
                .foreign_key(&mut fk(
                    Attachments::Table,
                    Attachments::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .foreign_key(&mut fk(
                    Attachments::Table,
                    Attachments::MessageId,
                    Messages::Table,
                    Messages::Id,
                ))
                .foreign_key(&mut fk(
                    Attachments::Table,
                    Attachments::UploadedBy,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_attachments_case",
            Attachments::Table,
            &["case_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Extensions::Table)
                .if_not_exists()
                .col(id(Extensions::Id))
                .col(big(Extensions::CaseId))
                .col(text(Extensions::Stage))
                .col(int(Extensions::WorkingDays))
                .col(text(Extensions::Reason))
                .col(big(Extensions::RequestedBy))
                .col(time(Extensions::RequestedAt))
                .col(big_null(Extensions::DecidedBy))
                .col(time_null(Extensions::DecidedAt))
                .col(ColumnDef::new(Extensions::Approved).boolean().null())
                .foreign_key(&mut fk(
                    Extensions::Table,
                    Extensions::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .foreign_key(&mut fk(
                    Extensions::Table,
                    Extensions::RequestedBy,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Extensions::Table,
                    Extensions::DecidedBy,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_extensions_case",
            Extensions::Table,
            &["case_id"],
            false,
        )
        .await?;

        // --- deadlines ----------------------------------------------------------------------
        m.create_table(
            Table::create()
                .table(SlaPolicies::Table)
                .if_not_exists()
                .col(id(SlaPolicies::Id))
                .col(int(SlaPolicies::AcceptDays))
                .col(int(SlaPolicies::ConcludeDays))
                .col(int(SlaPolicies::FeedbackDays))
                .col(time(SlaPolicies::EffectiveFrom))
                .col(big_null(SlaPolicies::CreatedBy))
                .foreign_key(&mut fk(
                    SlaPolicies::Table,
                    SlaPolicies::CreatedBy,
                    Users::Table,
                    Users::Id,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarYears::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(CalendarYears::Year)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                // false until the State Council has published the year's holidays.
                .col(flag(CalendarYears::Published))
                .col(text(CalendarYears::Source))
                .col(time(CalendarYears::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarDays::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(CalendarDays::Day)
                        .date()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(CalendarDays::IsOffDay).boolean().not_null())
                .col(text(CalendarDays::Name))
                .take(),
        )
        .await?;

        // --- mail, settings, audit ----------------------------------------------------------
        m.create_table(
            Table::create()
                .table(EmailOutbox::Table)
                .if_not_exists()
                .col(id(EmailOutbox::Id))
                // Makes each reminder unique (case, stage, kind, day): never queued twice.
                .col(
                    ColumnDef::new(EmailOutbox::DedupeKey)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .col(text(EmailOutbox::Kind))
                .col(big_null(EmailOutbox::CaseId))
                .col(text(EmailOutbox::ToAddr))
                .col(text(EmailOutbox::Subject))
                .col(text(EmailOutbox::BodyText))
                .col(text_null(EmailOutbox::BodyHtml))
                .col(text(EmailOutbox::Status))
                .col(int(EmailOutbox::Attempts).default(0))
                .col(time(EmailOutbox::NextAttemptAt))
                .col(time_null(EmailOutbox::LockedUntil))
                .col(text_null(EmailOutbox::LockedBy))
                .col(text_null(EmailOutbox::LastError))
                .col(time(EmailOutbox::CreatedAt))
                .col(time_null(EmailOutbox::SentAt))
                .foreign_key(&mut fk(
                    EmailOutbox::Table,
                    EmailOutbox::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_email_outbox_due",
            EmailOutbox::Table,
            &["status", "next_attempt_at"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Settings::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Settings::Key)
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(text(Settings::Value))
                .col(time(Settings::UpdatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .if_not_exists()
                .col(id(AuditLog::Id))
                .col(time(AuditLog::At))
                .col(big_null(AuditLog::ActorId))
                .col(text(AuditLog::ActorLabel))
                .col(text(AuditLog::Action))
                .col(text(AuditLog::SubjectType))
                .col(text_null(AuditLog::SubjectId))
                .col(text(AuditLog::Detail))
                // Hash chain: each row's hash covers its content and the previous row's hash.
                .col(text(AuditLog::PrevHash))
                .col(
                    ColumnDef::new(AuditLog::Hash)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .take(),
        )
        .await?;
        index(
            m,
            "ix_audit_subject",
            AuditLog::Table,
            &["subject_type", "subject_id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables: Vec<DynIden> = vec![
            AuditLog::Table.into_iden(),
            Settings::Table.into_iden(),
            EmailOutbox::Table.into_iden(),
            CalendarDays::Table.into_iden(),
            CalendarYears::Table.into_iden(),
            SlaPolicies::Table.into_iden(),
            Extensions::Table.into_iden(),
            Attachments::Table.into_iden(),
            InternalNotes::Table.into_iden(),
            Messages::Table.into_iden(),
            CaseEvents::Table.into_iden(),
            Cases::Table.into_iden(),
            ReportItems::Table.into_iden(),
            Reports::Table.into_iden(),
            Cards::Table.into_iden(),
            CardBatches::Table.into_iden(),
            NegativeListItems::Table.into_iden(),
            NegativeListVersions::Table.into_iden(),
            ServicePoints::Table.into_iden(),
            Enterprises::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Units::Table.into_iden(),
        ];
        for table in tables {
            m.drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Email,
    PasswordHash,
    Role,
    UnitId,
    TotpSecret,
    FailedLogins,
    LockedUntil,
    MustChangePassword,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    Uscc,
    Name,
    District,
    Address,
    ContactName,
    ContactPhone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServicePoints {
    Table,
    Id,
    Name,
    Hall,
    District,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NegativeListVersions {
    Table,
    Id,
    Version,
    Title,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum NegativeListItems {
    Table,
    Id,
    VersionId,
    Position,
    TextZh,
    TextEn,
}

#[derive(DeriveIden)]
enum CardBatches {
    Table,
    Id,
    Kind,
    Channel,
    Template,
    ListVersionId,
    Scope,
    CardCount,
    CreatedBy,
    CreatedByLabel,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cards {
    Table,
    Id,
    Serial,
    Token,
    BatchId,
    PositionInBatch,
    EnterpriseId,
    ServicePointId,
    Status,
    IssuedAt,
    RevokedAt,
    RevokedReason,
    ReplacedByCardId,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    ReceivedAt,
    ListVersionId,
    Description,
    OccurredOn,
    Department,
    Anonymous,
    ContactName,
    ContactPhone,
    ContactEmail,
    EnterpriseId,
    Source,
    District,
    BatchId,
    Channel,
    ServicePointId,
    FromRevokedCard,
    Language,
    QueryCodeHash,
}

#[derive(DeriveIden)]
enum ReportItems {
    Table,
    ReportId,
    ItemId,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    Number,
    ReportId,
    Status,
    UnitId,
    AssigneeId,
    Finding,
    DeclineReason,
    ReceivedAt,
    AcceptedAt,
    ConcludedAt,
    ClosedAt,
    DueOn,
    AcceptDueOn,
    ConcludeDueOn,
    FeedbackDueOn,
    NeedsSupervisor,
    Rating,
    RatingComment,
    RatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    CaseId,
    At,
    ActorId,
    Kind,
    FromStatus,
    ToStatus,
    Note,
    Public,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    CaseId,
    At,
    Direction,
    AuthorId,
    Body,
}

#[derive(DeriveIden)]
enum InternalNotes {
    Table,
    Id,
    CaseId,
    At,
    AuthorId,
    Body,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    CaseId,
    MessageId,
    UploadedAt,
    Origin,
    UploadedBy,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
}

#[derive(DeriveIden)]
enum Extensions {
    Table,
    Id,
    CaseId,
    Stage,
    WorkingDays,
    Reason,
    RequestedBy,
    RequestedAt,
    DecidedBy,
    DecidedAt,
    Approved,
}

#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    Id,
    AcceptDays,
    ConcludeDays,
    FeedbackDays,
    EffectiveFrom,
    CreatedBy,
}

#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Year,
    Published,
    Source,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    Day,
    IsOffDay,
    Name,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    DedupeKey,
    Kind,
    CaseId,
    ToAddr,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorLabel,
    Action,
    SubjectType,
    SubjectId,
    Detail,
    PrevHash,
    Hash,
}
