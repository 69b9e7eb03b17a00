//! The files built into the binary by `build.rs`: every template, static file and locale.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
