//! `jianduka users …`: staff accounts from the command line.

use std::process::ExitCode;

use clap::Subcommand;

use super::{NewUser, Role};
use crate::audit::Actor;
use crate::cli::output::{CliError, say};
use crate::state::AppState;

/// `jianduka users` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a staff account; prints a generated password unless --password-stdin is given.
    Add {
        /// Login name (letters, digits, '.', '_', '-').
        username: String,
        /// admin, supervisor, inspector or print-staff.
        #[arg(long)]
        role: String,
        /// Name shown in the UI [default: the username].
        #[arg(long)]
        name: Option<String>,
        /// Email address for reminders.
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Runs one `users` subcommand.
pub async fn run(state: &AppState, command: UsersCommand) -> Result<ExitCode, CliError> {
    let UsersCommand::Add {
        username,
        role,
        name,
        email,
        password_stdin,
    } = command;
    let role = Role::parse(&role).ok_or_else(|| {
        CliError::Usage(format!(
            "--role: '{role}' is not one of admin, supervisor, inspector, print-staff"
        ))
    })?;
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| CliError::Usage(format!("reading the password from stdin: {e}")))?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (super::generate_password()?, true)
    };
    let user = super::create_user(
        &state.writes,
        &state.stamp(Actor::System("cli")),
        NewUser {
            display_name: name.unwrap_or_else(|| username.clone()),
            username,
            email,
            role,
            password: password.clone(),
            must_change_password: generated,
        },
    )
    .await
    .map_err(|e| CliError::Usage(e.to_string()))?;
    say!("created {} ({})", user.username, role.as_str());
    if generated {
        say!("password: {password}  (shown once; it must be changed at first login)");
    }
    Ok(ExitCode::SUCCESS)
}
