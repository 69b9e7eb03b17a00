//! What an audit row records, as a type: every action the server writes, each with the name
//! stored in `audit_log.action` (the names rows already hold; a test keeps them apart). The
//! column itself stays text: verification must read a row whatever it was edited to.

/// Declares [`AuditAction`] and the name each variant is stored as.
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// What an audited change did (see the module docs).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)*
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &[AuditAction] = &[$(AuditAction::$variant),*];

            /// The name stored in `audit_log.action`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name),*
                }
            }
        }
    };
}

actions! {
    /// A staff member logged in.
    Login => "login",
    /// A login failed (an account's, or an unknown name's).
    LoginFailed => "login_failed",
    PasswordChanged => "password_changed",
    /// An admin set a one-time password.
    PasswordReset => "password_reset",
    TotpEnrolled => "totp_enrolled",
    TotpRemoved => "totp_removed",
    SettingChanged => "setting_changed",
    ApiTokenIssued => "api_token_issued",
    ApiTokenRevoked => "api_token_revoked",
    UserCreated => "user_created",
    UserEnabled => "user_enabled",
    UserDisabled => "user_disabled",
    UserUnitChanged => "user_unit_changed",
    UserRoleChanged => "user_role_changed",
    UserRenamed => "user_renamed",
    UserEmailChanged => "user_email_changed",
    UserUnlocked => "user_unlocked",
    UserTotpReset => "user_totp_reset",
    UnitCreated => "unit_created",
    UnitDistrictsChanged => "unit_districts_changed",
    CaseAccepted => "case_accepted",
    CaseDeclined => "case_declined",
    CaseInvestigating => "case_investigating",
    CaseConcluded => "case_concluded",
    CaseClosed => "case_closed",
    CaseReopened => "case_reopened",
    CaseAssigned => "case_assigned",
    /// A supervisor cleared a case's urging mark.
    CaseFlagCleared => "case_flag_cleared",
    /// Someone read a case's page (who saw what is recorded).
    CaseViewed => "case_viewed",
    /// A supervisor urged a case (督办) with a note and a requested date.
    CaseUrged => "case_urged",
    CasesExported => "cases_exported",
    StatisticsExported => "statistics_exported",
    /// The office wrote to the reporter.
    MessageSent => "message_sent",
    NoteAdded => "note_added",
    AttachmentDownloaded => "attachment_downloaded",
    ExtensionRequested => "extension_requested",
    ExtensionDecided => "extension_decided",
    CardsIssued => "cards_issued",
    BatchRendered => "batch_rendered",
    CardRevoked => "card_revoked",
    CardReissued => "card_reissued",
    EnterprisesImported => "enterprises_imported",
    ServicePointCreated => "service_point_created",
    ServicePointRenamed => "service_point_renamed",
    ServicePointActivated => "service_point_activated",
    ServicePointDeactivated => "service_point_deactivated",
    /// An admin loaded a working-day calendar file.
    CalendarLoaded => "calendar_loaded",
    SlaPolicyAdded => "sla_policy_added",
    /// An admin queued failed emails again.
    MailRetried => "mail_retried",
    MailTestQueued => "mail_test_queued",
    /// An inspector sent a case back to triage (退回) with a reason.
    CaseReturned => "case_returned",
    /// An inspector asked a supervisor to approve declining a case (不予受理).
    DeclineRequested => "decline_requested",
    /// A supervisor approved or refused a decline request.
    DeclineDecided => "decline_decided",
    /// Concluded and answered in one step (办结并答复): the reporter reads the answer at once.
    CaseAnswered => "case_answered",
    /// The reporter objected to a decline or an answer.
    CaseObjected => "case_objected",
    /// A supervisor answered an objection or a not-satisfied rating and kept the result.
    ObjectionConfirmed => "objection_confirmed",
    /// A follow-up (回访) with the reporter was recorded.
    FollowUpRecorded => "follow_up_recorded",
    /// An admin changed the review-before-publication or objection-window setting.
    FeedbackSettingsChanged => "feedback_settings_changed",
    /// An admin downloaded the audit log (a filtered view) as CSV.
    AuditExported => "audit_exported",
    /// Someone exported a case's dossier (案卷) as a PDF.
    DossierExported => "dossier_exported",
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::AuditAction;

    #[test]
    fn every_action_has_a_name_of_its_own_in_snake_case() {
        let names: HashSet<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), AuditAction::ALL.len());
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
        assert_eq!(AuditAction::CaseAccepted.as_str(), "case_accepted");
    }
}
