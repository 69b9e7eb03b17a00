//! The words for statuses, findings and ratings, and which status may follow which.

pub use crate::entities::enums::{CaseStatus, Finding, Rating, Stage};
use crate::i18n::Lang;

impl CaseStatus {
    /// Every status, in workflow order.
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::New,
        CaseStatus::Accepted,
        CaseStatus::Declined,
        CaseStatus::Investigating,
        CaseStatus::Concluded,
        CaseStatus::Closed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Declined => "declined",
            CaseStatus::Investigating => "investigating",
            CaseStatus::Concluded => "concluded",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<CaseStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The label a person reads (from the locale files).
    pub fn label(self, lang: Lang) -> &'static str {
        crate::i18n::label(lang, self.label_key())
    }

    /// The locale key of its label.
    pub fn label_key(self) -> &'static str {
        match self {
            CaseStatus::New => "status_new",
            CaseStatus::Accepted => "status_accepted",
            CaseStatus::Declined => "status_declined",
            CaseStatus::Investigating => "status_investigating",
            CaseStatus::Concluded => "status_concluded",
            CaseStatus::Closed => "status_closed",
        }
    }

    /// Whether the workflow allows going from `self` to `to`. A declined case is final: the
    /// reason it was declined is the reporter's answer, so it owes no further feedback.
    /// Reopening (concluded or closed back to investigating) is a supervisor's step of its
    /// own, not a transition here.
    pub fn can_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (New, Accepted)
                | (New, Declined)
                | (Accepted, Investigating)
                | (Accepted, Concluded)
                | (Investigating, Concluded)
                | (Concluded, Closed)
        )
    }

    /// Whether the case is still being worked (not declined or closed).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Declined | CaseStatus::Closed)
    }

    /// The stage whose deadline runs while the case has this status, if any.
    pub fn open_stage(self) -> Option<Stage> {
        match self {
            CaseStatus::New => Some(Stage::Accept),
            CaseStatus::Accepted | CaseStatus::Investigating => Some(Stage::Conclude),
            CaseStatus::Concluded => Some(Stage::Feedback),
            CaseStatus::Declined | CaseStatus::Closed => None,
        }
    }
}

impl Finding {
    /// Every finding.
    pub const ALL: [Finding; 3] = [
        Finding::Substantiated,
        Finding::PartlySubstantiated,
        Finding::NotSubstantiated,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Substantiated => "substantiated",
            Finding::PartlySubstantiated => "partly_substantiated",
            Finding::NotSubstantiated => "not_substantiated",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Finding> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// The label a person reads (from the locale files).
    pub fn label(self, lang: Lang) -> &'static str {
        crate::i18n::label(
            lang,
            match self {
                Finding::Substantiated => "finding_substantiated",
                Finding::PartlySubstantiated => "finding_partly_substantiated",
                Finding::NotSubstantiated => "finding_not_substantiated",
            },
        )
    }
}

impl Rating {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::NotSatisfied => "not_satisfied",
        }
    }
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 3] = [Stage::Accept, Stage::Conclude, Stage::Feedback];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accept => "accept",
            Stage::Conclude => "conclude",
            Stage::Feedback => "feedback",
        }
    }

    /// What is due, as a person reads it (from the locale files).
    pub fn label(self, lang: Lang) -> &'static str {
        crate::i18n::label(
            lang,
            match self {
                Stage::Accept => "stage_accept",
                Stage::Conclude => "stage_conclude",
                Stage::Feedback => "stage_feedback",
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_stored_name() {
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), Some(status));
            assert!(!status.label(Lang::Zh).is_empty());
        }
        for finding in Finding::ALL {
            assert_eq!(Finding::parse(finding.as_str()), Some(finding));
        }
    }

    #[test]
    fn a_new_case_can_be_accepted_or_declined_but_not_closed() {
        assert!(CaseStatus::New.can_become(CaseStatus::Accepted));
        assert!(CaseStatus::New.can_become(CaseStatus::Declined));
        assert!(!CaseStatus::New.can_become(CaseStatus::Closed));
        assert!(!CaseStatus::Declined.can_become(CaseStatus::Closed));
    }

    #[test]
    fn the_stored_names_are_what_the_database_holds() {
        use sea_orm::ActiveEnum;
        for status in CaseStatus::ALL {
            assert_eq!(status.to_value(), status.as_str());
        }
        for finding in Finding::ALL {
            assert_eq!(finding.to_value(), finding.as_str());
        }
        for stage in Stage::ALL {
            assert_eq!(stage.to_value(), stage.as_str());
        }
    }
}
