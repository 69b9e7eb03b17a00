//! What a renderer needs to print a batch: plain data, no database. The issuing side builds
//! these from the database; the render side turns them into PDF, PNG or SVG.

/// The mark trial cards carry beside their serial.
pub const SAMPLE_MARK: &str = "样卡";

/// A card or a desk sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintKind {
    /// An ID-1 card handed to an enterprise.
    Card,
    /// A larger stand-up sign for a service window.
    DeskSign,
}

/// Everything that is the same on every card of a batch.
#[derive(Clone, Debug)]
pub struct PrintJob {
    pub kind: PrintKind,
    /// Template name: a folder or file under `print-assets/templates/`.
    pub template: String,
    /// Issuing body, e.g. 诸暨市纪委监委.
    pub org_name: String,
    pub hotline: String,
    /// Where to report without scanning, printed for a phone whose camera will not read the
    /// code: the public address's host (and path) plus `/report`, e.g.
    /// `jianduka.zhuji.gov.cn/report`.
    pub report_address: String,
    /// Title of the negative list version, e.g. 营商环境负面清单.
    pub list_title: String,
    /// The negative-list items in order (Chinese), as printed on the front.
    pub items: Vec<String>,
    /// Whether the holder's name (enterprise or window) is printed on the back.
    pub show_holder_name: bool,
}

/// What differs from card to card.
#[derive(Clone, Debug)]
pub struct PrintCard {
    /// Card serial number, printed small on the back.
    pub serial: String,
    /// What the QR code encodes: `{public_base_url}/r/{token}`.
    pub url: String,
    /// Enterprise name (cards) or window name (desk signs).
    pub holder_name: Option<String>,
    /// Second line for desk signs: the hall.
    pub holder_detail: Option<String>,
    /// A trial print (local address allowed): the serial is followed by a 样卡 mark.
    pub sample: bool,
}

/// The report form's address as a person types it: the public base URL without its scheme,
/// plus `/report` (the form without a card).
pub fn report_address(base_url: &str) -> String {
    let rest = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"))
        .unwrap_or(base_url);
    format!("{}/report", rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_address_drops_the_scheme_and_keeps_port_and_path() {
        assert_eq!(
            report_address("https://jianduka.zhuji.gov.cn"),
            "jianduka.zhuji.gov.cn/report"
        );
        assert_eq!(
            report_address("http://example.gov.cn:8443/jdk/"),
            "example.gov.cn:8443/jdk/report"
        );
    }
}
