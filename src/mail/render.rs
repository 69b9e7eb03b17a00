//! Emails from template files: `templates/mail/<name>.subject.txt`, `<name>.txt` and
//! (optional) `<name>.html`, embedded with the other templates.

use crate::web::Views;

use super::OutgoingEmail;
use crate::entities::enums::MailKind;

/// An email's subject and bodies, rendered but not yet addressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedEmail {
    /// One line.
    pub subject: String,
    pub text: String,
    /// Present when `<name>.html` exists.
    pub html: Option<String>,
}

impl RenderedEmail {
    /// The email to `to` under `dedupe_key`, ready for [`super::enqueue`].
    pub fn addressed(
        self,
        to: impl Into<String>,
        dedupe_key: impl Into<String>,
        kind: MailKind,
        case_id: Option<i64>,
    ) -> OutgoingEmail {
        OutgoingEmail {
            dedupe_key: dedupe_key.into(),
            kind,
            case_id,
            to: to.into(),
            subject: self.subject,
            text: self.text,
            html: self.html,
        }
    }
}

/// Renders mail template `name` (`test` → `mail/test.subject.txt`, `mail/test.txt`,
/// `mail/test.html`) with `ctx` plus `org_name`. The text parts are not escaped; the HTML
/// part is, like every page.
pub fn render(views: &Views, name: &str, ctx: minijinja::Value) -> anyhow::Result<RenderedEmail> {
    let ctx = minijinja::context! { org_name => views.org_name(), ..ctx };
    let templates = &views.templates;
    let subject = templates.render(&format!("mail/{name}.subject.txt"), ctx.clone())?;
    let text = templates.render(&format!("mail/{name}.txt"), ctx.clone())?;
    let html_name = format!("mail/{name}.html");
    let html = if templates.has(&html_name) {
        Some(templates.render(&html_name, ctx)?)
    } else {
        None
    };
    Ok(RenderedEmail {
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_email_renders_all_three_parts_and_escapes_only_the_html() {
        let views = Views::load("诸暨市纪委监委", "12388").expect("views");
        let ctx = minijinja::context! {
            name => "<管理员>",
            base_url => "https://jb.example.gov.cn",
            sent_at => "2026-12-01 09:00",
        };
        let email = render(&views, "test", ctx).expect("renders");
        assert!(!email.subject.contains('\n'));
        assert!(email.subject.contains("测试"), "{}", email.subject);
        assert!(email.text.contains("<管理员>"), "{}", email.text);
        assert!(email.text.contains("诸暨市纪委监委"));
        let html = email.html.expect("html part");
        assert!(html.contains("&lt;管理员&gt;"), "{html}");
        // Self-contained: nothing fetched from anywhere.
        for remote in ["<img", "<link", "<script", "src=", "url("] {
            assert!(!html.contains(remote), "{remote} in {html}");
        }
    }
}
