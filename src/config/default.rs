//! Built-in defaults, in the order of the settings in `config/mod.rs`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
/// `print-assets` in the working directory, else beside the program: in its folder or up
/// to three above it (a test binary in `target/debug/deps` reaches the repository). A
/// copied binary never looks where it was built; if nothing is found, the start-up check
/// reports the missing folder.
pub fn print_assets() -> PathBuf {
    let local = PathBuf::from("print-assets");
    if local.is_dir() {
        return local;
    }
    let program_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    program_dir
        .iter()
        .flat_map(|dir| dir.ancestors().take(4))
        .map(|dir| dir.join("print-assets"))
        .find(|candidate| candidate.is_dir())
        .unwrap_or(local)
}
/// A number written where the setting is declared: `default::count::<10>`.
pub fn count<const N: u32>() -> u32 {
    N
}
pub fn workers() -> u32 {
    u32::try_from(crate::pool::cores()).unwrap_or(1)
}
