//! What the integration tests share: a server per test ([`app`]), one `TestApp` method per
//! door ([`doors`]), the report a reporter sends ([`report`]), cards and crafted files for
//! intake ([`intake`]), cases moved along through the domain ([`cases`]) and a real SMTP
//! server ([`smtp_server`]).

pub mod app;
pub mod cases;
pub mod doors;
pub mod intake;
pub mod report;
pub mod smtp_server;

pub use app::*;
pub use report::{Report, Upload};
