//! One `TestApp` method per door a person walks through: the reporter's form, the JSON API,
//! the query-code pages, and the staff's message and note forms. Each returns the server's
//! answer, refusals included; the test asserts on it.

use super::app::TestApp;
use super::intake::query_code_in;
use super::report::{Report, Upload};

impl TestApp {
    /// The reporter scans card `token` and sends `report` (`POST /r/{token}`).
    pub async fn post_report(&self, token: &str, report: Report) -> reqwest::Response {
        report
            .send_to(&self.client, &format!("{}/r/{token}", self.address))
            .await
    }

    /// The reporter sends `report` from the form that needs no card (`POST /report`).
    pub async fn post_report_without_card(&self, report: Report) -> reqwest::Response {
        report
            .send_to(&self.client, &format!("{}/report", self.address))
            .await
    }

    /// Another browser (`client`, its own cookies and redirect policy) sends `report` to
    /// `path` (`/r/{token}` or `/report`, with a query string if any).
    pub async fn send_report(
        &self,
        client: &reqwest::Client,
        path: &str,
        report: Report,
    ) -> reqwest::Response {
        report
            .send_to(client, &format!("{}{path}", self.address))
            .await
    }

    /// Sends `report` without a card and returns the query code its receipt shows (the
    /// report must be stored).
    pub async fn report_and_get_code(&self, report: Report) -> String {
        let response = self.post_report_without_card(report).await;
        assert_eq!(response.status(), 200, "report stored on {}", self.backend);
        query_code_in(&response.text().await.expect("receipt"))
    }

    /// A program sends a JSON report (`POST /api/v1/reports`).
    pub async fn post_report_api(&self, report: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/reports", self.address))
            .json(report)
            .send()
            .await
            .expect("report sent")
    }

    /// A program sends a JSON report with files, as multipart (`report` part plus
    /// `attachment` parts).
    pub async fn post_report_api_with_files(
        &self,
        report: &serde_json::Value,
        files: &[Upload],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("report", report.to_string());
        for file in files {
            form = form.part("attachment", file.part());
        }
        self.client
            .post(format!("{}/api/v1/reports", self.address))
            .multipart(form)
            .send()
            .await
            .expect("report sent")
    }

    /// The reporter opens their case with the query code (`POST /q`).
    pub async fn look_up(&self, code: &str) -> reqwest::Response {
        self.post_form("/q", &[("code", code)]).await
    }

    /// The reporter answers the office through the query code (`POST /q/reply`).
    pub async fn reply_as_reporter(&self, code: &str, body: &str) -> reqwest::Response {
        self.post_form("/q/reply", &[("code", code), ("body", body)])
            .await
    }

    /// The reporter adds evidence to their case (`POST /q/evidence`).
    pub async fn add_evidence(&self, code: &str, files: &[Upload]) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("code", code.to_string());
        for file in files {
            form = form.part("attachment", file.part());
        }
        self.client
            .post(format!("{}/q/evidence", self.address))
            .multipart(form)
            .send()
            .await
            .expect("evidence sent")
    }

    /// The reporter rates the handling (`rating` as the form sends it: `satisfied`,
    /// `not_satisfied`, …) with `comment` (`POST /q/rate`).
    pub async fn rate(&self, code: &str, rating: &str, comment: &str) -> reqwest::Response {
        self.post_form(
            "/q/rate",
            &[("code", code), ("rating", rating), ("comment", comment)],
        )
        .await
    }

    /// A program asks for a report's status by its query code (`X-Query-Code`).
    pub async fn report_status_api(&self, code: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1/reports/status", self.address))
            .header("X-Query-Code", code)
            .send()
            .await
            .expect("status asked")
    }

    /// A staff member logged in on `client` writes to the reporter of case `case_id`
    /// (`POST /staff/cases/{id}/message`).
    pub async fn post_staff_message(
        &self,
        client: &reqwest::Client,
        csrf: &str,
        case_id: i64,
        body: &str,
        files: &[Upload],
    ) -> reqwest::Response {
        self.post_staff_text(client, csrf, case_id, "message", body, files)
            .await
    }

    /// A staff member logged in on `client` keeps an internal note on case `case_id`
    /// (`POST /staff/cases/{id}/note`).
    pub async fn post_staff_note(
        &self,
        client: &reqwest::Client,
        csrf: &str,
        case_id: i64,
        body: &str,
        files: &[Upload],
    ) -> reqwest::Response {
        self.post_staff_text(client, csrf, case_id, "note", body, files)
            .await
    }

    /// Print staff import an enterprise register (`POST /staff/enterprises/import`).
    pub async fn import_register(&self, csrf: &str, file: Upload) -> reqwest::Response {
        self.post_file("/staff/enterprises/import", csrf, file)
            .await
    }

    /// An admin loads a year's holiday calendar (`POST /staff/admin/calendar`).
    pub async fn upload_calendar(&self, csrf: &str, file: Upload) -> reqwest::Response {
        self.post_file("/staff/admin/calendar", csrf, file).await
    }

    async fn post_file(&self, path: &str, csrf: &str, file: Upload) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part("file", file.part());
        self.client
            .post(format!("{}{path}", self.address))
            .multipart(form)
            .send()
            .await
            .expect("file sent")
    }

    async fn post_staff_text(
        &self,
        client: &reqwest::Client,
        csrf: &str,
        case_id: i64,
        what: &str,
        body: &str,
        files: &[Upload],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("body", body.to_string());
        for file in files {
            form = form.part("attachment", file.part());
        }
        client
            .post(format!("{}/staff/cases/{case_id}/{what}", self.address))
            .multipart(form)
            .send()
            .await
            .expect("sent")
    }
}
