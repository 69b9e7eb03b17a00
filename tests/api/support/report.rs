//! A report as the public form sends it, built from sensible defaults:
//! `Report::default().items(&[3]).text("…")`.

use super::intake::STORY;

/// A file a reporter or a staff member uploads.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// A file called `name` of type `mime`.
    pub fn new(name: &str, mime: &str, bytes: Vec<u8>) -> Upload {
        Upload {
            name: name.to_string(),
            mime: mime.to_string(),
            bytes,
        }
    }

    /// The multipart part a browser sends for this file.
    pub fn part(&self) -> reqwest::multipart::Part {
        reqwest::multipart::Part::bytes(self.bytes.clone())
            .file_name(self.name.clone())
            .mime_str(&self.mime)
            .expect("a valid MIME type")
    }
}

/// What a reporter fills in on `/r/{token}` or `/report`: by default item 1, [`STORY`],
/// anonymous, no files, no extra headers.
#[derive(Clone, Debug)]
pub struct Report {
    items: Vec<i32>,
    text: String,
    /// The other fields, in the order the form sends them (`contact` last but one: a test
    /// that chooses contact details replaces it).
    fields: Vec<(&'static str, String)>,
    contact: Vec<(&'static str, String)>,
    files: Vec<Upload>,
    headers: Vec<(&'static str, String)>,
}

impl Default for Report {
    fn default() -> Report {
        Report {
            items: vec![1],
            text: STORY.to_string(),
            fields: Vec::new(),
            contact: vec![("contact", "no".to_string())],
            files: Vec::new(),
            headers: Vec::new(),
        }
    }
}

impl Report {
    /// The negative-list items ticked, by position (none: `&[]`).
    pub fn items(mut self, items: &[i32]) -> Report {
        self.items = items.to_vec();
        self
    }

    /// What happened, in the reporter's words.
    pub fn text(mut self, text: &str) -> Report {
        self.text = text.to_string();
        self
    }

    /// Which department or official.
    pub fn department(self, department: &str) -> Report {
        self.field("department", department)
    }

    /// When it happened, as the date field sends it (`YYYY-MM-DD`).
    pub fn occurred_on(self, date: &str) -> Report {
        self.field("occurred_on", date)
    }

    /// The reporter ticks "tell the office which enterprise I am".
    pub fn identify(self) -> Report {
        self.field("identify", "yes")
    }

    /// The reporter leaves contact details instead of staying anonymous.
    pub fn contact(mut self, name: &str, phone: &str) -> Report {
        self.contact = vec![
            ("contact", "yes".to_string()),
            ("contact_name", name.to_string()),
            ("contact_phone", phone.to_string()),
        ];
        self
    }

    /// The one-time submission id the form page carried.
    pub fn submission(self, id: &str) -> Report {
        self.field("submission", id)
    }

    /// Attaches a file.
    pub fn file(mut self, name: &str, mime: &str, bytes: Vec<u8>) -> Report {
        self.files.push(Upload::new(name, mime, bytes));
        self
    }

    /// Sends `name: value` with the request (a user agent, a proxy's client address).
    pub fn header(mut self, name: &'static str, value: &str) -> Report {
        self.headers.push((name, value.to_string()));
        self
    }

    fn field(mut self, name: &'static str, value: &str) -> Report {
        self.fields.push((name, value.to_string()));
        self
    }

    /// The multipart body a browser sends for this report.
    pub fn form(&self) -> reqwest::multipart::Form {
        let mut form = reqwest::multipart::Form::new();
        for item in &self.items {
            form = form.text("item", item.to_string());
        }
        form = form.text("description", self.text.clone());
        for (name, value) in self.contact.iter().chain(&self.fields) {
            form = form.text(*name, value.clone());
        }
        for file in &self.files {
            form = form.part("attachment", file.part());
        }
        form
    }

    /// Posts this report to `url` with `client`; the answer (a refusal too).
    pub async fn send_to(&self, client: &reqwest::Client, url: &str) -> reqwest::Response {
        let mut request = client.post(url).multipart(self.form());
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        request.send().await.expect("report sent")
    }
}
