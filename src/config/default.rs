//! Built-in defaults, in the order of the settings in `config/mod.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;

pub fn bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
pub fn data_dir() -> PathBuf {
    PathBuf::from("data")
}
pub fn org_name() -> String {
    super::DEFAULT_ORG_NAME.into()
}
pub fn hotline() -> String {
    "12388".into()
}
pub fn log() -> String {
    "info".into()
}
/// A number written where the setting is declared: `default::count::<10>`.
pub fn count<const N: u32>() -> u32 {
    N
}
pub fn workers() -> u32 {
    u32::try_from(crate::pool::cores()).unwrap_or(1)
}
