//! The words for statuses, findings and ratings, and which status may follow which.

pub use crate::entities::enums::{CaseStatus, Finding, Rating, Stage};
use crate::web::Lang;

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

    /// The label a person reads.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CaseStatus::New, Lang::Zh) => "待受理",
            (CaseStatus::Accepted, Lang::Zh) => "已受理",
            (CaseStatus::Declined, Lang::Zh) => "不予受理",
            (CaseStatus::Investigating, Lang::Zh) => "调查中",
            (CaseStatus::Concluded, Lang::Zh) => "已办结",
            (CaseStatus::Closed, Lang::Zh) => "已反馈",
            (CaseStatus::New, Lang::En) => "Received, awaiting review",
            (CaseStatus::Accepted, Lang::En) => "Accepted",
            (CaseStatus::Declined, Lang::En) => "Declined",
            (CaseStatus::Investigating, Lang::En) => "Under investigation",
            (CaseStatus::Concluded, Lang::En) => "Concluded",
            (CaseStatus::Closed, Lang::En) => "Closed, feedback given",
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

    /// The label a person reads.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Finding::Substantiated, Lang::Zh) => "属实",
            (Finding::PartlySubstantiated, Lang::Zh) => "部分属实",
            (Finding::NotSubstantiated, Lang::Zh) => "不属实",
            (Finding::Substantiated, Lang::En) => "Substantiated",
            (Finding::PartlySubstantiated, Lang::En) => "Partly substantiated",
            (Finding::NotSubstantiated, Lang::En) => "Not substantiated",
        }
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

    /// What is due, as a person reads it.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Stage::Accept, Lang::Zh) => "受理",
            (Stage::Conclude, Lang::Zh) => "办结",
            (Stage::Feedback, Lang::Zh) => "反馈",
            (Stage::Accept, Lang::En) => "accept or decline",
            (Stage::Conclude, Lang::En) => "conclude",
            (Stage::Feedback, Lang::En) => "give feedback",
        }
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
