//! `jianduka users …`: staff accounts from the command line.

use std::process::ExitCode;

use clap::Subcommand;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::tokens::{self, TokenError};
use super::{NewUser, Role};
use crate::audit::Actor;
use crate::cli::output::{CliError, say};
use crate::clock::beijing;
use crate::entities::users;
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
    /// Personal API tokens for the JSON API.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `jianduka users token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token to a user; prints it once (only its hash is kept).
    Issue {
        /// Whose token: it acts with this account's role.
        username: String,
        /// What the token is for, e.g. "weekly report script".
        #[arg(long)]
        name: String,
    },
    /// List tokens (all, or one user's), never their secrets.
    List {
        /// Only this user's tokens.
        username: Option<String>,
    },
    /// Revoke a token by its id (see `users token list`); it stops working at once.
    Revoke {
        /// The token's id.
        id: i64,
    },
}

/// Runs one `users` subcommand.
pub async fn run(state: &AppState, command: UsersCommand) -> Result<ExitCode, CliError> {
    let (username, role, name, email, password_stdin) = match command {
        UsersCommand::Add {
            username,
            role,
            name,
            email,
            password_stdin,
        } => (username, role, name, email, password_stdin),
        UsersCommand::Token(command) => return run_token(state, command).await,
    };
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

async fn user_named(state: &AppState, username: &str) -> Result<users::Model, CliError> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username.trim()))
        .one(&state.db)
        .await?
        .ok_or_else(|| CliError::Usage(format!("no user named '{username}'")))
}

fn token_error(e: TokenError) -> CliError {
    match e {
        TokenError::Db(e) => CliError::Other(anyhow::Error::new(e)),
        TokenError::Other(e) => CliError::Other(e),
        other => CliError::Usage(other.to_string()),
    }
}

async fn run_token(state: &AppState, command: TokenCommand) -> Result<ExitCode, CliError> {
    let stamp = state.stamp(Actor::System("cli"));
    match command {
        TokenCommand::Issue { username, name } => {
            let user = user_named(state, &username).await?;
            let (token, secret) = tokens::issue_token(&state.writes, &stamp, user.id, &name)
                .await
                .map_err(token_error)?;
            say!(
                "issued token {} '{}' to {} ({})",
                token.id,
                token.name,
                user.username,
                user.role.as_str()
            );
            say!("{}", secret.expose());
            say!("(shown once; send it as the header  Authorization: Bearer <token>)");
        }
        TokenCommand::List { username } => {
            let owner = match username {
                Some(name) => Some(user_named(state, &name).await?.id),
                None => None,
            };
            let list = tokens::list_tokens(&state.db, owner).await?;
            if list.is_empty() {
                say!("no tokens");
            }
            for t in list {
                let state = match (t.revoked_at, t.user_active) {
                    (Some(at), _) => format!("revoked {}", beijing(at)),
                    (None, false) => "account disabled".to_string(),
                    (None, true) => "active".to_string(),
                };
                let used = t.last_used_at.map(beijing);
                say!(
                    "{}\t{}\t{}\tcreated {}\tlast used {}\t{state}",
                    t.id,
                    t.username,
                    t.name,
                    beijing(t.created_at),
                    used.as_deref().unwrap_or("never"),
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let token = tokens::revoke_token(&state.writes, &stamp, id)
                .await
                .map_err(token_error)?;
            say!("revoked token {} '{}'", token.id, token.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
