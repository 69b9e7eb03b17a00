//! Whether cards may be printed for the configured public address. A QR code that points at
//! a loopback, private or `.local` address opens nothing on an enterprise's phone, so cards
//! are refused for such an address unless `JIANDUKA_ALLOW_LOCAL_URL` says this is a trial
//! (then each card carries a 样卡 mark). A default issuer name only earns a warning.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{SettingError, Settings};

/// What the public address means for printing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintAddress {
    /// Reachable from outside (as far as the address tells).
    Public,
    /// Local, but allowed: cards are samples.
    Sample,
}

pub use super::print::SAMPLE_MARK;

/// Whether `host` (a URL's host) names a machine no outside phone can reach.
pub fn is_local_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || name.ends_with(".internal")
                || !name.contains('.')
        }
        url::Host::Ipv4(ip) => is_local_ip(IpAddr::V4(*ip)),
        url::Host::Ipv6(ip) => is_local_ip(IpAddr::V6(*ip)),
    }
}

fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4 == Ipv4Addr::BROADCAST
                // 100.64.0.0/10, carrier-grade NAT.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                // fc00::/7 unique local, fe80::/10 link local.
                || (v6.segments()[0] & 0xFE00) == 0xFC00
                || (v6.segments()[0] & 0xFFC0) == 0xFE80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_local_ip(IpAddr::V4(v4)))
                || v6 == Ipv6Addr::LOCALHOST
        }
    }
}

/// Checks the settings before cards are issued or rendered: the error names the setting to
/// change, in one line.
pub fn check(settings: &Settings) -> Result<PrintAddress, SettingError> {
    let url = &settings.public_base_url;
    let local = url.host().is_none_or(|host| is_local_host(&host));
    match (local, settings.allow_local_url) {
        (false, _) => Ok(PrintAddress::Public),
        (true, true) => Ok(PrintAddress::Sample),
        (true, false) => Err(SettingError::new(
            "JIANDUKA_PUBLIC_BASE_URL",
            format!(
                "{} is not an address an enterprise's phone can open; set the public https \
                 address before printing cards (or JIANDUKA_ALLOW_LOCAL_URL=true for trial \
                 prints, marked {SAMPLE_MARK})",
                settings.base_url()
            ),
        )),
    }
}

/// A warning while the issuer is still the default name, which names no city.
pub fn issuer_warning(settings: &Settings) -> Option<String> {
    (settings.org_name == crate::config::DEFAULT_ORG_NAME).then(|| {
        format!(
            "JIANDUKA_ORG_NAME is still the default \"{}\": cards name the issuing body, e.g. \
             诸暨市纪委监委",
            settings.org_name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(url: &str) -> bool {
        let url = url::Url::parse(url).expect("url");
        url.host().is_none_or(|h| is_local_host(&h))
    }

    #[test]
    fn loopback_private_and_local_names_are_local_and_public_ones_are_not() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://192.168.1.20",
            "http://10.0.0.5",
            "http://172.20.0.1",
            "http://169.254.1.1",
            "http://[::1]:8080",
            "http://[fd00::1]",
            "http://printer.local",
            "http://intranet",
            "http://0.0.0.0:8080",
        ] {
            assert!(local(url), "{url}");
        }
        for url in [
            "https://jb.zhuji.gov.cn",
            "http://203.0.113.7",
            "https://[2001:db8::1]",
            "https://172.32.0.1",
        ] {
            assert!(!local(url), "{url}");
        }
    }
}
