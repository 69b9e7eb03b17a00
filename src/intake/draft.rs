//! What a reporter typed, and the checks that turn it into a report worth storing. Shared
//! by the HTML form and the JSON API; messages are locale keys.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::negative_list::NegativeListVersion;

/// Shortest and longest description, in characters.
pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 5000;
const SHORT_MAX: usize = 200;

/// The form as typed: kept verbatim so that it can be shown again after an error.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ReportDraft {
    /// Positions of the chosen negative-list items (1-based).
    pub items: Vec<i32>,
    pub description: String,
    /// `YYYY-MM-DD` or empty.
    pub occurred_on: String,
    pub department: String,
    /// The reporter chose to leave contact details.
    pub with_contact: bool,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    /// The reporter chose to say which enterprise they are.
    pub identify: bool,
}

/// Contact details the reporter chose to leave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A draft that passed every check.
#[derive(Clone, Debug)]
pub struct ValidReport {
    pub list_version_id: i64,
    pub item_ids: Vec<i64>,
    pub description: String,
    pub occurred_on: Option<NaiveDate>,
    pub department: Option<String>,
    pub contact: Option<Contact>,
    pub identify: bool,
}

/// Problems by field name; each value is a locale key.
pub type FieldErrors = BTreeMap<&'static str, &'static str>;

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn valid_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
}

fn valid_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
                && text.len() <= SHORT_MAX
        }
        None => false,
    }
}

impl ReportDraft {
    /// The draft under the input rule ([`crate::text::clean`]), whichever door it came by.
    pub fn cleaned(self) -> Self {
        use crate::text::clean_owned;
        Self {
            description: clean_owned(self.description),
            occurred_on: clean_owned(self.occurred_on),
            department: clean_owned(self.department),
            contact_name: clean_owned(self.contact_name),
            contact_phone: clean_owned(self.contact_phone),
            contact_email: clean_owned(self.contact_email),
            ..self
        }
    }

    /// Checks the draft against the list version the form offered; `today` is the
    /// reporter's date (China Standard Time).
    pub fn validate(
        &self,
        version: &NegativeListVersion,
        today: NaiveDate,
    ) -> Result<ValidReport, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut item_ids = Vec::new();
        for position in &self.items {
            match version.items.iter().find(|i| i.position == *position) {
                Some(item) if !item_ids.contains(&item.id) => item_ids.push(item.id),
                Some(_) => {}
                None => {
                    errors.insert("items", "intake_error_items_unknown");
                }
            }
        }
        if item_ids.is_empty() {
            errors.entry("items").or_insert("intake_error_items");
        }
        let description = self.description.trim().replace("\r\n", "\n");
        let length = description.chars().count();
        if length == 0 {
            errors.insert("description", "intake_error_description_required");
        } else if length < DESCRIPTION_MIN {
            errors.insert("description", "intake_error_description_short");
        } else if length > DESCRIPTION_MAX {
            errors.insert("description", "intake_error_description_long");
        }
        let occurred_on = match optional(&self.occurred_on) {
            None => None,
            Some(text) => match parse_date(&text) {
                Ok(date) if date > today => {
                    errors.insert("occurred_on", "intake_error_date_future");
                    None
                }
                Ok(date) if date.year() < 1990 => {
                    errors.insert("occurred_on", "intake_error_date");
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.insert("occurred_on", "intake_error_date");
                    None
                }
            },
        };
        let department = optional(&self.department);
        if department
            .as_ref()
            .is_some_and(|d| d.chars().count() > SHORT_MAX)
        {
            errors.insert("department", "intake_error_too_long");
        }
        let contact = if self.with_contact {
            let name = optional(&self.contact_name);
            let phone = optional(&self.contact_phone);
            let email = optional(&self.contact_email);
            if name.as_ref().is_some_and(|n| n.chars().count() > 50) {
                errors.insert("contact_name", "intake_error_too_long");
            }
            if phone.as_deref().is_some_and(|p| !valid_phone(p)) {
                errors.insert("contact_phone", "intake_error_phone");
            }
            if email.as_deref().is_some_and(|e| !valid_email(e)) {
                errors.insert("contact_email", "intake_error_email");
            }
            if phone.is_none() && email.is_none() {
                errors.insert("contact_phone", "intake_error_contact_missing");
            }
            Some(Contact { name, phone, email })
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidReport {
            list_version_id: version.id,
            item_ids,
            description,
            occurred_on,
            department,
            contact,
            identify: self.identify,
        })
    }
}

/// A date as typed where the browser has no date picker: `2026-11-03`, `2026/11/3`,
/// `2026.11.3` or `2026年11月3日`.
fn parse_date(text: &str) -> chrono::ParseResult<NaiveDate> {
    let normalised: String = text
        .trim()
        .trim_end_matches('日')
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            other => other,
        })
        .collect();
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::negative_list_items;

    fn version() -> NegativeListVersion {
        NegativeListVersion {
            id: 7,
            version: 1,
            title: "t".into(),
            items: (1..=10)
                .map(|p| negative_list_items::Model {
                    id: 100 + i64::from(p),
                    version_id: 7,
                    position: p,
                    text_zh: "z".into(),
                    text_en: "e".into(),
                    item_key: format!("item-{p}"),
                })
                .collect(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).expect("date")
    }

    fn draft() -> ReportDraft {
        ReportDraft {
            items: vec![2, 5],
            description: "窗口工作人员要求我们请客吃饭才给办理。".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_plain_anonymous_report_is_valid() {
        let valid = draft().validate(&version(), today()).expect("valid");
        assert_eq!(valid.item_ids, vec![102, 105]);
        assert!(valid.contact.is_none());
    }

    #[test]
    fn no_items_a_short_text_and_a_future_date_are_each_named() {
        let mut d = draft();
        d.items.clear();
        d.description = "太短".into();
        d.occurred_on = "2026-12-30".into();
        let errors = d.validate(&version(), today()).expect_err("invalid");
        assert_eq!(errors.get("items"), Some(&"intake_error_items"));
        assert_eq!(
            errors.get("description"),
            Some(&"intake_error_description_short")
        );
        assert_eq!(errors.get("occurred_on"), Some(&"intake_error_date_future"));
    }

    #[test]
    fn contact_details_need_a_phone_or_an_email() {
        let mut d = draft();
        d.with_contact = true;
        d.contact_name = "王".into();
        assert!(d.validate(&version(), today()).is_err());
        d.contact_phone = "138 0000 0000".into();
        assert!(d.validate(&version(), today()).is_ok());
        d.contact_email = "not-an-email".into();
        assert!(d.validate(&version(), today()).is_err());
    }

    #[test]
    fn dates_typed_without_a_date_picker_are_understood() {
        let expected = NaiveDate::from_ymd_opt(2026, 11, 3);
        for typed in ["2026-11-03", "2026/11/3", "2026.11.03", "2026年11月3日"] {
            assert_eq!(parse_date(typed).ok(), expected, "{typed}");
        }
        assert!(parse_date("上周三").is_err());
    }

    #[test]
    fn an_item_not_on_the_card_is_refused() {
        let mut d = draft();
        d.items = vec![11];
        let errors = d.validate(&version(), today()).expect_err("invalid");
        assert_eq!(errors.get("items"), Some(&"intake_error_items_unknown"));
    }
}
