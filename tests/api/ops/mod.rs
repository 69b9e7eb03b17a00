//! What a commission's IT department does with the program: copy the binary alone and run it,
//! reach PostgreSQL over TLS, check a deployment, back up and restore.

mod backup;
mod doctor;
mod postgres_tls;
mod standalone;
mod upgrade;

use std::process::{Command, Output};

/// The text of a command's standard output.
fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of a command's standard error.
fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `program` if it is installed; `None` (after saying so) if it is not.
fn tool(program: &str, args: &[&str]) -> Option<Output> {
    match Command::new(program).args(args).output() {
        Ok(output) => Some(output),
        Err(_) => {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "note: {program} is not installed; skipping this check"
            );
            None
        }
    }
}
